// Package admin serves ocrepo's admin pages: cloud servers (OAuth 2 issuers) with their endpoints, field
// mappings and connection check, system accounts, repository instances, the console of access controlled links
// (who holds which share, with revoke and re-grant, and orphans whose course item is gone), the audit trail, and
// the course pages where course managers enable or disable instances and see the course's controlled links.
//
// One file per action: load, validate, render or redirect. Every form works with htmx (it swaps itself, errors
// inline) and without JavaScript (it posts normally and the page comes back with the same errors).
package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
)

// handler holds what every admin action needs.
type handler struct {
	env *web.Env
	svc *service.Service
}

// Register mounts the admin routes on g: everything under /admin is for site admins only; /course/:course and
// below is for the course's managers (and site admins), and reaches that course's links only.
func Register(g *echo.Group, env *web.Env) {
	h := &handler{env: env, svc: env.Service}
	admin := env.RequireAdmin
	const get, post = http.MethodGet, http.MethodPost

	env.Handle(g, get, "/admin", "admin", h.issuerList, admin)
	env.Handle(g, get, "/admin/issuers", "admin.issuers", h.issuerList, admin)
	env.Handle(g, get, "/admin/issuers/new", "admin.issuer.new", h.issuerNew, admin)
	env.HandleSized(g, post, "/admin/issuers", "admin.issuer.create", web.BodyLimitLargeForm, h.issuerCreate, admin)
	env.Handle(g, get, "/admin/issuers/:id", "admin.issuer", h.issuerEdit, admin)
	env.HandleSized(g, post, "/admin/issuers/:id", "admin.issuer.update", web.BodyLimitLargeForm, h.issuerUpdate, admin)
	env.Handle(g, get, "/admin/issuers/:id/delete", "admin.issuer.delete", h.issuerDeleteConfirm, admin)
	env.Handle(g, post, "/admin/issuers/:id/delete", "admin.issuer.delete.do", h.issuerDelete, admin)
	env.Handle(g, post, "/admin/issuers/:id/check", "admin.issuer.check", h.issuerCheck, admin)
	env.Handle(g, post, "/admin/issuers/:id/system/connect", "admin.system.connect", h.systemConnect, admin)
	env.Handle(g, post, "/admin/issuers/:id/system/disconnect", "admin.system.disconnect", h.systemDisconnect, admin)

	env.Handle(g, get, "/admin/instances", "admin.instances", h.instanceList, admin)
	env.Handle(g, get, "/admin/instances/new", "admin.instance.new", h.instanceNew, admin)
	env.Handle(g, post, "/admin/instances", "admin.instance.create", h.instanceCreate, admin)
	env.Handle(g, get, "/admin/instances/:id", "admin.instance", h.instanceEdit, admin)
	env.Handle(g, post, "/admin/instances/:id", "admin.instance.update", h.instanceUpdate, admin)
	env.Handle(g, get, "/admin/instances/:id/delete", "admin.instance.delete", h.instanceDeleteConfirm, admin)
	env.Handle(g, post, "/admin/instances/:id/delete", "admin.instance.delete.do", h.instanceDelete, admin)

	env.Handle(g, get, "/admin/links", "admin.links", h.linksList, admin)
	env.Handle(g, get, "/admin/links/:id/row", "admin.link.row", h.linkRowGet, admin)
	env.Handle(g, post, "/admin/links/:id/revoke", "admin.link.revoke", h.linkRevoke, admin)
	env.Handle(g, post, "/admin/links/:id/regrant", "admin.link.regrant", h.linkRegrant, admin)

	env.Handle(g, get, "/admin/audit", "admin.audit", h.auditList, admin)
	env.Handle(g, get, "/admin/health", "admin.health", h.healthPanel, admin)

	env.Handle(g, get, "/course/:course", "course", h.courseSettings)
	env.Handle(g, post, "/course/:course/instances/:id", "course.instance", h.courseToggle)
	env.Handle(g, get, "/course/:course/links", "course.links", h.courseLinks)
	env.Handle(g, get, "/course/:course/links/:id/row", "course.link.row", h.courseLinkRow)
	env.Handle(g, post, "/course/:course/links/:id/revoke", "course.link.revoke", h.courseLinkRevoke)
	env.Handle(g, post, "/course/:course/links/:id/regrant", "course.link.regrant", h.courseLinkRegrant)
}
