package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// The LMS's own middleware for its own pages. ocrepo's group (/cloud) sets its own headers and checks its own
// CSRF tokens, so these skip it.

const (
	csrfCookie = "lms_csrf"
	csrfField  = "csrf_token"
	csrfKey    = "lms.csrf"
)

// lmsCSP allows the LMS's own script and stylesheet only: no inline script or style.
const lmsCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

func isOcrepo(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == mountPath || strings.HasPrefix(p, mountPath+"/")
}

// securityHeaders sets the LMS pages' security headers.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isOcrepo(c) {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", lmsCSP)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
		}
		return next(c)
	}
}

// csrf protects the LMS's forms: a random token in an HttpOnly cookie must come back in the form's csrf_token
// field (double submit), and requests the browser marks as cross-site are refused outright.
func (a *app) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isOcrepo(c) {
			return next(c)
		}
		r := c.Request()
		token := ""
		if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) == 43 {
			token = ck.Value
		} else {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return fmt.Errorf("lms: csrf token: %w", err)
			}
			token = base64.RawURLEncoding.EncodeToString(b)
			c.SetCookie(&http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		}
		c.Set(csrfKey, token)
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" ||
			subtle.ConstantTimeCompare([]byte(c.FormValue(csrfField)), []byte(token)) != 1 {
			return a.fail(c, http.StatusForbidden, "This form has expired", "Go back, reload the page and try again.")
		}
		return next(c)
	}
}

// recoverPanics turns a panic in a handler into a 500 page instead of a dropped connection.
func (a *app) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if e, ok := p.(error); ok && e == http.ErrAbortHandler {
					panic(p)
				}
				err = fmt.Errorf("lms: panic: %v", p)
			}
		}()
		return next(c)
	}
}
