package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// linkSite is a host with one cloud server whose system account is connected, an instance offering links (so
// controlled links too), and the student, student2 and the teacher logged in to the cloud.
type linkSite struct {
	*site
	iss  store.Issuer
	inst store.Instance
}

func newLinkSite(t *testing.T, opts repositorytest.Options) *linkSite {
	t.Helper()
	s := newSite(t, opts)
	iss := s.h.AddIssuer(t, "Campus cloud")
	inst := s.h.AddInstance(t, iss.ID, "Course files", host.ReturnImport|host.ReturnLink, host.ReturnImport)
	s.h.ConnectSystem(t, iss.ID)
	for _, u := range []string{"student", "student2", "teacher"} {
		s.h.Connect(t, iss.ID, u)
	}
	return &linkSite{site: s, iss: iss, inst: inst}
}

// onlyCourse42 makes the teacher a manager of course 42 alone.
func onlyCourse42(cfg *repository.Config) {
	cfg.CourseManagers = host.CourseManagersFunc(func(_ context.Context, u host.User, course string) (bool, error) {
		return u.ID == "teacher" && course == "42", nil
	})
}

// pick makes a controlled link of a file through the picker, as user, and returns its id.
func (s *linkSite) pick(user, course string, lmsContext []string, path string) int64 {
	s.t.Helper()
	pu, err := url.Parse(s.h.PickerURL(host.PickRequest{User: user, Course: course, Context: lmsContext}))
	if err != nil {
		s.t.Fatal(err)
	}
	form := url.Values{"r": {pu.Query().Get("r")}, "i": {strconv.FormatInt(s.inst.ID, 10)}, "as": {"controlled"}, "path": {path}}
	status, body, hdr := s.client(user).Post(s.t, mount+"/picker/pick", form, htmxHeader, "true")
	if status != http.StatusOK {
		s.t.Fatalf("pick %s as %s: %d %s", path, user, status, body)
	}
	var trig map[string]struct {
		Files []host.PickedFile `json:"files"`
	}
	if err := json.Unmarshal([]byte(hdr.Get("HX-Trigger")), &trig); err != nil {
		s.t.Fatalf("HX-Trigger: %v", err)
	}
	return trig["ocrepo:picked"].Files[0].ControlledLinkID
}

// share puts a controlled link into user's cloud through the link page: an edit share or a read-only one.
func (s *linkSite) share(user string, id int64, edit bool) {
	s.t.Helper()
	form := url.Values{}
	if edit {
		form.Set("edit", "1")
	}
	if p := s.post(user, s.h.Repo.ControlledLinkURL(id)+"/share", form); p.status != http.StatusOK {
		s.t.Fatalf("share link %d with %s: %d %s", id, user, p.status, p.body)
	}
}

// essay is a link the student picked in course 42, shared for editing with the teacher and read-only with
// student2.
func (s *linkSite) essay() int64 {
	s.t.Helper()
	s.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("my essay"))
	id := s.pick("student", "42", []string{"Course 42", "Essay", "Submission 7"}, "/essay.pdf")
	s.share("teacher", id, true)
	s.share("student2", id, false)
	return id
}

// row parses an htmx row fragment (a <tr> parses only inside a table, as htmx knows).
func (s *site) row(p page) page {
	s.t.Helper()
	return s.parse(p.status, "<table><tbody>"+p.body+"</tbody></table>", p.header)
}

func shareOf(sel *goquery.Selection, user string) *goquery.Selection {
	return sel.Find(`[data-testid="share"][data-user="` + user + `"]`)
}

func attrOf(sel *goquery.Selection, name string) string {
	v, _ := sel.Attr(name)
	return v
}

// cloudShareWith is the live share of the system account's copy with a cloud user, if any.
func cloudShareWith(h *repositorytest.Host, cloudUser string) (cloudtest.ServerShare, bool) {
	for _, sh := range h.Cloud.Shares() {
		if sh.ShareWith == cloudUser && sh.Owner == repositorytest.SystemUser {
			return sh, true
		}
	}
	return cloudtest.ServerShare{}, false
}

func TestLinksConsoleListsLinksWithTheirShares(t *testing.T) {
	t.Parallel()
	s := newLinkSite(t, repositorytest.Options{})
	id := s.essay()

	p := s.get("admin", mount+"/admin/links")
	if p.status != http.StatusOK {
		t.Fatalf("console: %d %s", p.status, p.body)
	}
	if cur := attrOf(p.find("nav-links"), "aria-current"); cur != "page" {
		t.Errorf("the admin navigation does not mark Controlled links as the current page")
	}
	rows := p.find("link-row")
	if rows.Length() != 1 || attrOf(rows, "data-link") != strconv.FormatInt(id, 10) {
		t.Fatalf("rows: %d", rows.Length())
	}
	for testid, want := range map[string]string{
		"link-name": "essay.pdf", "owner": "student", "course": "42", "context": "Course 42 › Essay › Submission 7",
		"system-path": "/LMS files/Course 42/Essay/Submission 7/essay.pdf", "links-count": "1 link",
	} {
		if got := p.text(testid); got != want {
			t.Errorf("%s = %q, want %q", testid, got, want)
		}
	}
	if href := attrOf(p.find("link-name"), "href"); href != s.h.Repo.ControlledLinkURL(id) {
		t.Errorf("the name links to %q", href)
	}
	if p.has("orphan") || attrOf(rows, "data-orphan") != "false" || !p.has("orphans-off") || p.has("filter-orphans") {
		t.Errorf("without an Items hook no link is an orphan and the page says orphan detection is off")
	}
	teacher, reader := shareOf(rows, "teacher"), shareOf(rows, "student2")
	if attrOf(teacher, "data-access") != "edit" || attrOf(teacher, "data-state") != "active" ||
		strings.TrimSpace(teacher.Find(`[data-testid="share-where"]`).Text()) != "/LMS files/essay.pdf" ||
		!strings.Contains(teacher.Text(), "teacher (bob)") || teacher.Find(`[data-testid="revoke"]`).Length() != 1 {
		t.Errorf("teacher's share: %s", teacher.Text())
	}
	if attrOf(reader, "data-access") != "read" || attrOf(reader, "data-state") != "active" || !strings.Contains(reader.Text(), "student2 (carol)") {
		t.Errorf("student2's share: %s", reader.Text())
	}
	// The forms carry the CSRF token for browsers without JavaScript and return to the list.
	form := teacher.Find("form")
	if v := attrOf(form.Find(`input[name="csrf_token"]`), "value"); v == "" || v != attrOf(p.doc.Find(`meta[name="csrf-token"]`), "content") {
		t.Errorf("revoke form without the page's CSRF token")
	}
	if attrOf(form, "action") != fmt.Sprintf("%s/admin/links/%d/revoke", mount, id) || attrOf(form, "hx-post") != attrOf(form, "action") ||
		attrOf(form, "hx-target") != "closest tr" || attrOf(form.Find(`input[name="back"]`), "value") != mount+"/admin/links" {
		t.Errorf("revoke form: action %q, hx-post %q, hx-target %q", attrOf(form, "action"), attrOf(form, "hx-post"), attrOf(form, "hx-target"))
	}

	// Only admins see the console.
	for _, who := range []string{"student", "teacher"} {
		if p := s.get(who, mount+"/admin/links"); p.status != http.StatusForbidden || !p.has("alert-403") {
			t.Errorf("%s: %d", who, p.status)
		}
	}
	if p := s.get("", mount+"/admin/links"); p.status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", p.status)
	}
}

// seedLinks records n controlled links straight in the store, alternating courses 42 and 43 and two cloud
// servers, oldest first.
func seedLinks(t *testing.T, st store.Store, n int, issuers ...int64) []store.ControlledLink {
	t.Helper()
	var out []store.ControlledLink
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		course := []string{"42", "43"}[i%2]
		owner := fmt.Sprintf("student%d", 10+i%3)
		l, err := st.CreateControlledLink(context.Background(), store.ControlledLink{
			IssuerID: issuers[i%len(issuers)], Course: course, Context: []string{"Course " + course, fmt.Sprintf("Activity %d", i)},
			OwnerUserID: owner, OwnerCloud: owner, OriginalPath: fmt.Sprintf("/file %02d.pdf", i),
			SystemPath: fmt.Sprintf("/LMS files/Course %s/Activity %d/file %02d.pdf", course, i, i), Name: fmt.Sprintf("file %02d.pdf", i),
			Created: start.Add(time.Duration(i) * time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func names(p page) []string {
	var out []string
	p.find("link-name").Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

func TestLinksConsoleFiltersAndPages(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	campus := s.h.AddIssuer(t, "Campus cloud")
	archive := s.h.AddIssuer(t, "Archive cloud")
	seedLinks(t, s.h.Store, 60, campus.ID, archive.ID)
	base := mount + "/admin/links"

	p := s.get("admin", base)
	if got := names(p); len(got) != 25 || got[0] != "file 59.pdf" || got[24] != "file 35.pdf" {
		t.Fatalf("page 1, newest first: %v", got)
	}
	if p.text("links-count") != "Showing 1–25 of 60 links" || p.text("links-page") != "page 1 of 3" || p.has("links-prev") || p.has("filter-clear") {
		t.Errorf("page 1: %q %q", p.text("links-count"), p.text("links-page"))
	}
	// The cloud server filter is offered: there are two.
	if opts := p.find("filter-issuer").Find("option"); opts.Length() != 3 {
		t.Errorf("issuer options: %d", opts.Length())
	}
	next := attrOf(p.find("links-next"), "href")
	p = s.get("admin", next)
	p = s.get("admin", attrOf(p.find("links-next"), "href"))
	if got := names(p); len(got) != 10 || got[9] != "file 00.pdf" || p.has("links-next") || p.text("links-count") != "Showing 51–60 of 60 links" {
		t.Fatalf("page 3: %v %q", got, p.text("links-count"))
	}

	cases := []struct {
		name  string
		query url.Values
		want  []string // names on the first page, in order (at most 3 checked)
		total string
	}{
		{"course", url.Values{"course": {"43"}}, []string{"file 59.pdf", "file 57.pdf", "file 55.pdf"}, "Showing 1–25 of 30 links"},
		{"cloud server", url.Values{"issuer": {strconv.FormatInt(archive.ID, 10)}}, []string{"file 59.pdf", "file 57.pdf", "file 55.pdf"}, "Showing 1–25 of 30 links"},
		{"owner", url.Values{"owner": {"student10"}}, []string{"file 57.pdf", "file 54.pdf", "file 51.pdf"}, "20 links"},
		{"course and cloud server", url.Values{"course": {"42"}, "issuer": {strconv.FormatInt(campus.ID, 10)}}, []string{"file 58.pdf", "file 56.pdf", "file 54.pdf"}, "Showing 1–25 of 30 links"},
		{"course and owner", url.Values{"course": {"42"}, "owner": {"student11"}}, []string{"file 58.pdf", "file 52.pdf", "file 46.pdf"}, "10 links"},
	}
	for _, tc := range cases {
		p := s.get("admin", base+"?"+tc.query.Encode())
		got := names(p)
		if len(got) < 3 || !slices.Equal(got[:3], tc.want) || p.text("links-count") != tc.total {
			t.Errorf("%s: %v %q", tc.name, got, p.text("links-count"))
		}
		if !p.has("filter-clear") || attrOf(p.find("filter-clear"), "href") != base {
			t.Errorf("%s: no way to clear the filters", tc.name)
		}
		// Paging keeps the filters.
		if next := attrOf(p.find("links-next"), "href"); next != "" {
			u, _ := url.Parse(next)
			for k := range tc.query {
				if u.Query().Get(k) != tc.query.Get(k) {
					t.Errorf("%s: the next page drops %s: %s", tc.name, k, next)
				}
			}
		}
		// The form shows the filters as set.
		if v := attrOf(p.find("filter-course"), "value"); v != tc.query.Get("course") {
			t.Errorf("%s: course field %q", tc.name, v)
		}
	}
	if p := s.get("admin", base+"?course=99"); !p.has("links-empty") || !strings.Contains(p.text("links-empty"), "matches these filters") {
		t.Errorf("no match: %s", p.text("links-empty"))
	}
	if p := s.get("admin", base+"?page=9"); !p.has("links-empty") || !p.has("links-prev") {
		t.Errorf("past the end: %q", p.text("links-empty"))
	}
}

func TestLinksConsoleFlagsOrphans(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	asked := 0
	gone := func(_ context.Context, _ string, lmsContext []string) (bool, error) {
		mu.Lock()
		asked++
		mu.Unlock()
		return !slices.Contains(lmsContext, "Activity 3"), nil
	}
	s := newSite(t, repositorytest.Options{Config: func(cfg *repository.Config) { cfg.Items = host.ItemsFunc(gone) }})
	iss := s.h.AddIssuer(t, "Campus cloud")
	links := seedLinks(t, s.h.Store, 6, iss.ID)

	p := s.get("admin", mount+"/admin/links")
	if p.has("orphans-off") || !p.has("filter-orphans") {
		t.Errorf("orphan detection is on: the filter is offered")
	}
	p.find("link-row").Each(func(_ int, row *goquery.Selection) {
		id := attrOf(row, "data-link")
		orphan := id == strconv.FormatInt(links[3].ID, 10)
		if (row.Find(`[data-testid="orphan"]`).Length() == 1) != orphan || attrOf(row, "data-orphan") != strconv.FormatBool(orphan) {
			t.Errorf("link %s: orphan badge wrong (want %v)", id, orphan)
		}
	})
	mu.Lock()
	if asked != 6 {
		t.Errorf("the hook was asked %d times for 6 links on the page", asked)
	}
	mu.Unlock()
	p = s.get("admin", mount+"/admin/links?orphans=1")
	if got := names(p); !slices.Equal(got, []string{"file 03.pdf"}) || !p.has("orphan") {
		t.Errorf("orphans only: %v", got)
	}
	if _, ok := p.find("filter-orphans").Attr("checked"); !ok {
		t.Errorf("the orphans box is not kept ticked")
	}
	// The course page flags it too.
	p = s.get("teacher", mount+"/course/43/links")
	if got := names(p); !slices.Contains(got, "file 03.pdf") || p.find("orphan").Length() != 1 {
		t.Errorf("course page: %v", got)
	}
}

func TestLinksRevokeAndRegrantWithHTMX(t *testing.T) {
	t.Parallel()
	s := newLinkSite(t, repositorytest.Options{})
	id := s.essay()
	revoke := fmt.Sprintf("%s/admin/links/%d/revoke", mount, id)
	regrant := fmt.Sprintf("%s/admin/links/%d/regrant", mount, id)
	back := mount + "/admin/links?course=42"
	if !s.h.Cloud.Exists("bob", "/LMS files/essay.pdf") {
		t.Fatal("the teacher's share is not in their folder")
	}

	// The first click asks inside the row; nothing changes yet.
	p := s.row(s.post("admin", revoke, url.Values{"user": {"teacher"}, "back": {back}}, htmxHeader, "true"))
	confirm := shareOf(p.doc.Selection, "teacher").Find(`[data-testid="revoke-confirm"]`)
	if p.status != http.StatusOK || confirm.Length() != 1 || strings.Contains(p.body, "<html") {
		t.Fatalf("ask: %d %s", p.status, p.body)
	}
	if _, ok := confirm.Find(`[data-testid="revoke-yes"]`).Attr("data-focus"); !ok {
		t.Errorf("focus does not move to the confirm button")
	}
	if a := attrOf(p.doc.Find("[data-announce]"), "data-announce"); !strings.Contains(a, "Confirm or cancel") {
		t.Errorf("announcement %q", a)
	}
	if attrOf(confirm.Find(`input[name="confirm"]`), "value") != "yes" || attrOf(confirm.Find(`input[name="back"]`), "value") != back {
		t.Errorf("the confirm form lacks confirm=yes or the way back")
	}
	if cancel := confirm.Find(`[data-testid="revoke-cancel"]`); attrOf(cancel, "href") != back || !strings.HasPrefix(attrOf(cancel, "hx-get"), fmt.Sprintf("%s/admin/links/%d/row", mount, id)) {
		t.Errorf("cancel: %q %q", attrOf(cancel, "href"), attrOf(cancel, "hx-get"))
	}
	if _, ok := cloudShareWith(s.h, "bob"); !ok {
		t.Fatal("asking revoked the share")
	}
	// Cancel puts the row back as it was.
	cancel := s.row(s.get("admin", attrOf(confirm.Find(`[data-testid="revoke-cancel"]`), "hx-get"), htmxHeader, "true"))
	if cancel.status != http.StatusOK || cancel.has("revoke-confirm") || shareOf(cancel.doc.Selection, "teacher").Find(`[data-testid="revoke"]`).Length() != 1 {
		t.Errorf("cancel: %d %s", cancel.status, cancel.body)
	}

	// Confirmed: the share goes at the cloud and the file vanishes from the teacher's space.
	s.h.Cloud.ResetCounts()
	p = s.row(s.post("admin", revoke, url.Values{"user": {"teacher"}, "back": {back}, "confirm": {"yes"}}, htmxHeader, "true"))
	teacher := shareOf(p.doc.Selection, "teacher")
	if p.status != http.StatusOK || attrOf(teacher, "data-state") != "revoked" || teacher.Find(`[data-testid="revoked"]`).Length() != 1 {
		t.Fatalf("revoke: %d %s", p.status, p.body)
	}
	if _, ok := teacher.Find(`[data-testid="regrant"]`).Attr("data-focus"); !ok {
		t.Errorf("focus does not move to the Re-grant button")
	}
	if a := attrOf(p.doc.Find("[data-announce]"), "data-announce"); !strings.Contains(a, "Revoked the share of teacher") {
		t.Errorf("announcement %q", a)
	}
	if attrOf(shareOf(p.doc.Selection, "student2"), "data-state") != "active" {
		t.Errorf("student2's share changed too")
	}
	if _, ok := cloudShareWith(s.h, "bob"); ok {
		t.Errorf("the teacher's share is still at the cloud")
	}
	if _, ok := cloudShareWith(s.h, "carol"); !ok {
		t.Errorf("student2's share went too")
	}
	if s.h.Cloud.Exists("bob", "/LMS files/essay.pdf") {
		t.Errorf("the file is still in the teacher's cloud")
	}
	if n := s.h.Cloud.CountMethod(cloudtest.EPOCS, "DELETE"); n != 1 {
		t.Errorf("revoke sent %d DELETEs, want 1", n)
	}
	sh, err := s.h.Store.GetControlledShare(context.Background(), id, "teacher")
	if err != nil || sh.ShareID != "" {
		t.Errorf("record %+v %v, want it kept and marked revoked", sh, err)
	}
	// Revoking again changes nothing and records nothing.
	s.row(s.post("admin", revoke, url.Values{"user": {"teacher"}, "confirm": {"yes"}}, htmxHeader, "true"))

	// Re-grant: the share is back with the same rights, straight in the teacher's folder.
	p = s.row(s.post("admin", regrant, url.Values{"user": {"teacher"}, "back": {back}}, htmxHeader, "true"))
	teacher = shareOf(p.doc.Selection, "teacher")
	if p.status != http.StatusOK || attrOf(teacher, "data-state") != "active" || attrOf(teacher, "data-access") != "edit" {
		t.Fatalf("regrant: %d %s", p.status, p.body)
	}
	if _, ok := teacher.Find(`[data-testid="revoke"]`).Attr("data-focus"); !ok {
		t.Errorf("focus does not move to the Revoke button")
	}
	if a := attrOf(p.doc.Find("[data-announce]"), "data-announce"); !strings.Contains(a, "with teacher again") {
		t.Errorf("announcement %q", a)
	}
	cs, ok := cloudShareWith(s.h, "bob")
	if !ok || cs.Permissions&2 == 0 {
		t.Fatalf("the share is not back with edit rights: %+v %v", cs, ok)
	}
	if got, _ := s.h.Cloud.ReadFile("bob", "/LMS files/essay.pdf"); string(got) != "my essay" {
		t.Errorf("the file is not back in the teacher's folder: %q", got)
	}
	if got := strings.Join(s.auditActions(), " "); got != "share.regrant share.revoke" {
		t.Errorf("audit: %s", got)
	}
	entries, _ := s.h.Store.ListAudit(context.Background(), store.AuditFilter{Limit: 10})
	for _, e := range entries {
		if e.Actor != "admin" || e.Target != fmt.Sprintf("controlled link %d", id) || !strings.Contains(e.Detail, "teacher") {
			t.Errorf("audit entry %+v", e)
		}
	}
}

func TestLinksRevokeAndRegrantWithoutJavaScript(t *testing.T) {
	t.Parallel()
	s := newLinkSite(t, repositorytest.Options{})
	id := s.essay()
	revoke := fmt.Sprintf("%s/admin/links/%d/revoke", mount, id)
	back := mount + "/admin/links?owner=student"

	// A plain form asks on a page of its own.
	p := s.post("admin", revoke, url.Values{"user": {"student2"}, "back": {back}})
	if p.status != http.StatusOK || !p.has("revoke-form") || !p.has("revoke-impact") || attrOf(p.find("revoke-cancel"), "href") != back {
		t.Fatalf("confirm page: %d %s", p.status, p.body)
	}
	if _, ok := cloudShareWith(s.h, "carol"); !ok {
		t.Fatal("asking revoked the share")
	}
	form := url.Values{}
	p.find("revoke-form").Find("input").Each(func(_ int, in *goquery.Selection) { form.Set(attrOf(in, "name"), attrOf(in, "value")) })
	p = s.post("admin", revoke, form)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != back+"&notice=share_revoked" {
		t.Fatalf("revoke: %d %q", p.status, p.header.Get("Location"))
	}
	if _, ok := cloudShareWith(s.h, "carol"); ok || s.h.Cloud.Exists("carol", "/LMS files/essay.pdf") {
		t.Errorf("student2's share survived")
	}
	p = s.get("admin", p.header.Get("Location"))
	if !p.has("notice") || attrOf(shareOf(p.doc.Selection, "student2"), "data-state") != "revoked" {
		t.Errorf("the list after the revoke: %s", p.text("notice"))
	}
	// A way back elsewhere is not followed.
	p = s.post("admin", fmt.Sprintf("%s/admin/links/%d/regrant", mount, id), url.Values{"user": {"student2"}, "back": {"https://evil.example/admin/links"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != mount+"/admin/links?notice=share_regranted" {
		t.Errorf("regrant: %d %q", p.status, p.header.Get("Location"))
	}
	if cs, ok := cloudShareWith(s.h, "carol"); !ok || cs.Permissions&2 != 0 {
		t.Errorf("student2's share is not back read-only: %+v", cs)
	}
	// The row alone without JavaScript sends the browser to the list.
	if p := s.get("admin", fmt.Sprintf("%s/admin/links/%d/row?back=%s", mount, id, url.QueryEscape(back))); p.status != http.StatusSeeOther || p.header.Get("Location") != back {
		t.Errorf("row without htmx: %d %q", p.status, p.header.Get("Location"))
	}
	// Unknown links and users are not found.
	for _, tc := range []struct{ path, user string }{
		{fmt.Sprintf("%s/admin/links/%d/revoke", mount, id+100), "student2"},
		{revoke, "nobody"},
		{revoke, ""},
		{mount + "/admin/links/x/revoke", "student2"},
	} {
		if p := s.post("admin", tc.path, url.Values{"user": {tc.user}, "confirm": {"yes"}}); p.status != http.StatusNotFound {
			t.Errorf("%s user %q: %d", tc.path, tc.user, p.status)
		}
	}
}

func TestLinksRegrantWhileTheUserIsLoggedOut(t *testing.T) {
	t.Parallel()
	s := newLinkSite(t, repositorytest.Options{})
	id := s.essay()
	s.post("admin", fmt.Sprintf("%s/admin/links/%d/revoke", mount, id), url.Values{"user": {"teacher"}, "confirm": {"yes"}})
	if err := s.h.Store.DeleteToken(context.Background(), store.TokenKey{IssuerID: s.iss.ID, UserID: "teacher"}); err != nil {
		t.Fatal(err)
	}
	p := s.post("admin", fmt.Sprintf("%s/admin/links/%d/regrant", mount, id), url.Values{"user": {"teacher"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("regrant: %d %s", p.status, p.body)
	}
	cs, ok := cloudShareWith(s.h, "bob")
	if !ok || cs.Target != "/essay.pdf" {
		t.Fatalf("the share is back where the cloud puts it? %+v %v", cs, ok)
	}
	// The teacher's next open moves it into their folder.
	s.h.Connect(t, s.iss.ID, "teacher")
	s.share("teacher", id, true)
	if got, _ := s.h.Cloud.ReadFile("bob", "/LMS files/essay.pdf"); string(got) != "my essay" {
		t.Errorf("not moved into the folder on the next open: %q", got)
	}
	if s.h.Cloud.Exists("bob", "/essay.pdf") {
		t.Errorf("still in the teacher's root as well")
	}
	if n := len(s.h.Cloud.Shares()); n != 2 {
		t.Errorf("%d shares, want the teacher's and student2's", n)
	}
}

func TestCourseLinksPageForTheCourseTeacherOnly(t *testing.T) {
	t.Parallel()
	s := newLinkSite(t, repositorytest.Options{Config: onlyCourse42})
	mine := s.essay()
	s.h.Cloud.WriteFile("carol", "/report.pdf", []byte("report"))
	other := s.pick("student2", "43", []string{"Course 43", "Lab", "Report"}, "/report.pdf")
	s.share("student", other, false)

	// The course settings page leads to the links page, and back.
	p := s.get("teacher", mount+"/course/42")
	if attrOf(p.find("course-links"), "href") != mount+"/course/42/links" || attrOf(p.find("nav-course-links"), "href") != mount+"/course/42/links" {
		t.Errorf("the course settings page does not link to the course's links")
	}
	p = s.get("teacher", mount+"/course/42/links")
	if p.status != http.StatusOK || !slices.Equal(names(p), []string{"essay.pdf"}) || p.has("course") || p.has("filter-course") {
		t.Fatalf("course 42's links: %d %v", p.status, names(p))
	}
	if attrOf(p.find("nav-course-links"), "aria-current") != "page" || p.has("nav-links") {
		t.Errorf("the course page shows the course's navigation, not the admin's")
	}
	if action := attrOf(shareOf(p.doc.Selection, "teacher").Find("form"), "action"); action != fmt.Sprintf("%s/course/42/links/%d/revoke", mount, mine) {
		t.Errorf("revoke goes to %q", action)
	}
	// ?course= cannot widen a course page.
	if p := s.get("teacher", mount+"/course/42/links?course=43"); !slices.Equal(names(p), []string{"essay.pdf"}) {
		t.Errorf("course 42's page with ?course=43: %v", names(p))
	}

	// A teacher of course 42 cannot reach course 43's links, by either door.
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", mount + "/course/43/links", http.StatusForbidden},
		{"GET", fmt.Sprintf("%s/course/43/links/%d/row", mount, other), http.StatusForbidden},
		{"POST", fmt.Sprintf("%s/course/43/links/%d/revoke", mount, other), http.StatusForbidden},
		{"POST", fmt.Sprintf("%s/course/43/links/%d/regrant", mount, other), http.StatusForbidden},
		{"POST", fmt.Sprintf("%s/course/42/links/%d/revoke", mount, other), http.StatusNotFound},
		{"POST", fmt.Sprintf("%s/course/42/links/%d/regrant", mount, other), http.StatusNotFound},
		{"GET", fmt.Sprintf("%s/course/42/links/%d/row", mount, other), http.StatusNotFound},
	} {
		var p page
		if tc.method == "GET" {
			p = s.get("teacher", tc.path, htmxHeader, "true")
		} else {
			p = s.post("teacher", tc.path, url.Values{"user": {"student"}, "confirm": {"yes"}}, htmxHeader, "true")
		}
		if p.status != tc.status {
			t.Errorf("teacher %s %s: %d, want %d", tc.method, tc.path, p.status, tc.status)
		}
	}
	if _, ok := cloudShareWith(s.h, "alice"); !ok {
		t.Fatal("the teacher of course 42 revoked a share of course 43")
	}
	// Students get nothing.
	if p := s.get("student", mount+"/course/42/links"); p.status != http.StatusForbidden || !strings.Contains(p.body, "Course managers only") {
		t.Errorf("student GET: %d", p.status)
	}
	if p := s.post("student", fmt.Sprintf("%s/course/42/links/%d/revoke", mount, mine), url.Values{"user": {"teacher"}, "confirm": {"yes"}}); p.status != http.StatusForbidden {
		t.Errorf("student POST: %d", p.status)
	}
	if _, ok := cloudShareWith(s.h, "bob"); !ok {
		t.Fatalf("a student revoked the teacher's share: %+v", s.h.Cloud.Shares())
	}

	// Within the course, the teacher revokes and re-grants.
	p = s.row(s.post("teacher", fmt.Sprintf("%s/course/42/links/%d/revoke", mount, mine), url.Values{"user": {"student2"}, "confirm": {"yes"}}, htmxHeader, "true"))
	if attrOf(shareOf(p.doc.Selection, "student2"), "data-state") != "revoked" {
		t.Fatalf("course revoke: %d %s", p.status, p.body)
	}
	if _, ok := cloudShareWith(s.h, "carol"); ok {
		t.Errorf("student2's share is still at the cloud")
	}
	p = s.row(s.post("teacher", fmt.Sprintf("%s/course/42/links/%d/regrant", mount, mine), url.Values{"user": {"student2"}}, htmxHeader, "true"))
	if attrOf(shareOf(p.doc.Selection, "student2"), "data-state") != "active" {
		t.Fatalf("course regrant: %d %s", p.status, p.body)
	}
	if got, _ := s.h.Cloud.ReadFile("carol", "/LMS files/essay.pdf"); string(got) != "my essay" {
		t.Errorf("student2's file is not back: %q", got)
	}
	entries, _ := s.h.Store.ListAudit(context.Background(), store.AuditFilter{Limit: 10})
	if len(entries) != 2 || entries[0].Action != "share.regrant" || entries[1].Action != "share.revoke" ||
		entries[0].Actor != "teacher" || entries[1].Actor != "teacher" {
		t.Errorf("audit: %+v", entries)
	}
	// Site admins may use the course page too.
	if p := s.get("admin", mount+"/course/43/links"); p.status != http.StatusOK || !slices.Equal(names(p), []string{"report.pdf"}) {
		t.Errorf("admin on course 43's page: %d %v", p.status, names(p))
	}
}

func TestLinkSharePostsNeedCSRF(t *testing.T) {
	t.Parallel()
	s := newLinkSite(t, repositorytest.Options{})
	id := s.essay()
	for _, path := range []string{
		fmt.Sprintf("%s/admin/links/%d/revoke", mount, id),
		fmt.Sprintf("%s/admin/links/%d/regrant", mount, id),
		fmt.Sprintf("%s/course/42/links/%d/revoke", mount, id),
		fmt.Sprintf("%s/course/42/links/%d/regrant", mount, id),
	} {
		form := url.Values{"user": {"teacher"}, "confirm": {"yes"}}
		req, _ := http.NewRequest(http.MethodPost, s.h.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := s.client("admin").Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a token: %d", path, resp.StatusCode)
		}
		if p := s.post("admin", path, withCSRF(form, "forged"), htmxHeader, "true", "X-CSRF-Token", "forged"); p.status != http.StatusForbidden || p.header.Get("HX-Retarget") != "#ocrepo-alert" {
			t.Errorf("POST %s with a forged token: %d", path, p.status)
		}
	}
	if _, ok := cloudShareWith(s.h, "bob"); !ok {
		t.Error("a request without a valid token revoked the share")
	}
	if got := s.auditActions(); len(got) != 0 {
		t.Errorf("audit: %v", got)
	}
}

func TestLinkShareActionsSayWhatWentWrong(t *testing.T) {
	t.Parallel()
	s := newLinkSite(t, repositorytest.Options{})
	id := s.essay()
	revoke := fmt.Sprintf("%s/admin/links/%d/revoke", mount, id)

	s.h.Cloud.Fail(cloudtest.EPOCS, cloudtest.Fault{Times: 1, Method: "DELETE", Status: 429, RetryAfter: 2 * time.Minute})
	p := s.post("admin", revoke, url.Values{"user": {"teacher"}, "confirm": {"yes"}}, htmxHeader, "true")
	if p.status != http.StatusTooManyRequests || p.header.Get("HX-Retarget") != "#ocrepo-alert" || !strings.Contains(p.body, "2 minutes") {
		t.Errorf("throttled: %d %s", p.status, p.body)
	}
	if sh, _ := s.h.Store.GetControlledShare(context.Background(), id, "teacher"); sh.ShareID == "" {
		t.Errorf("a failed revoke was recorded as done")
	}
	if err := s.h.Store.DeleteToken(context.Background(), store.TokenKey{IssuerID: s.iss.ID, System: true}); err != nil {
		t.Fatal(err)
	}
	p = s.post("admin", revoke, url.Values{"user": {"teacher"}, "confirm": {"yes"}})
	if p.status != http.StatusServiceUnavailable || !strings.Contains(p.body, "system account") {
		t.Errorf("no system account: %d %s", p.status, p.body)
	}
	if _, ok := cloudShareWith(s.h, "bob"); !ok {
		t.Error("the share went although the revoke failed")
	}
	if got := s.auditActions(); len(got) != 0 {
		t.Errorf("audit after failures: %v", got)
	}
}

func TestLinksRegrantKeepsTheSubmissionLock(t *testing.T) {
	t.Parallel()
	s := newLinkSite(t, repositorytest.Options{})
	s.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("draft"))
	id := s.pick("student", "42", []string{"Course 42", "Essay", "Submission 7"}, "/essay.pdf")
	s.share("student", id, true) // the owner edits before the deadline
	if err := s.h.Repo.MarkSubmitted(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	p := s.get("admin", mount+"/admin/links")
	if !p.has("link-submitted") || attrOf(shareOf(p.doc.Selection, "student"), "data-access") != "read" {
		t.Fatalf("the submitted link's owner should hold a read-only share: %s", p.body)
	}
	base := fmt.Sprintf("%s/admin/links/%d/", mount, id)
	s.post("admin", base+"revoke", url.Values{"user": {"student"}, "confirm": {"yes"}})
	p = s.row(s.post("admin", base+"regrant", url.Values{"user": {"student"}}, htmxHeader, "true"))
	if attrOf(shareOf(p.doc.Selection, "student"), "data-access") != "read" || attrOf(shareOf(p.doc.Selection, "student"), "data-state") != "active" {
		t.Errorf("regrant after submission: %s", p.body)
	}
	if cs, ok := cloudShareWith(s.h, "alice"); !ok || cs.Permissions&2 != 0 {
		t.Errorf("the owner's share after the regrant: %+v %v", cs, ok)
	}
	if err := writeAs(s.h.Cloud, "alice", "/LMS files/essay.pdf", "after the deadline"); err == nil {
		t.Error("the owner changed the submitted file after the regrant")
	}
}

// writeAs PUTs content to a path in a cloud user's space with their own token.
func writeAs(s *cloudtest.Server, user, p, content string) error {
	access, _, _ := s.IssueToken(user)
	req, err := http.NewRequest(http.MethodPut, s.URL+"remote.php/dav/files/"+url.PathEscape(user)+(&url.URL{Path: p}).EscapedPath(), strings.NewReader(content))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := s.Client().Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("PUT %s: %d", p, resp.StatusCode)
	}
	return nil
}
