package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
)

// checkByID returns the check with an ID.
func checkByID(t *testing.T, d Diagnosis, id string) Check {
	t.Helper()
	for _, c := range d.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s in %+v", id, d.Checks)
	return Check{}
}

func runCheck(t *testing.T, f *adminFixture, id int64) Diagnosis {
	t.Helper()
	d, err := f.svc.CheckIssuer(context.Background(), adminActor(), id)
	if err != nil {
		t.Fatalf("CheckIssuer: %v", err)
	}
	return d
}

// expect asserts the state and diagnosis of checks, and that failures come with a cause and a fix.
func expect(t *testing.T, d Diagnosis, want map[string]string) {
	t.Helper()
	for id, code := range want {
		c := checkByID(t, d, id)
		if c.Code != code {
			t.Errorf("check %s: code %s (%s: %s), want %s", id, c.Code, c.State, c.Summary, code)
		}
		if c.State == CheckFailed && (c.Cause.IsZero() || len(c.Fix) == 0) {
			t.Errorf("check %s failed without cause or fix: %+v", id, c)
		}
	}
}

// allChecks are the IDs of every check of a diagnosis.
func allChecks() []string {
	return []string{CheckStatus, cloud.EndpointAuthorization, cloud.EndpointToken, cloud.EndpointUserinfo, cloud.EndpointWebDAV, cloud.EndpointOCS}
}

func TestCheckIssuerHealthyWithoutSystemAccount(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	iss := f.createIssuer(t, f.issuerInput(t, "Campus cloud"))
	d := runCheck(t, f, iss.ID)
	for _, id := range allChecks() {
		if c := checkByID(t, d, id); c.State != CheckPassed {
			t.Errorf("check %s: %s %s: %s", id, c.State, c.Code, c.Summary)
		}
	}
	if !d.Passed() || d.Product != "Nextcloud" || d.Version != "34.0.1" || d.SystemUser != "" {
		t.Errorf("diagnosis: passed %t, product %q %q, system %q", d.Passed(), d.Product, d.Version, d.SystemUser)
	}
	if got := f.cloud.Count(cloudtest.EPToken); got != 1 {
		t.Errorf("%d token requests, want exactly 1", got)
	}
	stored, err := f.st.GetIssuer(context.Background(), iss.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Product != "Nextcloud" || stored.Version != "34.0.1" || stored.ClientSecret != fixtureClientSecret {
		t.Errorf("stored product %q %q (secret kept %t)", stored.Product, stored.Version, stored.ClientSecret == fixtureClientSecret)
	}
	if e := f.auditActions(t)[0]; e.Action != "issuer.check" || !recorded(e.Detail, "audit.check", "Passed", int64(6)) {
		t.Errorf("audit %+v", e)
	}
}

func TestCheckIssuerHealthyWithSystemAccount(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	iss := f.createIssuer(t, f.issuerInput(t, "Campus cloud"))
	f.connectSystem(t, iss.ID)
	before, _ := f.st.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, System: true})
	d := runCheck(t, f, iss.ID)
	for _, id := range allChecks() {
		if c := checkByID(t, d, id); c.State != CheckPassed {
			t.Errorf("check %s: %s %s: %s", id, c.State, c.Code, c.Summary)
		}
	}
	if d.SystemUser != fixtureSystemUser {
		t.Errorf("signed-in checks ran as %q", d.SystemUser)
	}
	if c := checkByID(t, d, cloud.EndpointUserinfo); len(c.Summary) != 1 || c.Summary[0].Arg("Username") != "lms-system" {
		t.Errorf("userinfo summary %+v does not show the mapped username", c.Summary)
	}
	after, err := f.st.GetToken(context.Background(), store.TokenKey{IssuerID: iss.ID, System: true})
	if err != nil {
		t.Fatal(err)
	}
	if after.RefreshToken == before.RefreshToken || after.AccessToken == "" {
		t.Errorf("the check did not refresh (and store) the system token")
	}
	for rt, n := range f.cloud.RefreshRedemptions() {
		if n > 1 {
			t.Errorf("refresh token %.6s… redeemed %d times", rt, n)
		}
	}
	if got := f.cloud.Count(cloudtest.EPToken); got != 1 {
		t.Errorf("%d token requests, want exactly 1", got)
	}
}

func TestCheckIssuerDiagnoses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   fixtureOptions
		system bool
		setup  func(f *adminFixture, in *IssuerInput)
		want   map[string]string
	}{
		{
			name:   "authorization header stripped",
			system: true,
			setup: func(f *adminFixture, _ *IssuerInput) {
				for _, ep := range []string{cloudtest.EPWebDAV, cloudtest.EPOCS, cloudtest.EPUserinfo} {
					f.cloud.Fail(ep, cloudtest.Fault{StripAuth: true})
				}
			},
			want: map[string]string{cloud.EndpointToken: "ok", cloud.EndpointUserinfo: "auth_stripped",
				cloud.EndpointWebDAV: "auth_stripped", cloud.EndpointOCS: "auth_stripped"},
		},
		{
			name:   "wrong client secret",
			system: true,
			setup:  func(_ *adminFixture, in *IssuerInput) { in.ClientSecret = "not-the-secret" },
			want:   map[string]string{CheckStatus: "ok", cloud.EndpointToken: "client_auth"},
		},
		{
			name: "token endpoint without index.php",
			setup: func(f *adminFixture, in *IssuerInput) {
				in.Preset = PresetCustom
				in.Endpoints[1].URL = f.cloud.URL + "apps/oauth2/api/v1/token"
			},
			want: map[string]string{cloud.EndpointToken: "missing_index_php", CheckStatus: "ok"},
		},
		{
			name: "authorization endpoint without index.php",
			setup: func(f *adminFixture, in *IssuerInput) {
				in.Preset = PresetCustom
				in.Endpoints[0].URL = f.cloud.URL + "apps/oauth2/authorize"
			},
			want: map[string]string{cloud.EndpointAuthorization: "missing_index_php"},
		},
		{
			name:  "throttled token endpoint",
			setup: func(f *adminFixture, _ *IssuerInput) { f.cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Status: 429}) },
			want:  map[string]string{cloud.EndpointToken: "throttled", CheckStatus: "ok"},
		},
		{
			name:   "throttled refresh of the system account",
			system: true,
			setup:  func(f *adminFixture, _ *IssuerInput) { f.cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Status: 429}) },
			want:   map[string]string{cloud.EndpointToken: "throttled"},
		},
		{
			name: "wrong base path",
			setup: func(f *adminFixture, in *IssuerInput) {
				in.BaseURL = f.cloud.URL + "nextcloud/"
			},
			want: map[string]string{CheckStatus: "wrong_base_path"},
		},
		{
			name:  "unknown client id",
			setup: func(_ *adminFixture, in *IssuerInput) { in.ClientID = "somebody-else" },
			want:  map[string]string{cloud.EndpointAuthorization: "client_unknown"},
		},
		{
			name:  "private address refused",
			opts:  fixtureOptions{guarded: true},
			setup: func(*adminFixture, *IssuerInput) {},
			want: map[string]string{CheckStatus: "blocked", cloud.EndpointAuthorization: "blocked", cloud.EndpointToken: "blocked",
				cloud.EndpointUserinfo: "blocked", cloud.EndpointWebDAV: "blocked", cloud.EndpointOCS: "blocked"},
		},
		{
			name: "slow server times out",
			opts: fixtureOptions{timeout: 300 * time.Millisecond},
			setup: func(f *adminFixture, _ *IssuerInput) {
				f.cloud.Fail(cloudtest.EPStatus, cloudtest.Fault{Latency: time.Minute})
			},
			want: map[string]string{CheckStatus: "timeout", cloud.EndpointToken: "ok"},
		},
		{
			name: "endpoints missing",
			setup: func(_ *adminFixture, in *IssuerInput) {
				in.Preset = PresetCustom
				in.Endpoints = in.Endpoints[:2]
			},
			want: map[string]string{cloud.EndpointUserinfo: "missing", cloud.EndpointWebDAV: "missing", cloud.EndpointOCS: "missing",
				cloud.EndpointToken: "ok"},
		},
		{
			name:  "server error",
			setup: func(f *adminFixture, _ *IssuerInput) { f.cloud.Fail(cloudtest.EPStatus, cloudtest.Fault{Status: 500}) },
			want:  map[string]string{CheckStatus: "server_error"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newAdminFixture(t, tc.opts)
			in := f.issuerInput(t, "Campus cloud")
			good := f.createIssuer(t, in)
			if tc.system {
				f.connectSystem(t, good.ID)
			}
			tc.setup(f, &in)
			in.ClientSecret = strings.TrimPrefix(in.ClientSecret, fixtureClientSecret) // blank keeps the stored secret
			if IssuerServerChange(good, in).Changed() {
				// A new address is a new server: the secret is typed again and the move confirmed.
				in.ClientSecret, in.ConfirmNewServer = fixtureClientSecret, true
			}
			if _, err := f.svc.UpdateIssuer(context.Background(), adminActor(), good.ID, in); err != nil {
				t.Fatalf("update issuer: %v", err)
			}
			f.cloud.ResetCounts()
			d := runCheck(t, f, good.ID)
			expect(t, d, tc.want)
			if d.Passed() {
				t.Errorf("diagnosis passed: %+v", d.Checks)
			}
			if got := f.cloud.Count(cloudtest.EPToken); got > 1 {
				t.Errorf("%d token requests, want at most 1", got)
			}
		})
	}
}

// TestCheckIssuerRefusedClientKeepsSystemLogin: a wrong client secret is reported as a refused client, never as
// an unreachable server, also while refreshes pause; the advice does not say the stored login ended (on Nextcloud
// invalid_client does not use up the refresh token); the header still knows the system account is connected; and
// once the corrected secret is saved, the next check passes signed in.
func TestCheckIssuerRefusedClientKeepsSystemLogin(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	in := f.issuerInput(t, "Campus cloud")
	iss := f.createIssuer(t, in)
	f.connectSystem(t, iss.ID)
	f.cloud.SetClientSecret("regenerated-at-the-cloud")

	for run := range 2 { // the second run falls into the pause the first one started
		d := runCheck(t, f, iss.ID)
		tok := checkByID(t, d, cloud.EndpointToken)
		if tok.Code != "client_auth" || tok.State != CheckFailed {
			t.Errorf("run %d: token check %+v", run, tok)
		}
		// The advice keeps the stored logins, never the words that send the admin to connect again.
		if !slices.ContainsFunc(tok.Fix, func(w Message) bool { return strings.HasPrefix(w.ID, "check.fix.logins_kept") }) ||
			slices.ContainsFunc(tok.Fix, func(w Message) bool { return w.ID == "check.fix.system_relogin" || w.ID == "check.fix.token_refused" }) {
			t.Errorf("run %d: advice says the login ended: %+v", run, tok.Fix)
		}
		if d.SystemAccount != fixtureSystemUser || d.SystemUser != "" {
			t.Errorf("run %d: system account %q, signed in as %q", run, d.SystemAccount, d.SystemUser)
		}
		for _, c := range d.Checks {
			if c.Code == "unreachable" || strings.Contains(fmt.Sprint(c.Summary, c.Cause, c.Fix), "regenerated-at-the-cloud") {
				t.Errorf("run %d: check %s: %s %s", run, c.ID, c.Code, c.Summary)
			}
		}
	}
	if got := f.cloud.Count(cloudtest.EPToken); got != 1 {
		t.Errorf("%d token requests, want 1 (the second check falls into the pause)", got)
	}

	in.ClientSecret = "regenerated-at-the-cloud"
	if _, err := f.svc.UpdateIssuer(context.Background(), adminActor(), iss.ID, in); err != nil {
		t.Fatal(err)
	}
	d := runCheck(t, f, iss.ID)
	if !d.Passed() || d.SystemUser != fixtureSystemUser {
		t.Errorf("after saving the secret: passed %v, signed in as %q: %+v", d.Passed(), d.SystemUser, d.Checks)
	}
}

func TestCheckIssuerUnknown(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	if _, err := f.svc.CheckIssuer(context.Background(), adminActor(), 4242); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("check of a missing issuer: %v, want ErrNotFound", err)
	}
}

func TestAdviceCoversEveryFailure(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"missing", "blocked", "tls", "timeout", "dns", "unreachable", "redirect_host", "redirect_https",
		"redirect", "missing_index_php", "wrong_path", "wrong_base_path", "throttled", "slow", "client_auth", "client_unknown",
		"redirect_uri", "auth_stripped", "token_refused", "system_relogin", "mapping", "forbidden", "server_error", "maintenance",
		"not_installed", "product_mismatch", "unexpected", "cancelled"} {
		if cause, fix := advice(code); cause.IsZero() || len(fix) == 0 {
			t.Errorf("advice(%q) lacks cause or fix", code)
		}
	}
	// The words themselves are the catalogs' (internal/i18n's TestCommandsAndSettingsKeptInEveryLanguage holds
	// the Apache settings and occ commands to them, in every language).
}

// TestCheckAuthorizeRecognisesEveryLoginShape runs the authorization check against each flavour of the test
// cloud: Nextcloud 34's 303 to its login flow, the legacy Nextcloud flavour and ownCloud 10's login page all
// pass; the same server reached without index.php still fails.
func TestCheckAuthorizeRecognisesEveryLoginShape(t *testing.T) {
	t.Parallel()
	for _, fl := range []cloud.FlavorID{cloud.Nextcloud, cloud.NextcloudLegacy, cloud.OwnCloud} {
		t.Run(string(fl), func(t *testing.T) {
			t.Parallel()
			f := newAdminFixture(t, fixtureOptions{cloud: cloudtest.Options{Flavor: fl}})
			iss := f.createIssuer(t, f.issuerInput(t, "Campus cloud"))
			expect(t, runCheck(t, f, iss.ID), map[string]string{cloud.EndpointAuthorization: "ok"})

			in := f.issuerInput(t, "Campus cloud")
			in.Preset = PresetCustom
			in.Endpoints[0].URL = f.cloud.URL + "apps/oauth2/authorize"
			in.ClientSecret = ""
			if _, err := f.svc.UpdateIssuer(context.Background(), adminActor(), iss.ID, in); err != nil {
				t.Fatal(err)
			}
			expect(t, runCheck(t, f, iss.ID), map[string]string{cloud.EndpointAuthorization: "missing_index_php"})
		})
	}
}

// TestAuthorizeRedirectShapes walks the redirects an authorization endpoint may answer a browser without a
// session with, including ones the test cloud does not make (an older Nextcloud's login page that comes back).
func TestAuthorizeRedirectShapes(t *testing.T) {
	t.Parallel()
	const probed = "https://cloud.example.org/nc/index.php/apps/oauth2/authorize"
	for _, tc := range []struct{ name, location, want string }{
		{"Nextcloud 34 login flow", "/nc/index.php/login/flow?clientIdentifier=abc&providedRedirectUri=", "ok"},
		{"login flow with pretty URLs", "https://cloud.example.org/nc/login/flow?clientIdentifier=abc", "ok"},
		{"older login page that comes back", "/nc/index.php/login?redirect_url=/nc/index.php/apps/oauth2/authorize", "ok"},
		{"login page that does not come back", "/nc/index.php/login", "missing_index_php"},
		{"login flow without a client", "/nc/index.php/login/flow", "redirect"},
		{"login flow on another host", "https://sso.example.org/login/flow?clientIdentifier=abc", "redirect_host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &checkRun{}
			c := newCheck(cloud.EndpointAuthorization, Msg("check.title.authorization"), probed)
			from, _ := url.Parse(probed)
			to, err := url.Parse(tc.location)
			if err != nil {
				t.Fatal(err)
			}
			// The prober hands over the target resolved against the probed URL (cloud.TestProbeObservations).
			r.redirected(&c, cloud.Observation{URL: probed, Status: http.StatusSeeOther, Location: from.ResolveReference(to)}, true)
			if c.Code != tc.want {
				t.Errorf("%s: code %s (%s), want %s", tc.location, c.Code, c.Summary, tc.want)
			}
		})
	}
}
