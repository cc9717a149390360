package perftest

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// scrape reads the registry like Prometheus does.
type scrape map[string]*dto.MetricFamily

func gather(t *testing.T, reg *prometheus.Registry) scrape {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := scrape{}
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// value sums the samples of a family whose labels include every given name=value pair: counters by value,
// histograms by their sample count.
func (s scrape) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	f, ok := s[name]
	if !ok {
		return 0
	}
	sum := 0.0
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.GetCounter() != nil:
			sum += m.GetCounter().GetValue()
		case m.GetHistogram() != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// labelValues lists the values a label takes in a family.
func (s scrape) labelValues(name, label string) []string {
	seen := map[string]bool{}
	for _, m := range s[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				seen[l.GetValue()] = true
			}
		}
	}
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// TestMetricsAfterAJourney walks a user's and an admin's day through the mounted group (a failed and a good login,
// listings, an import, a public link, a controlled link opened and submitted, an access token ended early, a
// connection check, a refused client) and scrapes the host's registry: every family has the counts the journey
// implies, the cloud request counts equal what the test cloud itself counted, and no label carries a user, a path
// or an id other than the issuer's.
func TestMetricsAfterAJourney(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	r := newRig(t, rigOptions{config: func(c *repository.Config) { c.Metrics = reg }})
	r.inst = r.h.AddInstance(t, r.iss.ID, "Everything", host.ReturnAny, host.ReturnImport)
	issuer := strconv.FormatInt(r.iss.ID, 10)
	essay := []byte("%PDF the essay, 41 bytes long, give or take")
	r.h.Cloud.WriteFile("alice", "/essay.pdf", essay)
	r.h.Cloud.WriteFile("alice", "/slides.pdf", []byte("slides"))
	r.h.Cloud.ResetCounts()

	// A callback with a made-up state, then a good login.
	if status, _, _ := r.h.Client("student").Get(t, repositorytest.Mount+"/callback?state=made-up&code=x"); status == http.StatusOK {
		t.Fatal("a made-up state was accepted")
	}
	r.callback(t, "student", r.loginStart(t, "student", "alice"))

	// Two pages of the same folder: one miss, one hit.
	r.list(t)
	r.list(t, "sort", "size")

	// An import of the essay.
	status, body, _ := r.pick(t, "student", host.PickRequest{}, "import", "/essay.pdf")
	if status != http.StatusAccepted {
		t.Fatalf("import: %d %s", status, body)
	}
	d, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	id, _ := d.Find(`[id^="status-"]`).Attr("id")
	j, err := r.h.Repo.AwaitImport(context.Background(), host.User{ID: "student"}, strings.TrimPrefix(id, "status-"))
	if err != nil || j.State != store.ImportDone {
		t.Fatalf("import ended %+v, %v", j, err)
	}

	// A public link.
	if status, body, _ := r.pick(t, "student", host.PickRequest{}, "link", "/slides.pdf"); status != http.StatusOK {
		t.Fatalf("link: %d %s", status, body)
	}

	// A controlled link: created, opened by its owner, submitted.
	r.h.ConnectSystem(t, r.iss.ID)
	status, body, hdr := r.pick(t, "student", submission(), "controlled", "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("controlled pick: %d %s", status, body)
	}
	link := picked(t, hdr)[0].ControlledLinkID
	r.get(t, "student", r.h.Repo.ControlledLinkURL(link))
	if err := r.h.Repo.MarkSubmitted(context.Background(), link); err != nil {
		t.Fatal(err)
	}

	// Two minutes on, the cloud ends the student's access token early: one refusal, one refresh, one retry.
	r.h.Clock.Advance(2 * time.Minute)
	if n := r.h.Cloud.ExpireAccessTokens("alice"); n == 0 {
		t.Fatal("no access token to end")
	}
	r.list(t, "reload", "1")

	// What the cloud counted so far, against what ocrepo observed.
	s := gather(t, reg)
	for _, c := range []struct{ endpoint, method, operation string }{
		{cloudtest.EPToken, http.MethodPost, "token"},
		{cloudtest.EPUserinfo, http.MethodGet, "userinfo"},
		{cloudtest.EPWebDAV, "PROPFIND", "webdav_propfind"},
		{cloudtest.EPWebDAV, http.MethodGet, "webdav_get"},
		{cloudtest.EPWebDAV, "MKCOL", "webdav_mkcol"},
		{cloudtest.EPWebDAV, "COPY", "webdav_copy"},
		{cloudtest.EPOCS, http.MethodGet, "ocs_get"},
		{cloudtest.EPOCS, http.MethodPost, "ocs_post"},
		{cloudtest.EPOCS, http.MethodDelete, "ocs_delete"},
	} {
		want := float64(r.h.Cloud.CountMethod(c.endpoint, c.method))
		if want == 0 {
			t.Errorf("the journey sent no %s %s: it does not test %s", c.endpoint, c.method, c.operation)
		}
		if got := s.value(t, "ocrepo_cloud_requests_total", "issuer", issuer, "operation", c.operation); got != want {
			t.Errorf("ocrepo_cloud_requests_total{operation=%q} = %v, the cloud counted %v", c.operation, got, want)
		}
		if got := s.value(t, "ocrepo_cloud_request_duration_seconds", "issuer", issuer, "operation", c.operation); got != want {
			t.Errorf("ocrepo_cloud_request_duration_seconds{operation=%q} has %v samples, want %v", c.operation, got, want)
		}
	}
	if got := s.value(t, "ocrepo_cloud_requests_total", "outcome", "unauthorized"); got != 1 {
		t.Errorf("unauthorized cloud requests = %v, want 1 (the ended access token)", got)
	}
	if got := s.value(t, "ocrepo_token_refreshes_total", "issuer", issuer, "outcome", "ok"); got != 1 {
		t.Errorf("token refreshes before the check = %v, want 1 (the ended access token)", got)
	}

	// The connection check (its probes are its own, not the observed client's), then a refused client.
	if status, body, _ := r.h.Client("admin").Post(t, repositorytest.Mount+"/admin/issuers/"+issuer+"/check", nil); status != http.StatusOK {
		t.Fatalf("check: %d %s", status, body)
	}
	r.h.Cloud.SetClientSecret("changed-at-the-cloud")
	r.h.Cloud.ExpireAccessTokens("alice")
	r.h.Clock.Advance(2 * time.Hour)
	if status, _, _ := r.h.Client("student").Get(t, r.listURL(t, "student", "reload", "1"), "HX-Request", "true"); status == http.StatusOK {
		t.Fatal("listing with a refused client succeeded")
	}

	s = gather(t, reg)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"ocrepo_logins_started_total", []string{"issuer", issuer}, 1},
		{"ocrepo_logins_completed_total", []string{"issuer", issuer}, 1},
		{"ocrepo_logins_failed_total", []string{"cause", "state_unknown"}, 1},
		{"ocrepo_logins_failed_total", nil, 1},
		{"ocrepo_listing_cache_misses_total", nil, 3}, // first visit, the reload after the ended token, the last reload
		{"ocrepo_listing_cache_hits_total", nil, 1},
		{"ocrepo_imports_started_total", nil, 1},
		{"ocrepo_imports_ended_total", []string{"outcome", "completed"}, 1},
		{"ocrepo_imports_ended_total", nil, 1},
		{"ocrepo_import_bytes_total", nil, float64(len(essay))},
		{"ocrepo_import_duration_seconds", nil, 1},
		{"ocrepo_controlled_links_total", []string{"event", "created"}, 1},
		{"ocrepo_controlled_links_total", []string{"event", "opened"}, 1},
		{"ocrepo_controlled_links_total", []string{"event", "submitted"}, 1},
		{"ocrepo_access_tokens_refused_total", []string{"issuer", issuer}, 1},
		// The ended access token, and the check's token request (it refreshes the system account's token).
		{"ocrepo_token_refreshes_total", []string{"issuer", issuer, "outcome", "ok"}, 2},
		{"ocrepo_token_refreshes_total", []string{"issuer", issuer, "outcome", "client_refused"}, 1},
		{"ocrepo_connection_checks_total", []string{"issuer", issuer}, 1},
	} {
		if got := s.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got := s.labelValues("ocrepo_connection_checks_total", "result"); len(got) != 1 || !strings.Contains("passed warning failed", got[0]) {
		t.Errorf("connection check results %v", got)
	}
	// Bounded labels: the only issuer is the issuer's id; no family carries a user, a path or a link's id.
	for name, f := range s {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				v := l.GetValue()
				if l.GetName() == "issuer" && v != issuer {
					t.Errorf("%s issuer=%q", name, v)
				}
				for _, bad := range []string{"student", "alice", "essay", "slides", "/", strconv.FormatInt(link, 10) + "x"} {
					if strings.Contains(v, bad) {
						t.Errorf("%s label %s=%q names a user, a file or a path", name, l.GetName(), v)
					}
				}
			}
		}
	}
}
