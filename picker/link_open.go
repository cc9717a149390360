package picker

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// linkOpen shows an access controlled link to a viewer: open the file (streamed, no share), and for editors an
// edit share in their cloud, for others a read-only one on request. It makes no request to the cloud.
func (h *handler) linkOpen(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return done(h.failWith(c, http.StatusNotFound, "link_gone"))
	}
	o, err := h.svc.OpenControlled(c.Request().Context(), web.User(c), id)
	if err != nil {
		return done(h.linkFailed(c, err))
	}
	return h.renderLink(c, o, nil, nil)
}

// linkFailed answers a failed open or share of a controlled link: 404 for a link the viewer may not see.
func (h *handler) linkFailed(c echo.Context, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, service.ErrNoAccess):
		// A link the viewer may not see answers exactly like one that does not exist, so ids cannot be probed.
		return h.failWith(c, http.StatusNotFound, "link_gone")
	case errors.Is(err, service.ErrNoSystemAccount):
		return h.failWith(c, http.StatusServiceUnavailable, "link_no_system_account")
	}
	h.env.LogError(c.Request().Context(), "controlled link", "err", err)
	return h.failProblem(c, h.env.Problem(c, err, ""))
}

// renderLink draws the controlled-link page.
func (h *handler) renderLink(c echo.Context, o service.ControlledOpen, granted *service.Granted, problem *templates.Alert) error {
	l := o.Link
	cloudName := h.linkCloud(c, l)
	if cloudName == "" {
		cloudName = h.env.T(c, "cloud.unnamed")
	}
	v := templates.ControlledPage{
		Name: l.Name, Owner: l.OwnerUserID, Submitted: l.Submitted, CanEdit: o.Access >= host.AccessEdit,
		FileURL: h.env.Routes.URL("link.file", l.ID), ShareURL: h.env.Routes.URL("link.share", l.ID),
		CloudName: cloudName, Problem: problem,
	}
	if l.Size > 0 {
		v.Size = h.env.Localizer(c).Size(l.Size)
	}
	v.Owner, v.Item = l.OwnerUserID, strings.Join(l.Context, " › ")
	if l.OwnerCloud != "" && l.OwnerCloud != l.OwnerUserID {
		v.Owner = h.env.T(c, "controlled.owner_at", "Owner", l.OwnerUserID, "Account", l.OwnerCloud, "Cloud", cloudName)
	}
	v.Icon = h.env.Routes.URL("static", "") + "icons.svg#i-" + iconFamily(false, l.ContentType, l.Name)
	if previewable(l.ContentType, l.Name) {
		v.Preview = web.WithQuery(h.env.Routes.URL("link.preview", l.ID), "v", strconv.FormatInt(l.Updated.Unix(), 10))
	}
	if granted != nil {
		v.SharedHere, v.WebURL = granted.Share.Target, granted.WebURL
		v.Notice = &templates.Alert{Code: "shared", Kind: "success", Title: h.env.T(c, "controlled.shared.title", "Cloud", cloudName),
			Detail: h.env.T(c, "controlled.shared.detail", "Path", granted.Share.Target)}
	} else if o.Share != nil && o.Share.Target != "" {
		v.SharedHere = o.Share.Target
		if iss, err := h.svc.GetIssuer(c.Request().Context(), l.IssuerID); err != nil {
			h.env.Logger.WarnContext(c.Request().Context(), "ocrepo: controlled link: issuer for the web link", "link", l.ID, "err", err)
		} else {
			v.WebURL = service.Available{Issuer: iss}.WebUI(parentDir(o.Share.Target))
		}
	}
	pg := h.env.Page(c, l.Name)
	pg.Narrow = true
	status := http.StatusOK
	if problem != nil {
		status = http.StatusBadGateway
	}
	return h.env.Render(c, status, templates.ControlledScreen(pg, v))
}

// linkCloud is the name of a controlled link's cloud, "" when it cannot be read (the page still works; only the
// cloud's name is generic).
func (h *handler) linkCloud(c echo.Context, l store.ControlledLink) string {
	name, err := h.svc.IssuerName(c.Request().Context(), l.IssuerID)
	if err != nil {
		h.env.Logger.WarnContext(c.Request().Context(), "ocrepo: controlled link: issuer name", "link", l.ID, "err", err)
		return ""
	}
	return name
}

func parentDir(p string) string {
	for i := len(p) - 1; i > 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "/"
}
