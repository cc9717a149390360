// Package store defines everything ocrepo keeps beyond one process: cloud servers (issuers) with their endpoints
// and user-field mappings, repository instances, per-course enablement, user and system-account tokens, OAuth login
// states, import jobs, pick results, access controlled links and the audit trail.
//
// The interfaces are small and ctx-first; package gormstore implements them on GORM (SQLite by default, PostgreSQL
// for several replicas), and package storetest is the one conformance suite every implementation must pass.
//
// Secrets (client secrets, access and refresh tokens, PKCE verifiers) are plain strings in these structs; the
// implementation seals them at rest.
//
// Not found is always ErrNotFound (wrapped), never a zero value with a nil error.
//
// Beside Store, an implementation may answer the hot paths' reads in one statement each: InstanceOffers (what a
// picker request needs of every instance), ImportUsage (a user's import limits), ImportJobCompleter (an import's
// last progress with its end) and SystemTokens (every issuer's system account). The service asks for them by type
// and falls back to Store's methods without them; gormstore implements all four.
package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors; implementations wrap them so errors.Is works.
var (
	ErrNotFound    = errors.New("store: not found")
	ErrConflict    = errors.New("store: changed by someone else") // a compare-and-swap lost
	ErrDuplicate   = errors.New("store: already exists")          // a unique key is taken
	ErrAlreadyUsed = errors.New("store: already used")            // a single-use record was used before
)

// Issuer is one OAuth 2 cloud server (a Nextcloud or ownCloud).
type Issuer struct {
	ID           int64
	Name         string
	BaseURL      string // with trailing slash; may hold a port and a sub-path
	ClientID     string
	ClientSecret string // sealed at rest; never shown
	BasicAuth    bool   // authenticate token requests via HTTP headers (Basic); default on
	Preset       string // "nextcloud", "owncloud" or "custom": how the endpoints were filled
	Product      string // as detected by the connection check from status.php ("Nextcloud", "ownCloud"), may be empty
	Version      string // ditto
	// AllowPrivateNetwork lets endpoints point at private, link-local or cloud-metadata addresses.
	AllowPrivateNetwork bool
	Endpoints           []Endpoint
	Mappings            []FieldMapping
	Created             time.Time
	Updated             time.Time
	// Revision grows with every save of the issuer, so a replica's cached copy can be checked in the same query
	// as the instances (see InstanceOffers).
	Revision int64
}

// Endpoint is a named URL of an issuer: token_endpoint, authorization_endpoint, webdav_endpoint, ocs_endpoint,
// userinfo_endpoint, or another an admin adds.
type Endpoint struct {
	Name string
	URL  string
}

// FieldMapping maps a dash path into the userinfo JSON (External, "ocs-data-email") to a user field (Internal,
// "email" or "username").
type FieldMapping struct {
	External string
	Internal string
}

// EndpointURL returns the URL of the named endpoint, or "".
func (i Issuer) EndpointURL(name string) string {
	for _, e := range i.Endpoints {
		if e.Name == name {
			return e.URL
		}
	}
	return ""
}

// Issuers stores cloud servers.
type Issuers interface {
	ListIssuers(ctx context.Context) ([]Issuer, error)
	GetIssuer(ctx context.Context, id int64) (Issuer, error)
	// CreateIssuer stores a new issuer with its endpoints and mappings and returns it with ID and times set.
	CreateIssuer(ctx context.Context, iss Issuer) (Issuer, error)
	// UpdateIssuer replaces every field, endpoints and mappings included (the secret too: callers that keep the
	// old secret pass it on).
	UpdateIssuer(ctx context.Context, iss Issuer) (Issuer, error)
	// SetIssuerProduct records the product and version the server said it runs, in one statement, touching no
	// other field; when either differs from what is stored the revision is bumped (and Updated set). It is a no-op,
	// without error, when they are already so or the issuer is gone.
	SetIssuerProduct(ctx context.Context, id int64, product, version string) error
	// ReplaceIssuerServer is UpdateIssuer for an issuer that now points at another server: in the same
	// transaction it deletes every token of the issuer (the system account's too) and its login states in
	// flight, so that no login made at the old server is ever sent to the new one. It returns how many tokens
	// went.
	ReplaceIssuerServer(ctx context.Context, iss Issuer) (Issuer, int64, error)
	// DeleteIssuer removes the issuer and everything that hangs off it: endpoints, mappings, tokens (the system
	// account's too), login states, instances and their course settings. Controlled-link records are kept (they
	// describe files that still exist in the cloud) but lose their instance.
	DeleteIssuer(ctx context.Context, id int64) error
}

// TokenKey names one stored token: a host user's at an issuer, or the issuer's system account's.
type TokenKey struct {
	IssuerID int64
	UserID   string // host user ID; empty for the system account
	System   bool
}

// Token is an OAuth token pair with who it belongs to at the cloud.
type Token struct {
	Key          TokenKey
	CloudUser    string // username at the cloud (from the userinfo mapping)
	CloudEmail   string
	CloudName    string // display name at the cloud
	AccessToken  string // sealed at rest
	RefreshToken string // sealed at rest
	Expiry       time.Time
	// Version increases with every write; SwapToken is a compare-and-swap on it.
	Version int64
	// LeaseHolder and LeaseUntil mark a refresh in progress (by one process) so that no other process redeems the
	// same refresh token; a lease past LeaseUntil is void.
	LeaseHolder string
	LeaseUntil  time.Time
	Created     time.Time // when the user (or admin, for the system account) logged in
	Refreshed   time.Time // last successful refresh
	LastError   string    // last refresh failure, safe to show an admin (no secrets): words the service stored for later, or words from an older version
}

// Tokens stores token pairs.
type Tokens interface {
	GetToken(ctx context.Context, key TokenKey) (Token, error)
	// PutToken stores a fresh pair after a login, replacing any earlier one for the key whatever its version,
	// and returns it with its new version.
	PutToken(ctx context.Context, t Token) (Token, error)
	// SwapToken writes t if the stored version is still expect, and returns it with version expect+1; otherwise
	// ErrConflict (or ErrNotFound when the token is gone).
	SwapToken(ctx context.Context, t Token, expect int64) (Token, error)
	DeleteToken(ctx context.Context, key TokenKey) error
	// CountUserTokens counts the host users' tokens stored for an issuer (the system account's not included).
	CountUserTokens(ctx context.Context, issuerID int64) (int64, error)
}

// LoginState is one OAuth login in flight. ID is a hash of the state value sent to the cloud, never the value.
type LoginState struct {
	ID         string
	IssuerID   int64
	UserID     string // host user who started it
	System     bool   // connecting the issuer's system account
	InstanceID int64
	Verifier   string // PKCE verifier; sealed at rest
	ReturnTo   string // where the callback sends the browser afterwards (a path on the host's origin)
	Popup      bool   // opened in a popup: the callback tells the opener and closes
	Created    time.Time
	Expires    time.Time
	Used       time.Time // zero until taken
}

// LoginStates stores logins in flight. A state is taken once.
type LoginStates interface {
	CreateLoginState(ctx context.Context, s LoginState) error
	// TakeLoginState marks the state used and returns it. A state taken before gives ErrAlreadyUsed (with the
	// state, so the caller can tell whose it was); an unknown one ErrNotFound. Expiry is the caller's to check.
	TakeLoginState(ctx context.Context, id string) (LoginState, error)
	// DeleteLoginStatesBefore removes states that expired before t.
	DeleteLoginStatesBefore(ctx context.Context, t time.Time) (int64, error)
	// PendingLoginState returns the newest unused state that matches want's IssuerID, UserID, System,
	// InstanceID, ReturnTo and Popup and expires after validUntil (so a login link opened again reuses it);
	// ErrNotFound when there is none.
	PendingLoginState(ctx context.Context, want LoginState, validUntil time.Time) (LoginState, error)
	// TrimLoginStates deletes a user's unused states beyond the newest keep and returns how many went.
	TrimLoginStates(ctx context.Context, userID string, keep int) (int64, error)
}

// ReturnTypes is a bit set of return types (import 1, link 2, controlled link 4), as in package host.
type ReturnTypes uint8

// Instance is a repository instance: what users see in the picker.
type Instance struct {
	ID                   int64
	Name                 string
	IssuerID             int64
	ControlledLinkFolder string      // folder in the user's cloud that receives controlled-link shares
	Supported            ReturnTypes // import, link, or both (controlled links ride with link)
	DefaultReturn        ReturnTypes // one type
	Enabled              bool        // enabled and visible
	Created              time.Time
	Updated              time.Time
}

// Instances stores repository instances.
type Instances interface {
	ListInstances(ctx context.Context) ([]Instance, error)
	GetInstance(ctx context.Context, id int64) (Instance, error)
	CreateInstance(ctx context.Context, in Instance) (Instance, error)
	UpdateInstance(ctx context.Context, in Instance) (Instance, error)
	DeleteInstance(ctx context.Context, id int64) error
}

// CourseSettings stores per-course enablement: an instance is enabled for a course unless a row says otherwise.
type CourseSettings interface {
	CourseInstanceEnabled(ctx context.Context, course string, instanceID int64) (bool, error)
	SetCourseInstanceEnabled(ctx context.Context, course string, instanceID int64, enabled bool) error
}

// ImportState is where an import job stands.
type ImportState string

// The import states.
const (
	ImportRunning   ImportState = "running"
	ImportDone      ImportState = "done"
	ImportFailed    ImportState = "failed"
	ImportCancelled ImportState = "cancelled"
)

// ImportJob is one import streaming from the cloud into the host, so any replica can report its progress.
type ImportJob struct {
	ID         string
	UserID     string
	InstanceID int64
	Name       string // file name, for the progress bar (several files: words the service stored for later)
	Total      int64  // bytes expected (from the listing), 0 when unknown
	Done       int64  // bytes written so far
	State      ImportState
	Cancel     bool   // the user asked to cancel
	Error      string // why it failed: words the service stored for later, said in each reader's language
	ResultID   string // the pick result when done
	Created    time.Time
	Updated    time.Time
}

// ImportJobs stores import jobs.
type ImportJobs interface {
	CreateImportJob(ctx context.Context, j ImportJob) error
	GetImportJob(ctx context.Context, id string) (ImportJob, error)
	// UpdateImportProgress records bytes done and returns the job, so the worker sees a cancel request.
	UpdateImportProgress(ctx context.Context, id string, done int64) (ImportJob, error)
	// FinishImportJob sets a final state (done, failed, cancelled) with its error text and result.
	FinishImportJob(ctx context.Context, id string, state ImportState, errText, resultID string) error
	// CancelImportJob asks the worker to stop.
	CancelImportJob(ctx context.Context, id string) error
	// CountRunningImports counts a user's jobs still running that were updated within the last stale (by the
	// store's own clock, which stamps Updated; older ones died with their process).
	CountRunningImports(ctx context.Context, userID string, stale time.Duration) (int64, error)
	DeleteImportJobsBefore(ctx context.Context, t time.Time) (int64, error)
}

// PickResult is a completed pick; Payload is the JSON the application layer made of the picked files.
type PickResult struct {
	ID         string
	UserID     string
	Course     string
	InstanceID int64
	Type       ReturnTypes
	Payload    []byte
	// Bytes is what an import stored at the host (0 for links): it counts against the user's unclaimed quota
	// until the host claims the result.
	Bytes   int64
	Created time.Time
	Claimed time.Time // when the host took the result over; zero until then
}

// PickResults stores completed picks for hosts to look up.
type PickResults interface {
	CreatePickResult(ctx context.Context, p PickResult) error
	GetPickResult(ctx context.Context, id string) (PickResult, error)
	DeletePickResultsBefore(ctx context.Context, t time.Time) (int64, error)
	// ClaimPickResult marks a result taken over by the host (the first claim's time stays).
	ClaimPickResult(ctx context.Context, id string, at time.Time) error
	// UnclaimedBytes sums the Bytes of a user's results the host has not claimed.
	UnclaimedBytes(ctx context.Context, userID string) (int64, error)
	// TakeExpiredImports removes and returns, atomically, at most limit unclaimed results with Bytes > 0 created
	// before t: of several replicas sweeping at once each result goes to exactly one, which removes its files.
	TakeExpiredImports(ctx context.Context, before time.Time, limit int) ([]PickResult, error)
}

// ControlledLink is an access controlled link: a copy of a user's file owned by the issuer's system account.
type ControlledLink struct {
	ID           int64
	InstanceID   int64 // 0 once the instance is gone
	IssuerID     int64
	Course       string
	Context      []string // the LMS context that named the folder chain
	OwnerUserID  string   // host user who picked it
	OwnerCloud   string   // their username at the cloud
	OriginalPath string   // the file in the owner's space, as picked
	SystemPath   string   // the copy in the system account's space
	Name         string
	ContentType  string
	Size         int64
	Submitted    bool // the host marked it submitted: the owner keeps read access only
	Created      time.Time
	Updated      time.Time
}

// ControlledShare is a share of a controlled link's copy handed to one user.
type ControlledShare struct {
	ID          int64
	LinkID      int64
	UserID      string // host user
	CloudUser   string // their username at the cloud
	ShareID     string // the cloud's share id; empty once revoked (nothing is shared again until a re-grant)
	Permissions int    // OCS permission bits as granted
	Target      string // where the share sits in the recipient's space
	Created     time.Time
	Updated     time.Time
}

// ControlledLinkFilter narrows ListControlledLinks; zero fields match everything.
type ControlledLinkFilter struct {
	Course     string
	InstanceID int64
	IssuerID   int64
	Owner      string
}

// ControlledLinks stores access controlled links and the shares handed out for them.
type ControlledLinks interface {
	CreateControlledLink(ctx context.Context, l ControlledLink) (ControlledLink, error)
	GetControlledLink(ctx context.Context, id int64) (ControlledLink, error)
	ListControlledLinks(ctx context.Context, f ControlledLinkFilter) ([]ControlledLink, error)
	CountControlledLinks(ctx context.Context, f ControlledLinkFilter) (int64, error)
	UpdateControlledLink(ctx context.Context, l ControlledLink) (ControlledLink, error)
	DeleteControlledLink(ctx context.Context, id int64) error // and its shares
	// LockControlledLink takes the link's lock for holder until the time until, when nobody holds it, its holder's
	// lock ended before now, or holder already holds it (then it is extended). It is a compare-and-swap on the
	// link's row, so replicas sharing the database exclude each other. ErrConflict when another holder's lock is
	// current, ErrNotFound when the link is gone.
	LockControlledLink(ctx context.Context, id int64, holder string, now, until time.Time) error
	// UnlockControlledLink releases holder's lock on the link; a lock held by another holder is left alone.
	UnlockControlledLink(ctx context.Context, id int64, holder string) error

	// PutControlledShare creates or replaces the share for (LinkID, UserID).
	PutControlledShare(ctx context.Context, s ControlledShare) (ControlledShare, error)
	GetControlledShare(ctx context.Context, linkID int64, userID string) (ControlledShare, error)
	ListControlledShares(ctx context.Context, linkID int64) ([]ControlledShare, error)
	DeleteControlledShare(ctx context.Context, linkID int64, userID string) error
}

// AuditEntry records who changed what.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string // host user ID
	Action string // "issuer.create", "instance.delete", "system.connect", "share.revoke", ...
	Target string // "issuer 3", "instance 7"
	Detail string // human words the service stored for later (or plain words of an older version), never secrets
}

// AuditFilter narrows ListAudit.
type AuditFilter struct {
	Limit  int // 0 means 100
	Offset int
	Actor  string // only this actor's entries when set
	Action string // only entries of this action when set
	Target string // only entries about this target when set
}

// Audit stores the audit trail, newest first.
type Audit interface {
	AddAudit(ctx context.Context, e AuditEntry) error
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// LatestAudit returns, in one statement, the newest entry of action about each of targets that has one (in
	// no particular order; "newest" as ListAudit orders).
	LatestAudit(ctx context.Context, action string, targets []string) ([]AuditEntry, error)
}

// ClientPauses records, per issuer, until when token refreshes pause after the cloud refused the site's OAuth
// client (invalid_client), so that every replica pauses, and saving the issuer ends the pause everywhere.
type ClientPauses interface {
	// PauseClient pauses refreshes for an issuer until until (a later call replaces an earlier one).
	PauseClient(ctx context.Context, issuerID int64, until time.Time) error
	// ClientPausedUntil is when refreshes for an issuer may be tried again; zero when they are not paused.
	ClientPausedUntil(ctx context.Context, issuerID int64) (time.Time, error)
	// ClearClientPause ends an issuer's pause (no error when there is none).
	ClearClientPause(ctx context.Context, issuerID int64) error
}

// PendingRevocation is a login ended here whose revocation at the cloud is still owed: the cloud could not be
// reached when the user logged out, so the access token still works there until it is revoked or expires.
type PendingRevocation struct {
	ID           string // random, chosen by the caller
	IssuerID     int64
	UserID       string // the host user who logged out
	CloudUser    string
	AccessToken  string // sealed at rest
	RefreshToken string // sealed at rest: revokes the login when the access token has expired meanwhile
	Created      time.Time
	Attempts     int    // failed attempts so far
	LastError    string // in words safe to show an admin (no secrets)
}

// Revocations stores pending revocations. A process claims one by deleting it (ErrNotFound: another process
// took it) and adds it again when the attempt failed, so two replicas never present its refresh token twice.
type Revocations interface {
	AddRevocation(ctx context.Context, r PendingRevocation) error
	// ListRevocations returns an issuer's pending revocations, oldest first, at most limit.
	ListRevocations(ctx context.Context, issuerID int64, limit int) ([]PendingRevocation, error)
	// DeleteRevocation forgets (or claims) a pending revocation; ErrNotFound when it is gone.
	DeleteRevocation(ctx context.Context, id string) error
}

// Store is everything together.
type Store interface {
	Issuers
	Tokens
	LoginStates
	Instances
	CourseSettings
	ImportJobs
	PickResults
	ControlledLinks
	Audit
	ClientPauses
	Revocations
}
