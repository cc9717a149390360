package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
)

// Call timeouts: a short one where the timeout itself is the failure under test, and one long enough elsewhere
// that a TLS handshake or a refused connection on a loaded machine (race detector) is never mistaken for one.
const (
	shortTimeout = 300 * time.Millisecond
	callTimeout  = 30 * time.Second
)

// conn is a cloud connection as alice to a test cloud, with the given call timeout.
func conn(t *testing.T, s *cloudtest.Server, baseURL string, hc *http.Client, timeout time.Duration) *cloud.Conn {
	t.Helper()
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cloud.New(cloud.Config{BaseURL: baseURL, ClientID: "ocrepo", ClientSecret: "secret", BasicAuth: true,
		Endpoints: eps, HTTPClient: hc, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	token := "none"
	if s != nil {
		token, _, _ = s.IssueToken("alice")
	}
	return c.As("alice", cloud.TokenSourceFunc(func(context.Context) (string, error) { return token, nil }))
}

// transportFailures makes each way a cloud can fail to answer happen for real on loopback, and returns the
// errors the cloud client reports.
func transportFailures(t *testing.T) map[string]error {
	t.Helper()
	ctx := context.Background()
	out := map[string]error{}
	newCloud := func() *cloudtest.Server {
		s := cloudtest.NewServer(t, cloudtest.Options{})
		s.AddUser("alice", "alice", "", "Alice")
		for i := range 50 {
			s.WriteFile("alice", fmt.Sprintf("/file %02d.txt", i), []byte("x"))
		}
		return s
	}

	// Nothing listens: the server stopped.
	down := newCloud()
	cn := conn(t, down, down.URL, down.Client(), callTimeout)
	down.Stop()
	_, _, out["connection refused"] = cn.ReadDir(ctx, "/")

	// The listing breaks off mid-body.
	cut := newCloud()
	cut.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Times: 1, Truncate: 600, Method: "PROPFIND"})
	_, _, out["listing cut off mid-body"] = conn(t, cut, cut.URL, cut.Client(), callTimeout).ReadDir(ctx, "/")

	// No answer in time.
	slow := newCloud()
	slow.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Times: 1, Latency: time.Minute})
	_, _, out["timeout"] = conn(t, slow, slow.URL, slow.Client(), shortTimeout).ReadDir(ctx, "/")

	// The connection is reset as soon as it is made.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*net.TCPConn).SetLinger(0)
			buf := make([]byte, 1)
			_, _ = c.Read(buf)
			_ = c.Close()
		}
	}()
	_, _, out["connection reset"] = conn(t, nil, "http://"+ln.Addr().String()+"/", nil, callTimeout).ReadDir(ctx, "/")

	// TLS with a certificate this client does not trust.
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	_, _, out["untrusted TLS certificate"] = conn(t, nil, tlsSrv.URL+"/", nil, callTimeout).ReadDir(ctx, "/")

	// A host name that does not resolve: the dialer fails as it does when the lookup finds nothing (looking a
	// name up for real would leave loopback).
	noDNS := &http.Client{Transport: &http.Transport{DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "cloud.invalid", IsNotFound: true}}
	}}}
	_, _, out["DNS"] = conn(t, nil, "http://cloud.invalid/", noDNS, callTimeout).ReadDir(ctx, "/")
	return out
}

// TestProblemForTransportFailures: every way the cloud can fail to answer is an outage for a person (502, 503
// or 504 with "try again"), never a 500 or "something went wrong".
func TestProblemForTransportFailures(t *testing.T) {
	t.Parallel()
	want := map[string]int{
		"connection refused": http.StatusServiceUnavailable, "listing cut off mid-body": http.StatusServiceUnavailable,
		"timeout": http.StatusGatewayTimeout, "connection reset": http.StatusServiceUnavailable,
		"untrusted TLS certificate": http.StatusBadGateway, "DNS": http.StatusBadGateway,
	}
	for name, err := range transportFailures(t) {
		t.Run(name, func(t *testing.T) {
			if err == nil {
				t.Fatal("the failure did not happen")
			}
			p := web.ProblemFor(err, "Campus cloud", english(t))
			if p.Status != want[name] || !p.Known {
				t.Errorf("%v: status %d (known %v), want %d", err, p.Status, p.Known, want[name])
			}
			if !strings.Contains(strings.ToLower(p.User.Detail), "try again") || strings.Contains(p.User.Title, "Something went wrong") {
				t.Errorf("%v: words %q / %q", err, p.User.Title, p.User.Detail)
			}
			if p.Admin == "" {
				t.Errorf("%v: nothing for the admin", err)
			}
		})
	}
}

// sentinel is an error of the store, the cloud client or the service with the status and code the mapper gives
// it.
type sentinel struct {
	err    error
	status int
	code   string
}

// sentinels are every sentinel the mapper knows, and the typed errors it looks into.
func sentinels() []sentinel {
	cloudStatus := func(code int) error { return &cloud.StatusError{Op: "propfind /", StatusCode: code} }
	return []sentinel{
		{store.ErrNotFound, 404, "not_found"},
		{store.ErrConflict, 409, "changed"},
		{store.ErrDuplicate, 409, "changed"},
		{store.ErrAlreadyUsed, 409, "changed"},
		{cloud.ErrNotFound, 404, "not_found"},
		{cloud.ErrUnauthorized, 401, "relogin"},
		{&cloud.StatusError{StatusCode: 401}, 401, "auth_header"},
		{&cloud.StatusError{StatusCode: 401, BearerRejected: true}, 401, "relogin"},
		{cloud.ErrForbidden, 403, "forbidden"},
		{cloud.ErrLocked, 423, "locked"},
		{cloud.ErrInsufficientStorage, 507, "storage"},
		{cloud.ErrThrottled, 429, "throttled"},
		{cloud.ErrLoginAgain, 401, "relogin"},
		{cloud.ErrInvalidResponse, 502, "invalid_response"},
		{cloud.ErrServer, 502, "server"},
		{cloud.ErrUnsupported, 501, "unsupported"},
		{cloud.ErrTimeout, 504, "timeout"},
		{cloud.ErrUnavailable, 503, "unavailable"},
		{cloud.ErrInvalidConfig, 503, "settings"},
		{cloud.ErrConflict, 502, "refused"},
		{cloud.ErrPreconditionFailed, 502, "refused"},
		{cloud.ErrAlreadyExists, 502, "refused"},
		{cloud.ErrAlreadyShared, 502, "refused"},
		{cloudStatus(405), 502, "refused"},
		{cloudStatus(409), 502, "refused"},
		{cloudStatus(500), 502, "server"},
		{cloudStatus(503), 503, "server"},
		{cloudStatus(429), 429, "throttled"},
		{service.ErrNotConnected, 401, "login"},
		{service.ErrLoginAgain, 401, "relogin"},
		{service.ErrClientRefused, 503, "client_refused"},
		{service.ErrNoSystemAccount, 503, "no_system_account"},
		{service.ErrNoAccess, 403, "no_access"},
		{service.ErrPickExpired, 400, "pick_expired"},
		{service.ErrPickInvalid, 400, "pick_invalid"},
		{service.ErrTooLarge, 413, "too_large"},
		{service.ErrNotAccepted, 415, "not_accepted"},
		{service.ErrTooManyFiles, 400, "too_many"},
		{service.ErrNoFiles, 400, "no_files"},
		{service.ErrReturnRefused, 403, "return_refused"},
		{service.ErrCancelled, 409, "cancelled"},
		{service.ErrShuttingDown, 503, "shutting_down"},
		{service.ErrLinkBusy, 503, "link_busy"},
		{service.ErrShareRevoked, 403, "share_revoked"},
		{service.ErrImportLimit, 429, "import_limit"},
		{service.ErrWrongFile, 502, "wrong_file"},
		{service.ErrSizeMismatch, 502, "broken_download"},
		{service.ErrBlockedAddress, 502, "blocked"},
		{service.ErrInvalidInput, 400, "invalid_input"},
		{service.ErrSystemInUse, 409, "system_in_use"},
		{context.DeadlineExceeded, 504, "timeout"},
		{context.Canceled, 503, "cancelled"},
		{&service.LoginError{Kind: service.LoginThrottled, Err: cloud.ErrThrottled}, 429, "login_throttled"},
		{&service.LoginError{Kind: service.LoginTokenFailed, Err: cloud.ErrUnavailable}, 502, "login_token_failed"},
		{&service.LoginError{Kind: service.LoginStateExpired}, 400, "login_state_expired"},
		{&service.LoginError{Kind: service.LoginStateMissing}, 400, "login_state_missing"},
		{&service.LoginError{Kind: service.LoginStateUnknown}, 400, "login_state_unknown"},
		{&service.LoginError{Kind: service.LoginStateReplayed}, 400, "login_state_replayed"},
		{&service.LoginError{Kind: service.LoginStateForeign}, 403, "login_state_foreign"},
		{&service.LoginError{Kind: service.LoginDenied}, 400, "login_denied"},
		{&service.LoginError{Kind: service.LoginRedirectURI}, 400, "login_redirect_uri"},
		{&service.LoginError{Kind: service.LoginCloudError}, 400, "login_cloud_error"},
		{&service.LoginError{Kind: service.LoginTokenRefused}, 400, "login_token_refused"},
		{&service.LoginError{Kind: service.LoginClientRefused}, 503, "login_client_refused"},
		{&service.LoginError{Kind: service.LoginUserinfo}, 502, "login_userinfo"},
		{&service.LoginError{Kind: service.LoginNoUser}, 400, "login_no_user"},
		{&service.LoginError{Kind: service.LoginSystemInUse}, 409, "login_system_in_use"},
		{&service.StepError{Step: service.StepCopy, Err: cloud.ErrInsufficientStorage}, 507, "step_copy"},
		{&service.StepError{Step: service.StepShare, Err: cloud.ErrForbidden}, 403, "step_share"},
		{&service.StepError{Step: service.StepFolders, Err: cloud.ErrLocked}, 423, "step_folders"},
		{&service.StepError{Step: service.StepRecord, Err: store.ErrConflict}, 409, "step_record"},
		{&cloud.StatusError{StatusCode: 429, RetryAfter: 90 * time.Second}, 429, "throttled"},
		{&service.Refusal{Err: service.ErrTooLarge, Reason: service.Msg("problem.refusal.too_large", "Size", service.Bytes(5<<20), "Limit", service.Bytes(1<<20))}, 413, "too_large"},
		{&service.Refusal{Err: service.ErrImportLimit, Reason: service.Msg("problem.import_limit.running", "Count", 3)}, 429, "import_limit"},
		{&service.Refusal{Err: service.ErrImportLimit, Reason: service.Msg("problem.import_limit.bytes_ttl", "Held", service.Bytes(3<<20), "Limit", service.Bytes(3<<20), "Lifetime", service.Wait(24*time.Hour))}, 429, "import_limit"},
		{&service.Refusal{Err: service.ErrNotAccepted, Reason: service.Msg("problem.refusal.folder", "Name", "Docs")}, 415, "not_accepted"},
		{&service.LoginError{Kind: service.LoginSystemInUse, Err: &service.SystemSwapError{Links: 3, Current: "sys", New: "Docs"}}, 409, "login_system_in_use"},
	}
}

// TestProblemForEverySentinel walks every sentinel of the store, the cloud client and the service through the
// mapper: each gets a status, a code and words of its own; nothing the cloud did is a 500.
func TestProblemForEverySentinel(t *testing.T) {
	t.Parallel()
	for _, tc := range sentinels() {
		wrapped := fmt.Errorf("service: something: %w", tc.err)
		p := web.ProblemFor(wrapped, "Campus cloud", english(t))
		if p.Status != tc.status || p.Code != tc.code {
			t.Errorf("%v: status %d code %q, want %d %q", tc.err, p.Status, p.Code, tc.status, tc.code)
		}
		if !p.Known || p.User.Title == "" || p.User.Detail == "" || strings.Contains(p.User.Title, "Something went wrong") {
			t.Errorf("%v: known %v, words %q / %q", tc.err, p.Known, p.User.Title, p.User.Detail)
		}
	}
	// An error nobody knows is ours: a 500 with the generic words, logged as an error.
	if p := web.ProblemFor(errors.New("gorm: database is locked"), "", english(t)); p.Status != 500 || p.Known {
		t.Errorf("unknown error: %+v", p)
	}
}
