package cloudtest

// Endpoint names for counters and faults.
const (
	EPAuthorize    = "authorize"    // the OAuth authorize page; Nextcloud's login flow and grant pages
	EPToken        = "token"        // the OAuth token endpoint, with or without index.php
	EPLogin        = "login"        // the login page (the login flow's form; where paths without index.php land)
	EPUserinfo     = "userinfo"     // ocs/v{1,2}.php/cloud/user
	EPWebDAV       = "webdav"       // all WebDAV methods at remote.php/webdav/ and remote.php/dav/
	EPOCS          = "ocs"          // the share API (and unknown OCS routes)
	EPStatus       = "status"       // status.php
	EPCapabilities = "capabilities" // ocs/v{1,2}.php/cloud/capabilities
	EPPublic       = "public"       // public link pages and downloads, public.php WebDAV
)

// count records one request.
func (s *Server) count(endpoint, method string) {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	s.counts[endpoint]++
	s.methodCounts[[2]string{endpoint, method}]++
}

// Count returns how many requests reached an endpoint (faulted ones included).
func (s *Server) Count(endpoint string) int {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	return s.counts[endpoint]
}

// CountMethod returns how many requests with one method ("PROPFIND") reached an endpoint.
func (s *Server) CountMethod(endpoint, method string) int {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	return s.methodCounts[[2]string{endpoint, method}]
}

// ResetCounts zeroes the counters.
func (s *Server) ResetCounts() {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	clear(s.counts)
	clear(s.methodCounts)
}

// RefreshRedemptions counts how many times each refresh token was presented at the token endpoint; a value over
// 1 is a double redemption. The map is a copy.
func (s *Server) RefreshRedemptions() map[string]int {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	out := make(map[string]int, len(s.redemptions))
	for k, v := range s.redemptions {
		out[k] = v
	}
	return out
}

// IssuedSecrets returns every secret the server has handed out so far, in order: authorization codes, access
// tokens and refresh tokens, live or long dead. Tests scan logs, pages and databases for them.
func (s *Server) IssuedSecrets() []string {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	return append([]string(nil), s.issued...)
}
