package picker

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// callback is the OAuth redirect URI every cloud sends the browser back to. It finishes the login (the user's,
// or an admin connecting a system account) and shows a page that tells the picker and closes the popup; without
// JavaScript the page links back.
func (h *handler) callback(c echo.Context) error {
	ctx := c.Request().Context()
	cb := service.Callback{
		State:            c.QueryParam("state"),
		Code:             c.QueryParam("code"),
		Error:            c.QueryParam("error"),
		ErrorDescription: c.QueryParam("error_description"),
	}
	d, err := h.svc.FinishLogin(ctx, web.User(c), cb)
	v := templates.LoginDone{OK: err == nil, Instance: strconv.FormatInt(d.InstanceID, 10), BackLabel: h.env.T(c, "picker.back_picker")}
	if d.System {
		v.BackLabel = h.env.T(c, "picker.back_settings")
	}
	returnTo := d.ReturnTo
	if err == nil && !d.System {
		returnTo = h.continueLink(c, returnTo)
	}
	if returnTo != "" {
		v.Return = h.env.SafeReturn(returnTo, "")
	}
	status := 200
	if err != nil {
		cloudName := ""
		if d.IssuerID != 0 {
			if name, ierr := h.svc.IssuerName(ctx, d.IssuerID); ierr != nil {
				h.env.Logger.WarnContext(ctx, "ocrepo: login callback: issuer name", "issuer", d.IssuerID, "err", ierr)
			} else if name != "" {
				cloudName = name
			}
		}
		p := h.env.Problem(c, err, cloudName)
		h.env.Logger.WarnContext(ctx, "ocrepo: login callback failed", "issuer", d.IssuerID, "err", err)
		v.Title = p.User.Title
		v.Problem = &templates.Alert{Code: p.Code, Title: p.User.Title, Detail: p.User.Detail}
		v.Code = p.Code
		status = p.Status
	} else {
		switch {
		case d.System && d.CloudUser != "":
			v.Title = h.env.T(c, "picker.login_done.system_as", "User", d.CloudUser)
		case d.System:
			v.Title = h.env.T(c, "picker.login_done.system")
		case d.CloudUser != "":
			v.Title = h.env.T(c, "picker.login_done.user_as", "User", d.CloudUser)
		default:
			v.Title = h.env.T(c, "picker.login_done.user")
		}
	}
	pg := h.screen(c, v.Title)
	return h.env.Render(c, status, templates.LoginDoneScreen(pg, v))
}
