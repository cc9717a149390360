package cloud

import (
	"fmt"
	"strconv"
	"strings"
)

// FlavorID names one kind of server in the flavour table. The IDs of flavours offered as presets are stored on
// issuers, so they never change.
type FlavorID string

// The flavours ocrepo knows.
const (
	// Nextcloud is Nextcloud 29 and later (public.php/dav arrived with 29), checked against Nextcloud 34.0.1.
	Nextcloud FlavorID = "nextcloud"
	// NextcloudLegacy is Nextcloud before 29, checked against 22: Nextcloud's layout, older sharing behaviour.
	// Only 22 and 34 were compared; where between them each quirk changed is not pinned down.
	NextcloudLegacy FlavorID = "nextcloud-legacy"
	// OwnCloud is ownCloud 10 (checked against 10.15).
	OwnCloud FlavorID = "owncloud"
)

// TokenAuth is how a flavour's token endpoint takes the client's credentials.
type TokenAuth int

// The token endpoint's ways of taking client credentials.
const (
	// TokenAuthBasicOrBody accepts HTTP Basic or client_id and client_secret in the form body.
	TokenAuthBasicOrBody TokenAuth = iota
	// TokenAuthBasic accepts HTTP Basic only (invalid_client otherwise).
	TokenAuthBasic
)

// LoginShape is what the authorization endpoint does with a browser that has no session.
type LoginShape int

// The login shapes.
const (
	// LoginFlow keeps the request in the browser's session and redirects to the login flow page
	// (index.php/login/flow?clientIdentifier=...), which logs in and asks to grant access; GET only, the
	// registered redirect URI is used whatever the request says.
	LoginFlow LoginShape = iota
	// LoginRedirect redirects to the login page with redirect_url back to the authorize page, which then asks to
	// grant access; the request's redirect_uri must be the registered one.
	LoginRedirect
)

// Quirk is one behaviour in which flavours differ, beyond their endpoint layout, token auth and login shape.
type Quirk uint32

// The quirks.
const (
	// QuirkBruteForce: failed token requests are counted per client IP; after about 10 within 30 minutes the token
	// endpoint answers 429 (and slows down before that).
	QuirkBruteForce Quirk = 1 << iota
	// QuirkShareRateLimit: share-creating OCS calls are rate limited per user (429 past about 20 in 10 minutes).
	QuirkShareRateLimit
	// QuirkRepeatedShareReturnsExisting: sharing a path again with the same user answers with the existing share
	// (older servers answer 403 "Path is already shared with this user").
	QuirkRepeatedShareReturnsExisting
	// QuirkPublicDownloadRedirect: a public link's download URL redirects to public.php/dav/files/{token}.
	QuirkPublicDownloadRedirect
	// QuirkRedirectURIAtToken: the token endpoint requires redirect_uri with the authorization code.
	QuirkRedirectURIAtToken
	// QuirkOCSAPIRequestForBearer: OCS calls with a bearer token need the OCS-APIRequest header (997 otherwise).
	QuirkOCSAPIRequestForBearer
	// QuirkWebDAVSearch: the DAV root answers SEARCH (RFC 5323) below the user's files.
	QuirkWebDAVSearch
	// QuirkPublicLinksReshare: public links carry the share permission (17 for a read-only link, 1 without).
	QuirkPublicLinksReshare
	// QuirkAppPasswordDelete: DELETE ocs/v2.php/core/apppassword ends the login it is sent with.
	QuirkAppPasswordDelete
	// QuirkTokenErrorDescription: token endpoint errors carry error_description.
	QuirkTokenErrorDescription
	// QuirkFederation: outgoing federated shares are offered in the capabilities.
	QuirkFederation
	// QuirkTokenMessageURL: a token reply carries message_url (the page that says the authorization succeeded).
	QuirkTokenMessageURL
	// QuirkStatusExtendedSupport: status.php carries extendedSupport (and no product field).
	QuirkStatusExtendedSupport
	// QuirkShareeWordsAccount: a share with an unknown user says "account" ("Please specify a valid account to
	// share with") where older servers say "user".
	QuirkShareeWordsAccount
)

// Flavor is one entry of the flavour table: how a kind of server lays out its endpoints, takes client
// credentials, names itself in status.php, logs users in, and where else it differs. The presets, the
// connection check and the test cloud all read it.
type Flavor struct {
	ID    FlavorID
	Label string // for people: "Nextcloud", "ownCloud 10"
	// Preset is whether admin forms offer this flavour to fill the endpoints. A flavour with the same layout as
	// another (Nextcloud before 29) is not offered on its own.
	Preset bool
	// Paths are the endpoints below the base URL, by endpoint name; the WebDAV path may hold UserIDPlaceholder.
	// The OAuth paths carry index.php, which servers without pretty URLs need and servers with them accept.
	Paths map[string]string
	// TokenAuth is how the token endpoint takes client credentials.
	TokenAuth TokenAuth
	// Login is what the authorization endpoint does with a browser without a session.
	Login LoginShape
	// ProductName is status.php's productname; MinMajor and MaxMajor (0: open) bound the major version of
	// status.php's version. Together they identify the flavour of a server.
	ProductName        string
	MinMajor, MaxMajor int
	// Version and Edition are status.php's version and edition of the release the entry was checked against
	// (the test cloud reports them).
	Version, Edition string
	// Preview is how the flavour hands out thumbnails.
	Preview PreviewAPI
	// Quirks are the flavour's other differences.
	Quirks Quirk
}

// Has reports whether the flavour has quirk q.
func (f Flavor) Has(q Quirk) bool { return f.Quirks&q == q }

// Flavors is the flavour table, in the order admin forms offer presets.
func Flavors() []Flavor {
	ncPaths := func() map[string]string {
		return map[string]string{
			EndpointAuthorization: "index.php/apps/oauth2/authorize",
			EndpointToken:         "index.php/apps/oauth2/api/v1/token",
			EndpointUserinfo:      "ocs/v2.php/cloud/user?format=json",
			EndpointWebDAV:        "remote.php/dav/files/" + UserIDPlaceholder + "/",
			EndpointOCS:           "ocs/v1.php/apps/files_sharing/api/v1/shares",
		}
	}
	ocPaths := ncPaths()
	ocPaths[EndpointWebDAV] = "remote.php/webdav/"
	ncCommon := QuirkBruteForce | QuirkWebDAVSearch | QuirkPublicLinksReshare | QuirkAppPasswordDelete | QuirkFederation |
		QuirkStatusExtendedSupport
	return []Flavor{
		{
			ID: Nextcloud, Label: "Nextcloud", Preset: true, Paths: ncPaths(),
			TokenAuth: TokenAuthBasicOrBody, Login: LoginFlow,
			ProductName: "Nextcloud", MinMajor: 29, Version: "34.0.1.2",
			Quirks: ncCommon | QuirkShareRateLimit | QuirkRepeatedShareReturnsExisting | QuirkPublicDownloadRedirect |
				QuirkShareeWordsAccount,
		},
		{
			ID: OwnCloud, Label: "ownCloud 10", Preset: true, Paths: ocPaths,
			TokenAuth: TokenAuthBasic, Login: LoginRedirect, Preview: PreviewDAV,
			ProductName: "ownCloud", MinMajor: 10, MaxMajor: 10, Version: "10.15.0.2", Edition: "Community",
			Quirks: QuirkRedirectURIAtToken | QuirkOCSAPIRequestForBearer | QuirkTokenErrorDescription | QuirkTokenMessageURL,
		},
		{
			ID: NextcloudLegacy, Label: "Nextcloud before 29", Paths: ncPaths(),
			TokenAuth: TokenAuthBasicOrBody, Login: LoginFlow,
			ProductName: "Nextcloud", MaxMajor: 28, Version: "22.2.10.2",
			Quirks: ncCommon,
		},
	}
}

// FlavorByID returns the table's entry for id.
func FlavorByID(id FlavorID) (Flavor, bool) {
	for _, f := range Flavors() {
		if f.ID == id {
			return f, true
		}
	}
	return Flavor{}, false
}

// IdentifyFlavor returns the flavour whose product name (case aside) and major version range match what
// status.php says; failing the range, the first flavour of that product name.
func IdentifyFlavor(productName, version string) (Flavor, bool) {
	major, _ := strconv.Atoi(strings.SplitN(strings.TrimSpace(version), ".", 2)[0])
	var byName []Flavor
	for _, f := range Flavors() {
		if strings.EqualFold(strings.TrimSpace(productName), f.ProductName) {
			byName = append(byName, f)
		}
	}
	for _, f := range byName {
		if (f.MinMajor == 0 || major >= f.MinMajor) && (f.MaxMajor == 0 || major <= f.MaxMajor) {
			return f, true
		}
	}
	if len(byName) > 0 {
		return byName[0], true
	}
	return Flavor{}, false
}

// SameLayout reports whether two flavours derive the same endpoints from a base URL.
func (f Flavor) SameLayout(g Flavor) bool {
	if len(f.Paths) != len(g.Paths) {
		return false
	}
	for k, v := range f.Paths {
		if g.Paths[k] != v {
			return false
		}
	}
	return true
}

// PresetEndpoints derives all five endpoints of flavour id from a base URL (port and sub-path kept), from the
// flavour table: WebDAV for Nextcloud is remote.php/dav/files/{userid}/ ({userid} is replaced per user), for
// ownCloud 10 remote.php/webdav/.
func PresetEndpoints(id FlavorID, baseURL string) (map[string]string, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	f, ok := FlavorByID(id)
	if !ok {
		return nil, &ConfigError{Field: "Flavor", Reason: fmt.Sprintf("no preset for %q", string(id))}
	}
	b := base.String()
	out := make(map[string]string, len(f.Paths))
	for name, p := range f.Paths {
		out[name] = b + p
	}
	return out, nil
}
