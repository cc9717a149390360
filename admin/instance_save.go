package admin

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
)

// instanceCreate validates and stores a new repository instance.
func (h *handler) instanceCreate(c echo.Context) error {
	return h.instanceSave(c, 0)
}

// instanceUpdate validates and stores changes to a repository instance.
func (h *handler) instanceUpdate(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.instance")
	}
	return h.instanceSave(c, id)
}

func (h *handler) instanceSave(c echo.Context, id int64) error {
	ctx := c.Request().Context()
	in := readInstanceForm(c)
	var err error
	notice := "instance_created"
	if id == 0 {
		_, err = h.svc.CreateInstance(ctx, web.User(c), in)
	} else {
		notice = "instance_saved"
		_, err = h.svc.UpdateInstance(ctx, web.User(c), id, in)
	}
	var fe *service.FormError
	if errors.As(err, &fe) {
		return h.renderInstanceForm(c, http.StatusUnprocessableEntity, id, in, h.fieldErrors(c, fe))
	}
	if err != nil {
		return h.failed(c, "admin.what.instance", err)
	}
	return redirect(c, noticeURL(h.env.Routes.URL("admin.instances"), notice))
}
