package cloud

// THIS FILE IS THE AGREED API SKETCH. The implementation replaces it with real files (config.go, oauth.go,
// webdav.go, propfind.go, ocs.go, userinfo.go, status.go, errors.go, search.go); keep every exported name and
// signature below (add more where useful), then delete this file.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// Endpoint names, as admins see them.
const (
	EndpointToken         = "token_endpoint"
	EndpointAuthorization = "authorization_endpoint"
	EndpointWebDAV        = "webdav_endpoint"
	EndpointOCS           = "ocs_endpoint"
	EndpointUserinfo      = "userinfo_endpoint"
)

// Product is a server flavour a preset knows.
type Product string

// The products with presets.
const (
	Nextcloud Product = "nextcloud"
	OwnCloud  Product = "owncloud" // ownCloud 10
)

// PresetEndpoints derives all five endpoints from a base URL (port and sub-path kept). WebDAV for Nextcloud is
// remote.php/dav/files/{userid}/ ({userid} is replaced per user); for ownCloud 10 remote.php/webdav/.
func PresetEndpoints(p Product, baseURL string) (map[string]string, error) { panic("sketch") }

// DefaultMappings are the default user-field mappings: ocs-data-email -> email, ocs-data-id -> username.
func DefaultMappings() map[string]string { panic("sketch") }

// Config is one server's settings.
type Config struct {
	BaseURL      string
	ClientID     string
	ClientSecret string
	BasicAuth    bool              // client auth by HTTP Basic (AuthStyleInHeader); body when false
	Endpoints    map[string]string // by name; see the Endpoint constants
	Mappings     map[string]string // userinfo dash path -> "username" / "email" / "name"
	HTTPClient   *http.Client      // nil: a client with a transport sized for many users
	Timeout      time.Duration     // per call; 0 means 30 s. Streams (Open) time out only while waiting for headers and when stalled
}

// Client talks to one server. Safe for concurrent use.
type Client struct{}

// New validates cfg (absolute http(s) URLs, the endpoints it needs) and returns a client.
func New(cfg Config) (*Client, error) { panic("sketch") }

// AuthCodeURL is the authorize URL with state, redirect_uri and a PKCE S256 challenge of verifier.
func (c *Client) AuthCodeURL(state, verifier, redirectURI string) string { panic("sketch") }

// Token is a token pair as the server issued it.
type Token struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time
	UserID       string // user_id from the token reply, if any
}

// Exchange redeems an authorization code (one token call; redirect_uri always sent).
func (c *Client) Exchange(ctx context.Context, code, verifier, redirectURI string) (Token, error) {
	panic("sketch")
}

// Refresh redeems a refresh token (one token call, never retried). A refusal (400 invalid_grant /
// invalid_request / invalid_client...) is ErrLoginAgain.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) { panic("sketch") }

// Status reads status.php (public).
func (c *Client) Status(ctx context.Context) (Status, error) { panic("sketch") }

// Status is what status.php says.
type Status struct {
	Installed   bool
	Version     string
	VersionText string
	Product     string // "Nextcloud", "ownCloud"
}

// TokenSource supplies a valid access token for one user. Implementations refresh as needed.
type TokenSource interface {
	AccessToken(ctx context.Context) (string, error)
}

// Conn is the client acting as one cloud user through their token.
type Conn struct{}

// As returns a Conn for cloudUser (the username at the cloud, for the {userid} in the WebDAV endpoint) with ts.
func (c *Client) As(cloudUser string, ts TokenSource) *Conn { panic("sketch") }

// UserInfo reads the userinfo endpoint and applies the field mappings.
func (c *Conn) UserInfo(ctx context.Context) (UserInfo, error) { panic("sketch") }

// UserInfo is who the token belongs to.
type UserInfo struct {
	Username string // mapped; falls back to Email when the mapping yields nothing
	Email    string
	Name     string
	Raw      map[string]any
}

// MapUserInfo applies mappings to a decoded userinfo JSON document (exported for fuzzing and the admin preview).
func MapUserInfo(doc map[string]any, mappings map[string]string) UserInfo { panic("sketch") }

// Entry is one item of a folder listing. Path is user-relative, decoded, with a leading slash.
type Entry struct {
	Path        string
	Name        string
	Dir         bool
	Size        int64
	ContentType string
	Modified    time.Time
	ETag        string
	FileID      string
	Permissions string
}

// ReadDir lists one folder (PROPFIND Depth 1, explicit property list) and returns the folder itself and its
// children (the folder itself excluded from children). A malformed or truncated multistatus is
// ErrInvalidResponse, never a short listing.
func (c *Conn) ReadDir(ctx context.Context, dir string) (self Entry, children []Entry, err error) {
	panic("sketch")
}

// Stat reads one entry (PROPFIND Depth 0).
func (c *Conn) Stat(ctx context.Context, p string) (Entry, error) { panic("sketch") }

// Open streams a file (GET), from offset when offset > 0 (Range). The caller closes the body.
func (c *Conn) Open(ctx context.Context, p string, offset int64) (*File, error) { panic("sketch") }

// File is an open download.
type File struct {
	Body        io.ReadCloser
	Size        int64 // Content-Length, -1 when unknown
	ContentType string
	ETag        string
	Modified    time.Time
}

// Mkcol creates one folder; ErrAlreadyExists when it exists (405), ErrConflict when the parent is missing (409).
func (c *Conn) Mkcol(ctx context.Context, p string) error { panic("sketch") }

// Copy copies src to dst in the user's space; ErrPreconditionFailed when dst exists and overwrite is false.
func (c *Conn) Copy(ctx context.Context, src, dst string, overwrite bool) error { panic("sketch") }

// Move moves src to dst in the user's space; ErrPreconditionFailed when dst exists and overwrite is false.
func (c *Conn) Move(ctx context.Context, src, dst string, overwrite bool) error { panic("sketch") }

// Delete removes a file or folder.
func (c *Conn) Delete(ctx context.Context, p string) error { panic("sketch") }

// Search finds files whose name contains query anywhere under the user's root (WebDAV SEARCH, Nextcloud);
// ErrUnsupported when the server does not offer it.
func (c *Conn) Search(ctx context.Context, query string, limit int) ([]Entry, error) { panic("sketch") }

// Share types and permission bits of the OCS share API.
const (
	ShareUser   = 0
	ShareGroup  = 1
	SharePublic = 3

	PermRead   = 1
	PermUpdate = 2
	PermCreate = 4
	PermDelete = 8
	PermShare  = 16
	PermAll    = 31
)

// ShareRequest creates a share.
type ShareRequest struct {
	Path        string // user-relative with a leading slash
	ShareType   int
	ShareWith   string
	Permissions int // 0: server default
	Password    string
	ExpireDate  time.Time // zero: none; sent as YYYY-MM-DD
}

// Share is one share as the OCS API reports it.
type Share struct {
	ID                  string
	ShareType           int
	Owner               string
	Permissions         int
	Path                string // owner-relative
	ItemType            string // "file" / "folder"
	MimeType            string
	FileTarget          string // where the recipient sees it
	ShareWith           string
	Token               string
	URL                 string // public links
	Expiration          time.Time
	HasPassword         bool
}

// DownloadURL is URL + "/download" for public links.
func (s Share) DownloadURL() string { panic("sketch") }

// CreateShare creates a share. The server may answer with an existing share (Nextcloud 34 for a repeated user
// share); a 403 "already shared" is ErrAlreadyShared.
func (c *Conn) CreateShare(ctx context.Context, r ShareRequest) (Share, error) { panic("sketch") }

// SharesOf lists the shares of a path (reshares=true).
func (c *Conn) SharesOf(ctx context.Context, p string) ([]Share, error) { panic("sketch") }

// GetShare reads one share.
func (c *Conn) GetShare(ctx context.Context, id string) (Share, error) { panic("sketch") }

// DeleteShare removes a share.
func (c *Conn) DeleteShare(ctx context.Context, id string) error { panic("sketch") }

// Errors callers branch on with errors.Is; *StatusError and *InvalidResponseError carry detail.
var (
	ErrNotFound            = errors.New("cloud: not found")
	ErrUnauthorized        = errors.New("cloud: unauthorized")
	ErrForbidden           = errors.New("cloud: forbidden")
	ErrAlreadyShared       = errors.New("cloud: already shared")
	ErrAlreadyExists       = errors.New("cloud: already exists")
	ErrConflict            = errors.New("cloud: conflict")
	ErrPreconditionFailed  = errors.New("cloud: target exists")
	ErrLocked              = errors.New("cloud: locked")
	ErrInsufficientStorage = errors.New("cloud: insufficient storage")
	ErrThrottled           = errors.New("cloud: throttled")
	ErrLoginAgain          = errors.New("cloud: log in again")
	ErrInvalidResponse     = errors.New("cloud: invalid response")
	ErrServer              = errors.New("cloud: server error")
	ErrUnsupported         = errors.New("cloud: not supported by this server")
	ErrTimeout             = errors.New("cloud: timed out")
)

// StatusError is an HTTP or OCS failure.
type StatusError struct {
	Op             string // "propfind /docs", "create share", "token"
	StatusCode     int    // HTTP status
	OCSCode        int    // OCS meta.statuscode, 0 when not OCS
	Message        string // the server's message (never a secret)
	BearerRejected bool   // a 401 whose body says the bearer token was refused
	RetryAfter     time.Duration
}

func (e *StatusError) Error() string { panic("sketch") }

// InvalidResponseError is a body that is not what the call expects.
type InvalidResponseError struct {
	Op          string
	StatusCode  int
	ContentType string
	Snippet     string // the first bytes, printable
	Reason      string // "not a multistatus", "truncated multistatus", "not an OCS envelope"...
}

func (e *InvalidResponseError) Error() string { panic("sketch") }
