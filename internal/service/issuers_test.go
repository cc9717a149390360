package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
	"github.com/ocrepo/ocrepo/store/seal"
)

// adminFixture is a service on a fresh SQLite store with a fake cloud, for the admin flows.
type adminFixture struct {
	svc   *Service
	st    store.Store
	cloud *cloudtest.Server
}

const (
	fixtureClientID     = "ocrepo-admin-test"
	fixtureClientSecret = "fixture-client-secret-value"
	fixtureSystemUser   = "lms-system"
)

// adminActor is who makes the changes in these tests.
func adminActor() host.User { return host.User{ID: "admin", Name: "Admin"} }

type fixtureOptions struct {
	cloud   cloudtest.Options
	timeout time.Duration
	guarded bool // refuse loopback, as production does
	courses host.CourseSettings
}

func newAdminFixture(t *testing.T, o fixtureOptions) *adminFixture {
	t.Helper()
	copts := o.cloud
	copts.ClientID, copts.ClientSecret = fixtureClientID, fixtureClientSecret
	cl := cloudtest.NewServer(t, copts)
	cl.AddUser(fixtureSystemUser, "pw", "", "LMS system")
	cl.AddUser("alice", "pw", "alice@example.org", "Alice")

	db, err := gormsqlite.Open(filepath.Join(t.TempDir(), "ocrepo.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	keys, err := seal.NewKeyring(seal.DeriveKey([]byte("0123456789abcdef0123456789abcdef"), "test"))
	if err != nil {
		t.Fatalf("keyring: %v", err)
	}
	st, err := gormstore.New(db, keys)
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	timeout := o.timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	svc, err := New(Config{
		Store:         st,
		SigningKey:    []byte("signing-key-signing-key-signing-key!"),
		CallbackURL:   "http://lms.example/cloud/callback",
		Files:         host.FileSinkFunc(func(context.Context, host.FileInfo, io.Reader) (string, error) { return "", nil }),
		Courses:       o.courses,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Timeout:       timeout,
		AllowLoopback: !o.guarded,
	})
	if err != nil {
		t.Fatalf("service: %v", err)
	}
	t.Cleanup(svc.Close)
	cl.SetRedirectURI("http://lms.example/cloud/callback")
	return &adminFixture{svc: svc, st: st, cloud: cl}
}

// issuerInput is a valid form for the fixture's cloud with the Nextcloud preset.
func (f *adminFixture) issuerInput(t *testing.T, name string) IssuerInput {
	t.Helper()
	eps, err := PresetEndpoints(PresetNextcloud, f.cloud.URL)
	if err != nil {
		t.Fatalf("preset: %v", err)
	}
	return IssuerInput{Name: name, BaseURL: f.cloud.URL, ClientID: fixtureClientID, ClientSecret: fixtureClientSecret,
		BasicAuth: true, Preset: PresetNextcloud, Endpoints: eps, Mappings: DefaultMappings()}
}

func (f *adminFixture) createIssuer(t *testing.T, in IssuerInput) store.Issuer {
	t.Helper()
	iss, err := f.svc.CreateIssuer(context.Background(), adminActor(), in)
	if err != nil {
		t.Fatalf("create issuer: %v", err)
	}
	return iss
}

// connectSystem stores a system account token issued by the fake cloud.
func (f *adminFixture) connectSystem(t *testing.T, issuerID int64) {
	t.Helper()
	access, refresh, life := f.cloud.IssueToken(fixtureSystemUser)
	now := time.Now().UTC()
	_, err := f.st.PutToken(context.Background(), store.Token{Key: store.TokenKey{IssuerID: issuerID, System: true},
		CloudUser: fixtureSystemUser, AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
	if err != nil {
		t.Fatalf("put token: %v", err)
	}
}

func (f *adminFixture) auditActions(t *testing.T) []store.AuditEntry {
	t.Helper()
	entries, err := f.st.ListAudit(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	return entries
}

// fieldErrors are the problems of a form, each as its message id with its parameters.
func fieldErrors(t *testing.T, err error) map[string]string {
	t.Helper()
	var fe *FormError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FormError", err)
	}
	if !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("FormError does not match ErrInvalidInput")
	}
	out := make(map[string]string, len(fe.Fields))
	for k, w := range fe.Fields {
		out[k] = fmt.Sprint(w.ID, w.Args)
	}
	return out
}

func TestNormalizeBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "https://cloud.example.org", want: "https://cloud.example.org/"},
		{in: "  https://cloud.example.org:8443/nc  ", want: "https://cloud.example.org:8443/nc/"},
		{in: "HTTPS://cloud.example.org/nc/", want: "https://cloud.example.org/nc/"},
		{in: "http://10.0.0.5/", want: "http://10.0.0.5/"},
		{in: "", bad: true},
		{in: "cloud.example.org", bad: true},
		{in: "ftp://cloud.example.org/", bad: true},
		{in: "https://user:pw@cloud.example.org/", bad: true},
		{in: "https://cloud.example.org/?x=1", bad: true},
		{in: "https://cloud.example.org/#top", bad: true},
		{in: "https:///nohost", bad: true},
		{in: "mailto:admin@example.org", bad: true},
	}
	for _, tc := range tests {
		got, msg := NormalizeBaseURL(tc.in)
		if tc.bad {
			if msg.IsZero() {
				t.Errorf("NormalizeBaseURL(%q) = %q, want a problem", tc.in, got)
			}
			continue
		}
		if !msg.IsZero() || got != tc.want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", tc.in, got, msg, tc.want)
		}
	}
}

func TestPresetEndpoints(t *testing.T) {
	t.Parallel()
	eps, err := PresetEndpoints(PresetNextcloud, "https://cloud.example.org:8443/nc")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		cloud.EndpointAuthorization: "https://cloud.example.org:8443/nc/index.php/apps/oauth2/authorize",
		cloud.EndpointToken:         "https://cloud.example.org:8443/nc/index.php/apps/oauth2/api/v1/token",
		cloud.EndpointUserinfo:      "https://cloud.example.org:8443/nc/ocs/v2.php/cloud/user?format=json",
		cloud.EndpointWebDAV:        "https://cloud.example.org:8443/nc/remote.php/dav/files/{userid}/",
		cloud.EndpointOCS:           "https://cloud.example.org:8443/nc/ocs/v1.php/apps/files_sharing/api/v1/shares",
	}
	if len(eps) != len(want) {
		t.Fatalf("got %d endpoints, want %d: %v", len(eps), len(want), eps)
	}
	for i, e := range eps {
		if e.Name != cloud.EndpointNames()[i] {
			t.Errorf("endpoint %d is %s, want %s (admin order)", i, e.Name, cloud.EndpointNames()[i])
		}
		if want[e.Name] != e.URL {
			t.Errorf("%s = %s, want %s", e.Name, e.URL, want[e.Name])
		}
	}
	oc, err := PresetEndpoints(PresetOwnCloud, "https://oc.example.org/")
	if err != nil {
		t.Fatal(err)
	}
	if got := (store.Issuer{Endpoints: oc}).EndpointURL(cloud.EndpointWebDAV); got != "https://oc.example.org/remote.php/webdav/" {
		t.Errorf("ownCloud WebDAV = %s", got)
	}
	if _, err := PresetEndpoints(PresetCustom, "https://cloud.example.org/"); fieldErrors(t, err)["preset"] == "" {
		t.Errorf("custom preset filled endpoints")
	}
	if _, err := PresetEndpoints(PresetNextcloud, "not a url"); fieldErrors(t, err)["base_url"] == "" {
		t.Errorf("bad base URL accepted")
	}
}

func TestCreateIssuerValidation(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	f.createIssuer(t, f.issuerInput(t, "Campus cloud"))

	tests := []struct {
		name   string
		change func(*IssuerInput)
		want   []string // error keys
	}{
		{"name required", func(in *IssuerInput) { in.Name = "  " }, []string{"name"}},
		{"name unique, any case", func(in *IssuerInput) { in.Name = "campus CLOUD" }, []string{"name"}},
		{"base URL absolute", func(in *IssuerInput) { in.BaseURL = "cloud.example.org" }, []string{"base_url"}},
		{"client id required", func(in *IssuerInput) { in.ClientID = "" }, []string{"client_id"}},
		{"preset known", func(in *IssuerInput) { in.Preset = "seafile" }, []string{"preset"}},
		{"endpoint name pattern", func(in *IssuerInput) { in.Endpoints[0].Name = "Token-Endpoint" }, []string{"endpoint_name.0"}},
		{"endpoint name unique", func(in *IssuerInput) { in.Endpoints[1].Name = in.Endpoints[0].Name }, []string{"endpoint_name.1"}},
		{"endpoint URL absolute", func(in *IssuerInput) { in.Endpoints[2].URL = "/ocs/v2.php/cloud/user" }, []string{"endpoint_url.2"}},
		{"endpoint URL http(s)", func(in *IssuerInput) { in.Endpoints[2].URL = "ftp://x/" }, []string{"endpoint_url.2"}},
		{"endpoint URL required", func(in *IssuerInput) { in.Endpoints[3].URL = "" }, []string{"endpoint_url.3"}},
		{"placeholder only in webdav", func(in *IssuerInput) { in.Endpoints[4].URL = "https://x/{userid}/" }, []string{"endpoint_url.4"}},
		{"mapping internal known", func(in *IssuerInput) { in.Mappings[0].Internal = "uid" }, []string{"mapping_internal.0"}},
		{"mapping external non-empty", func(in *IssuerInput) { in.Mappings[1].External = "" }, []string{"mapping_external.1"}},
		{"mapping external dash path", func(in *IssuerInput) { in.Mappings[1].External = "ocs data email" }, []string{"mapping_external.1"}},
		{"mapping internal once", func(in *IssuerInput) { in.Mappings[1].Internal = in.Mappings[0].Internal }, []string{"mapping_internal.1"}},
		{"several at once", func(in *IssuerInput) { in.Name, in.ClientID = "", "" }, []string{"name", "client_id"}},
		{"a username or email mapping", func(in *IssuerInput) { in.Mappings = nil }, []string{"mappings"}},
		{"not only the name mapped", func(in *IssuerInput) {
			in.Mappings = []store.FieldMapping{{External: "ocs-data-display-name", Internal: "name"}}
		}, []string{"mappings"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := f.issuerInput(t, "Other cloud")
			tc.change(&in)
			_, err := f.svc.CreateIssuer(context.Background(), adminActor(), in)
			got := fieldErrors(t, err)
			if len(got) != len(tc.want) {
				t.Fatalf("errors %v, want keys %v", got, tc.want)
			}
			for _, k := range tc.want {
				if got[k] == "" {
					t.Errorf("no error for %s; got %v", k, got)
				}
			}
		})
	}
	all, err := f.st.ListIssuers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Errorf("%d issuers stored after invalid forms, want 1", len(all))
	}
}

func TestCreateIssuerNormalisesAndFillsPreset(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	in := f.issuerInput(t, "  Campus cloud ")
	in.BaseURL = strings.TrimSuffix(f.cloud.URL, "/")
	in.Endpoints = []store.Endpoint{{}, {Name: "  ", URL: ""}} // blank rows are dropped
	iss := f.createIssuer(t, in)
	if iss.Name != "Campus cloud" || iss.BaseURL != f.cloud.URL {
		t.Errorf("stored %q at %q", iss.Name, iss.BaseURL)
	}
	if len(iss.Endpoints) != 5 || iss.EndpointURL(cloud.EndpointToken) != f.cloud.URL+"index.php/apps/oauth2/api/v1/token" {
		t.Errorf("preset endpoints not filled: %v", iss.Endpoints)
	}
	if iss.ClientSecret != fixtureClientSecret || !iss.BasicAuth || iss.AllowPrivateNetwork {
		t.Errorf("secret or flags not stored: basic %t private %t", iss.BasicAuth, iss.AllowPrivateNetwork)
	}
	entries := f.auditActions(t)
	if len(entries) != 1 || entries[0].Action != "issuer.create" || entries[0].Actor != "admin" {
		t.Fatalf("audit %+v", entries)
	}
	if strings.Contains(entries[0].Detail, fixtureClientSecret) {
		t.Errorf("audit detail holds the secret: %q", entries[0].Detail)
	}
}

func TestUpdateIssuerKeepsSecretUnlessGiven(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	iss := f.createIssuer(t, f.issuerInput(t, "Campus cloud"))
	ctx := context.Background()

	in := f.issuerInput(t, "Campus cloud renamed")
	in.ClientSecret = ""
	got, err := f.svc.UpdateIssuer(ctx, adminActor(), iss.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientSecret != fixtureClientSecret || got.Name != "Campus cloud renamed" {
		t.Errorf("after a blank secret: secret kept %t, name %q", got.ClientSecret == fixtureClientSecret, got.Name)
	}
	in.ClientSecret = "a-brand-new-secret"
	got, err = f.svc.UpdateIssuer(ctx, adminActor(), iss.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientSecret != "a-brand-new-secret" {
		t.Errorf("new secret not stored")
	}
	for _, e := range f.auditActions(t) {
		if strings.Contains(e.Detail, fixtureClientSecret) || strings.Contains(e.Detail, "a-brand-new-secret") {
			t.Errorf("audit %s holds a secret: %q", e.Action, e.Detail)
		}
	}
	if _, err := f.svc.UpdateIssuer(ctx, adminActor(), iss.ID+100, in); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing issuer: %v, want ErrNotFound", err)
	}
}

func TestDeleteIssuerImpactAndCascade(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t, fixtureOptions{})
	ctx := context.Background()
	iss := f.createIssuer(t, f.issuerInput(t, "Campus cloud"))
	other := f.createIssuer(t, f.issuerInput(t, "Other cloud"))
	for _, name := range []string{"Files", "Course files"} {
		if _, err := f.svc.CreateInstance(ctx, adminActor(), InstanceInput{Name: name, IssuerID: iss.ID, ControlledLinkFolder: "LMS files",
			Supported: host.ReturnImport, DefaultReturn: host.ReturnImport, Enabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.CreateInstance(ctx, adminActor(), InstanceInput{Name: "Elsewhere", IssuerID: other.ID, ControlledLinkFolder: "LMS files",
		Supported: host.ReturnImport, DefaultReturn: host.ReturnImport, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"student", "teacher"} {
		if _, err := f.st.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: u}, CloudUser: u, AccessToken: "a", RefreshToken: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	f.connectSystem(t, iss.ID)

	imp, err := f.svc.IssuerDeletionImpact(ctx, iss.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Instances) != 2 || imp.UserLogins != 2 || !imp.System.Connected {
		t.Fatalf("impact: %d instances, %d logins, system %+v", len(imp.Instances), imp.UserLogins, imp.System)
	}
	if err := f.svc.DeleteIssuer(ctx, adminActor(), iss.ID); err != nil {
		t.Fatal(err)
	}
	insts, _ := f.st.ListInstances(ctx)
	if len(insts) != 1 || insts[0].Name != "Elsewhere" {
		t.Errorf("instances left: %+v", insts)
	}
	if _, err := f.st.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, UserID: "student"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user token survived: %v", err)
	}
	entries := f.auditActions(t)
	if entries[0].Action != "issuer.delete" || !recorded(entries[0].Detail, "audit.instances_deleted", "Count", int64(2)) || !recorded(entries[0].Detail, "audit.logins_dropped", "Count", int64(2)) {
		t.Errorf("audit: %+v", entries[0])
	}
	if err := f.svc.DeleteIssuer(ctx, adminActor(), iss.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}

func TestDefaultMappings(t *testing.T) {
	t.Parallel()
	got := DefaultMappings()
	want := []store.FieldMapping{{External: "ocs-data-id", Internal: "username"}, {External: "ocs-data-email", Internal: "email"}}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("default mappings %v lack %v", got, w)
		}
	}
	if got[0].Internal != cloud.FieldUsername {
		t.Errorf("username mapping not first: %v", got)
	}
}

func FuzzNormalizeBaseURL(f *testing.F) {
	for _, s := range []string{"https://cloud.example.org", "http://h:8080/nc/", "https://[::1]/x", "ftp://x", "https://u@h/", "https://h/?q", " https://h/a b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, msg := NormalizeBaseURL(raw)
		if !msg.IsZero() {
			if got != "" {
				t.Fatalf("NormalizeBaseURL(%q) = %q with a problem %v", raw, got, msg)
			}
			return
		}
		if !strings.HasSuffix(got, "/") || !(strings.HasPrefix(got, "http://") || strings.HasPrefix(got, "https://")) {
			t.Fatalf("NormalizeBaseURL(%q) = %q: not an absolute http(s) URL with a trailing slash", raw, got)
		}
		again, msg := NormalizeBaseURL(got)
		if !msg.IsZero() || again != got {
			t.Fatalf("NormalizeBaseURL is not idempotent: %q -> %q -> %q (%v)", raw, got, again, msg)
		}
		if _, err := PresetEndpoints(PresetNextcloud, got); err != nil {
			t.Fatalf("a base URL we accept is refused by the preset: %q: %v", got, err)
		}
	})
}

func TestNamesAndPaths(t *testing.T) {
	t.Parallel()
	for name, ok := range map[string]bool{"webdav_endpoint": true, "ocs2": true, "": false, "Token": false, "a-b": false, "a b": false} {
		if validEndpointName(name) != ok {
			t.Errorf("validEndpointName(%q) = %t", name, !ok)
		}
	}
	for p, ok := range map[string]bool{"ocs-data-email": true, "ocs-data-display-name": true, "id": true, "ocs.data_x": true,
		"": false, "-ocs": false, "ocs-": false, "ocs--data": false, "ocs/data": false, "ocs data": false} {
		if validDashPath(p) != ok {
			t.Errorf("validDashPath(%q) = %t", p, !ok)
		}
	}
}
