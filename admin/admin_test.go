package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

const mount = repositorytest.Mount

// site is a running host with a client per user; every response body is checked for the client secret.
type site struct {
	t     *testing.T
	h     *repositorytest.Host
	users map[string]*repositorytest.Client
}

func newSite(t *testing.T, opts repositorytest.Options) *site {
	t.Helper()
	h := repositorytest.New(t, opts)
	return &site{t: t, h: h, users: map[string]*repositorytest.Client{}}
}

func (s *site) client(user string) *repositorytest.Client {
	c, ok := s.users[user]
	if !ok {
		c = s.h.Client(user)
		s.users[user] = c
	}
	return c
}

// page is a response.
type page struct {
	status int
	body   string
	header http.Header
	doc    *goquery.Document
}

func (p page) find(testid string) *goquery.Selection {
	return p.doc.Find(`[data-testid="` + testid + `"]`)
}

func (p page) has(testid string) bool { return p.find(testid).Length() > 0 }

func (p page) text(testid string) string { return strings.TrimSpace(p.find(testid).Text()) }

func (s *site) parse(status int, body string, header http.Header) page {
	s.t.Helper()
	if strings.Contains(body, repositorytest.ClientSecret) {
		s.t.Fatalf("the client secret appears in a response body")
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		s.t.Fatalf("parse HTML: %v", err)
	}
	return page{status: status, body: body, header: header, doc: doc}
}

func (s *site) get(user, path string, header ...string) page {
	s.t.Helper()
	return s.parse(s.client(user).Get(s.t, path, header...))
}

func (s *site) post(user, path string, form url.Values, header ...string) page {
	s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return s.parse(s.client(user).Post(s.t, path, form, header...))
}

// htmx is the header htmx sends with every request.
const htmxHeader = "HX-Request"

func (s *site) issuerForm(name string) url.Values {
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, s.h.Cloud.URL)
	if err != nil {
		s.t.Fatal(err)
	}
	f := url.Values{
		"name": {name}, "base_url": {s.h.Cloud.URL}, "client_id": {repositorytest.ClientID},
		"client_secret": {repositorytest.ClientSecret}, "basic_auth": {"on"}, "preset": {"nextcloud"}, "action": {"save"},
	}
	for _, n := range cloud.EndpointNames() {
		f.Add("endpoint_name", n)
		f.Add("endpoint_url", eps[n])
	}
	for _, m := range [][2]string{{"ocs-data-id", "username"}, {"ocs-data-email", "email"}} {
		f.Add("mapping_external", m[0])
		f.Add("mapping_internal", m[1])
	}
	return f
}

// snapshot is what the admin routes can change.
type snapshot struct {
	issuers, instances, audit string
	system                    bool
	course                    bool
}

func (s *site) snapshot(issuerID, instanceID int64) snapshot {
	s.t.Helper()
	ctx := context.Background()
	st := s.h.Store
	var snap snapshot
	issuers, err := st.ListIssuers(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, i := range issuers {
		snap.issuers += fmt.Sprintf("%d %s %s %s %t %d;", i.ID, i.Name, i.BaseURL, i.ClientSecret, i.BasicAuth, len(i.Endpoints))
	}
	instances, err := st.ListInstances(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, i := range instances {
		snap.instances += fmt.Sprintf("%d %s %t %s;", i.ID, i.Name, i.Enabled, i.ControlledLinkFolder)
	}
	entries, err := st.ListAudit(ctx, store.AuditFilter{Limit: 1000})
	if err != nil {
		s.t.Fatal(err)
	}
	snap.audit = fmt.Sprint(len(entries))
	_, err = st.GetToken(ctx, store.TokenKey{IssuerID: issuerID, System: true})
	snap.system = err == nil
	snap.course, err = st.CourseInstanceEnabled(ctx, "42", instanceID)
	if err != nil {
		s.t.Fatal(err)
	}
	return snap
}

func (s *site) auditActions() []string {
	s.t.Helper()
	entries, err := s.h.Store.ListAudit(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

type route struct {
	method string
	path   string
	form   url.Values
}

// adminRoutes are every admin route with valid input, deletions last.
func (s *site) adminRoutes(iss store.Issuer, inst store.Instance) []route {
	is := fmt.Sprintf("%s/admin/issuers/%d", mount, iss.ID)
	in := fmt.Sprintf("%s/admin/instances/%d", mount, inst.ID)
	instForm := url.Values{"name": {"Renamed"}, "issuer": {fmt.Sprint(iss.ID)}, "folder": {"LMS files"}, "import": {"on"},
		"default_return": {"import"}, "enabled": {"on"}}
	newInst := url.Values{"name": {"Another"}, "issuer": {fmt.Sprint(iss.ID)}, "folder": {"LMS files"}, "import": {"on"},
		"default_return": {"import"}, "enabled": {"on"}}
	return []route{
		{"GET", mount + "/admin", nil},
		{"GET", mount + "/admin/issuers", nil},
		{"GET", mount + "/admin/issuers/new", nil},
		{"POST", mount + "/admin/issuers", s.issuerForm("Second cloud")},
		{"GET", is, nil},
		{"POST", is, s.issuerForm("Campus renamed")},
		{"GET", is + "/delete", nil},
		{"POST", is + "/check", nil},
		{"POST", is + "/system/connect", nil},
		{"POST", is + "/system/disconnect", nil},
		{"GET", mount + "/admin/instances", nil},
		{"GET", mount + "/admin/instances/new", nil},
		{"POST", mount + "/admin/instances", newInst},
		{"GET", in, nil},
		{"POST", in, instForm},
		{"GET", in + "/delete", nil},
		{"GET", mount + "/admin/audit", nil},
		{"GET", mount + "/admin/health", nil},
		{"POST", in + "/delete", url.Values{"confirm": {"yes"}}},
		{"POST", is + "/delete", url.Values{"confirm": {"yes"}}},
	}
}

func TestAdminRoutesRefuseEverybodyButAdmins(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus cloud")
	inst := s.h.AddInstance(t, iss.ID, "Course files", host.ReturnImport|host.ReturnLink, host.ReturnImport)
	s.h.ConnectSystem(t, iss.ID)
	before := s.snapshot(iss.ID, inst.ID)

	for _, who := range []struct {
		user   string
		status int
		testid string
	}{{"", http.StatusUnauthorized, "alert-401"}, {"student", http.StatusForbidden, "alert-403"}, {"teacher", http.StatusForbidden, "alert-403"}} {
		for _, r := range s.adminRoutes(iss, inst) {
			var p page
			if r.method == "GET" {
				p = s.get(who.user, r.path)
			} else if who.user == "" {
				p = s.parse(s.client("").Post(t, r.path, withCSRF(r.form, "anything")))
			} else {
				p = s.post(who.user, r.path, r.form)
			}
			if p.status != who.status || !p.has(who.testid) {
				t.Errorf("%q %s %s: %d, want %d with %s", who.user, r.method, r.path, p.status, who.status, who.testid)
			}
			if who.user == "student" && !strings.Contains(p.body, "Administrators only") {
				t.Errorf("student %s %s: no clear 403 page", r.method, r.path)
			}
		}
	}
	if after := s.snapshot(iss.ID, inst.ID); after != before {
		t.Fatalf("refused requests changed the store:\nbefore %+v\nafter  %+v", before, after)
	}
	if got := s.h.Cloud.Count(cloudtest.EPToken); got != 0 {
		t.Errorf("refused requests reached the cloud's token endpoint %d times", got)
	}

	for _, r := range s.adminRoutes(iss, inst) {
		var p page
		if r.method == "GET" {
			p = s.get("admin", r.path)
		} else {
			p = s.post("admin", r.path, r.form)
		}
		if p.status >= 400 && !(r.path == fmt.Sprintf("%s/admin/issuers/%d/system/disconnect", mount, iss.ID)) {
			t.Errorf("admin %s %s: %d", r.method, r.path, p.status)
		}
	}
	if _, err := s.h.Store.GetIssuer(context.Background(), iss.ID); err == nil {
		t.Errorf("the admin's confirmed delete did not delete the issuer")
	}
}

func withCSRF(form url.Values, token string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set("csrf_token", token)
	return out
}

func TestAdminPostWithoutCSRFIsRefused(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus cloud")
	inst := s.h.AddInstance(t, iss.ID, "Course files", host.ReturnImport, host.ReturnImport)
	before := s.snapshot(iss.ID, inst.ID)
	for _, r := range s.adminRoutes(iss, inst) {
		if r.method != "POST" {
			continue
		}
		// Without any token (the form sent by hand: the test client would fetch a real one).
		req, _ := http.NewRequest(http.MethodPost, s.h.URL+r.path, strings.NewReader(r.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := s.client("admin").Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a token: %d, want 403", r.path, resp.StatusCode)
		}
		// With a forged token, as a form field and as htmx's header.
		p := s.parse(s.client("admin").Post(t, r.path, withCSRF(r.form, "forged-token")))
		if p.status != http.StatusForbidden || !p.has("alert-403") {
			t.Errorf("POST %s with a forged token: %d, want 403", r.path, p.status)
		}
		p = s.parse(s.client("admin").Post(t, r.path, withCSRF(r.form, "forged-token"), "HX-Request", "true", "X-CSRF-Token", "forged-token"))
		if p.status != http.StatusForbidden || !p.has("alert-403") || p.header.Get("HX-Retarget") != "#ocrepo-alert" {
			t.Errorf("htmx POST %s with a forged token: %d", r.path, p.status)
		}
	}
	if after := s.snapshot(iss.ID, inst.ID); after != before {
		t.Fatalf("requests without a CSRF token changed the store:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestIssuerListAndRedirectURI(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	p := s.get("admin", mount+"/admin/issuers")
	if p.status != 200 || !p.has("issuers-empty") {
		t.Fatalf("empty list: %d", p.status)
	}
	want := s.h.URL + mount + "/callback"
	if got, _ := p.find("redirect-uri").Attr("value"); got != want {
		t.Errorf("redirect URI %q, want %q", got, want)
	}
	if copyFor, _ := p.find("copy-redirect-uri").Attr("data-copy"); copyFor != "redirect-uri" {
		t.Errorf("copy button copies %q", copyFor)
	}
	if p := s.get("admin", mount+"/admin/instances"); !p.has("instances-no-issuers") || !p.has("instances-empty") {
		t.Errorf("the instance list does not say that a cloud server comes first")
	}
	iss := s.h.AddIssuer(t, "Campus cloud")
	s.h.ConnectSystem(t, iss.ID)
	s.h.AddInstance(t, iss.ID, "Course files", host.ReturnImport, host.ReturnImport)
	p = s.get("admin", mount+"/admin")
	row := p.find(fmt.Sprintf("issuer-row-%d", iss.ID))
	if row.Length() != 1 || !strings.Contains(row.Text(), "Campus cloud") || !strings.Contains(row.Text(), repositorytest.SystemUser) {
		t.Errorf("row: %q", row.Text())
	}
	if p.doc.Find("table[data-testid=issuer-list] caption").Length() != 1 || p.doc.Find(`th[scope="col"]`).Length() < 5 {
		t.Errorf("the table lacks a caption or column headers")
	}
}

func TestIssuerCreateValidationInline(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	s.h.AddIssuer(t, "Campus cloud")
	form := s.issuerForm("campus CLOUD") // taken, in any case
	form.Set("base_url", "cloud.example.org")
	form.Set("endpoint_name", "Bad Name")
	form["endpoint_url"][1] = "/relative"
	form["mapping_internal"][1] = "uid"
	for _, hx := range []bool{false, true} {
		var p page
		if hx {
			p = s.post("admin", mount+"/admin/issuers", form, htmxHeader, "true")
		} else {
			p = s.post("admin", mount+"/admin/issuers", form)
		}
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("htmx %t: status %d", hx, p.status)
		}
		if full := strings.Contains(p.body, "<html"); full == hx {
			t.Errorf("htmx %t: whole page %t", hx, full)
		}
		for key, id := range map[string]string{"name": "issuer-name", "base_url": "issuer-base-url", "endpoint_name.0": "endpoint_name-0",
			"endpoint_url.1": "endpoint_url-1", "mapping_internal.1": "mapping_internal-1"} {
			msg := p.find("error-" + key)
			if msg.Length() != 1 {
				t.Errorf("htmx %t: no inline error for %s", hx, key)
				continue
			}
			errID, _ := msg.Attr("id")
			ctl := p.doc.Find("#" + id)
			if inv, _ := ctl.Attr("aria-invalid"); inv != "true" {
				t.Errorf("htmx %t: %s not aria-invalid", hx, id)
			}
			if desc, _ := ctl.Attr("aria-describedby"); !strings.Contains(desc, errID) {
				t.Errorf("htmx %t: %s aria-describedby %q does not point at %q", hx, id, desc, errID)
			}
		}
		if focus, _ := p.doc.Find("[data-focus]").First().Attr("id"); focus != "issuer-name" {
			t.Errorf("htmx %t: focus goes to %q, want the first invalid field", hx, focus)
		}
		if !p.has("form-errors") {
			t.Errorf("htmx %t: no error summary", hx)
		}
		// What was typed comes back, except the secret.
		if v, _ := p.doc.Find("#issuer-name").Attr("value"); v != "campus CLOUD" {
			t.Errorf("htmx %t: name came back as %q", hx, v)
		}
		if v, _ := p.doc.Find("#issuer-client-secret").Attr("value"); v != "" {
			t.Errorf("htmx %t: the secret came back", hx)
		}
		if retype := strings.Contains(p.doc.Find("#issuer-client-secret-hint").Text(), "type it again"); retype == hx {
			t.Errorf("htmx %t: asks to retype the secret: %t (only a plain form loses it)", hx, retype)
		}
		if _, ok := p.doc.Find("#issuer-client-secret").Attr("hx-preserve"); !ok {
			t.Errorf("htmx %t: the secret field is not preserved across swaps", hx)
		}
	}
	if all, _ := s.h.Store.ListIssuers(context.Background()); len(all) != 1 {
		t.Errorf("%d issuers stored after invalid forms", len(all))
	}
}

func TestIssuerFormActions(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	base := strings.TrimSuffix(s.h.Cloud.URL, "/") // normalised with a trailing slash
	form := url.Values{"name": {"Campus"}, "base_url": {base}, "client_id": {"x"}, "preset": {"owncloud"}, "basic_auth": {"on"}, "action": {"preset"}}
	p := s.post("admin", mount+"/admin/issuers", form, htmxHeader, "true")
	if p.status != 200 {
		t.Fatalf("preset: %d", p.status)
	}
	got := map[string]string{}
	p.find("endpoint-table").Find("tbody tr").Each(func(i int, tr *goquery.Selection) {
		n, _ := tr.Find(`input[name=endpoint_name]`).Attr("value")
		u, _ := tr.Find(`input[name=endpoint_url]`).Attr("value")
		got[n] = u
	})
	want, _ := cloud.PresetEndpoints(cloud.OwnCloud, s.h.Cloud.URL)
	if len(got) != 5 {
		t.Fatalf("preset filled %d endpoints: %v", len(got), got)
	}
	for n, u := range want {
		if got[n] != u {
			t.Errorf("%s = %q, want %q", n, got[n], u)
		}
	}
	if v, _ := p.doc.Find("#issuer-base-url").Attr("value"); v != s.h.Cloud.URL {
		t.Errorf("base URL not normalised: %q", v)
	}
	if a, _ := p.doc.Find("[data-announce]").First().Attr("data-announce"); !strings.Contains(a, "ownCloud 10") {
		t.Errorf("announcement %q", a)
	}

	// The preset needs a base URL.
	form.Set("base_url", "")
	if p := s.post("admin", mount+"/admin/issuers", form, htmxHeader, "true"); !p.has("error-base_url") {
		t.Errorf("preset without a base URL gives no error")
	}

	// Add and remove rows, without JavaScript too.
	form = url.Values{"name": {"Campus"}, "endpoint_name": {"a", "b"}, "endpoint_url": {"https://x/a", "https://x/b"}, "action": {"add_endpoint"}}
	p = s.post("admin", mount+"/admin/issuers", form)
	if n := p.find("endpoint-table").Find("tbody tr").Length(); n != 3 || !strings.Contains(p.body, "<html") {
		t.Errorf("add: %d rows", n)
	}
	if id, _ := p.doc.Find("[data-focus]").First().Attr("id"); id != "endpoint_name-2" {
		t.Errorf("add: focus on %q", id)
	}
	form.Set("action", "remove_endpoint:0")
	p = s.post("admin", mount+"/admin/issuers", form, htmxHeader, "true")
	rows := p.find("endpoint-table").Find("tbody tr")
	if n, _ := rows.First().Find("input[name=endpoint_name]").Attr("value"); rows.Length() != 1 || n != "b" {
		t.Errorf("remove: %d rows, first %q", rows.Length(), n)
	}
	form.Set("action", "add_mapping")
	if p := s.post("admin", mount+"/admin/issuers", form, htmxHeader, "true"); p.find("mapping-table").Find("tbody tr").Length() != 1 {
		t.Errorf("add mapping")
	}
	if all, _ := s.h.Store.ListIssuers(context.Background()); len(all) != 0 {
		t.Errorf("form actions stored an issuer")
	}
}

func TestIssuerCreateEditSecret(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	p := s.get("admin", mount+"/admin/issuers/new")
	if p.status != 200 {
		t.Fatalf("new: %d", p.status)
	}
	if _, checked := p.doc.Find("#issuer-basic-auth").Attr("checked"); !checked {
		t.Errorf("HTTP header client auth is not on by default")
	}
	if _, checked := p.doc.Find("#issuer-allow-private").Attr("checked"); checked {
		t.Errorf("private networks are allowed by default")
	}
	if p.doc.Find(`label[for="issuer-client-secret"]`).Length() != 1 || !strings.Contains(p.doc.Find(`label[for="issuer-client-secret"]`).Text(), "not set") {
		t.Errorf("secret label does not say it is unset")
	}
	p.doc.Find("input, select").Each(func(_ int, sel *goquery.Selection) {
		typ, _ := sel.Attr("type")
		id, _ := sel.Attr("id")
		if typ == "hidden" || id == "" {
			if typ != "hidden" {
				t.Errorf("control without id: %v", sel.Nodes[0].Attr)
			}
			return
		}
		if p.doc.Find(`label[for="`+id+`"]`).Length() == 0 {
			t.Errorf("control %s has no label", id)
		}
	})

	// Adding a server lands on it (its connection check and system account are the next steps).
	p = s.post("admin", mount+"/admin/issuers", s.issuerForm("Campus cloud"))
	all, _ := s.h.Store.ListIssuers(context.Background())
	if len(all) != 1 || all[0].ClientSecret != repositorytest.ClientSecret {
		t.Fatalf("stored %+v", all)
	}
	iss := all[0]
	if want := fmt.Sprintf("%s/admin/issuers/%d?notice=issuer_created", mount, iss.ID); p.status != http.StatusSeeOther || p.header.Get("Location") != want {
		t.Fatalf("create: %d to %q, want %q", p.status, p.header.Get("Location"), want)
	}
	p = s.post("admin", mount+"/admin/issuers", s.issuerForm("Second"), htmxHeader, "true")
	all, _ = s.h.Store.ListIssuers(context.Background())
	var second int64
	for _, i := range all {
		if i.Name == "Second" {
			second = i.ID
		}
	}
	if want := fmt.Sprintf("%s/admin/issuers/%d?notice=issuer_created", mount, second); p.status != 200 || p.header.Get("HX-Redirect") != want {
		t.Errorf("htmx create: %d, HX-Redirect %q, want %q", p.status, p.header.Get("HX-Redirect"), want)
	}

	edit := fmt.Sprintf("%s/admin/issuers/%d", mount, iss.ID)
	p = s.get("admin", edit)
	if !strings.Contains(p.doc.Find(`label[for="issuer-client-secret"]`).Text(), "(set)") {
		t.Errorf("edit page does not say the secret is set")
	}
	form := s.issuerForm("Campus cloud")
	form.Set("client_secret", "")
	form.Del("basic_auth")
	p = s.post("admin", edit, form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("update: %d", p.status)
	}
	got, _ := s.h.Store.GetIssuer(context.Background(), iss.ID)
	if got.ClientSecret != repositorytest.ClientSecret || got.BasicAuth {
		t.Errorf("after update: secret kept %t, basic auth %t", got.ClientSecret == repositorytest.ClientSecret, got.BasicAuth)
	}
	p = s.get("admin", mount+"/admin/issuers?notice=issuer_saved")
	if !p.has("notice") {
		t.Errorf("no notice after saving")
	}
	if got := s.auditActions(); strings.Join(got, " ") != "issuer.update issuer.create issuer.create" {
		t.Errorf("audit %v", got)
	}
	for _, path := range []string{mount + "/admin/issuers/999", mount + "/admin/issuers/abc", mount + "/admin/issuers/999/delete"} {
		if p := s.get("admin", path); p.status != http.StatusNotFound || !p.has("alert-404") {
			t.Errorf("GET %s: %d", path, p.status)
		}
	}
	if p := s.post("admin", mount+"/admin/issuers/999", s.issuerForm("x")); p.status != http.StatusNotFound {
		t.Errorf("update of a missing issuer: %d", p.status)
	}
}

func TestIssuerDeleteAsksFirst(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus cloud")
	s.h.AddInstance(t, iss.ID, "Course files", host.ReturnImport, host.ReturnImport)
	s.h.AddInstance(t, iss.ID, "Assignments", host.ReturnLink, host.ReturnLink)
	s.h.Connect(t, iss.ID, "student")
	s.h.Connect(t, iss.ID, "teacher")
	s.h.ConnectSystem(t, iss.ID)
	path := fmt.Sprintf("%s/admin/issuers/%d/delete", mount, iss.ID)

	p := s.get("admin", path)
	if p.status != 200 || p.find("delete-instance").Length() != 2 || !strings.Contains(p.text("delete-logins"), "2 user logins") ||
		!strings.Contains(p.text("delete-system"), repositorytest.SystemUser) {
		t.Fatalf("confirmation: %d %q %q", p.status, p.text("delete-instances"), p.text("delete-logins"))
	}
	if p := s.post("admin", path, nil); p.status != http.StatusSeeOther || p.header.Get("Location") != path {
		t.Errorf("unconfirmed delete: %d to %q", p.status, p.header.Get("Location"))
	}
	if _, err := s.h.Store.GetIssuer(context.Background(), iss.ID); err != nil {
		t.Fatalf("unconfirmed delete deleted: %v", err)
	}
	p = s.post("admin", path, url.Values{"confirm": {"yes"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.status)
	}
	if insts, _ := s.h.Store.ListInstances(context.Background()); len(insts) != 0 {
		t.Errorf("instances survived: %v", insts)
	}
	if s.auditActions()[0] != "issuer.delete" {
		t.Errorf("audit %v", s.auditActions())
	}
}

// checkPage runs the connection check through htmx and returns the result fragment.
func (s *site) checkPage(issuerID int64) page {
	s.t.Helper()
	p := s.post("admin", fmt.Sprintf("%s/admin/issuers/%d/check", mount, issuerID), nil, htmxHeader, "true")
	if p.status != 200 || !p.has("check-summary") {
		s.t.Fatalf("check: %d\n%s", p.status, p.body)
	}
	return p
}

func (p page) checkCode(id string) (state, code string) {
	sel := p.find("check-" + id)
	state, _ = sel.Attr("data-state")
	code, _ = sel.Attr("data-code")
	return state, code
}

func TestConnectionCheck(t *testing.T) {
	t.Parallel()
	t.Run("healthy", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, repositorytest.Options{})
		iss := s.h.AddIssuer(t, "Campus cloud")
		p := s.checkPage(iss.ID)
		if ok, _ := p.find("check-summary").Attr("data-ok"); ok != "true" || p.text("check-detected") != "Nextcloud 34.0.1" {
			t.Errorf("ok %s, detected %q", ok, p.text("check-detected"))
		}
		for _, id := range []string{"status", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "webdav_endpoint", "ocs_endpoint"} {
			if state, _ := p.checkCode(id); state != "passed" {
				t.Errorf("%s: %s", id, state)
			}
		}
		if a, _ := p.find("check-summary").Attr("data-announce"); !strings.Contains(a, "6 passed") {
			t.Errorf("announcement %q", a)
		}
		// Without JavaScript the whole page comes back with the result in place, and the product is stored.
		full := s.post("admin", fmt.Sprintf("%s/admin/issuers/%d/check", mount, iss.ID), nil)
		if !strings.Contains(full.body, "<html") || !full.has("check-summary") || !strings.Contains(full.text("issuer-product"), "Nextcloud 34.0.1") {
			t.Errorf("no-JS check page: product %q", full.text("issuer-product"))
		}
		if list := s.get("admin", mount+"/admin/issuers"); !strings.Contains(list.find(fmt.Sprintf("issuer-row-%d", iss.ID)).Text(), "Nextcloud 34.0.1") {
			t.Errorf("list does not show the detected product")
		}
		if s.auditActions()[0] != "issuer.check" {
			t.Errorf("audit %v", s.auditActions())
		}
	})
	tests := []struct {
		name   string
		system bool
		setup  func(s *site, iss *store.Issuer)
		want   map[string]string
		words  string
	}{
		{"authorization header stripped", true, func(s *site, _ *store.Issuer) {
			for _, ep := range []string{cloudtest.EPWebDAV, cloudtest.EPOCS, cloudtest.EPUserinfo} {
				s.h.Cloud.Fail(ep, cloudtest.Fault{StripAuth: true})
			}
		}, map[string]string{"webdav_endpoint": "auth_stripped", "ocs_endpoint": "auth_stripped", "userinfo_endpoint": "auth_stripped", "token_endpoint": "ok"},
			`SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1`},
		{"wrong client secret", true, func(s *site, iss *store.Issuer) { iss.ClientSecret = "wrong-secret" },
			map[string]string{"token_endpoint": "client_auth"}, "client identifier and secret"},
		{"no index.php", false, func(s *site, iss *store.Issuer) {
			for i, e := range iss.Endpoints {
				if e.Name == cloud.EndpointToken {
					iss.Endpoints[i].URL = s.h.Cloud.URL + "apps/oauth2/api/v1/token"
				}
			}
		}, map[string]string{"token_endpoint": "missing_index_php"}, "index.php"},
		{"throttled", false, func(s *site, _ *store.Issuer) {
			s.h.Cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Status: http.StatusTooManyRequests})
		},
			map[string]string{"token_endpoint": "throttled"}, "occ security:bruteforce:attempts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, repositorytest.Options{})
			iss := s.h.AddIssuer(t, "Campus cloud")
			if tc.system {
				s.h.ConnectSystem(t, iss.ID)
			}
			tc.setup(s, &iss)
			if _, err := s.h.Store.UpdateIssuer(context.Background(), iss); err != nil {
				t.Fatal(err)
			}
			p := s.checkPage(iss.ID)
			if ok, _ := p.find("check-summary").Attr("data-ok"); ok != "false" {
				t.Errorf("the check passed")
			}
			for id, code := range tc.want {
				if _, got := p.checkCode(id); got != code {
					t.Errorf("%s: %s, want %s", id, got, code)
				}
			}
			if !strings.Contains(p.doc.Text(), tc.words) {
				t.Errorf("the result does not say %q", tc.words)
			}
			if strings.Contains(p.body, "wrong-secret") {
				t.Errorf("the result shows the secret")
			}
		})
	}
}

// TestConnectionCheckSaysWhetherTheSystemAccountIsConnected: the result's header names the system account the
// probes ran as, says so when a connected account's login could not be used (a refused client), and says
// "without a system account" only when none is connected.
func TestConnectionCheckSaysWhetherTheSystemAccountIsConnected(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus cloud")
	if as := s.checkPage(iss.ID).text("check-as"); !strings.Contains(as, "without a system account") {
		t.Errorf("no system account: %q", as)
	}
	s.h.ConnectSystem(t, iss.ID)
	if as := s.checkPage(iss.ID).text("check-as"); !strings.Contains(as, "signed in as the system account "+repositorytest.SystemUser) {
		t.Errorf("connected: %q", as)
	}
	s.h.Cloud.SetClientSecret("regenerated-at-the-cloud")
	p := s.checkPage(iss.ID)
	if as := p.text("check-as"); !strings.Contains(as, "system account "+repositorytest.SystemUser+" is connected") {
		t.Errorf("connected, client refused: %q", as)
	}
	if _, code := p.checkCode("token_endpoint"); code != "client_auth" {
		t.Errorf("token endpoint: %s, want client_auth", code)
	}
}
