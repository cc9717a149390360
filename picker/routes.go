// Package picker serves the file picker students and teachers use: one tab per repository instance enabled for
// the course, the cloud login in a popup, the listing of their files (folders, breadcrumbs, sorting, filtering,
// paging, search, reload, logout), and picking files to import (with live progress), to link (a public share) or
// as an access controlled link; in URL mode it is the URL-resource chooser. It also serves the OAuth callback.
//
// Every picker request carries the host's signed pick request (the r parameter) and the instance (i), so the
// handlers keep no state between requests and any replica can serve any of them.
package picker

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
)

// Register mounts the picker's routes and the OAuth callback on g.
func Register(g *echo.Group, env *web.Env) {
	h := &handler{env: env, svc: env.Service}
	env.Handle(g, http.MethodGet, web.RoutePicker, "picker", h.page)
	env.Handle(g, http.MethodGet, "/picker/list", "picker.list", h.list)
	env.Handle(g, http.MethodGet, "/picker/search", "picker.search", h.search)
	env.Handle(g, http.MethodGet, "/picker/preview", "picker.preview", h.preview)
	env.Handle(g, http.MethodGet, "/picker/view", "picker.view", h.viewMode)
	env.HandleSized(g, http.MethodPost, "/picker/pick", "picker.pick", web.BodyLimitLargeForm, h.pick)
	env.Handle(g, http.MethodGet, "/picker/import/:id", "picker.import", h.importStatus)
	env.Handle(g, http.MethodPost, "/picker/import/:id/cancel", "picker.import.cancel", h.importCancel)
	env.Handle(g, http.MethodGet, "/picker/login/:instance", "picker.login", h.login)
	env.Handle(g, http.MethodPost, "/picker/logout/:instance", "picker.logout", h.logout)
	env.Handle(g, http.MethodGet, "/callback", "callback", h.callback)
	env.Handle(g, http.MethodGet, web.RouteLink, "link", h.linkOpen)
	env.Handle(g, http.MethodGet, "/link/:id/file", "link.file", h.linkFile)
	env.Handle(g, http.MethodGet, "/link/:id/preview", "link.preview", h.linkPreview)
	env.Handle(g, http.MethodPost, "/link/:id/share", "link.share", h.linkShare)
}
