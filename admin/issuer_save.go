package admin

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
)

// issuerCreate handles the new-issuer form: a form action (fill from the preset, add or remove a row) re-renders
// it; saving validates, stores and goes back to the list.
func (h *handler) issuerCreate(c echo.Context) error {
	return h.issuerSave(c, 0)
}

// issuerUpdate handles the edit form of a cloud server the same way.
func (h *handler) issuerUpdate(c echo.Context) error {
	id, ok := pathID(c, "id")
	if !ok {
		return h.notFound(c, "admin.what.issuer")
	}
	return h.issuerSave(c, id)
}

func (h *handler) issuerSave(c echo.Context, id int64) error {
	ctx := c.Request().Context()
	in, err := readIssuerForm(c)
	if err != nil {
		return h.env.FailWith(c, http.StatusBadRequest, "admin.form.unreadable")
	}
	st := issuerState{in: in, id: id}
	if id != 0 {
		old, err := h.svc.GetIssuer(ctx, id)
		if err != nil {
			return h.failed(c, "admin.what.issuer", err)
		}
		st.secretSet = old.ClientSecret != ""
		st.newServer = h.env.Say(c, service.IssuerServerChange(old, in).Notice())
		ctx = service.WithIssuer(ctx, old)
	}
	if action := c.FormValue("action"); action != "" && action != "save" {
		h.applyAction(c, &st, action)
		return h.renderIssuerForm(c, http.StatusOK, st)
	}

	u := web.User(c)
	var fe *service.FormError
	if id == 0 {
		created, err := h.svc.CreateIssuer(ctx, u, in)
		if errors.As(err, &fe) {
			st.errors = h.fieldErrors(c, fe)
			st.focus = firstInvalid(st.errors)
			return h.renderIssuerForm(c, http.StatusUnprocessableEntity, st)
		}
		if err != nil {
			return h.failed(c, "admin.what.issuer", err)
		}
		// Land on the new server: its next steps (the connection check, the system account) are there.
		return redirect(c, noticeURL(h.env.Routes.URL("admin.issuer", created.ID), "issuer_created"))
	}
	_, err = h.svc.UpdateIssuer(ctx, u, id, in)
	if errors.As(err, &fe) {
		st.errors = h.fieldErrors(c, fe)
		st.focus = firstInvalid(st.errors)
		return h.renderIssuerForm(c, http.StatusUnprocessableEntity, st)
	}
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	return redirect(c, noticeURL(h.env.Routes.URL("admin.issuers"), "issuer_saved"))
}
