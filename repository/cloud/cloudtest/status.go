package cloudtest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// version describes the product a flavour imitates.
type version struct {
	major, minor, micro int
	full, text, edition string
}

// version is the flavour table's release (major.minor.micro.build).
func (s *Server) version() version {
	v := version{full: s.flavor.Version, edition: s.flavor.Edition}
	parts := strings.Split(s.flavor.Version, ".")
	nums := make([]int, 3)
	for i := range min(3, len(parts)) {
		nums[i], _ = strconv.Atoi(parts[i])
	}
	v.major, v.minor, v.micro = nums[0], nums[1], nums[2]
	v.text = strings.Join(parts[:min(3, len(parts))], ".")
	return v
}

// serveStatus is status.php (public).
func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request, _ string) {
	v := s.version()
	body := obj{
		{"installed", true},
		{"maintenance", false},
		{"needsDbUpgrade", false},
		{"version", v.full},
		{"versionstring", v.text},
		{"edition", v.edition},
		{"productname", s.productName()},
	}
	if s.flavor.Has(cloud.QuirkStatusExtendedSupport) {
		body = append(body, kv{"extendedSupport", false})
	} else {
		body = append(body, kv{"product", s.flavor.ProductName})
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, body)
}

// serveCapabilities is ocs/v{1,2}.php/cloud/capabilities.
func (s *Server) serveCapabilities(w http.ResponseWriter, r *http.Request, _ string) {
	o := ocsFormat(r)
	if r.Header.Get("Authorization") != "" {
		if _, ok := s.ocsAuth(w, r, o); !ok {
			return
		}
	}
	v := s.version()
	linkPerms := 17
	if !s.flavor.Has(cloud.QuirkPublicLinksReshare) {
		linkPerms = 1
	}
	sharing := obj{
		{"api_enabled", true},
		{"public", obj{
			{"enabled", true},
			{"password", obj{{"enforced", false}, {"askForOptionalPassword", false}}},
			{"multiple_links", true},
			{"expire_date", obj{{"enabled", false}}},
			{"expire_date_internal", obj{{"enabled", false}}},
			{"expire_date_remote", obj{{"enabled", false}}},
			{"send_mail", false},
			{"upload", true},
			{"upload_files_drop", true},
			{"default_permissions", linkPerms},
		}},
		{"resharing", true},
		{"user", obj{{"send_mail", false}, {"expire_date", obj{{"enabled", true}}}}},
		{"group_sharing", false},
		{"group", obj{{"enabled", false}, {"expire_date", obj{{"enabled", false}}}}},
		{"default_permissions", permAll},
		{"federation", obj{{"outgoing", s.flavor.Has(cloud.QuirkFederation)}, {"incoming", true}, {"expire_date", obj{{"enabled", true}}}}},
		{"sharee", obj{{"query_lookup_default", false}, {"always_show_unique", true}}},
	}
	caps := obj{
		{"core", obj{{"pollinterval", 60}, {"webdav-root", "remote.php/webdav"}}},
		{"files", obj{{"bigfilechunking", true}, {"blacklisted_files", list{".htaccess"}}}},
		{"files_sharing", sharing},
		{"dav", obj{{"chunking", "1.0"}}},
	}
	data := obj{
		{"version", obj{
			{"major", v.major}, {"minor", v.minor}, {"micro", v.micro},
			{"string", v.text}, {"edition", v.edition}, {"extendedSupport", false},
		}},
		{"capabilities", caps},
	}
	s.ocsOK(w, o, data)
}
