package cloudtest

import (
	"net/http"
	"time"
)

// serveUserinfo is ocs/v{1,2}.php/cloud/user: who the token belongs to.
func (s *Server) serveUserinfo(w http.ResponseWriter, r *http.Request, _ string) {
	o := ocsFormat(r)
	uid, ok := s.ocsAuth(w, r, o)
	if !ok {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.ocsFail(w, o, ocsNotFound, "Invalid query, please check the syntax.")
		return
	}
	s.mu.RLock()
	u := s.users[uid]
	var used int64
	if h := s.homes[uid]; h != nil {
		used = h.size
	}
	var data obj
	if u != nil {
		var email any
		if u.email != "" {
			email = u.email
		}
		groups := make([]string, len(u.groups))
		copy(groups, u.groups)
		const free = int64(100) << 30
		data = obj{
			{"enabled", true},
			{"storageLocation", "/var/www/html/data/" + u.id},
			{"id", u.id},
			{"lastLogin", s.now().UnixMilli()},
			{"backend", "Database"},
			{"subadmin", list{}},
			{"quota", obj{{"free", free}, {"used", used}, {"total", free + used}, {"relative", relativeUse(used, free)}, {"quota", int64(-3)}}},
			{"manager", ""},
			{"email", email},
			{"additional_mail", list{}},
			{"displayname", u.displayName},
			{"display-name", u.displayName},
			{"phone", ""},
			{"address", ""},
			{"website", ""},
			{"twitter", ""},
			{"organisation", ""},
			{"role", ""},
			{"headline", ""},
			{"biography", ""},
			{"profile_enabled", "1"},
			{"groups", groups},
			{"language", "en"},
			{"locale", ""},
			{"notify_email", nil},
			{"backendCapabilities", obj{{"setDisplayName", true}, {"setPassword", true}}},
		}
	}
	s.mu.RUnlock()
	if data == nil {
		s.ocsFail(w, o, ocsUnauthorised, "Current user is not logged in")
		return
	}
	s.ocsOK(w, o, data)
}

// relativeUse is the used share of the quota in percent, as Nextcloud rounds it.
func relativeUse(used, free int64) float64 {
	total := used + free
	if total == 0 {
		return 0
	}
	return float64(int64(float64(used)/float64(total)*10000)) / 100
}

// SetUserGroups sets the groups userinfo reports for a user.
func (s *Server) SetUserGroups(id string, groups ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		panic("cloudtest: SetUserGroups: unknown user " + id)
	}
	u.groups = append([]string(nil), groups...)
}

// AddUser adds a user with a password (login page), an e-mail (may be "") and a display name, and creates
// the user's empty home folder. Adding an existing user updates the password, e-mail and display name.
func (s *Server) AddUser(id, password, email, displayName string) {
	if id == "" {
		panic("cloudtest: AddUser: empty user id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[id]; u != nil {
		u.password, u.email, u.displayName = password, email, displayName
		return
	}
	s.users[id] = &user{id: id, password: password, email: email, displayName: displayName, groups: []string{}}
	s.homes[id] = &node{
		name: id, dir: true, children: map[string]*node{}, mtime: s.now(),
		id: s.newIDLocked(), etag: s.newETagLocked(), owner: id,
	}
}

// userExistsLocked reports whether a user exists. The caller holds s.mu.
func (s *Server) userExistsLocked(id string) bool { return s.users[id] != nil }

// lastModified formats a time for HTTP headers and getlastmodified.
func lastModified(t time.Time) string { return t.UTC().Format(http.TimeFormat) }
