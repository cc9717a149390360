// Package cloud is the client for one ownCloud or Nextcloud server: OAuth 2 (authorization code with PKCE, token
// refresh), userinfo with admin-defined field mappings, WebDAV (listing, stat, streamed download, MKCOL, COPY,
// MOVE, DELETE, Nextcloud's SEARCH), the OCS share API and the public status.php probe.
//
// # Endpoints
//
// A Config names five endpoints (EndpointAuthorization, EndpointToken, EndpointUserinfo, EndpointWebDAV,
// EndpointOCS); PresetEndpoints derives them for Nextcloud (WebDAV at remote.php/dav/files/{userid}/) and ownCloud
// 10 (remote.php/webdav/) from a base URL, which may carry a port and a sub-path. The OAuth paths include
// index.php because servers without pretty URLs need it. {userid} in the WebDAV endpoint is replaced by the
// path-escaped cloud username of the Conn. Endpoint queries (?format=json, ?format=xml) are kept. status.php and
// SEARCH (remote.php/dav/) are found from the base URL.
//
// # Tokens
//
// A Client holds no tokens. Exchange and Refresh make exactly one token request each and return the pair;
// refresh tokens rotate on every use, so the caller stores the new pair before using it and serialises refreshes
// per user. Refresh never retries: a refusal is ErrLoginAgain (the *StatusError keeps the OAuth error code, such
// as invalid_grant, for operators), because repeating a failed token call only feeds the server's brute-force
// throttling. golang.org/x/oauth2 builds the URLs and token requests; none of its token sources is kept, so
// nothing refreshes behind the caller's back. Per-user calls go through a Conn (Client.As) that asks the caller's
// TokenSource for the access token once per call.
//
// # Errors
//
// Failures match the package's sentinels through errors.Is. *StatusError carries an HTTP or OCS failure (401 and
// OCS 997 are ErrUnauthorized, with BearerRejected when Nextcloud's message or the challenge shows the bearer
// token was refused, which usually means a web server stripped the Authorization header; 403 ErrForbidden; 404
// ErrNotFound; 429 ErrThrottled with RetryAfter; 5xx ErrServer; WebDAV's 405/409/412/423/507 per method).
// *InvalidResponseError is a body that is not what the call expects (an HTML login page instead of XML or JSON, a
// truncated multistatus, a redirect), with the status, content type and first bytes. Every call has a deadline
// (Config.Timeout, 30 s by default); running out matches ErrTimeout. Error strings hold no tokens, secrets, codes
// or URL queries.
//
// # Listings
//
// ReadDir sends one PROPFIND with Depth 1 and an explicit list of nine properties, and parses the reply with a
// streaming scanner of its own rather than encoding/xml: a 10,000-entry Nextcloud listing is about 4.7 MB, and
// struct unmarshalling costs far more than the transfer (hundreds of allocations per entry). The scanner keeps
// only the requested properties, allocates about one string per entry, and still rejects what a listing must not
// survive: syntax errors, mismatched or missing end tags (a truncated body), a root that is not DAV: multistatus,
// a response without href. The tests hold an encoding/xml reference parser and a fuzz target that checks both
// agree. Hrefs are percent-decoded and made relative to the WebDAV root, which is itself percent-encoded (a
// username with a space).
//
// # What uses gowebdav
//
// Nothing at run time. github.com/studio-b12/gowebdav (v0.13) was examined for the simple methods and does not
// fit them: its Mkdir treats 405 (already exists) as success, its Copy and Rename answer a 409 by creating the
// parent folders and sending the request again (several requests for one call, and ErrConflict is lost), a 207 is
// only logged, RemoveAll treats 404 as success and reports transport errors as a 400, failed requests lose the
// response body and headers (so no bearer diagnosis and no Retry-After), Read buffers whole files, and no method
// takes a context. MKCOL, COPY, MOVE, DELETE and GET are therefore single requests made here with net/http, which
// keeps every call exactly one HTTP request with its own deadline and exact error kinds.
//
// # Downloads
//
// Open streams: File.Body is the live response body. The call's Timeout bounds only the wait for the response
// headers and, through an idle watchdog, each read of the body, so a slow but moving download of any size
// completes while a stalled server is detected. With an offset, Open sends a Range request and expects 206.
//
// # Shares
//
// The OCS calls always send OCS-APIRequest: true and ask for JSON, yet read JSON and XML replies (admins paste
// endpoint URLs ending in ?format=xml), v1 (HTTP 200 even for failures) and v2 (HTTP status mirrors the code).
// Success is decided from meta.statuscode (100 or 200). Share ids, types and permissions are accepted as numbers
// or strings. A 429 with an empty body on share creation (the per-user share creation limit) is ErrThrottled.
//
// The flavour table (Flavors, flavor.go) is the one place that says how the kinds of server differ: endpoint
// layout, token auth, login shape, how status.php names them, and their quirks; presets, the connection check and
// the test cloud read it. Prober makes the connection check's probes against settings that may be wrong and
// returns typed observations; judging them is the caller's business.
package cloud
