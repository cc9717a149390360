package securitytest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// holdingFront is a web server in front of the cloud that holds the first PROPFIND until released, so a test can
// change the world while a request is on its way.
type holdingFront struct {
	arrived chan struct{}
	release chan struct{}
	held    atomic.Bool
	propfs  atomic.Int32
	url     string
	once    sync.Once
}

// let releases the held request.
func (f *holdingFront) let() { f.once.Do(func() { close(f.release) }) }

func newHoldingFront(t *testing.T, cloudURL string) *holdingFront {
	t.Helper()
	target, err := url.Parse(cloudURL)
	if err != nil {
		t.Fatal(err)
	}
	f := &holdingFront{arrived: make(chan struct{}), release: make(chan struct{})}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "PROPFIND" {
			f.propfs.Add(1)
			if f.held.CompareAndSwap(false, true) {
				close(f.arrived)
				<-f.release
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(f.let) // runs before srv.Close: never leave a request held
	f.url = srv.URL
	return f
}

// frontWebDAV sends the issuer's WebDAV calls through front.
func frontWebDAV(t *testing.T, s *site, front string) {
	t.Helper()
	iss, err := s.h.Store.GetIssuer(context.Background(), s.iss.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range iss.Endpoints {
		if e.Name == cloud.EndpointWebDAV {
			iss.Endpoints[i].URL = strings.Replace(e.URL, strings.TrimSuffix(s.h.Cloud.URL, "/"), front, 1)
		}
	}
	if _, err := s.h.Store.UpdateIssuer(context.Background(), iss); err != nil {
		t.Fatal(err)
	}
}

// TestTokenReplacedInFlightIsRetriedOnce: every refresh ends the old access token at once, so a request that left
// with it just before another request (or replica) refreshed, or whose token expired on the way, is refused with
// 401. ocrepo then retries once with the current token instead of telling the student their login expired. A
// 401 for the current, unexpired token (revoked, or a stripped header) is not retried.
func TestTokenReplacedInFlightIsRetriedOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		change func(t *testing.T, s *site)
	}{
		{"rotated by another replica", func(t *testing.T, s *site) {
			ctx := context.Background()
			key := store.TokenKey{IssuerID: s.iss.ID, UserID: student}
			tok, err := s.h.Store.GetToken(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
			req, err := http.NewRequest(http.MethodPost, s.h.Cloud.URL+"index.php/apps/oauth2/api/v1/token", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(repositorytest.ClientID, repositorytest.ClientSecret)
			status, body, _ := send(t, s.h.Cloud.Client(), req)
			var pair struct {
				Access  string `json:"access_token"`
				Refresh string `json:"refresh_token"`
			}
			if status != http.StatusOK || json.Unmarshal([]byte(body), &pair) != nil {
				t.Fatalf("the other replica's refresh: %d %s", status, body)
			}
			next := tok
			next.AccessToken, next.RefreshToken, next.Refreshed = pair.Access, pair.Refresh, s.h.Clock.Now().UTC()
			next.Expiry = next.Refreshed.Add(time.Hour)
			if _, err := s.h.Store.SwapToken(ctx, next, tok.Version); err != nil {
				t.Fatal(err)
			}
		}},
		{"expired on its way", func(t *testing.T, s *site) { s.h.Clock.Advance(2 * time.Hour) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, siteOptions{})
			front := newHoldingFront(t, s.h.Cloud.URL)
			frontWebDAV(t, s, front.url)
			// A wrong change must fail this test in seconds: every wait below ends with this deadline.
			ctx := repositorytest.Deadline(t, 30*time.Second)
			r := s.token(s.pickRequest(student))
			type answer struct {
				status int
				body   string
			}
			done := make(chan answer, 1)
			c := s.client(student)
			go func() {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.h.URL+path("picker", "list")+"?"+s.pickerForm(r, "reload", "1").Encode(), nil)
				req.Header.Set("HX-Request", "true")
				resp, err := c.Do(req)
				if err != nil {
					done <- answer{0, err.Error()}
					return
				}
				defer resp.Body.Close()
				var b strings.Builder
				buf := make([]byte, 4096)
				for {
					n, err := resp.Body.Read(buf)
					b.Write(buf[:n])
					if err != nil {
						break
					}
				}
				done <- answer{resp.StatusCode, b.String()}
			}()
			select {
			case <-front.arrived:
			case a := <-done:
				t.Fatalf("the listing answered before its PROPFIND reached the cloud: %d %q", a.status, alert(t, a.body))
			case <-ctx.Done():
				t.Fatalf("no PROPFIND reached the cloud: %v", context.Cause(ctx))
			}
			tt.change(t, s)
			front.let()
			a := repositorytest.Await(t, ctx, done, "the listing")
			if a.status != http.StatusOK || !strings.Contains(a.body, "report.pdf") {
				t.Fatalf("listing: %d %q, want the files", a.status, alert(t, a.body))
			}
			if n := front.propfs.Load(); n != 2 {
				t.Errorf("%d PROPFIND requests, want the refused one and one retry", n)
			}
		})
	}

	t.Run("refused for another reason", func(t *testing.T) {
		t.Parallel()
		s := newSite(t, siteOptions{})
		s.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{StripAuth: true})
		before := s.h.Cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND")
		r := s.token(s.pickRequest(student))
		status, _, _ := s.client(student).Get(t, path("picker", "list")+"?"+s.pickerForm(r, "reload", "1").Encode(), "HX-Request", "true")
		if status != http.StatusUnauthorized {
			t.Errorf("listing with a stripped header: %d, want 401", status)
		}
		if n := s.h.Cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND") - before; n != 1 {
			t.Errorf("%d PROPFIND requests, want 1 (no retry for the current token)", n)
		}
	})
}
