package picker

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
)

// continueParam carries a controlled link's pending action through the cloud login: "edit" or "add".
const continueParam = "continue"

// continueURL is a controlled link's page with the action to finish after the login.
func continueURL(link string, edit bool) string {
	action := "add"
	if edit {
		action = "edit"
	}
	return web.WithQuery(link, continueParam, action)
}

// continueLink finishes what a viewer asked for on a controlled link's page before the cloud login sent them
// away (an editor's "Edit", a reader's "Add to my cloud"). The action comes from the login state, which only
// that page's CSRF-checked POST could have stored, never from the browser; the share is made with the same
// checks as the button's (GrantControlled). It returns where the browser goes next: the link's page without
// the action (a failure is logged, and the page offers the button again).
func (h *handler) continueLink(c echo.Context, returnTo string) string {
	u, err := url.Parse(returnTo)
	if err != nil {
		return returnTo
	}
	action := u.Query().Get(continueParam)
	if action == "" {
		return returnTo
	}
	q := u.Query()
	q.Del(continueParam)
	u.RawQuery = q.Encode()
	plain := u.String()
	id, err := strconv.ParseInt(u.Path[strings.LastIndexByte(u.Path, '/')+1:], 10, 64)
	if err != nil || h.env.Routes.URL("link", id) != u.Path || (action != "edit" && action != "add") {
		return plain
	}
	ctx := c.Request().Context()
	if _, err := h.svc.GrantControlled(ctx, web.User(c), id, action == "edit"); err != nil {
		h.env.Logger.WarnContext(ctx, "ocrepo: controlled link action after login failed", "link", id, "action", action, "err", err)
	}
	return plain
}
