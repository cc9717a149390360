package picker

import (
	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/templates"
)

// loginFailure is the alert for the user's last failed cloud login at the current instance's cloud (the callback
// page that explained it was in the popup, which closed), or nil when there is none to show. A failure to read
// the record is logged and shows nothing: the login box is there either way.
func (h *handler) loginFailure(c echo.Context, s *session) *templates.Alert {
	ctx := c.Request().Context()
	f, err := h.svc.LastLoginFailure(ctx, s.cur.Issuer.ID, s.user.ID)
	if err != nil {
		h.env.LogError(ctx, "read last failed login", "issuer", s.cur.Issuer.ID, "err", err)
		return nil
	}
	if f == nil {
		return nil
	}
	p := h.env.Problem(c, f.Err, s.cur.CloudName())
	detail := p.User.Detail
	if p.User.Relogin {
		detail = s.t("picker.login_failed.relogin", "Detail", detail)
	}
	return &templates.Alert{Code: p.Code, Title: s.t("picker.login_failed.title", "Title", p.User.Title), Detail: detail}
}
