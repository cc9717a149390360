package admin

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// linkRevoke revokes a user's share of a controlled link from the admins' console.
func (h *handler) linkRevoke(c echo.Context) error {
	return h.revokeShare(c, linkScope{})
}

// revokeShare asks first, then revokes. Without confirm=yes, htmx gets the row asking inside it and a plain
// browser a page asking; with it, the share goes at the cloud, htmx gets the row back (announced, focus on the
// share's Re-grant button) and a plain browser the list it came from.
func (h *handler) revokeShare(c echo.Context, s linkScope) error {
	if ok, err := h.admitted(c, s); !ok {
		return err
	}
	id, ok := pathID(c, "id")
	user := c.FormValue("user")
	if !ok || user == "" {
		return h.notFound(c, "share of an access controlled link")
	}
	ctx := c.Request().Context()
	back := h.safeBack(s, c.FormValue("back"))
	if c.FormValue("confirm") != "yes" {
		r, err := h.svc.ConsoleRow(ctx, s.course, id)
		if err != nil {
			return h.failed(c, "share of an access controlled link", err)
		}
		row := h.freshRow(c, s, r, back)
		share, found := findShare(row, user)
		switch {
		case !found:
			return h.notFound(c, "share of an access controlled link")
		case share.Revoked && web.IsHTMX(c):
			row.Announce, row.Focus = "The share of "+user+" was revoked already.", user
			return h.env.Render(c, http.StatusOK, templates.LinkRowFragment(row))
		case share.Revoked:
			return c.Redirect(http.StatusSeeOther, back)
		case web.IsHTMX(c):
			row.Confirm = user
			row.Announce = "Revoke the share of " + user + "? Confirm or cancel."
			return h.env.Render(c, http.StatusOK, templates.LinkRowFragment(row))
		}
		title := "Revoke the share of " + user + "?"
		return h.env.Render(c, http.StatusOK, templates.LinkRevokeConfirmPage(templates.LinkRevokeConfirm{
			Frame: h.linksFrame(c, s, title), Link: row, Share: share,
		}))
	}
	r, err := h.svc.ConsoleRevoke(ctx, web.User(c), s.course, id, user)
	if err != nil {
		return h.shareActionFailed(c, s, err)
	}
	if !web.IsHTMX(c) {
		return c.Redirect(http.StatusSeeOther, noticeURL(back, "share_revoked"))
	}
	row := h.freshRow(c, s, r, back)
	row.Focus = user
	row.Announce = "Revoked the share of " + user + ": " + r.Link.Name + " is gone from their cloud."
	return h.env.Render(c, http.StatusOK, templates.LinkRowFragment(row))
}

// findShare finds a user's share in a row.
func findShare(row templates.LinkRow, user string) (templates.ShareRow, bool) {
	for _, sh := range row.Shares {
		if sh.User == user {
			return sh, true
		}
	}
	return templates.ShareRow{}, false
}

// shareActionFailed answers a revoke or re-grant that did not go through; nothing was recorded as changed.
func (h *handler) shareActionFailed(c echo.Context, s linkScope, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return h.notFound(c, "share of an access controlled link")
	case errors.Is(err, service.ErrNoSystemAccount):
		detail := "Only the cloud server's system account can change these shares, and it is not connected. Connect it on the cloud server's page, then try again."
		if s.course != "" && !h.env.IsAdmin(c) {
			detail = "Only the cloud server's system account can change these shares, and it is not connected. Ask a site administrator to connect it, then try again."
		}
		return h.env.Fail(c, http.StatusServiceUnavailable, "The share cannot be changed right now", detail)
	}
	h.env.LogError(c.Request().Context(), "admin: change a share of a controlled link", "path", c.Path(), "err", err)
	p := h.env.Problem(c, err, "")
	return h.env.Fail(c, p.Status, p.User.Title, p.User.Detail+" Nothing was changed.")
}
