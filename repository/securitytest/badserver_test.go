package securitytest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// badTimeout is the cloud timeout of the bad-server suite: short, so that stalls end quickly.
const badTimeout = 5 * time.Second

// loginPage is what a proxy or a misconfigured server answers instead of the API.
const loginPage = `<!DOCTYPE html><html><head><title>Login – Nextcloud</title></head><body><form method="post">` +
	`<input name="user"><input type="password" name="password"><button>Log in</button></form></body></html>`

// badAnswer is one way a cloud server answers badly, and the words each part of ocrepo must find for it.
type badAnswer struct {
	name  string
	fault cloudtest.Fault
	list  string // the listing's problem code
	check string // the connection check's code for the WebDAV endpoint
	link  string // a link pick's problem code when the share API answers this way
	xml   bool   // a body fault: not applied to file downloads, whose bodies are the file
}

func badAnswers() []badAnswer {
	xml := "application/xml; charset=utf-8"
	nested := `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response>` + strings.Repeat("<d:x>", 20000)
	huge := `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">` + strings.Repeat(`<d:response><d:propstat><d:prop/></d:propstat></d:response>`, 60000)
	return []badAnswer{
		{"401", cloudtest.Fault{Status: 401}, "auth_header", "auth_stripped", "auth_header", false},
		{"401 bearer refused", cloudtest.Fault{Status: 401, ContentType: xml, Body: `<?xml version="1.0"?><d:error xmlns:d="DAV:" ` +
			`xmlns:s="http://sabredav.org/ns"><s:message>No 'Authorization: Bearer' header found</s:message></d:error>`},
			"relogin", "auth_stripped", "relogin", true},
		{"403", cloudtest.Fault{Status: 403}, "forbidden", "forbidden", "forbidden", false},
		{"404", cloudtest.Fault{Status: 404}, "not_found", "wrong_path", "not_found", false},
		{"405", cloudtest.Fault{Status: 405}, "refused", "unexpected", "refused", false},
		{"409", cloudtest.Fault{Status: 409}, "refused", "unexpected", "refused", false},
		{"412", cloudtest.Fault{Status: 412}, "refused", "unexpected", "refused", false},
		{"423", cloudtest.Fault{Status: 423}, "locked", "unexpected", "locked", false},
		{"429", cloudtest.Fault{Status: 429, RetryAfter: 90 * time.Second}, "throttled", "throttled", "throttled", false},
		// The share API's 5xx comes as an HTML page where an OCS envelope belongs.
		{"500", cloudtest.Fault{Status: 500}, "server", "server_error", "invalid_response", false},
		{"502", cloudtest.Fault{Status: 502}, "server", "server_error", "invalid_response", false},
		{"507", cloudtest.Fault{Status: 507}, "storage", "unexpected", "storage", false},
		{"HTML login page", cloudtest.Fault{Status: 200, ContentType: "text/html; charset=UTF-8", Body: loginPage},
			"invalid_response", "wrong_path", "invalid_response", true},
		{"HTML login page as 207", cloudtest.Fault{Status: 207, ContentType: "text/html", Body: loginPage},
			"invalid_response", "wrong_path", "invalid_response", true},
		{"wrong content type", cloudtest.Fault{Status: 207, ContentType: "application/json", Body: `{"files":[{"name":"a"}]}`},
			"invalid_response", "wrong_path", "invalid_response", true},
		{"empty body", cloudtest.Fault{Status: 207, ContentType: xml, Body: " "}, "invalid_response", "wrong_path", "invalid_response", true},
		{"malformed multistatus", cloudtest.Fault{Status: 207, ContentType: xml,
			Body: `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>/x</d:href></d:multistatus>`},
			"invalid_response", "wrong_path", "invalid_response", true},
		{"deeply nested", cloudtest.Fault{Status: 207, ContentType: xml, Body: nested}, "invalid_response", "wrong_path", "invalid_response", true},
		{"gigantic, without hrefs", cloudtest.Fault{Status: 207, ContentType: xml, Body: huge}, "invalid_response", "wrong_path", "invalid_response", true},
		// A body cut off mid-answer is the connection dropping: the cloud is unavailable, try again.
		{"truncated", cloudtest.Fault{Truncate: 120}, "unavailable", "wrong_path", "unavailable", false},
		// A web server in front that drops the Authorization header: WebDAV refuses the bearer token it never saw
		// (the student is asked to log in again), the share API's 997 says nothing of bearer tokens (the student
		// is told the site's cloud set-up needs attention), and the admin's check, with a token it has just
		// refreshed, names the web server.
		{"authorization header stripped", cloudtest.Fault{StripAuth: true}, "relogin", "auth_stripped", "auth_header", false},
		{"stall mid-body", cloudtest.Fault{StallAfter: 60}, "timeout", "timeout", "timeout", false},
		{"no answer", cloudtest.Fault{Latency: time.Hour}, "timeout", "timeout", "timeout", false},
	}
}

// TestHostileCloudServers makes the cloud answer every bad way (each status, HTML and other bodies where XML or
// JSON belongs, truncated, gigantic and deeply nested documents, a stall mid-body, no answer at all) to each kind
// of call: a student's listing, an import, a link pick, a login's token and userinfo calls, and the admin's
// connection check. Each ends with a specific message for the person in front of the screen (never an empty
// folder, never "something went wrong"), within the configured timeout (a stalled server never answers, so a
// "timeout" message can only come from ocrepo's own timer), nothing half-written at the host, and no goroutine
// left behind.
func TestHostileCloudServers(t *testing.T) {
	checkGoroutines(t)
	for _, ba := range badAnswers() {
		t.Run(ba.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, siteOptions{opts: repositorytest.Options{Config: func(c *repository.Config) { c.Timeout = badTimeout }}})
			r := s.token(s.pickRequest(student))
			ctx := context.Background()
			s.h.Cloud.WriteFile("alice", "/big.bin", bytes.Repeat([]byte("0123456789abcdef"), 4096))

			// The listing.
			f := ba.fault
			f.Method = "PROPFIND"
			s.h.Cloud.Fail(cloudtest.EPWebDAV, f)
			status, body, _ := s.client(student).Get(t, path("picker", "list")+"?"+s.pickerForm(r, "reload", "1").Encode(), "HX-Request", "true")
			d := parse(t, body)
			if status < 400 || status == 500 || d.Find(`[data-testid="listing-problem"]`).Length() != 1 || alert(t, body) != ba.list {
				t.Errorf("listing: %d %q, want a problem %q", status, alert(t, body), ba.list)
			}
			if d.Find(`[data-testid="row"], [data-testid="empty"]`).Length() != 0 {
				t.Error("a failed listing shows a table")
			}

			// The admin's connection check (the WebDAV probe runs as the system account).
			status, body, _ = s.post(admin, path("admin", "issuers", s.iss.ID, "check"), nil, "HX-Request", "true")
			item := parse(t, body).Find(`[data-testid="check-webdav_endpoint"]`)
			state, _ := item.Attr("data-state")
			code, _ := item.Attr("data-code")
			if status != http.StatusOK || state != "failed" || code != ba.check {
				t.Errorf("connection check: %d, WebDAV %s %q, want failed %q", status, state, code, ba.check)
			}
			if strings.TrimSpace(item.Text()) == "" {
				t.Error("the check's WebDAV item says nothing")
			}
			s.h.Cloud.ClearFaults()

			// An import whose download fails.
			if !ba.xml {
				f := ba.fault
				f.Method = http.MethodGet
				s.h.Cloud.Fail(cloudtest.EPWebDAV, f)
				status, body, _ = s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "import", "path", "/big.bin"), "HX-Request", "true")
				id, _ := parse(t, body).Find(`[id^="status-"]`).Attr("id")
				if status != http.StatusAccepted || id == "" {
					t.Fatalf("import start: %d %s", status, body)
				}
				j, err := s.h.Repo.AwaitImport(ctx, host.User{ID: student}, strings.TrimPrefix(id, "status-"))
				if err != nil || j.State != store.ImportFailed || j.Error == "" || strings.Contains(j.Error, "Something went wrong") {
					t.Errorf("import: %s %q, %v; want failed with a reason", j.State, j.Error, err)
				}
				if s.h.Files.Count() != 0 || s.h.Files.Open() != 0 {
					t.Errorf("the host holds %d files (%d open) after a failed import", s.h.Files.Count(), s.h.Files.Open())
				}
				s.h.Cloud.ClearFaults()
			}

			// A link pick whose share calls fail.
			s.h.Cloud.Fail(cloudtest.EPOCS, ba.fault)
			status, body, _ = s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "link", "path", "/report.pdf"), "HX-Request", "true")
			if status < 400 || status == 500 || alert(t, body) != ba.link || strings.Contains(body, "data-ocrepo-picked") {
				t.Errorf("link: %d %q, want a problem %q and no result", status, alert(t, body), ba.link)
			}
			s.h.Cloud.ClearFaults()

			// A login whose token call, then whose userinfo call, fails.
			for _, ep := range []string{cloudtest.EPToken, cloudtest.EPUserinfo} {
				state, challenge := s.startLogin(student2)
				code := s.h.Cloud.AuthorizeCode("carol", state, challenge)
				s.h.Cloud.Fail(ep, ba.fault)
				status, body, _ := s.client(student2).Get(t, path("callback")+"?"+url.Values{"state": {state}, "code": {code}}.Encode())
				s.h.Cloud.ClearFaults()
				a := alert(t, body)
				if status < 400 || status == 500 || !strings.HasPrefix(a, "login_") || a == "login_cloud_error" {
					t.Errorf("login with a bad %s answer: %d %q, want a login problem", ep, status, a)
				}
			}
			if s.h.Files.Count() != 0 {
				t.Errorf("the host holds %d files", s.h.Files.Count())
			}
		})
	}
}

// student2 is a second student with a cloud account ("carol").
const student2 = "student2"

// TestRedirectToAnotherHostIsRefused puts a web server in front of the cloud that sends WebDAV calls to another
// host: the user's bearer token never goes there, the student is told the cloud answered unexpectedly, and the
// admin's check names the redirect.
func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{})
	var stolen atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			stolen.Add(1)
		}
		http.Error(w, "gotcha", http.StatusOK)
	}))
	t.Cleanup(evil.Close)
	target, err := url.Parse(s.h.Cloud.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/remote.php/") {
			http.Redirect(w, r, evil.URL+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	iss, err := s.h.Store.GetIssuer(context.Background(), s.iss.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range iss.Endpoints {
		if e.Name == cloud.EndpointWebDAV {
			iss.Endpoints[i].URL = strings.Replace(e.URL, strings.TrimSuffix(s.h.Cloud.URL, "/"), front.URL, 1)
		}
	}
	if _, err := s.h.Store.UpdateIssuer(context.Background(), iss); err != nil {
		t.Fatal(err)
	}
	r := s.token(s.pickRequest(student))
	status, body, _ := s.client(student).Get(t, path("picker", "list")+"?"+s.pickerForm(r, "reload", "1").Encode(), "HX-Request", "true")
	if status != http.StatusBadGateway || alert(t, body) != "invalid_response" {
		t.Errorf("listing through a redirect to another host: %d %q, want 502 invalid_response", status, alert(t, body))
	}
	// Nothing could be listed, so the picked path is checked at the cloud first, and that check meets the redirect.
	status, body, _ = s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "import", "path", "/report.pdf"), "HX-Request", "true")
	if status != http.StatusBadGateway || alert(t, body) != "invalid_response" {
		t.Errorf("import through a redirect to another host: %d %q, want 502 invalid_response", status, alert(t, body))
	}
	_, body, _ = s.post(admin, path("admin", "issuers", s.iss.ID, "check"), nil, "HX-Request", "true")
	if code, _ := parse(t, body).Find(`[data-testid="check-webdav_endpoint"]`).Attr("data-code"); code != "redirect_host" && code != "redirect" {
		t.Errorf("connection check: WebDAV %q, want a redirect diagnosis", code)
	}
	if n := stolen.Load(); n != 0 {
		t.Errorf("the other host received %d requests with credentials", n)
	}
}

// TestNetworkGuardThroughThePages points issuers at the cloud-metadata address, a link-local and a private
// address: the admin's check says the guard refused them and the student is told the server cannot be reached,
// without a packet leaving (the guard refuses before connecting). A host without AllowLoopback cannot reach a
// cloud on 127.0.0.1 even when the issuer allows private networks. (That the private-network setting lets the
// same addresses through is TestGuardControlRefusesBeforeConnecting in package service: reaching them here would
// leave this machine.)
func TestNetworkGuardThroughThePages(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"http://169.254.169.254/", "http://[fe80::1]:8080/nc/", "http://10.20.30.40/", "http://[fd00:ec2::254]/"} {
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, siteOptions{opts: repositorytest.Options{Config: func(c *repository.Config) { c.Timeout = badTimeout }}})
			iss, err := s.h.Store.GetIssuer(context.Background(), s.iss.ID)
			if err != nil {
				t.Fatal(err)
			}
			eps, err := cloud.PresetEndpoints(cloud.Nextcloud, base)
			if err != nil {
				t.Fatal(err)
			}
			iss.BaseURL, iss.Endpoints = base, nil
			for _, n := range cloud.EndpointNames() {
				iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: n, URL: eps[n]})
			}
			if _, err := s.h.Store.UpdateIssuer(context.Background(), iss); err != nil {
				t.Fatal(err)
			}
			assertBlocked(t, s, "metadata, link-local or private address")
		})
	}
	t.Run("loopback without AllowLoopback", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, siteOptions{opts: repositorytest.Options{Config: func(c *repository.Config) { c.AllowLoopback = false }}})
		iss, err := s.h.Store.GetIssuer(context.Background(), s.iss.ID)
		if err != nil {
			t.Fatal(err)
		}
		iss.AllowPrivateNetwork = true
		if _, err := s.h.Store.UpdateIssuer(context.Background(), iss); err != nil {
			t.Fatal(err)
		}
		before := s.h.Cloud.Count(cloudtest.EPStatus) + s.h.Cloud.Count(cloudtest.EPWebDAV) + s.h.Cloud.Count(cloudtest.EPToken)
		assertBlocked(t, s, "loopback")
		if n := s.h.Cloud.Count(cloudtest.EPStatus) + s.h.Cloud.Count(cloudtest.EPWebDAV) + s.h.Cloud.Count(cloudtest.EPToken) - before; n != 0 {
			t.Errorf("the cloud on loopback received %d requests", n)
		}
	})
	t.Run("the admin form's setting", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, siteOptions{})
		m := &matrix{s: s}
		form := m.issuerForm("Campus Cloud")
		form.Set("allow_private", "on")
		if status, body, _ := s.post(admin, path("admin", "issuers", s.iss.ID), form); status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", status, alert(t, body))
		}
		if iss, err := s.h.Store.GetIssuer(context.Background(), s.iss.ID); err != nil || !iss.AllowPrivateNetwork {
			t.Errorf("allow private networks not stored: %v", err)
		}
		audit, err := s.h.Store.ListAudit(context.Background(), store.AuditFilter{})
		if err != nil || len(audit) == 0 || !strings.Contains(audit[0].Detail, `"audit.private_networks.true"`) {
			t.Errorf("the audit trail does not record the setting: %+v, %v", audit, err)
		}
	})
}

// assertBlocked checks that the admin's check and the student's listing both report the network guard.
func assertBlocked(t *testing.T, s *site, what string) {
	t.Helper()
	_, body, _ := s.post(admin, path("admin", "issuers", s.iss.ID, "check"), nil, "HX-Request", "true")
	d := parse(t, body)
	for _, id := range []string{"status", "authorization_endpoint", "token_endpoint"} {
		if code, _ := d.Find(`[data-testid="check-` + id + `"]`).Attr("data-code"); code != "blocked" {
			t.Errorf("%s: check %s says %q, want blocked", what, id, code)
		}
	}
	if !strings.Contains(d.Text(), "Allow private networks") && what != "loopback" {
		t.Errorf("%s: the check does not point at the setting", what)
	}
	r := s.token(s.pickRequest(student))
	status, body, _ := s.client(student).Get(t, path("picker", "list")+"?"+s.pickerForm(r, "reload", "1").Encode(), "HX-Request", "true")
	if status != http.StatusBadGateway || alert(t, body) != "blocked" {
		t.Errorf("%s: listing %d %q, want 502 blocked", what, status, alert(t, body))
	}
}

// TestScriptURLFromTheCloudIsRefused: a share API that hands back a javascript: (or any non-http) URL as a public
// link's address gets an invalid-response message; nothing is recorded for the host, whose pages would show it.
func TestScriptURLFromTheCloudIsRefused(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>", "//evil.example/s/abc",
		"https://user:pw@cloud.example.org/s/abc"} {
		t.Run(u, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, siteOptions{})
			body := `{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK"},"data":{"id":"7","share_type":3,` +
				`"permissions":1,"url":` + jsString(u) + `,"token":"abc","path":"/report.pdf","item_type":"file"}}}`
			s.h.Cloud.Fail(cloudtest.EPOCS, cloudtest.Fault{Method: http.MethodPost, Status: 200, ContentType: "application/json", Body: body})
			r := s.token(s.pickRequest(student))
			status, page, hdr := s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "link", "path", "/report.pdf"), "HX-Request", "true")
			if status != http.StatusBadGateway || alert(t, page) != "invalid_response" || hdr.Get("HX-Trigger") != "" {
				t.Errorf("share URL %q: %d %q, trigger %q; want 502 invalid_response and no result", u, status, alert(t, page), hdr.Get("HX-Trigger"))
			}
			if strings.Contains(page, u) {
				t.Errorf("the page shows %q", u)
			}
		})
	}
}
