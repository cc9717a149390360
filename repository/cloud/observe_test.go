package cloud_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
)

// observations collects what a client's Observer saw.
type observations struct {
	mu  sync.Mutex
	all []cloud.RequestObservation
}

func (o *observations) ObserveRequest(ob cloud.RequestObservation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all = append(o.all, ob)
}

func (o *observations) take() []cloud.RequestObservation {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.all
	o.all = nil
	return out
}

// TestObserverNamesEveryRequest runs each kind of call against the test cloud, in every flavour and under a
// sub-path, and checks the operation and outcome the observer is told: one observation per request, named from
// a fixed set, with the test cloud's own answer.
func TestObserverNamesEveryRequest(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			obs := &observations{}
			srv, c := fakeCloud(t, fl.flavor, fl.product, fl.base, func(_ *cloudtest.Options, cfg *cloud.Config) { cfg.Observer = obs })
			srv.WriteFile("alice", "/a.txt", []byte("a"))
			ctx := context.Background()
			alice := c.As("alice", tokenFor(srv, "alice"))
			steps := []struct {
				run       func() error
				operation string
				outcome   string
			}{
				{func() error { _, err := c.Status(ctx); return err }, "status", cloud.OutcomeOK},
				{func() error { _, err := alice.UserInfo(ctx); return err }, "userinfo", cloud.OutcomeOK},
				{func() error { _, _, err := alice.ReadDir(ctx, "/"); return err }, "webdav_propfind", cloud.OutcomeOK},
				{func() error {
					f, err := alice.Open(ctx, "/a.txt", 0)
					if err == nil {
						f.Body.Close()
					}
					return err
				}, "webdav_get", cloud.OutcomeOK},
				{func() error { return alice.Mkcol(ctx, "/New") }, "webdav_mkcol", cloud.OutcomeOK},
				{func() error { _, err := alice.SharesOf(ctx, "/a.txt"); return err }, "ocs_get", cloud.OutcomeOK},
				{func() error { _, err := c.Refresh(ctx, "made-up"); return err }, "token", cloud.OutcomeClientError},
				{func() error {
					_, _, err := c.As("alice", cloud.TokenSourceFunc(func(context.Context) (string, error) { return "wrong", nil })).ReadDir(ctx, "/")
					return err
				}, "webdav_propfind", cloud.OutcomeUnauthorized},
			}
			for i, s := range steps {
				err := s.run()
				if (err == nil) != (s.outcome == cloud.OutcomeOK) {
					t.Fatalf("step %d (%s): %v", i, s.operation, err)
				}
				got := obs.take()
				if len(got) != 1 || got[0].Operation != s.operation || got[0].Outcome() != s.outcome || got[0].Duration <= 0 {
					t.Fatalf("step %d: observed %+v, want one %s %s", i, got, s.operation, s.outcome)
				}
			}

			// No answer in time is a timeout; a stopped server is unreachable.
			srv.Fail(cloudtest.EPStatus, cloudtest.Fault{Latency: 5 * time.Second})
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			_, err := c.Status(short)
			cancel()
			srv.ClearFaults()
			if got := obs.take(); err == nil || len(got) != 1 || got[0].Outcome() != cloud.OutcomeTimeout {
				t.Fatalf("slow status.php: %v, observed %+v", err, got)
			}
			// The client's own deadline (Config.Timeout) too.
			quick, err := cloud.New(cloud.Config{BaseURL: srv.URL, ClientID: "ocrepo", ClientSecret: "secret",
				Endpoints: presetFor(t, fl.product, srv.URL), HTTPClient: srv.Client(), Timeout: 50 * time.Millisecond, Observer: obs})
			if err != nil {
				t.Fatal(err)
			}
			srv.Fail(cloudtest.EPStatus, cloudtest.Fault{Latency: 5 * time.Second})
			_, err = quick.Status(ctx)
			srv.ClearFaults()
			if got := obs.take(); err == nil || len(got) != 1 || got[0].Outcome() != cloud.OutcomeTimeout {
				t.Fatalf("status.php slower than Config.Timeout: %v, observed %+v", err, got)
			}
			srv.Fail(cloudtest.EPStatus, cloudtest.Fault{Status: http.StatusServiceUnavailable})
			_, err = c.Status(ctx)
			srv.ClearFaults()
			if got := obs.take(); err == nil || len(got) != 1 || got[0].Outcome() != cloud.OutcomeServerError || got[0].Answered() {
				t.Fatalf("503: %v, observed %+v", err, got)
			}
		})
	}
}

func presetFor(t *testing.T, product cloud.FlavorID, base string) map[string]string {
	t.Helper()
	eps, err := cloud.PresetEndpoints(product, base)
	if err != nil {
		t.Fatal(err)
	}
	return eps
}
