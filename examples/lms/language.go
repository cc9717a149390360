package main

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
)

// langCookie keeps the language a visitor chose in the menu; a real LMS keeps it in the user's profile.
const langCookie = "lms_lang"

// language is one entry of the language menu.
type language struct{ Tag, Name string }

// languages lists the menu: the languages ocrepo ships, each named in itself.
func languages() []language {
	return []language{
		{"", "Browser language"},
		{"en", "English"},
		{"de", "Deutsch"},
		{"fr", "Français"},
		{"es", "Español"},
		{"pt-BR", "Português (Brasil)"},
		{"ar", "العربية"},
	}
}

func knownLanguage(tag string) bool {
	return slices.ContainsFunc(languages(), func(l language) bool { return l.Tag == tag })
}

// Language is ocrepo's Languages hook: the language chosen in the menu; "" leaves it to the browser.
func (h *Hooks) Language(r *http.Request) string {
	c, err := r.Cookie(langCookie)
	if err != nil || !knownLanguage(c.Value) {
		return ""
	}
	return c.Value
}

// setLanguage keeps the chosen language and goes back to the page the menu was on.
func (a *app) setLanguage(c echo.Context) error {
	tag := c.FormValue("lang")
	if !knownLanguage(tag) {
		return echo.NewHTTPError(http.StatusBadRequest, "Unknown language.")
	}
	ck := &http.Cookie{Name: langCookie, Value: tag, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: c.Scheme() == "https", MaxAge: 365 * 24 * 3600}
	if tag == "" {
		ck.MaxAge = -1
	}
	c.SetCookie(ck)
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// chosenLanguage is the menu's selected entry for this request.
func chosenLanguage(c echo.Context) string {
	ck, err := c.Cookie(langCookie)
	if err != nil || !knownLanguage(ck.Value) {
		return ""
	}
	return ck.Value
}
