package picker

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// linkShare puts a controlled link's copy into the viewer's cloud: an edit share for editors, a read-only share
// for viewers who ask. A viewer not logged in to the cloud goes through the login and comes back.
func (h *handler) linkShare(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return done(h.failWith(c, http.StatusNotFound, "link_gone"))
	}
	ctx := c.Request().Context()
	u := web.User(c)
	edit := c.FormValue("edit") == "1"
	g, err := h.svc.GrantControlled(ctx, u, id, edit)
	if errors.Is(err, service.ErrNotConnected) || errors.Is(err, service.ErrLoginAgain) {
		o, oerr := h.svc.OpenControlled(ctx, u, id)
		if oerr != nil {
			return done(h.linkFailed(c, oerr))
		}
		// The intent (edit, or add a read-only copy) rides in the login state, so the share is made as soon as the
		// login finishes, without pressing the button again.
		to, lerr := h.svc.StartLogin(ctx, u, service.LoginStart{IssuerID: o.Link.IssuerID, InstanceID: o.Link.InstanceID,
			ReturnTo: continueURL(h.env.Routes.URL("link", id), edit)})
		if lerr != nil {
			return done(h.linkFailed(c, lerr))
		}
		return c.Redirect(http.StatusSeeOther, to)
	}
	if err != nil {
		o, oerr := h.svc.OpenControlled(ctx, u, id)
		if oerr != nil {
			return done(h.linkFailed(c, oerr))
		}
		if errors.Is(err, service.ErrNoAccess) {
			// The viewer sees the link but may not edit it.
			return done(h.failWith(c, http.StatusForbidden, "link_forbidden"))
		}
		cloudName := h.linkCloud(c, o.Link)
		if errors.Is(err, service.ErrShareRevoked) {
			return done(h.failProblem(c, h.env.Problem(c, err, cloudName)))
		}
		h.env.Logger.WarnContext(ctx, "ocrepo: controlled link share failed", "link", id, "user", u.ID, "err", err)
		p := h.env.Problem(c, err, cloudName)
		return h.renderLink(c, o, nil, &templates.Alert{Code: p.Code, Title: p.User.Title, Detail: p.User.Detail})
	}
	o, err := h.svc.OpenControlled(ctx, u, id)
	if err != nil {
		return done(h.linkFailed(c, err))
	}
	return h.renderLink(c, o, &g, nil)
}
