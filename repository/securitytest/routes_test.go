package securitytest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// access says who may use a route.
type access int

const (
	everyone       access = iota // the static assets
	signedIn                     // any signed-in user (with their own ids)
	linkHolders                  // whoever the host's LinkAccess lets open the link: owner, teachers, admins
	courseManagers               // the course's managers and site admins
	admins                       // site admins
)

func (a access) allows(role string) bool {
	switch a {
	case everyone:
		return true
	case signedIn:
		return role != anon
	case linkHolders:
		return role == student || role == teacher || role == admin
	case courseManagers:
		return role == manager || role == admin
	case admins:
		return role == admin
	}
	return false
}

func (a access) String() string {
	return [...]string{"everyone", "signed-in users", "link holders", "course managers", "admins"}[a]
}

// matrix is what the route calls need: the site, and per role its own picker request and import job.
type matrix struct {
	s       *site
	r       map[string]string
	job     map[string]string
	link    int64
	spare   store.Issuer
	spareIn store.Instance
	// callbackQuery, when set for a role, is the callback query its next callback call uses (made beforehand
	// by a login start); otherwise the call makes one itself.
	callbackQuery map[string]string
}

// routeCall is one route of the table: its name (without "ocrepo:"), method, who may use it, and how to call it
// as a role with that role's own ids.
type routeCall struct {
	name   string
	method string
	access access
	call   func(m *matrix, role string) (int, string, http.Header)
}

func (m *matrix) get(role, p string, header ...string) (int, string, http.Header) {
	return m.s.client(role).Get(m.s.t, p, header...)
}

func (m *matrix) rq(role string, kv ...string) string {
	return m.s.pickerForm(m.r[role], kv...).Encode()
}

func (m *matrix) issuerForm(name string) url.Values {
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, m.s.h.Cloud.URL)
	if err != nil {
		m.s.t.Fatal(err)
	}
	f := url.Values{"name": {name}, "base_url": {m.s.h.Cloud.URL}, "client_id": {repositorytest.ClientID},
		"client_secret": {repositorytest.ClientSecret}, "basic_auth": {"on"}, "preset": {"nextcloud"}, "action": {"save"}}
	for _, n := range cloud.EndpointNames() {
		f.Add("endpoint_name", n)
		f.Add("endpoint_url", eps[n])
	}
	for _, mp := range [][2]string{{"ocs-data-id", "username"}, {"ocs-data-email", "email"}} {
		f.Add("mapping_external", mp[0])
		f.Add("mapping_internal", mp[1])
	}
	return f
}

func (m *matrix) instanceForm(name string, issuerID int64) url.Values {
	return url.Values{"name": {name}, "issuer": {fmt.Sprint(issuerID)}, "folder": {"LMS files"}, "import": {"on"},
		"default_return": {"import"}, "enabled": {"on"}}
}

// routeTable lists every route Mount registers, in the order one role calls them (logging out and deleting
// last). A route missing here fails TestEveryRouteHasAnAccessRule until it is classified.
func routeTable() []routeCall {
	const get, post = http.MethodGet, http.MethodPost
	hx := []string{"HX-Request", "true"}
	return []routeCall{
		{"static", get, everyone, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("static", "ocrepo.css"))
		}},
		{"picker", get, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("picker")+"?"+m.rq(role))
		}},
		{"picker.list", get, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("picker", "list")+"?"+m.rq(role, "path", "/Folder"), hx...)
		}},
		{"picker.search", get, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("picker", "search")+"?"+m.rq(role, "q", "report"), hx...)
		}},
		{"picker.preview", get, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("picker", "preview")+"?"+m.rq(role, "path", "/report.pdf"))
		}},
		{"picker.view", get, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("picker", "view")+"?"+m.rq(role, "mode", "grid"), hx...)
		}},
		{"picker.pick", post, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("picker", "pick"), m.s.pickerForm(m.r[role], "as", "link", "path", "/report.pdf"), hx...)
		}},
		{"picker.import", get, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("picker", "import", m.job[role])+"?"+m.rq(role))
		}},
		{"picker.import.cancel", post, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("picker", "import", m.job[role], "cancel"), m.s.pickerForm(m.r[role]))
		}},
		{"picker.login", get, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("picker", "login", m.s.inst.ID)+"?"+m.rq(role))
		}},
		{"callback", get, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			q := "state=made-up&code=made-up"
			if prepared, ok := m.callbackQuery[role]; ok {
				q = prepared
				delete(m.callbackQuery, role)
			} else if role != anon {
				q = m.s.callbackQuery(role)
			}
			return m.get(role, path("callback")+"?"+q)
		}},
		{"link", get, linkHolders, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("link", m.link))
		}},
		{"link.file", get, linkHolders, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("link", m.link, "file"))
		}},
		{"link.preview", get, linkHolders, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("link", m.link, "preview"))
		}},
		{"link.share", post, linkHolders, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("link", m.link, "share"), url.Values{"edit": {"1"}})
		}},
		{"admin", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin"))
		}},
		{"admin.issuers", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "issuers"))
		}},
		{"admin.issuer.new", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "issuers", "new"))
		}},
		{"admin.issuer.create", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "issuers"), m.issuerForm("Created by "+role))
		}},
		{"admin.issuer", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "issuers", m.spare.ID))
		}},
		{"admin.issuer.update", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "issuers", m.spare.ID), m.issuerForm("Spare cloud"))
		}},
		{"admin.issuer.delete", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "issuers", m.spare.ID, "delete"))
		}},
		{"admin.issuer.check", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "issuers", m.s.iss.ID, "check"), nil, hx...)
		}},
		{"admin.system.connect", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "issuers", m.spare.ID, "system", "connect"), nil)
		}},
		{"admin.instances", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "instances"))
		}},
		{"admin.instance.new", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "instances", "new"))
		}},
		{"admin.instance.create", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "instances"), m.instanceForm("Created by "+role, m.spare.ID))
		}},
		{"admin.instance", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "instances", m.spareIn.ID))
		}},
		{"admin.instance.update", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "instances", m.spareIn.ID), m.instanceForm("Spare files", m.spare.ID))
		}},
		{"admin.instance.delete", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "instances", m.spareIn.ID, "delete"))
		}},
		{"admin.links", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "links"))
		}},
		{"admin.link.row", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "links", m.link, "row"), hx...)
		}},
		{"admin.link.revoke", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "links", m.link, "revoke"), url.Values{"user": {teacher}})
		}},
		{"admin.link.regrant", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "links", m.link, "regrant"), url.Values{"user": {teacher}})
		}},
		{"admin.audit", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "audit"))
		}},
		{"admin.health", get, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("admin", "health"))
		}},
		{"course", get, courseManagers, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("course", course))
		}},
		{"course.instance", post, courseManagers, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("course", course, "instances", m.s.inst.ID), url.Values{"enabled": {"true"}})
		}},
		{"course.links", get, courseManagers, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("course", course, "links"))
		}},
		{"course.link.row", get, courseManagers, func(m *matrix, role string) (int, string, http.Header) {
			return m.get(role, path("course", course, "links", m.link, "row"), hx...)
		}},
		{"course.link.revoke", post, courseManagers, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("course", course, "links", m.link, "revoke"), url.Values{"user": {teacher}})
		}},
		{"course.link.regrant", post, courseManagers, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("course", course, "links", m.link, "regrant"), url.Values{"user": {teacher}})
		}},
		{"admin.system.disconnect", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "issuers", m.spare.ID, "system", "disconnect"), nil)
		}},
		{"admin.instance.delete.do", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "instances", m.spareIn.ID, "delete"), url.Values{"confirm": {"yes"}})
		}},
		{"admin.issuer.delete.do", post, admins, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("admin", "issuers", m.spare.ID, "delete"), url.Values{"confirm": {"yes"}})
		}},
		{"picker.logout", post, signedIn, func(m *matrix, role string) (int, string, http.Header) {
			return m.s.post(role, path("picker", "logout", m.s.inst.ID), m.s.pickerForm(m.r[role]))
		}},
	}
}

// securityHeaders reports what is missing from a response's security headers; a page (text/html) must also say
// who may frame it.
func securityHeaders(h http.Header) []string {
	var missing []string
	csp := h.Get("Content-Security-Policy")
	switch {
	case csp == "":
		missing = append(missing, "Content-Security-Policy")
	case strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval"):
		missing = append(missing, "a CSP without unsafe-inline/unsafe-eval: "+csp)
	case !strings.Contains(csp, "script-src 'self'") && !strings.Contains(csp, "default-src 'none'"):
		missing = append(missing, "a CSP limiting scripts to the site's own files: "+csp)
	case strings.HasPrefix(h.Get("Content-Type"), "text/html") && !strings.Contains(csp, "frame-ancestors"):
		missing = append(missing, "frame-ancestors in the CSP of a page: "+csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		missing = append(missing, "X-Content-Type-Options: nosniff")
	}
	if h.Get("Referrer-Policy") == "" {
		missing = append(missing, "Referrer-Policy")
	}
	return missing
}

// TestEveryRouteHasAnAccessRule enumerates the routes Mount registered and calls each as anonymous, a student, a
// teacher, a course manager and a site admin, each with their own ids: exactly the roles the table allows
// succeed; the others get 401 (anonymous) or 403, and every answer carries the security headers. A route that
// is not in the table (a new one) fails the test until someone decides who may use it.
func TestEveryRouteHasAnAccessRule(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{})
	table := routeTable()

	registered := map[string]string{}
	for _, r := range s.h.Echo.Routes() {
		if r.Path != repositorytest.Mount && !strings.HasPrefix(r.Path, repositorytest.Mount+"/") {
			continue
		}
		name, ok := strings.CutPrefix(r.Name, "ocrepo:")
		if !ok {
			t.Errorf("route %s %s is not named ocrepo:... (registered without web.Env.Handle?)", r.Method, r.Path)
			continue
		}
		if r.Method == echo.RouteNotFound || r.Method == http.MethodHead {
			continue // the mount's fallbacks and the HEAD twins of GET routes: TestEveryAnswerUnderTheMountHasHeaders
		}
		registered[name] = r.Method
	}
	known := map[string]bool{}
	for _, rc := range table {
		known[rc.name] = true
		switch m, ok := registered[rc.name]; {
		case !ok:
			t.Errorf("the table lists %q, which Mount does not register: drop it or fix its name", rc.name)
		case m != rc.method:
			t.Errorf("%q is registered for %s, the table calls it with %s", rc.name, m, rc.method)
		}
	}
	for name, method := range registered {
		if !known[name] {
			t.Errorf("route %q (%s) has no access rule: add it to routeTable with who may use it", name, method)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	m := &matrix{s: s, r: map[string]string{}, job: map[string]string{}}
	m.spare = s.h.AddIssuer(t, "Spare cloud")
	m.spareIn = s.h.AddInstance(t, m.spare.ID, "Spare files", host.ReturnImport, host.ReturnImport)
	s.h.ConnectSystem(t, m.spare.ID)
	m.link = s.pickControlled(student, course)
	for _, role := range allRoles() {
		if role == anon {
			m.r[role], m.job[role] = s.token(s.pickRequest(student)), s.startImport(student, s.token(s.pickRequest(student)))
			continue
		}
		m.r[role] = s.token(s.pickRequest(role))
		m.job[role] = s.startImport(role, m.r[role])
	}

	for _, role := range allRoles() {
		if role == admin {
			// Nothing the others tried has touched what only admins may change.
			ctx := context.Background()
			if _, err := s.h.Store.GetIssuer(ctx, m.spare.ID); err != nil {
				t.Errorf("the spare issuer is gone before the admin's turn: %v", err)
			}
			if _, err := s.h.Store.GetInstance(ctx, m.spareIn.ID); err != nil {
				t.Errorf("the spare instance is gone before the admin's turn: %v", err)
			}
			if _, err := s.h.Store.GetToken(ctx, store.TokenKey{IssuerID: m.spare.ID, System: true}); err != nil {
				t.Errorf("the spare system account is gone before the admin's turn: %v", err)
			}
		}
		for _, rc := range table {
			status, body, hdr := rc.call(m, role)
			who := role
			if who == anon {
				who = "anonymous"
			}
			allowed := rc.access.allows(role)
			denied := http.StatusForbidden
			if rc.access == linkHolders {
				denied = http.StatusNotFound // a link one may not see looks missing (TestForeignLinksLookMissing)
			}
			switch {
			case allowed && (status >= 400 || status < 200):
				t.Errorf("%s %s (%s) as %s: %d, want success (%s may use it): %.300s", rc.method, rc.name, rc.access, who,
					status, rc.access, body)
			case !allowed && role == anon && status != http.StatusUnauthorized:
				t.Errorf("%s %s as anonymous: %d, want 401", rc.method, rc.name, status)
			case !allowed && role != anon && status != denied:
				t.Errorf("%s %s as %s: %d, want %d (only %s may use it)", rc.method, rc.name, who, status, denied, rc.access)
			}
			if missing := securityHeaders(hdr); len(missing) > 0 {
				t.Errorf("%s %s as %s (%d) lacks %s", rc.method, rc.name, who, status, strings.Join(missing, "; "))
			}
		}
	}
	if _, err := s.h.Store.GetIssuer(context.Background(), m.spare.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the admin's confirmed delete left the spare issuer: %v", err)
	}
}
