package cloudtest

// THIS FILE IS THE AGREED API SKETCH. The implementation replaces it with real files; keep every exported name and
// signature below (add more where useful), then delete this file.

import (
	"net"
	"net/http"
	"testing"
	"time"
)

// Flavor is which server the fake behaves like, where they differ.
type Flavor int

// The flavours.
const (
	// Nextcloud behaves like Nextcloud 34: Basic or body client auth, a repeated user share answers with the
	// existing share, SEARCH supported, WebDAV at remote.php/dav/files/{user}/ and remote.php/webdav/.
	Nextcloud Flavor = iota
	// NextcloudLegacy behaves like NC 22-era: a repeated user share is 403 "already shared".
	NextcloudLegacy
	// OwnCloud behaves like ownCloud 10: Basic client auth and redirect_uri required at the token endpoint,
	// OCS-APIRequest required (997 otherwise), repeated share 403, no SEARCH.
	OwnCloud
)

// Options configure a server. Zero values are the documented defaults.
type Options struct {
	Flavor        Flavor
	BasePath      string        // sub-path the server lives under, "/" by default (e.g. "/nc/")
	ClientID      string        // default "ocrepo"
	ClientSecret  string        // default "secret"
	RedirectURI   string        // the registered redirect URI; the authorize page redirects here (NC ignores the request's)
	TokenLifetime time.Duration // access token lifetime, default 3600 s
	CodeLifetime  time.Duration // default 10 min
	ShareLimit    int           // share-creating POSTs per user per ShareWindow before 429; default 20
	ShareWindow   time.Duration // default 10 min
	Now           func() time.Time // clock; default time.Now. Tests move time without sleeping.
	Listener      net.Listener     // serve on this listener instead of a random loopback port (the demo LMS)
	Logf          func(format string, args ...any) // request log; nil: silent
}

// Server is a running fake ownCloud/Nextcloud.
type Server struct {
	URL string // base URL with trailing slash, including BasePath
}

// New starts a server; Close stops it.
func New(opts Options) (*Server, error) { panic("sketch") }

// NewServer starts a server for a test and closes it when the test ends.
func NewServer(t testing.TB, opts Options) *Server { panic("sketch") }

// Close stops the server.
func (s *Server) Close() { panic("sketch") }

// Client returns an http.Client for the server.
func (s *Server) Client() *http.Client { panic("sketch") }

// SetRedirectURI sets the registered OAuth redirect URI (known only once the host has started).
func (s *Server) SetRedirectURI(uri string) { panic("sketch") }

// AddUser adds a user with a password (login page), an e-mail (may be "") and a display name.
func (s *Server) AddUser(id, password, email, displayName string) { panic("sketch") }

// WriteFile stores a file in a user's space, creating parent folders.
func (s *Server) WriteFile(user, path string, data []byte) { panic("sketch") }

// Mkdir creates a folder (and parents) in a user's space.
func (s *Server) Mkdir(user, path string) { panic("sketch") }

// SeedFolder fills path with n files named file-00000.txt ... of a few bytes each.
func (s *Server) SeedFolder(user, path string, n int) { panic("sketch") }

// SeedGeneratedFile adds a file of size bytes whose content is generated on the fly (deterministic pattern),
// never held in memory or on disk.
func (s *Server) SeedGeneratedFile(user, path string, size int64) { panic("sketch") }

// ReadFile returns a file's content in a user's space (for assertions), or false.
func (s *Server) ReadFile(user, path string) ([]byte, bool) { panic("sketch") }

// Exists reports whether path exists in a user's space (received shares included).
func (s *Server) Exists(user, path string) bool { panic("sketch") }

// IssueToken logs user in without the browser (the quick path for tests) and returns a fresh pair.
func (s *Server) IssueToken(user string) (access, refresh string, expiresIn time.Duration) { panic("sketch") }

// AuthorizeCode runs the authorize step for user without a browser and returns the code that the login page
// would have put on the redirect.
func (s *Server) AuthorizeCode(user, state, codeChallenge string) (code string) { panic("sketch") }

// ServerShare is a share as the server holds it.
type ServerShare struct {
	ID          string
	Owner       string
	ShareType   int
	ShareWith   string
	Path        string // owner-relative
	Target      string // recipient-relative
	Permissions int
	Token       string
}

// Shares lists all shares the server holds.
func (s *Server) Shares() []ServerShare { panic("sketch") }

// Endpoint names for counters and faults.
const (
	EPAuthorize    = "authorize"
	EPToken        = "token"
	EPUserinfo     = "userinfo"
	EPWebDAV       = "webdav" // all WebDAV methods
	EPOCS          = "ocs"    // share API
	EPStatus       = "status"
	EPCapabilities = "capabilities"
	EPPublic       = "public" // public link pages and downloads
)

// Count returns how many requests reached an endpoint. CountMethod counts one method there ("PROPFIND").
func (s *Server) Count(endpoint string) int        { panic("sketch") }
func (s *Server) CountMethod(endpoint, method string) int { panic("sketch") }

// ResetCounts zeroes the counters.
func (s *Server) ResetCounts() { panic("sketch") }

// RefreshRedemptions counts how many times each refresh token was presented; a value over 1 is a double
// redemption.
func (s *Server) RefreshRedemptions() map[string]int { panic("sketch") }

// Fault is what the next Times requests to an endpoint suffer.
type Fault struct {
	Times      int           // how many requests; <= 0 means every request until ClearFaults
	Status     int           // answer with this status (and an empty or HTML body) instead of serving
	RetryAfter time.Duration // with Status 429: the Retry-After header
	Latency    time.Duration // delay before answering (timers; tests use it with short client timeouts)
	Body       string        // answer with this body (and Status, 200 if 0) instead of serving: malformed XML, HTML
	ContentType string
	Truncate   int  // serve normally but cut the body after this many bytes
	StallAfter int  // serve normally, then stop sending after this many bytes until the client gives up
	StripAuth  bool // drop the Authorization header before serving (a web server that strips it)
}

// Fail injects a fault into an endpoint.
func (s *Server) Fail(endpoint string, f Fault) { panic("sketch") }

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { panic("sketch") }
