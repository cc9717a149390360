// Package cloudtest is an in-process fake ownCloud/Nextcloud server for tests, in the spirit of
// net/http/httptest: New (or NewServer in a test) starts it on a random loopback port, Close stops it.
//
// It speaks the wire protocol the ocrepo cloud client relies on (see PROTOCOL.md in the project's shared
// notes), for the three entries of the cloud package's flavour table (cloud.Flavors: Nextcloud 34, a Nextcloud
// 22-era server, ownCloud 10), chosen by Options.Flavor; where they differ, the fake does what the entry's token
// auth, login shape and quirks say:
//
//   - OAuth 2: the Nextcloud flavours walk the browser through Nextcloud 34's login flow (authorize answers 303
//     to index.php/login/flow?clientIdentifier=...&providedRedirectUri=, whose "Log in" link, id
//     "login-flow-start", leads through the login form to the grant page, button "grant"); ownCloud shows one
//     login-and-consent page at the authorize URL. The login form has inputs "user" and "password" and button
//     "submit"; no page needs JavaScript. Single-use codes that expire, PKCE S256, the token endpoint with Basic
//     or body client authentication, refresh-token rotation, brute-force throttling (429), and the 302 to a
//     login page that a server without pretty URLs answers for paths without index.php. AuthorizeCode and
//     IssueToken skip the browser; BrowserLogin walks the pages as a browser without JavaScript does.
//   - WebDAV at remote.php/webdav/ and remote.php/dav/files/{user}/, built on golang.org/x/net/webdav over an
//     in-memory tree shared by all users: oc:fileid, oc:permissions, oc:size, nc:has-preview, quoted etags,
//     Sabre-style hrefs and XML errors, Range requests, generated files that cost no memory, received shares
//     mounted in the recipient's space, WebDAV SEARCH (Nextcloud flavours).
//   - The OCS share API (v1 and v2, XML and JSON) with the servers' permission rules, repeated-share behaviour
//     per flavour, per-user share-creation rate limiting (429 with an empty body), public links with their page,
//     download and public WebDAV; userinfo, capabilities and status.php.
//
// Tests observe the traffic with Count, CountMethod and RefreshRedemptions, and break it on purpose with Fail:
// status codes, latency, custom bodies, truncated or stalled bodies, a stripped Authorization header. Whole-server
// faults: Stop and Start (a server that goes down, connections refused, and comes back on the same address with
// its data), ExpireAccessTokens (the server ends access tokens before the client's clock does; refresh tokens
// stay good), SetClientSecret (the registered client's secret changes: invalid_client until the site has it).
//
// Time is Options.Now, so tests expire codes, tokens and shares by moving a clock instead of sleeping.
//
// The multistatus bodies of PROPFIND come from x/net/webdav and use its namespace prefixes (D: for DAV:, a
// default namespace on oc: and nc: properties) where Nextcloud writes d:, oc: and nc:; SEARCH answers with
// Nextcloud's prefixes. Both are the same XML to a namespace-aware parser, which is what clients must be.
package cloudtest
