package repository_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
)

// healthOf calls Health from n goroutines at once and returns one answer, failing on any difference in state.
func healthOf(t *testing.T, h *repositorytest.Host, n int) repository.IssuerHealth {
	t.Helper()
	results := make([][]repository.IssuerHealth, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = h.Repo.Health(context.Background()) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Health: %v", errs[i])
		}
		if len(results[i]) != 1 {
			t.Fatalf("Health gave %d issuers, want 1", len(results[i]))
		}
		if results[i][0].State != results[0][0].State {
			t.Fatalf("concurrent Health calls disagree: %s and %s", results[i][0].State, results[0][0].State)
		}
	}
	return results[0][0]
}

// listPath is the picker's listing fragment for the student.
func listPath(t *testing.T, h *repositorytest.Host, instanceID int64) string {
	t.Helper()
	u, err := url.Parse(h.PickerURL(host.PickRequest{User: "student"}))
	if err != nil {
		t.Fatal(err)
	}
	return repositorytest.Mount + "/picker/list?" + url.Values{"i": {strconv.FormatInt(instanceID, 10)}, "r": {u.Query().Get("r")}}.Encode()
}

// TestHealthCostsAtMostOneProbePerInterval: a quiet cloud is read once (status.php) however many callers ask at
// once; a cloud ocrepo just talked to is not read at all; a stopped cloud is down after the interval, again with
// one probe; the HTTP handler says 200 while up and 503 while down.
func TestHealthCostsAtMostOneProbePerInterval(t *testing.T) {
	t.Parallel()
	h := repositorytest.New(t, repositorytest.Options{})
	iss := h.AddIssuer(t, "Campus Cloud")
	inst := h.AddInstance(t, iss.ID, "Files", host.ReturnImport, host.ReturnImport)
	h.Cloud.ResetCounts()

	got := healthOf(t, h, 20)
	if got.State != repository.HealthUp || got.Probed.IsZero() || got.IssuerName != "Campus Cloud" {
		t.Fatalf("quiet cloud: %+v, want up and probed", got)
	}
	if n := h.Cloud.Count(cloudtest.EPStatus); n != 1 {
		t.Fatalf("20 concurrent Health calls read status.php %d times, want 1", n)
	}
	h.Clock.Advance(30 * time.Second)
	healthOf(t, h, 5)
	if n := h.Cloud.Count(cloudtest.EPStatus); n != 1 {
		t.Fatalf("within the interval status.php was read %d times, want 1", n)
	}

	// Traffic makes probes unnecessary.
	h.Connect(t, iss.ID, "student")
	h.Clock.Advance(2 * time.Minute)
	if status, body, _ := h.Client("student").Get(t, listPath(t, h, inst.ID), "HX-Request", "true"); status != http.StatusOK {
		t.Fatalf("list: %d %s", status, body)
	}
	got = healthOf(t, h, 5)
	if got.State != repository.HealthUp || got.LastOperation != "webdav_propfind" || got.Requests < 2 {
		t.Fatalf("after a listing: %+v", got)
	}
	if n := h.Cloud.Count(cloudtest.EPStatus); n != 1 {
		t.Fatalf("after traffic status.php was read %d times, want still 1", n)
	}
	rec := httptest.NewRecorder()
	h.Repo.HealthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("handler while up: %d %s", rec.Code, rec.Body)
	}

	// The cloud goes away: after the interval one probe finds it down.
	h.Cloud.Stop()
	h.Clock.Advance(2 * time.Minute)
	got = healthOf(t, h, 10)
	if got.State != repository.HealthDown || got.LastOutcome != "unreachable" || got.Failures != 1 {
		t.Fatalf("stopped cloud: %+v, want down after one failed probe", got)
	}
	if !got.LastAnswer.Before(got.LastSeen) {
		t.Fatalf("stopped cloud: last answer %v not before last seen %v", got.LastAnswer, got.LastSeen)
	}
	rec = httptest.NewRecorder()
	h.Repo.HealthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	var doc struct {
		Status  string `json:"status"`
		Issuers []struct {
			State string `json:"state"`
		} `json:"issuers"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusServiceUnavailable || doc.Status != "degraded" || len(doc.Issuers) != 1 || doc.Issuers[0].State != "down" {
		t.Fatalf("handler while down: %d %s", rec.Code, rec.Body)
	}

	// Back up: the next interval's probe sees it.
	if err := h.Cloud.Start(); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(2 * time.Minute)
	if got = healthOf(t, h, 3); got.State != repository.HealthUp {
		t.Fatalf("restarted cloud: %+v, want up", got)
	}
}

// TestMetricsRegisterOnTheHostsRegistryOnly: a second Repository on the same registry is refused with a clear
// error (the names are taken), and without a registry nothing is registered anywhere.
func TestMetricsRegisterOnTheHostsRegistryOnly(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	cfg := func() repository.Config {
		db, err := gormsqlite.Open(":memory:")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if sqlDB, err := db.DB(); err == nil {
				_ = sqlDB.Close()
			}
		})
		return repository.Config{DB: db, SecretKey: make([]byte, 32), PublicURL: "https://lms.example/cloud",
			Users: host.UsersFunc(nil), Admins: host.AdminsFunc(nil), Files: host.FileSinkFunc(nil), Metrics: reg}
	}
	if _, err := repository.New(cfg()); err != nil {
		t.Fatalf("first New: %v", err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "ocrepo_") {
			t.Errorf("registered %s, not an ocrepo_ family", f.GetName())
		}
	}
	if _, err := repository.New(cfg()); err == nil || !strings.Contains(err.Error(), "metrics") {
		t.Fatalf("second New on the same registry = %v, want a metrics registration error", err)
	}
	before, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	noMetrics := cfg()
	noMetrics.Metrics = nil
	if _, err := repository.New(noMetrics); err != nil {
		t.Fatalf("New without metrics: %v", err)
	}
	after, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("New without a registry changed the global registry: %d families, then %d", len(before), len(after))
	}
	for _, f := range after {
		if strings.HasPrefix(f.GetName(), "ocrepo_") {
			t.Fatalf("%s is registered globally", f.GetName())
		}
	}
}
