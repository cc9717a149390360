package picker

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// previewMaxAge is how long a browser keeps a thumbnail without asking again. The URL carries the file's version
// (its WebDAV etag), so a changed file gets a new URL; within the day a reload revalidates with If-None-Match.
const previewMaxAge = "private, max-age=86400"

// preview serves the thumbnail of a file in the user's cloud: fetched with the user's token on the server (the
// token never reaches the browser), only for files the listing says have a preview. The answer is an image or
// an empty error status (an <img> shows nothing then; the file-type icon stays). A request whose If-None-Match
// names the version in the URL is answered 304 without asking the cloud.
func (h *handler) preview(c echo.Context) error {
	s, err := h.openInstance(c)
	if err != nil {
		return done(err)
	}
	p := c.QueryParam("path")
	if p == "" {
		return c.NoContent(http.StatusNotFound)
	}
	etag := previewETag(s.cur.Instance.ID, s.user.ID, p, c.QueryParam("v"))
	hdr := c.Response().Header()
	hdr.Set("Cache-Control", previewMaxAge)
	hdr.Set("ETag", etag)
	hdr.Set("Vary", "Cookie")
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		return c.NoContent(http.StatusNotModified)
	}
	ctx := c.Request().Context()
	th, err := h.svc.Preview(ctx, s.user, s.cur.Instance, p)
	if err != nil {
		hdr.Del("ETag")
		hdr.Set("Cache-Control", "no-store")
		if errors.Is(err, cloud.ErrNotFound) {
			return c.NoContent(http.StatusNotFound)
		}
		pr := h.env.Problem(c, err, s.cur.CloudName())
		h.env.Logger.WarnContext(ctx, "ocrepo: preview failed", "user", s.user.ID, "instance", s.cur.Instance.ID, "status", pr.Status, "err", err)
		return c.NoContent(pr.Status)
	}
	hdr.Set("Content-Disposition", "inline")
	return c.Blob(http.StatusOK, th.ContentType, th.Data)
}

// previewETag is the validator of a thumbnail: the file's version as the listing showed it, bound to the user,
// the instance and the path.
func previewETag(instance int64, user, p, version string) string {
	sum := sha256.Sum256([]byte("ocrepo preview\x00" + strconv.FormatInt(instance, 10) + "\x00" + user + "\x00" + p + "\x00" + version))
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// etagMatches reports whether an If-None-Match header names etag (or is *).
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "W/"))
		if v == etag || v == "*" {
			return true
		}
	}
	return false
}
