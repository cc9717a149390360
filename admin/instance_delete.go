package admin

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// instanceDeleteConfirm asks before deleting a repository instance.
func (h *handler) instanceDeleteConfirm(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.instance")
	}
	imp, err := h.svc.InstanceDeletionImpact(c.Request().Context(), id)
	if err != nil {
		return h.failed(c, "admin.what.instance", err)
	}
	return h.env.Render(c, http.StatusOK, templates.InstanceDeletePage(templates.InstanceDelete{
		Frame:           h.frame(c, h.env.T(c, "admin.delete.title", "Name", imp.Instance.Name), sectionInstances),
		Name:            imp.Instance.Name,
		Action:          h.env.Routes.URL("admin.instance.delete.do", id),
		CancelURL:       h.env.Routes.URL("admin.instance", id),
		CSRF:            web.CSRFToken(c),
		ControlledLinks: imp.ControlledLinks,
	}))
}

// instanceDelete deletes a repository instance once the admin confirmed.
func (h *handler) instanceDelete(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.instance")
	}
	if c.FormValue("confirm") != "yes" {
		return c.Redirect(http.StatusSeeOther, h.env.Routes.URL("admin.instance.delete", id))
	}
	if err := h.svc.DeleteInstance(c.Request().Context(), web.User(c), id); err != nil {
		return h.failed(c, "admin.what.instance", err)
	}
	return redirect(c, noticeURL(h.env.Routes.URL("admin.instances"), "instance_deleted"))
}
