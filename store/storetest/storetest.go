package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

// Run runs the conformance suite. Every test runs in parallel with the others and calls newStore for a store of
// its own, which must be empty and migrated; newStore registers any cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Store)
	}{
		{"IssuerRoundTrip", testIssuerRoundTrip},
		{"IssuerUpdateReplacesEverything", testIssuerUpdate},
		{"IssuerSetProductTouchesNothingElse", testIssuerSetProduct},
		{"IssuerNotFound", testIssuerNotFound},
		{"IssuerDuplicateEndpointOrMapping", testIssuerDuplicates},
		{"IssuerList", testIssuerList},
		{"DeleteIssuerCascades", testDeleteIssuerCascades},
		{"ReplaceIssuerServerDropsLogins", testReplaceIssuerServer},

		{"TokenRoundTrip", testTokenRoundTrip},
		{"TokenKeysAreDistinct", testTokenKeys},
		{"TokenPutReplacesAndClearsLease", testTokenPut},
		{"TokenSwap", testTokenSwap},
		{"TokenSwapTwoWriters", testTokenSwapTwoWriters},
		{"TokenSwapConcurrent", testTokenSwapConcurrent},
		{"TokenNotFound", testTokenNotFound},
		{"TokenEmptySecrets", testTokenEmptySecrets},
		{"SystemTokens", testSystemTokens},
		{"CountUserTokens", testCountUserTokens},

		{"LoginStateSingleUse", testLoginStateSingleUse},
		{"LoginStateNotFoundAndDuplicate", testLoginStateErrors},
		{"LoginStateTakeConcurrent", testLoginStateConcurrent},
		{"LoginStateDeleteBefore", testLoginStateDeleteBefore},
		{"LoginStatePendingAndTrim", testLoginStatePending},

		{"InstanceRoundTrip", testInstanceRoundTrip},
		{"InstanceNotFound", testInstanceNotFound},
		{"InstanceDelete", testInstanceDelete},
		{"CourseSettings", testCourseSettings},

		{"ImportJobProgressAndCancel", testImportJobProgress},
		{"ImportJobFinish", testImportJobFinish},
		{"ImportJobErrors", testImportJobErrors},
		{"ImportJobDeleteBefore", testImportJobDeleteBefore},

		{"PickResultRoundTrip", testPickResult},
		{"PickResultDeleteBefore", testPickResultDeleteBefore},
		{"ImportQuotas", testImportQuotas},
		{"CountRunningImports", testCountRunningImports},
		{"ImportUsage", testImportUsage},
		{"ImportJobComplete", testImportJobComplete},

		{"ControlledLinkRoundTrip", testControlledLinkRoundTrip},
		{"ControlledLinkListAndCount", testControlledLinkList},
		{"ControlledLinkErrors", testControlledLinkErrors},
		{"ControlledShares", testControlledShares},
		{"ControlledShareErrors", testControlledShareErrors},
		{"ControlledLinkLock", testControlledLinkLock},
		{"ControlledLinkLockConcurrent", testControlledLinkLockConcurrent},
		{"DeleteControlledLinkRemovesShares", testDeleteControlledLink},

		{"ClientPause", testClientPause},
		{"Revocations", testRevocations},

		{"AuditNewestFirst", testAuditOrder},
		{"AuditPaging", testAuditPaging},
		{"AuditLatestPerTarget", testAuditLatest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newStore(t))
		})
	}
}

// zone is a time zone far from UTC, to check that times come back in UTC whatever zone they went in with.
func zone() *time.Location { return time.FixedZone("UTC+05:30", 5*3600+30*60) }

// at returns a fixed instant with nanoseconds (which a store may cut to microseconds) in zone().
func at(day int) time.Time { return time.Date(2031, time.March, day, 14, 15, 16, 123456789, zone()) }

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := diff(got, want); d != "" {
		t.Fatalf("%s differs:\n%s", what, d)
	}
}

// stamped checks that a time the store set itself is present and in UTC.
func stamped(t *testing.T, what string, v time.Time) {
	t.Helper()
	if v.IsZero() {
		t.Fatalf("%s is zero", what)
	}
	if v.Location() != time.UTC {
		t.Fatalf("%s is in %s, want UTC", what, v.Location())
	}
}

// newIssuer creates an issuer named name with two endpoints, a mapping and a secret.
func newIssuer(t *testing.T, s store.Store, name string) store.Issuer {
	t.Helper()
	iss, err := s.CreateIssuer(t.Context(), store.Issuer{
		Name:         name,
		BaseURL:      "https://cloud.example.org/" + name + "/",
		ClientID:     "client-" + name,
		ClientSecret: "secret-" + name,
		BasicAuth:    true,
		Preset:       "nextcloud",
		Endpoints: []store.Endpoint{
			{Name: "token_endpoint", URL: "https://cloud.example.org/" + name + "/index.php/apps/oauth2/api/v1/token"},
			{Name: "webdav_endpoint", URL: "https://cloud.example.org/" + name + "/remote.php/dav/"},
		},
		Mappings: []store.FieldMapping{{External: "ocs-data-email", Internal: "email"}},
	})
	noErr(t, "CreateIssuer", err)
	return iss
}

func newInstance(t *testing.T, s store.Store, issuerID int64, name string) store.Instance {
	t.Helper()
	in, err := s.CreateInstance(t.Context(), store.Instance{
		Name: name, IssuerID: issuerID, ControlledLinkFolder: "LMS links", Supported: 3, DefaultReturn: 1, Enabled: true,
	})
	noErr(t, "CreateInstance", err)
	return in
}

func userKey(issuerID int64, user string) store.TokenKey {
	return store.TokenKey{IssuerID: issuerID, UserID: user}
}

func systemKey(issuerID int64) store.TokenKey {
	return store.TokenKey{IssuerID: issuerID, System: true}
}

func newToken(key store.TokenKey, n int) store.Token {
	return store.Token{
		Key:          key,
		CloudUser:    "cloud-" + key.UserID,
		AccessToken:  fmt.Sprintf("access-%d-%d-%s", n, key.IssuerID, key.UserID),
		RefreshToken: fmt.Sprintf("refresh-%d-%d-%s", n, key.IssuerID, key.UserID),
		Expiry:       at(1).Add(time.Duration(n) * time.Hour),
	}
}

// race runs n copies of fn at once (released together) and waits for them.
func race(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}
