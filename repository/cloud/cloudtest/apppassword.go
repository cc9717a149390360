package cloudtest

import (
	"net/http"
	"strings"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// serveAppPassword is ocs/v2.php/core/apppassword. DELETE with the token to drop (Nextcloud flavours) ends that
// login at once: the access token and its refresh token die, as when a user revokes the app password in their
// settings. ownCloud has no such endpoint.
func (s *Server) serveAppPassword(w http.ResponseWriter, r *http.Request, _ string) {
	o := ocsFormat(r)
	if !s.flavor.Has(cloud.QuirkAppPasswordDelete) {
		s.ocsFail(w, o, ocsNotFound, "Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.")
		return
	}
	if _, ok := s.ocsAuth(w, r, o); !ok {
		return
	}
	if r.Method != http.MethodDelete {
		s.ocsFail(w, o, ocsNotFound, "Invalid query, please check the syntax.")
		return
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.authMu.Lock()
	if t := s.access[token]; t != nil {
		delete(s.refresh, t.refresh)
		delete(s.access, token)
	}
	s.authMu.Unlock()
	s.ocsOK(w, o, list{})
}

// Revoked reports whether an access token has been ended (revoked, rotated away or never issued).
func (s *Server) Revoked(access string) bool {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	return s.access[access] == nil
}
