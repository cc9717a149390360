package admin

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// auditPageSize is how many audit entries one page shows.
const auditPageSize = 50

// auditList shows one page of the audit trail, newest first.
func (h *handler) auditList(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	p, err := h.svc.Audit(c.Request().Context(), page, auditPageSize)
	if err != nil {
		return h.failed(c, "admin.what.audit", err)
	}
	v := templates.AuditList{Frame: h.frame(c, h.env.T(c, "admin.nav.audit"), sectionAudit), Page: p.Page}
	base := h.env.Routes.URL("admin.audit")
	if p.Page > 1 {
		v.Prev = base
		if p.Page > 2 {
			v.Prev = web.WithQuery(base, "page", strconv.Itoa(p.Page-1))
		}
	}
	if p.HasNext {
		v.Next = web.WithQuery(base, "page", strconv.Itoa(p.Page+1))
	}
	for _, e := range p.Entries {
		v.Rows = append(v.Rows, templates.AuditRow{
			At: h.when(c, e.At), ISO: e.At.UTC().Format("2006-01-02T15:04:05Z"),
			Actor: e.Actor, Action: e.Action, ActionLabel: h.auditAction(c, e.Action), Target: h.auditTarget(c, e.Target), Detail: h.env.SayStored(c, service.AuditDetail(e)),
		})
	}
	return h.env.Render(c, http.StatusOK, templates.AuditListPage(v))
}

// auditActions are the actions the audit trail records, by name.
func auditActions() []string {
	return []string{"issuer.create", "issuer.update", "issuer.delete", "issuer.check", "issuer.new_server",
		"instance.create", "instance.update", "instance.delete", "system.connect", "system.disconnect",
		"share.revoke", "share.regrant", "course.enable", "course.disable", "login.failed"}
}

// auditAction names an action in the admin's language; one this version does not know keeps its name.
func (h *handler) auditAction(c echo.Context, action string) string {
	if !slices.Contains(auditActions(), action) {
		return action
	}
	return h.env.T(c, "admin.audit.action."+strings.ReplaceAll(action, ".", "_"))
}

// auditTarget names what an entry is about ("issuer 3", "instance 7", "course 42", "controlled link 9") in the
// admin's language.
func (h *handler) auditTarget(c echo.Context, target string) string {
	for _, kind := range []string{"issuer", "instance", "course", "controlled link"} {
		if rest, ok := strings.CutPrefix(target, kind+" "); ok && rest != "" {
			return h.env.T(c, "admin.audit.target."+strings.ReplaceAll(kind, " ", "_"), "ID", rest)
		}
	}
	return target
}
