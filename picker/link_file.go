package picker

import (
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
)

// linkFile streams a controlled link's copy through the system account: one request to the cloud, no share, so
// a whole class opening one file never runs into the cloud's limit on new shares.
func (h *handler) linkFile(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return done(h.failWith(c, http.StatusNotFound, "link_gone"))
	}
	f, l, err := h.svc.ControlledFile(c.Request().Context(), web.User(c), id)
	if err != nil {
		return done(h.linkFailed(c, err))
	}
	defer f.Body.Close()
	hd := c.Response().Header()
	ct := f.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	hd.Set("Content-Type", ct)
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": l.Name}))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if f.Size >= 0 {
		hd.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	}
	c.Response().WriteHeader(http.StatusOK)
	buf := make([]byte, 256<<10)
	if _, err := io.CopyBuffer(c.Response(), f.Body, buf); err != nil {
		h.env.Logger.WarnContext(c.Request().Context(), "ocrepo: controlled link download broke off", "link", id, "err", err)
	}
	return nil
}
