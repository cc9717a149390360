package web

import (
	"net/url"

	"github.com/labstack/echo/v4"
)

// PathParam is a path parameter decoded. Echo routes on the raw path when a request's path holds escapes that
// change its meaning (%2F), and then hands the parameter over still escaped; Routes.URL escapes every parameter,
// so a course id such as "BIO/101 ü" must be decoded here to come back as itself (and one such as "100%" must not
// be decoded twice). A parameter that does not decode is returned as it came.
func PathParam(c echo.Context, name string) string {
	raw := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return raw // routed on the decoded path: the parameter is decoded already
	}
	v, err := url.PathUnescape(raw)
	if err != nil {
		return raw
	}
	return v
}
