package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/internal/i18n/i18ntest"
	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// inPseudo makes every page speak the pseudo-locale, whatever the browser asks for.
func inPseudo(c *repository.Config) {
	c.Language = repository.LanguagesFunc(func(*http.Request) string { return "en-XA" })
}

// pseudoCheck fails the test when a page or fragment rendered in the pseudo-locale has words that are neither
// catalog messages nor the test's data.
func pseudoCheck(t *testing.T, what string, p page, data ...string) {
	t.Helper()
	if !strings.Contains(p.body, "⟦") {
		t.Fatalf("%s: not rendered in the pseudo-locale (%d): %s", what, p.status, p.body)
	}
	bad, err := i18ntest.LeftInEnglish(p.body, "", data...)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("%s: words not from the catalog: %q", what, bad)
	}
}

// TestPseudoLocaleAdmin renders every admin page and htmx fragment in the pseudo-locale and finds no word that
// did not come from a catalog: cloud servers (list, new, form with errors, preset fill, edit, a move to a new
// server, delete), the connection check with passed, warned and failed probes, the system account (connected,
// must log in again, disconnected, refused, its last error), instances (list, form with errors, edit, delete),
// the links console with paging, filters, an orphan and a submitted link, a revoke asked in the row and on its
// own page, course links, course settings and a toggle, the audit trail, cloud health, the error pages, and the
// pages of an empty site.
func TestPseudoLocaleAdmin(t *testing.T) {
	t.Parallel()
	s := newLinkSite(t, repositorytest.Options{Config: func(c *repository.Config) {
		inPseudo(c)
		onlyCourse42(c)
		// The course item behind the seeded links' "Activity 3" is gone: its link is an orphan.
		c.Items = host.ItemsFunc(func(_ context.Context, _ string, lmsContext []string) (bool, error) {
			return !slices.Contains(lmsContext, "Activity 3"), nil
		})
	}})
	base := s.h.Cloud.URL
	iss := s.iss
	data := []string{"Campus cloud", "Course files", base, strings.TrimSuffix(base, "/"), repositorytest.ClientID,
		repositorytest.SystemUser, "Nextcloud 34.0.1", "Nextcloud", "ownCloud 10", "LMS files", "Lakeside LMS",
		"ocs-data-id", "ocs-data-email", "ocs-data-display-name", "username", "email", "name", "admin", "teacher", "student2", "student",
		"alice", "bob", "carol", "essay.pdf", "/LMS files/essay.pdf", "Course 42", "Essay", "Submission 7", "42", "43", "UTC",
		"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "webdav_endpoint", "ocs_endpoint", "{userid}",
		"invalid_client", "invalid_grant", "Bad name!", "ftp://nowhere", "Second cloud", "https://elsewhere.example.org/",
		"status.php", "index.php", "HTTP", "OAuth", "JSON", "WebDAV", "OCS", "404", "401"}
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, base)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range eps {
		data = append(data, u, strings.SplitN(u, "?", 2)[0])
	}
	issuerPath := fmt.Sprintf("%s/admin/issuers/%d", mount, iss.ID)
	// A link with shares, before the checks below refuse the site's client for a while.
	id := s.essay()
	data = append(data, fmt.Sprint(id))
	if err := s.h.Repo.MarkSubmitted(context.Background(), id); err != nil {
		t.Fatal(err)
	}

	// Cloud servers: the list, a new form, and a form that came back with problems (plain and htmx).
	pseudoCheck(t, "issuer list", s.get("admin", mount+"/admin/issuers"), data...)
	pseudoCheck(t, "new issuer", s.get("admin", mount+"/admin/issuers/new"), data...)
	bad := s.issuerForm("")
	bad.Set("base_url", "ftp://nowhere")
	bad.Set("endpoint_name", "Bad name!")
	bad.Add("mapping_external", "ocs-data-email")
	bad.Add("mapping_internal", "email")
	for _, htmx := range []bool{false, true} {
		var p page
		if htmx {
			p = s.post("admin", mount+"/admin/issuers", bad, htmxHeader, "true")
		} else {
			p = s.post("admin", mount+"/admin/issuers", bad)
		}
		if p.status != http.StatusUnprocessableEntity || !p.has("form-errors") {
			t.Fatalf("form with problems (htmx %t): %d %s", htmx, p.status, p.body)
		}
		pseudoCheck(t, fmt.Sprintf("issuer form with problems (htmx %t)", htmx), p, data...)
	}
	fill := s.issuerForm("Second cloud")
	fill.Set("action", "preset")
	pseudoCheck(t, "preset fill", s.post("admin", mount+"/admin/issuers", fill, htmxHeader, "true"), data...)
	fill.Set("action", "add_endpoint")
	pseudoCheck(t, "add an endpoint row", s.post("admin", mount+"/admin/issuers", fill, htmxHeader, "true"), data...)

	// The edit page with its system account, and an edit that moves the server elsewhere.
	pseudoCheck(t, "edit issuer", s.get("admin", issuerPath+"?notice=issuer_created"), data...)
	moved := s.issuerForm("Campus cloud")
	moved.Set("base_url", "https://elsewhere.example.org/")
	moved.Del("endpoint_name")
	moved.Del("endpoint_url")
	moved.Set("client_secret", "")
	p := s.post("admin", issuerPath, moved)
	if !p.has("new-server-notice") {
		t.Fatalf("no new-server notice: %d %s", p.status, p.body)
	}
	pseudoCheck(t, "edit moving the server", p, data...)
	pseudoCheck(t, "delete issuer", s.get("admin", issuerPath+"/delete"), data...)

	// The connection check: all passed signed in; a product the preset does not match (a warning).
	var stored store.Issuer
	check := s.checkPage(iss.ID)
	pseudoCheck(t, "check, all passed", check, data...)
	stored, err = s.h.Store.GetIssuer(context.Background(), iss.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored.Preset = string(cloud.OwnCloud)
	if _, err := s.h.Store.UpdateIssuer(context.Background(), stored); err != nil {
		t.Fatal(err)
	}
	warned := s.checkPage(iss.ID)
	if warned.find(`check-status`).AttrOr("data-state", "") != "warning" {
		t.Fatalf("no warning: %s", warned.body)
	}
	pseudoCheck(t, "check with a warning", warned, data...)

	// The system account: disconnect refused while links live in its space, then gone.
	refused := s.post("admin", issuerPath+"/system/disconnect", nil, htmxHeader, "true")
	if refused.status != http.StatusConflict {
		t.Fatalf("disconnect with links: %d %s", refused.status, refused.body)
	}
	pseudoCheck(t, "disconnect refused", refused, data...)
	second := s.h.AddIssuer(t, "Second cloud")
	s.h.ConnectSystem(t, second.ID)
	pseudoCheck(t, "disconnected", s.post("admin", fmt.Sprintf("%s/admin/issuers/%d/system/disconnect", mount, second.ID), nil, htmxHeader, "true"), data...)
	pseudoCheck(t, "nothing to disconnect", s.post("admin", fmt.Sprintf("%s/admin/issuers/%d/system/disconnect", mount, second.ID), nil, htmxHeader, "true"), data...)
	// A system account whose login the cloud no longer accepts.
	if _, err := s.h.Store.PutToken(context.Background(), store.Token{Key: store.TokenKey{IssuerID: second.ID, System: true}, CloudUser: repositorytest.SystemUser}); err != nil {
		t.Fatal(err)
	}
	relogin := s.get("admin", fmt.Sprintf("%s/admin/issuers/%d", mount, second.ID))
	if !strings.Contains(relogin.text("system-status"), "⟦") || !relogin.has("system-disconnect") {
		t.Fatalf("no system account that must log in again: %s", relogin.body)
	}
	pseudoCheck(t, "system account that must log in again", relogin, data...)

	// Repository instances.
	pseudoCheck(t, "instance list", s.get("admin", mount+"/admin/instances?notice=instance_created"), data...)
	pseudoCheck(t, "new instance", s.get("admin", mount+"/admin/instances/new"), data...)
	pseudoCheck(t, "instance form with problems", s.post("admin", mount+"/admin/instances", url.Values{"folder": {".hidden"}}), data...)
	pseudoCheck(t, "instance form with problems (htmx)", s.post("admin", mount+"/admin/instances", url.Values{"folder": {"a/b"}}, htmxHeader, "true"), data...)
	instancePath := fmt.Sprintf("%s/admin/instances/%d", mount, s.inst.ID)
	pseudoCheck(t, "edit instance", s.get("admin", instancePath), data...)
	pseudoCheck(t, "delete instance", s.get("admin", instancePath+"/delete"), data...)

	// The links console with paging and a filter that finds nothing, a revoke asked in the row and on a page
	// of its own, done, and shared again.
	seeded := seedLinks(t, s.h.Store, 30, iss.ID)
	for _, l := range seeded {
		data = append(data, l.Name, l.SystemPath, l.OwnerUserID, l.Context[1], l.Context[0])
	}
	first := s.get("admin", mount+"/admin/links")
	if !first.has("filter-orphans") {
		t.Fatalf("no orphans filter: %s", first.body)
	}
	pseudoCheck(t, "links, first page", first, data...)
	orphans := s.get("admin", mount+"/admin/links?orphans=1")
	if !orphans.has("orphan") {
		t.Fatalf("no orphan: %s", orphans.body)
	}
	pseudoCheck(t, "links, only orphans", orphans, data...)
	submitted := s.get("admin", mount+"/admin/links?owner=student&course=42")
	if !submitted.has("link-submitted") {
		t.Fatalf("no submitted link: %s", submitted.body)
	}
	pseudoCheck(t, "links, a submitted one", submitted, data...)
	pseudoCheck(t, "links, second page", s.get("admin", mount+"/admin/links?page=2"), data...)
	pseudoCheck(t, "links past the end", s.get("admin", mount+"/admin/links?page=9"), data...)
	pseudoCheck(t, "links, nothing matches", s.get("admin", mount+"/admin/links?owner=nobody"), append(data, "nobody")...)
	revoke := fmt.Sprintf("%s/admin/links/%d/revoke", mount, id)
	back := mount + "/admin/links"
	pseudoCheck(t, "revoke asked in the row", s.row(s.post("admin", revoke, url.Values{"user": {"teacher"}, "back": {back}}, htmxHeader, "true")), data...)
	pseudoCheck(t, "revoke asked on a page", s.post("admin", revoke, url.Values{"user": {"teacher"}, "back": {back}}), data...)
	pseudoCheck(t, "revoked", s.row(s.post("admin", revoke, url.Values{"user": {"teacher"}, "back": {back}, "confirm": {"yes"}}, htmxHeader, "true")), data...)
	pseudoCheck(t, "shared again", s.row(s.post("admin", fmt.Sprintf("%s/admin/links/%d/regrant", mount, id), url.Values{"user": {"teacher"}, "back": {back}}, htmxHeader, "true")), data...)
	pseudoCheck(t, "list after a revoke", s.get("admin", back+"?notice=share_revoked"), data...)

	// A course: its links for its teacher, its settings and a toggle.
	pseudoCheck(t, "course links", s.get("teacher", mount+"/course/42/links"), data...)
	pseudoCheck(t, "course settings", s.get("teacher", mount+"/course/42?notice=course_saved"), data...)
	toggle := s.row(s.post("teacher", fmt.Sprintf("%s/course/42/instances/%d", mount, s.inst.ID), url.Values{"enabled": {"false"}}, htmxHeader, "true"))
	pseudoCheck(t, "course toggle", toggle, data...)

	// The audit trail (with an instance added and changed, whose record names return types in words of their
	// own) and cloud health.
	form := url.Values{"name": {"Course files 2"}, "issuer": {fmt.Sprint(iss.ID)}, "folder": {"LMS files"}, "import": {"on"},
		"default_return": {"import"}, "enabled": {"on"}}
	if p := s.post("admin", mount+"/admin/instances", form); p.status != http.StatusSeeOther {
		t.Fatalf("add an instance: %d %s", p.status, p.body)
	}
	form.Set("name", "Course files")
	form.Set("link", "on")
	form.Set("default_return", "link")
	if p := s.post("admin", instancePath, form); p.status != http.StatusSeeOther {
		t.Fatalf("change an instance: %d %s", p.status, p.body)
	}
	audit := s.get("admin", mount+"/admin/audit")
	if d := audit.doc.Find(`[data-action="instance.update"] [data-testid="audit-detail"]`).Text(); !strings.Contains(d, "⟦íñtérñál fílés⟧ → ⟦éxtérñál líñks⟧") {
		t.Errorf("the instance change's record does not name the return types from the catalog: %q", d)
	}
	pseudoCheck(t, "audit trail", audit, data...)
	pseudoCheck(t, "cloud health", s.get("admin", mount+"/admin/health"), data...)

	// Error pages: a server that does not exist, a course that is not the teacher's, admins only, a form that
	// cannot be read.
	pseudoCheck(t, "not found", s.get("admin", mount+"/admin/issuers/987654"), append(data, "404")...)
	pseudoCheck(t, "course managers only", s.get("teacher", mount+"/course/43"), append(data, "403")...)
	pseudoCheck(t, "admins only", s.get("teacher", mount+"/admin/links"), append(data, "403")...)
	pseudoCheck(t, "unreadable toggle", s.post("teacher", fmt.Sprintf("%s/course/42/instances/%d", mount, s.inst.ID), url.Values{"enabled": {"maybe"}}), append(data, "400")...)

	// Last, as it makes the cloud refuse the site's client for a while: a failed check, on the htmx fragment and
	// on the page without JavaScript, and the system account's last error.
	s.h.Cloud.SetClientSecret("regenerated-at-the-cloud")
	failed := s.checkPage(iss.ID)
	if failed.find(`check-token_endpoint`).AttrOr("data-state", "") != "failed" {
		t.Fatalf("no failure: %s", failed.body)
	}
	pseudoCheck(t, "check with a failure", failed, data...)
	pseudoCheck(t, "check page without JavaScript", s.post("admin", issuerPath+"/check", nil), data...)
	after := s.get("admin", issuerPath)
	if !strings.Contains(after.text("system-last-error"), "⟦") {
		t.Errorf("the system account's last error is not a catalog message: %q", after.text("system-last-error"))
	}
	pseudoCheck(t, "system account after a refused refresh", after, data...)

	// A site that reports no removed course items, with no cloud server and no link yet.
	bare := newSite(t, repositorytest.Options{Config: inPseudo})
	for _, path := range []string{"/admin/links", "/admin/issuers", "/admin/instances", "/admin/audit", "/admin/health", "/course/42"} {
		p := bare.get("admin", mount+path)
		if p.status != http.StatusOK {
			t.Fatalf("%s on an empty site: %d", path, p.status)
		}
		pseudoCheck(t, path+" on an empty site", p, data...)
	}
	if !bare.get("admin", mount+"/admin/links").has("orphans-off") {
		t.Errorf("an empty site without removed-item reports does not say orphan detection is off")
	}
}
