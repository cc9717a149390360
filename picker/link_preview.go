package picker

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
)

// linkPreview serves the thumbnail of a controlled link's copy, fetched through the system account for a viewer
// the host lets see the link; an empty error status otherwise (the page's icon stays). The validator is the
// link's version (its last update), so a revalidation asks the cloud nothing.
func (h *handler) linkPreview(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return c.NoContent(http.StatusNotFound)
	}
	ctx := c.Request().Context()
	u := web.User(c)
	o, err := h.svc.OpenControlled(ctx, u, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, service.ErrNoAccess) {
			// Like the link's page: a link the viewer may not see answers as one that does not exist.
			return c.NoContent(http.StatusNotFound)
		}
		return c.NoContent(h.env.Problem(c, err, "").Status)
	}
	etag := previewETag(o.Link.ID, u.ID, o.Link.SystemPath, o.Link.Updated.UTC().String()+"/"+strconv.FormatInt(o.Link.Size, 10))
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", previewMaxAge)
	hdr.Set("ETag", etag)
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		return c.NoContent(http.StatusNotModified)
	}
	th, err := h.svc.PreviewControlled(ctx, o)
	if err != nil {
		hdr.Del("ETag")
		hdr.Set("Cache-Control", "no-store")
		if errors.Is(err, cloud.ErrNotFound) {
			return c.NoContent(http.StatusNotFound)
		}
		pr := h.env.Problem(c, err, "")
		h.env.Logger.WarnContext(ctx, "ocrepo: controlled link preview failed", "link", id, "status", pr.Status, "err", err)
		return c.NoContent(pr.Status)
	}
	hdr.Set("Content-Disposition", "inline")
	return c.Blob(http.StatusOK, th.ContentType, th.Data)
}
