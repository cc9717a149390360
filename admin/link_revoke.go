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
		return h.notFound(c, "admin.what.share")
	}
	ctx := c.Request().Context()
	back := h.safeBack(s, c.FormValue("back"))
	if c.FormValue("confirm") != "yes" {
		r, err := h.svc.ConsoleRow(ctx, s.course, id)
		if err != nil {
			return h.failed(c, "admin.what.share", err)
		}
		row := h.freshRow(c, s, r, back)
		share, found := findShare(row, user)
		switch {
		case !found:
			return h.notFound(c, "admin.what.share")
		case share.Revoked && web.IsHTMX(c):
			row.Announce, row.Focus = h.env.T(c, "admin.share.revoked_already", "User", user), user
			return h.env.Render(c, http.StatusOK, templates.LinkRowFragment(row))
		case share.Revoked:
			return c.Redirect(http.StatusSeeOther, back)
		case web.IsHTMX(c):
			row.Confirm = user
			row.Announce = h.env.T(c, "admin.share.confirm_announce", "User", user)
			return h.env.Render(c, http.StatusOK, templates.LinkRowFragment(row))
		}
		title := h.env.T(c, "admin.share.revoke_title", "User", user)
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
	row.Announce = h.env.T(c, "admin.share.revoked", "User", user, "File", r.Link.Name)
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
		return h.notFound(c, "admin.what.share")
	case errors.Is(err, service.ErrNoSystemAccount):
		detail := h.env.T(c, "admin.share.no_system_admin")
		if s.course != "" && !h.env.IsAdmin(c) {
			detail = h.env.T(c, "admin.share.no_system_teacher")
		}
		return h.env.Fail(c, http.StatusServiceUnavailable, h.env.T(c, "admin.share.unchangeable"), detail)
	}
	h.env.LogError(c.Request().Context(), "admin: change a share of a controlled link", "path", c.Path(), "err", err)
	p := h.env.Problem(c, err, "")
	return h.env.Fail(c, p.Status, p.User.Title, p.User.Detail+" "+h.env.T(c, "admin.share.nothing_changed"))
}
