package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// loginAtCloud walks the fake cloud's real login pages with net/http, as a browser would, and returns where the
// cloud sends the browser afterwards (the callback with state and code).
func loginAtCloud(t *testing.T, cloud *cloudtest.Server, authorizeURL, user, password string) string {
	t.Helper()
	u, err := cloud.BrowserLogin(t.Context(), authorizeURL, user, password)
	if err != nil {
		t.Fatal(err)
	}
	return u.String()
}

// connectSystemThroughCloud connects the system account the way an admin does: the connect button, the cloud's
// login form, the callback.
func (s *site) connectSystemThroughCloud(issuerID int64, cloudUser string) page {
	s.t.Helper()
	p := s.post("admin", fmt.Sprintf("%s/admin/issuers/%d/system/connect", mount, issuerID), nil)
	authorize := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(authorize, s.h.Cloud.URL) {
		s.t.Fatalf("connect: %d to %q", p.status, authorize)
	}
	callback := loginAtCloud(s.t, s.h.Cloud, authorize, cloudUser, cloudUser)
	if !strings.HasPrefix(callback, s.h.URL+mount+"/callback?") {
		s.t.Fatalf("the cloud sent the browser to %q", callback)
	}
	return s.get("admin", callback)
}

func TestSystemAccountConnectDisconnect(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus cloud")
	edit := fmt.Sprintf("%s/admin/issuers/%d", mount, iss.ID)

	p := s.get("admin", edit)
	if !strings.Contains(p.text("system-status"), "No system account") || !strings.Contains(p.text("system-warning"), "dedicated account") {
		t.Errorf("panel before connecting: %q", p.text("system-status"))
	}
	done := s.connectSystemThroughCloud(iss.ID, repositorytest.SystemUser)
	if !done.has("login-ok") {
		t.Fatalf("callback page: %d\n%s", done.status, done.body)
	}
	back, _ := done.find("login-ok").Attr("data-return")
	if back != edit+"?notice=system_connected" {
		t.Errorf("the callback returns to %q", back)
	}
	p = s.get("admin", back)
	if p.text("system-user") != repositorytest.SystemUser || !p.has("notice") || p.text("system-refreshed") == "never" {
		t.Errorf("after connecting: user %q, notice %t, refreshed %q", p.text("system-user"), p.has("notice"), p.text("system-refreshed"))
	}
	if s.auditActions()[0] != "system.connect" {
		t.Errorf("audit %v", s.auditActions())
	}
	// The connection check now runs signed in as the system account.
	if c := s.checkPage(iss.ID); !strings.Contains(c.doc.Text(), "signed in as the system account "+repositorytest.SystemUser) {
		t.Errorf("the check did not run as the system account")
	}

	// A controlled link lives in the system account's space: disconnecting is refused, and so is another account.
	link, err := s.h.Store.CreateControlledLink(context.Background(), store.ControlledLink{IssuerID: iss.ID, Course: "42",
		OwnerUserID: "student", OriginalPath: "/a.pdf", SystemPath: "/42/a.pdf", Name: "a.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	disconnect := edit + "/system/disconnect"
	p = s.post("admin", disconnect, nil, htmxHeader, "true")
	if p.status != http.StatusConflict || !p.has("alert-system-in-use") || !strings.Contains(p.text("alert-system-in-use"), "1 access controlled link") {
		t.Errorf("refused disconnect: %d %q", p.status, p.text("alert-system-in-use"))
	}
	if strings.Contains(p.body, "<html") || !p.has("system-panel") {
		t.Errorf("htmx refusal is not the panel fragment")
	}
	p = s.post("admin", disconnect, nil)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "<html") || !p.has("alert-system-in-use") {
		t.Errorf("no-JS refusal: %d", p.status)
	}
	if acc, _ := s.h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, System: true}); acc.CloudUser != repositorytest.SystemUser {
		t.Fatalf("the refusal dropped the account")
	}
	swap := s.connectSystemThroughCloud(iss.ID, repositorytest.CloudUser("student"))
	if swap.status != http.StatusConflict || !swap.has("login-failed") || !strings.Contains(swap.doc.Text(), "A different system account cannot be connected") {
		t.Errorf("swap to another account: %d\n%s", swap.status, swap.doc.Text())
	}
	if acc, _ := s.h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, System: true}); acc.CloudUser != repositorytest.SystemUser {
		t.Errorf("the system account was swapped to %q", acc.CloudUser)
	}

	if err := s.h.Store.DeleteControlledLink(context.Background(), link.ID); err != nil {
		t.Fatal(err)
	}
	p = s.post("admin", disconnect, nil, htmxHeader, "true")
	if p.status != 200 || !strings.Contains(p.text("system-status"), "No system account") {
		t.Errorf("disconnect: %d %q", p.status, p.text("system-status"))
	}
	if a, _ := p.doc.Find("[data-announce]").Attr("data-announce"); a != "System account disconnected." {
		t.Errorf("announcement %q", a)
	}
	if _, err := s.h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, System: true}); err == nil {
		t.Errorf("the system token survived")
	}
	if s.auditActions()[0] != "system.disconnect" {
		t.Errorf("audit %v", s.auditActions())
	}
	p = s.post("admin", disconnect, nil)
	if p.status != http.StatusConflict || !p.has("alert-system-not-connected") {
		t.Errorf("second disconnect: %d", p.status)
	}
}

func TestSystemConnectNeedsEndpoints(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus cloud")
	iss.Endpoints = iss.Endpoints[:2]
	if _, err := s.h.Store.UpdateIssuer(context.Background(), iss); err != nil {
		t.Fatal(err)
	}
	p := s.get("admin", fmt.Sprintf("%s/admin/issuers/%d", mount, iss.ID))
	if !p.has("system-not-ready") || p.has("system-connect") || !p.has("issuer-missing") {
		t.Errorf("an incomplete issuer offers to connect")
	}
	p = s.post("admin", fmt.Sprintf("%s/admin/issuers/%d/system/connect", mount, iss.ID), nil)
	if p.status != http.StatusConflict {
		t.Errorf("connect: %d", p.status)
	}
}

func TestInstancesCRUD(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	good := s.h.AddIssuer(t, "Campus cloud")
	half := s.h.AddIssuer(t, "Half cloud")
	var keep []store.Endpoint
	for _, e := range half.Endpoints {
		if e.Name != "webdav_endpoint" {
			keep = append(keep, e)
		}
	}
	half.Endpoints = keep
	if _, err := s.h.Store.UpdateIssuer(context.Background(), half); err != nil {
		t.Fatal(err)
	}

	p := s.get("admin", mount+"/admin/instances")
	if !p.has("instances-empty") {
		t.Errorf("empty list")
	}
	p = s.get("admin", mount+"/admin/instances/new")
	goodOpt, halfOpt := p.find(fmt.Sprintf("issuer-option-%d", good.ID)), p.find(fmt.Sprintf("issuer-option-%d", half.ID))
	if v, _ := goodOpt.Attr("data-suitable"); v != "true" || !strings.Contains(goodOpt.Text(), "controlled links unavailable") {
		t.Errorf("suitable issuer: %q", goodOpt.Text())
	}
	if v, _ := halfOpt.Attr("data-suitable"); v != "false" || !strings.Contains(halfOpt.Text(), "lacks webdav_endpoint") {
		t.Errorf("unsuitable issuer: %q", halfOpt.Text())
	}
	if opt := p.doc.Find(fmt.Sprintf(`#instance-issuer option[value="%d"]`, half.ID)).Text(); !strings.Contains(opt, "unsuitable") {
		t.Errorf("select option %q does not mark the issuer unsuitable", opt)
	}
	if v, _ := p.doc.Find("#instance-folder").Attr("value"); v != "LMS files" {
		t.Errorf("default folder %q", v)
	}

	bad := url.Values{"name": {""}, "issuer": {fmt.Sprint(half.ID)}, "folder": {"a/b"}, "default_return": {"link"}, "import": {"on"}}
	for _, hx := range []bool{false, true} {
		var p page
		if hx {
			p = s.post("admin", mount+"/admin/instances", bad, htmxHeader, "true")
		} else {
			p = s.post("admin", mount+"/admin/instances", bad)
		}
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid: %d", p.status)
		}
		for _, key := range []string{"name", "issuer", "folder", "default_return"} {
			if !p.has("error-" + key) {
				t.Errorf("htmx %t: no error for %s", hx, key)
			}
		}
		if inv, _ := p.doc.Find("#instance-folder").Attr("aria-invalid"); inv != "true" {
			t.Errorf("folder not aria-invalid")
		}
		if !strings.Contains(p.text("error-issuer"), "lacks webdav_endpoint") {
			t.Errorf("issuer error %q", p.text("error-issuer"))
		}
	}

	form := url.Values{"name": {"Course files"}, "issuer": {fmt.Sprint(good.ID)}, "folder": {"Course files"}, "import": {"on"},
		"link": {"on"}, "default_return": {"link"}, "enabled": {"on"}}
	p = s.post("admin", mount+"/admin/instances", form)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != mount+"/admin/instances?notice=instance_created" {
		t.Fatalf("create: %d %q", p.status, p.header.Get("Location"))
	}
	insts, _ := s.h.Store.ListInstances(context.Background())
	if len(insts) != 1 || insts[0].DefaultReturn != store.ReturnTypes(host.ReturnLink) || insts[0].Supported != store.ReturnTypes(host.ReturnImport|host.ReturnLink) ||
		!insts[0].Enabled || insts[0].ControlledLinkFolder != "Course files" {
		t.Fatalf("stored %+v", insts)
	}
	inst := insts[0]
	p = s.get("admin", mount+"/admin/instances?notice=instance_created")
	row := p.find(fmt.Sprintf("instance-row-%d", inst.ID))
	if !p.has("notice") || !strings.Contains(row.Text(), "Campus cloud") || !strings.Contains(row.Find("[data-testid=instance-note]").Text(), "controlled links unavailable") {
		t.Errorf("list row %q", row.Text())
	}

	// Turn it off for the whole site.
	form.Del("enabled")
	form.Set("name", "Course files (old)")
	p = s.post("admin", fmt.Sprintf("%s/admin/instances/%d", mount, inst.ID), form, htmxHeader, "true")
	if p.header.Get("HX-Redirect") == "" {
		t.Fatalf("update: %d", p.status)
	}
	got, _ := s.h.Store.GetInstance(context.Background(), inst.ID)
	if got.Enabled || got.Name != "Course files (old)" {
		t.Errorf("after update %+v", got)
	}
	p = s.get("admin", fmt.Sprintf("%s/admin/instances/%d", mount, inst.ID))
	if _, on := p.doc.Find("#instance-enabled").Attr("checked"); on || p.doc.Find(fmt.Sprintf(`#instance-issuer option[value="%d"][selected]`, good.ID)).Length() != 1 {
		t.Errorf("edit form does not show the stored state")
	}

	p = s.get("admin", fmt.Sprintf("%s/admin/instances/%d/delete", mount, inst.ID))
	if !p.has("delete-confirm") {
		t.Fatalf("delete confirmation: %d", p.status)
	}
	p = s.post("admin", fmt.Sprintf("%s/admin/instances/%d/delete", mount, inst.ID), url.Values{"confirm": {"yes"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.status)
	}
	if _, err := s.h.Store.GetInstance(context.Background(), inst.ID); err == nil {
		t.Errorf("instance survived")
	}
	if got := strings.Join(s.auditActions(), " "); got != "instance.delete instance.update instance.create" {
		t.Errorf("audit %s", got)
	}
	if p := s.get("admin", fmt.Sprintf("%s/admin/instances/%d", mount, inst.ID)); p.status != http.StatusNotFound {
		t.Errorf("deleted instance: %d", p.status)
	}
}

func TestCourseSettings(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus cloud")
	inst := s.h.AddInstance(t, iss.ID, "Course files", host.ReturnImport, host.ReturnImport)
	off := s.h.AddInstance(t, iss.ID, "Archive", host.ReturnImport, host.ReturnImport)
	off.Enabled = false
	if _, err := s.h.Store.UpdateInstance(context.Background(), off); err != nil {
		t.Fatal(err)
	}
	course := mount + "/course/42"
	toggle := fmt.Sprintf("%s/instances/%d", course, inst.ID)

	for _, who := range []string{"student", "student2"} {
		p := s.get(who, course)
		if p.status != http.StatusForbidden || !p.has("alert-403") || !strings.Contains(p.body, "Course managers only") {
			t.Errorf("%s GET: %d", who, p.status)
		}
		p = s.post(who, toggle, url.Values{"enabled": {"false"}}, htmxHeader, "true")
		if p.status != http.StatusForbidden {
			t.Errorf("%s POST: %d", who, p.status)
		}
	}
	if on, _ := s.h.Store.CourseInstanceEnabled(context.Background(), "42", inst.ID); !on {
		t.Fatalf("a refused request disabled the instance")
	}
	if p := s.get("", course); p.status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", p.status)
	}

	for _, who := range []string{"teacher", "admin"} {
		p := s.get(who, course)
		if p.status != 200 || p.doc.Find("table[data-testid=course-list] caption").Length() != 1 {
			t.Fatalf("%s GET: %d", who, p.status)
		}
		if v, _ := p.find(fmt.Sprintf("course-row-%d", inst.ID)).Attr("data-enabled"); v != "true" {
			t.Errorf("instance not enabled by default")
		}
		if !strings.Contains(p.find(fmt.Sprintf("course-row-%d", off.ID)).Text(), "off for the whole site") {
			t.Errorf("site-wide off not shown")
		}
	}
	p := s.post("teacher", toggle, url.Values{"enabled": {"false"}}, htmxHeader, "true")
	// A row fragment parses only inside a table (htmx does the same when it swaps it in).
	p = s.parse(p.status, "<table><tbody>"+p.body+"</tbody></table>", p.header)
	row := p.find(fmt.Sprintf("course-row-%d", inst.ID))
	if v, _ := row.Attr("data-enabled"); p.status != 200 || v != "false" || strings.Contains(p.body, "<html") {
		t.Fatalf("htmx toggle: %d %q", p.status, v)
	}
	if a, _ := row.Find("[data-announce]").Attr("data-announce"); !strings.Contains(a, "disabled for this course") {
		t.Errorf("announcement %q", a)
	}
	if _, ok := row.Find("[data-focus]").Attr("data-focus"); !ok {
		t.Errorf("focus not kept on the row's button")
	}
	if on, _ := s.h.Store.CourseInstanceEnabled(context.Background(), "42", inst.ID); on {
		t.Errorf("not disabled in the store")
	}
	if on, _ := s.h.Store.CourseInstanceEnabled(context.Background(), "43", inst.ID); !on {
		t.Errorf("disabled for another course")
	}
	p = s.post("admin", toggle, url.Values{"enabled": {"true"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != course+"?notice=course_saved" {
		t.Errorf("no-JS toggle: %d %q", p.status, p.header.Get("Location"))
	}
	if on, _ := s.h.Store.CourseInstanceEnabled(context.Background(), "42", inst.ID); !on {
		t.Errorf("not enabled again")
	}
	if got := strings.Join(s.auditActions(), " "); got != "course.enable course.disable" {
		t.Errorf("audit %s", got)
	}
	if p := s.post("teacher", course+"/instances/999", url.Values{"enabled": {"false"}}); p.status != http.StatusNotFound {
		t.Errorf("unknown instance: %d", p.status)
	}
	if p := s.post("teacher", toggle, url.Values{"enabled": {"maybe"}}); p.status != http.StatusBadRequest {
		t.Errorf("bad value: %d", p.status)
	}
}

func TestAuditList(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	if p := s.get("admin", mount+"/admin/audit"); !p.has("audit-empty") {
		t.Errorf("empty audit page")
	}
	for i := range 55 {
		if err := s.h.Store.AddAudit(context.Background(), store.AuditEntry{Actor: "admin", Action: "issuer.update",
			Target: "issuer 1", Detail: fmt.Sprintf("change %02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	p := s.get("admin", mount+"/admin/audit")
	if n := p.find("audit-row").Length(); n != 50 || !p.has("audit-next") || p.has("audit-prev") {
		t.Fatalf("page 1: %d rows", n)
	}
	if !strings.Contains(p.find("audit-row").First().Text(), "change 54") {
		t.Errorf("not newest first: %q", p.find("audit-row").First().Text())
	}
	next, _ := p.find("audit-next").Attr("href")
	p = s.get("admin", next)
	if n := p.find("audit-row").Length(); n != 5 || p.has("audit-next") || !p.has("audit-prev") {
		t.Errorf("page 2: %d rows", n)
	}
}
