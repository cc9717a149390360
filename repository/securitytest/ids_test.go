package securitytest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// pickerCalls are the picker's routes that take a signed pick request, called with r (and the instance), with
// job as the import id where the route takes one.
func pickerCalls(s *site, user, r, job string) []struct {
	name string
	call func() (int, string, http.Header)
} {
	q := func(kv ...string) string { return s.pickerForm(r, kv...).Encode() }
	c := s.client(user)
	return []struct {
		name string
		call func() (int, string, http.Header)
	}{
		{"picker", func() (int, string, http.Header) { return c.Get(s.t, path("picker")+"?"+q()) }},
		{"picker.list", func() (int, string, http.Header) { return c.Get(s.t, path("picker", "list")+"?"+q("reload", "1")) }},
		{"picker.search", func() (int, string, http.Header) { return c.Get(s.t, path("picker", "search")+"?"+q("q", "report")) }},
		{"picker.pick", func() (int, string, http.Header) {
			return s.post(user, path("picker", "pick"), s.pickerForm(r, "as", "link", "path", "/report.pdf"))
		}},
		{"picker.pick import", func() (int, string, http.Header) {
			return s.post(user, path("picker", "pick"), s.pickerForm(r, "as", "import", "path", "/report.pdf"))
		}},
		{"picker.import", func() (int, string, http.Header) { return c.Get(s.t, path("picker", "import", job)+"?"+q()) }},
		{"picker.import.cancel", func() (int, string, http.Header) {
			return s.post(user, path("picker", "import", job, "cancel"), s.pickerForm(r))
		}},
		{"picker.login", func() (int, string, http.Header) { return c.Get(s.t, path("picker", "login", s.inst.ID)+"?"+q()) }},
		{"picker.logout", func() (int, string, http.Header) {
			return s.post(user, path("picker", "logout", s.inst.ID), s.pickerForm(r))
		}},
	}
}

// cloudRequests is how many requests the fake cloud has had.
func cloudRequests(s *site) int {
	n := 0
	for _, ep := range []string{cloudtest.EPToken, cloudtest.EPWebDAV, cloudtest.EPOCS, cloudtest.EPUserinfo, cloudtest.EPAuthorize} {
		n += s.h.Cloud.Count(ep)
	}
	return n
}

// TestNobodyUsesAnotherUsersIDs swaps the ids in every request that takes one: a student using another
// student's picker request, import job, pick result, controlled link, instance, course or stored login gets
// refused or sees nothing of theirs, and nothing of the other student's changes. (The OAuth state is covered by
// picker's TestCallbackErrorsEachHaveTheirMessage, "another user's state".)
func TestNobodyUsesAnotherUsersIDs(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{})
	ctx := context.Background()
	const a, b = student, "student2"
	s.h.Cloud.WriteFile("carol", "/only-carol.txt", []byte("carol's"))
	rA, rB := s.token(s.pickRequest(a)), s.token(s.pickRequest(b))
	jobB := s.startImport(b, rB)
	jobBRecord, err := s.h.Store.GetImportJob(ctx, jobB)
	if err != nil {
		t.Fatal(err)
	}
	linkB := s.pickControlled(b, course)
	status, body, _ := s.post(b, path("picker", "pick"), s.pickerForm(rB, "as", "link", "path", "/report.pdf"), "HX-Request", "true")
	if status != http.StatusOK {
		t.Fatalf("b's link pick: %d", status)
	}
	raw, _ := parse(t, body).Find(`[data-ocrepo-picked]`).Attr("data-ocrepo-picked")
	pickB := pickID(t, raw)
	tokB, err := s.h.Store.GetToken(ctx, store.TokenKey{IssuerID: s.iss.ID, UserID: b})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("picker request", func(t *testing.T) {
		s := *s
		s.t = t
		before := cloudRequests(&s)
		for _, pc := range pickerCalls(&s, a, rB, jobB) {
			if status, body, _ := pc.call(); status != http.StatusForbidden || alert(t, body) != "other_user" {
				t.Errorf("%s with b's picker request: %d %q, want 403 other_user", pc.name, status, alert(t, body))
			}
		}
		if n := cloudRequests(&s) - before; n != 0 {
			t.Errorf("refused requests reached the cloud %d times", n)
		}
		if tok, err := s.h.Store.GetToken(ctx, store.TokenKey{IssuerID: s.iss.ID, UserID: b}); err != nil || tok.Version != tokB.Version {
			t.Errorf("b's login changed: %+v, %v", tok, err)
		}
	})

	t.Run("import job", func(t *testing.T) {
		s := *s
		s.t = t
		c := s.client(a)
		if status, body, _ := c.Get(t, path("picker", "import", jobB)+"?"+s.pickerForm(rA).Encode()); status != http.StatusNotFound || alert(t, body) != "import_unknown" {
			t.Errorf("b's import status: %d %q", status, alert(t, body))
		}
		if status, body, _ := s.post(a, path("picker", "import", jobB, "cancel"), s.pickerForm(rA)); status != http.StatusNotFound || alert(t, body) != "import_unknown" {
			t.Errorf("cancelling b's import: %d %q", status, alert(t, body))
		}
		if j, err := s.h.Store.GetImportJob(ctx, jobB); err != nil || j.Cancel || j.State != jobBRecord.State {
			t.Errorf("b's import changed: %+v, %v", j, err)
		}
		_, body, _ := c.Get(t, path("picker")+"?"+s.pickerForm(rA, "job", jobB).Encode())
		if strings.Contains(body, jobB) || parse(t, body).Find(`[data-testid="result"]`).Length() != 0 {
			t.Error("the picker shows b's import to a")
		}
		if _, err := s.h.Repo.AwaitImport(ctx, host.User{ID: a}, jobB); !errors.Is(err, repository.ErrNotFound) {
			t.Errorf("AwaitImport of b's job as a: %v, want ErrNotFound", err)
		}
	})

	t.Run("pick result", func(t *testing.T) {
		if _, err := s.h.Repo.PickResult(ctx, a, pickB); !errors.Is(err, repository.ErrNotFound) {
			t.Errorf("PickResult of b's pick for a: %v, want ErrNotFound", err)
		}
		if res, err := s.h.Repo.PickResult(ctx, b, pickB); err != nil || res.User != b {
			t.Errorf("b's own pick: %+v, %v", res, err)
		}
	})

	t.Run("controlled link", func(t *testing.T) {
		s := *s
		s.t = t
		c := s.client(a)
		before := s.h.Cloud.Count(cloudtest.EPOCS)
		// A link a may not see answers 404, like a missing one (TestForeignLinksLookMissing).
		if status, _, _ := c.Get(t, path("link", linkB)); status != http.StatusNotFound {
			t.Errorf("a opens b's link: %d, want 404", status)
		}
		if status, body, _ := c.Get(t, path("link", linkB, "file")); status != http.StatusNotFound || strings.Contains(body, "report of carol") {
			t.Errorf("a downloads b's link: %d", status)
		}
		for _, edit := range []string{"0", "1"} {
			if status, _, _ := s.post(a, path("link", linkB, "share"), url.Values{"edit": {edit}}); status != http.StatusNotFound {
				t.Errorf("a takes a share (edit %s) of b's link: %d, want 404", edit, status)
			}
		}
		if n := s.h.Cloud.Count(cloudtest.EPOCS) - before; n != 0 {
			t.Errorf("refused link requests made %d share calls", n)
		}
		// A viewer the host lets in reads, and may take a read-only share, never an edit one.
		s.rules.allowViewer(a)
		if status, body, _ := c.Get(t, path("link", linkB, "file")); status != http.StatusOK || body != "report of carol" {
			t.Errorf("viewer a downloads b's link: %d %q", status, body)
		}
		if status, _, _ := s.post(a, path("link", linkB, "share"), url.Values{"edit": {"1"}}); status != http.StatusForbidden {
			t.Errorf("viewer a asks for an edit share: %d, want 403", status)
		}
		if status, _, _ := s.post(a, path("link", linkB, "share"), url.Values{"edit": {"0"}}); status != http.StatusOK {
			t.Errorf("viewer a asks for a read-only share: %d", status)
		}
		sh, err := s.h.Store.GetControlledShare(ctx, linkB, a)
		if err != nil || sh.Permissions&(cloud.PermUpdate|cloud.PermCreate|cloud.PermDelete) != 0 {
			t.Errorf("viewer a's share: %+v, %v", sh, err)
		}
		if status, _, _ := c.Get(t, path("link", linkB+1000)); status != http.StatusNotFound {
			t.Errorf("an unknown link: %d, want 404", status)
		}
	})

	t.Run("instance", func(t *testing.T) {
		s := *s
		s.t = t
		other := s.h.AddInstance(t, s.iss.ID, "Switched off here", host.ReturnImport, host.ReturnImport)
		if err := s.h.Store.SetCourseInstanceEnabled(ctx, course, other.ID, false); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{other.ID, other.ID + 100} {
			form := url.Values{"r": {rA}, "i": {toString(id)}}
			if status, body, _ := s.client(a).Get(t, path("picker", "list")+"?"+form.Encode()); status != http.StatusNotFound || alert(t, body) != "instance_gone" {
				t.Errorf("instance %d: %d %q, want 404 instance_gone", id, status, alert(t, body))
			}
		}
	})

	t.Run("stored login", func(t *testing.T) {
		s := *s
		s.t = t
		_, body, _ := s.client(a).Get(t, path("picker", "list")+"?"+s.pickerForm(rA, "reload", "1").Encode(), "HX-Request", "true")
		if strings.Contains(body, "only-carol.txt") {
			t.Error("a's listing shows b's file")
		}
		if err := s.h.Store.DeleteToken(ctx, store.TokenKey{IssuerID: s.iss.ID, UserID: a}); err != nil {
			t.Fatal(err)
		}
		before := s.h.Cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND")
		_, body, _ = s.client(a).Get(t, path("picker")+"?"+s.pickerForm(rA).Encode())
		if parse(t, body).Find(`[data-testid="login"]`).Length() != 1 || strings.Contains(body, "only-carol.txt") {
			t.Error("logged out, a does not get the login button")
		}
		if n := s.h.Cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND") - before; n != 0 {
			t.Errorf("a's picker listed %d folders without a's login", n)
		}
	})

	t.Run("course", func(t *testing.T) {
		s := *s
		s.t = t
		link43 := s.pickControlled(b, otherCourse)
		if status, body, _ := s.post(b, path("link", link43, "share"), url.Values{"edit": {"1"}}); status != http.StatusOK {
			t.Fatalf("b's share of the course %s link: %d %s", otherCourse, status, body)
		}
		if status, _, _ := s.client(manager).Get(t, path("course", otherCourse)); status != http.StatusForbidden {
			t.Errorf("manager of %s opens course %s: %d, want 403", course, otherCourse, status)
		}
		if status, _, _ := s.post(manager, path("course", otherCourse, "instances", s.inst.ID), url.Values{"enabled": {"false"}}); status != http.StatusForbidden {
			t.Errorf("manager switches course %s: %d, want 403", otherCourse, status)
		}
		if status, _, _ := s.client(manager).Get(t, path("course", otherCourse, "links")); status != http.StatusForbidden {
			t.Errorf("manager lists course %s's links: %d, want 403", otherCourse, status)
		}
		// The link of course 43 through the manager's own course's pages.
		if status, _, _ := s.client(manager).Get(t, path("course", course, "links", link43, "row"), "HX-Request", "true"); status != http.StatusNotFound {
			t.Errorf("manager reads course %s's link through course %s: %d, want 404", otherCourse, course, status)
		}
		for _, action := range []string{"revoke", "regrant"} {
			status, _, _ := s.post(manager, path("course", course, "links", link43, action), url.Values{"user": {b}, "confirm": {"yes"}})
			if status != http.StatusNotFound {
				t.Errorf("manager %ss a share of course %s's link through course %s: %d, want 404", action, otherCourse, course, status)
			}
		}
		if sh, err := s.h.Store.GetControlledShare(ctx, link43, b); err != nil || sh.ShareID == "" {
			t.Errorf("b's share of the course %s link was revoked: %+v, %v", otherCourse, sh, err)
		}
		if on, err := s.h.Store.CourseInstanceEnabled(ctx, otherCourse, s.inst.ID); err != nil || !on {
			t.Errorf("course %s's instance switched: %t, %v", otherCourse, on, err)
		}
	})
}

// TestTamperedOrExpiredPickerRequestOnEveryRoute extends picker's TestTamperedOrExpiredPickerURLIsRefused to every
// route that takes a pick request: a request widened by editing its payload (a larger MaxBytes, another user), a
// signature from another site, or an expired request is refused before anything happens.
func TestTamperedOrExpiredPickerRequestOnEveryRoute(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{})
	req := s.pickRequest(student)
	req.MaxBytes = 3
	r := s.token(req)
	job := s.startImport(student, s.token(s.pickRequest(student)))
	payload, sig, _ := strings.Cut(r, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	widen := func(k string, v any) string {
		f := map[string]any{}
		for key, val := range fields {
			f[key] = val
		}
		f[k] = v
		b, _ := json.Marshal(f)
		return base64.RawURLEncoding.EncodeToString(b) + "." + sig
	}
	other := newSite(t, siteOptions{noConnect: true})
	foreign := other.token(s.pickRequest(student))
	expiredReq := s.pickRequest(student)
	expiredReq.Expires = s.h.Clock.Now().Add(-time.Second)

	for _, tt := range []struct {
		name, r, code string
	}{
		{"larger MaxBytes", widen("b", 1<<30), "pick_invalid"},
		{"another user", widen("u", "student2"), "pick_invalid"},
		{"later expiry", widen("e", time.Now().Add(1000*time.Hour).Unix()), "pick_invalid"},
		{"signature cut", payload + "." + sig[:len(sig)-1], "pick_invalid"},
		{"no signature", payload, "pick_invalid"},
		{"signed by another site", foreign, "pick_invalid"},
		{"expired", s.token(expiredReq), "pick_expired"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := *s
			s.t = t
			before, files := cloudRequests(&s), s.h.Files.Count()
			for _, pc := range pickerCalls(&s, student, tt.r, job) {
				if status, body, _ := pc.call(); status != http.StatusBadRequest || alert(t, body) != tt.code {
					t.Errorf("%s: %d %q, want 400 %s", pc.name, status, alert(t, body), tt.code)
				}
			}
			if n := cloudRequests(&s) - before; n != 0 {
				t.Errorf("refused requests reached the cloud %d times", n)
			}
			if s.h.Files.Count() != files {
				t.Error("a refused request imported a file")
			}
		})
	}
	if _, err := s.h.Store.GetToken(context.Background(), store.TokenKey{IssuerID: s.iss.ID, UserID: student}); err != nil {
		t.Errorf("a refused logout removed the login: %v", err)
	}
}
