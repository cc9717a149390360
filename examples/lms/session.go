package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The demo signs people in without passwords: the switcher in the page header sets a signed session cookie for
// the chosen user. A real LMS has its own sign-in; what ocrepo needs from it is only the Users hook (hooks.go),
// which reads this cookie.

const (
	sessionCookie = "lms_session"
	sessionLife   = 7 * 24 * time.Hour
)

// errNoSession means the request carries no valid session cookie.
var errNoSession = errors.New("lms: no session")

// sessions issues and checks session cookies: "<user>|<expiry>|<mac>", the MAC keyed from the site's secret.
type sessions struct {
	key []byte
	now func() time.Time
}

func (s sessions) mac(user string, exp int64) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// cookie is a session cookie for user.
func (s sessions) cookie(user string) *http.Cookie {
	exp := s.now().Add(sessionLife).Unix()
	return &http.Cookie{Name: sessionCookie, Value: user + "|" + strconv.FormatInt(exp, 10) + "|" + s.mac(user, exp),
		Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(sessionLife / time.Second)}
}

// clear is the cookie that signs out.
func (s sessions) clear() *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1}
}

// user returns the signed-in user's id, or errNoSession.
func (s sessions) user(r *http.Request) (string, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", errNoSession
	}
	parts := strings.Split(ck.Value, "|")
	if len(parts) != 3 || parts[0] == "" {
		return "", errNoSession
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || s.now().Unix() > exp {
		return "", errNoSession
	}
	if !hmac.Equal([]byte(parts[2]), []byte(s.mac(parts[0], exp))) {
		return "", errNoSession
	}
	return parts[0], nil
}
