package cloud_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
)

const redirectURI = "https://lms.example.org/cloud/callback"

// flavours are the servers the client must work with, under a root and a sub-path.
var flavours = []struct {
	name    string
	flavor  cloud.FlavorID
	product cloud.FlavorID
	base    string
}{
	{"nextcloud", cloud.Nextcloud, cloud.Nextcloud, "/"},
	{"nextcloud under /nc/", cloud.Nextcloud, cloud.Nextcloud, "/nc/"},
	{"nextcloud 22", cloud.NextcloudLegacy, cloud.Nextcloud, "/"},
	{"owncloud 10 under /oc/", cloud.OwnCloud, cloud.OwnCloud, "/oc/"},
}

// fakeCloud starts a fake server with users and returns a client for it.
func fakeCloud(t *testing.T, flavor cloud.FlavorID, product cloud.FlavorID, base string, mutate ...func(*cloudtest.Options, *cloud.Config)) (*cloudtest.Server, *cloud.Client) {
	t.Helper()
	opts := cloudtest.Options{Flavor: flavor, BasePath: base, RedirectURI: redirectURI, DisableBruteForce: true}
	cfg := cloud.Config{ClientID: "ocrepo", ClientSecret: "secret", BasicAuth: true, Timeout: 10 * time.Second}
	for _, m := range mutate {
		m(&opts, &cfg)
	}
	srv := cloudtest.NewServer(t, opts)
	srv.AddUser("alice", "pw", "alice@example.org", "Alice Liddell")
	srv.AddUser("bob smith", "pw", "", "Bob Smith")
	srv.AddUser("lms-system", "pw", "system@example.org", "LMS")
	eps, err := cloud.PresetEndpoints(product, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL = srv.URL
	cfg.Endpoints = eps
	cfg.HTTPClient = srv.Client()
	c, err := cloud.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// tokenFor is a TokenSource with a token issued by the server.
func tokenFor(srv *cloudtest.Server, user string) cloud.TokenSource {
	access, _, _ := srv.IssueToken(user)
	return cloud.TokenSourceFunc(func(context.Context) (string, error) { return access, nil })
}

func TestFakeCloudLogin(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			srv, c := fakeCloud(t, fl.flavor, fl.product, fl.base)
			ctx := context.Background()
			verifier := oauth2.GenerateVerifier()
			authURL := c.AuthCodeURL("state-1", verifier, redirectURI)
			if !strings.HasPrefix(authURL, srv.URL+"index.php/apps/oauth2/authorize?") {
				t.Fatalf("authorize URL %s", authURL)
			}
			code := srv.AuthorizeCode("bob smith", "state-1", oauth2.S256ChallengeFromVerifier(verifier))

			tok, err := c.Exchange(ctx, code, verifier, redirectURI)
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" || tok.Expiry.IsZero() || tok.UserID != "bob smith" {
				t.Fatalf("token %+v", tok)
			}
			if n := srv.Count(cloudtest.EPToken); n != 1 {
				t.Errorf("%d token requests for one exchange", n)
			}
			if _, err := c.Exchange(ctx, code, verifier, redirectURI); !errors.Is(err, cloud.ErrLoginAgain) {
				t.Errorf("replayed code: %v", err)
			}

			cn := c.As(tok.UserID, cloud.TokenSourceFunc(func(context.Context) (string, error) { return tok.AccessToken, nil }))
			ui, err := cn.UserInfo(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ui.Username != "bob smith" || ui.Email != "" || ui.Name != "Bob Smith" {
				t.Errorf("userinfo %+v", ui)
			}
			if n := srv.Count(cloudtest.EPUserinfo); n != 1 {
				t.Errorf("%d userinfo requests", n)
			}

			srv.ResetCounts()
			fresh, err := c.Refresh(ctx, tok.RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			if fresh.RefreshToken == tok.RefreshToken || fresh.AccessToken == tok.AccessToken {
				t.Errorf("refresh did not rotate: %+v", fresh)
			}
			_, err = c.Refresh(ctx, tok.RefreshToken)
			var se *cloud.StatusError
			if !errors.Is(err, cloud.ErrLoginAgain) || !errors.As(err, &se) || se.OAuthError == "" {
				t.Fatalf("reused refresh token: %v", err)
			}
			if strings.Contains(err.Error(), tok.RefreshToken) {
				t.Errorf("error shows the refresh token")
			}
			if n := srv.Count(cloudtest.EPToken); n != 2 {
				t.Errorf("%d token requests for two refreshes (never retried)", n)
			}
			if r := srv.RefreshRedemptions(); r[tok.RefreshToken] != 2 || r[fresh.RefreshToken] != 0 {
				t.Errorf("redemptions %v", r)
			}
			if _, err := cn.UserInfo(ctx); !errors.Is(err, cloud.ErrUnauthorized) {
				t.Errorf("old access token after rotation: %v", err)
			}

			st, err := c.Status(ctx)
			want := map[cloud.FlavorID]string{cloud.Nextcloud: "Nextcloud", cloud.OwnCloud: "ownCloud"}[fl.product]
			if err != nil || !st.Installed || st.Product != want || st.Version == "" {
				t.Errorf("status %+v, %v", st, err)
			}
		})
	}
}

func TestFakeCloudWrongClientSecret(t *testing.T) {
	t.Parallel()
	srv, c := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "/", func(_ *cloudtest.Options, cfg *cloud.Config) {
		cfg.ClientSecret = "wrong-secret"
	})
	_, refresh, _ := srv.IssueToken("alice")
	_, err := c.Refresh(context.Background(), refresh)
	if !errors.Is(err, cloud.ErrLoginAgain) || strings.Contains(err.Error(), "wrong-secret") || strings.Contains(err.Error(), refresh) {
		t.Fatalf("err = %v", err)
	}
	if srv.Count(cloudtest.EPToken) != 1 {
		t.Errorf("%d token requests", srv.Count(cloudtest.EPToken))
	}
}

func TestFakeCloudBodyClientAuth(t *testing.T) {
	t.Parallel()
	srv, c := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "/", func(_ *cloudtest.Options, cfg *cloud.Config) {
		cfg.BasicAuth = false
	})
	code := srv.AuthorizeCode("alice", "s", "")
	if _, err := c.Exchange(context.Background(), code, "", redirectURI); err != nil {
		t.Fatalf("body client authentication with Nextcloud: %v", err)
	}
}

var awkward = []string{"plain.txt", "with space.txt", "hash#tag.txt", "100% sure.txt", "what?.txt",
	`quote'"double.txt`, "Übung ñ 日本語.txt", "amp&x;.txt"}

func TestFakeCloudWebDAV(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		for _, user := range []string{"alice", "bob smith"} {
			t.Run(fl.name+" as "+user, func(t *testing.T) {
				t.Parallel()
				srv, c := fakeCloud(t, fl.flavor, fl.product, fl.base)
				dir := "/Course files #1"
				for i, n := range awkward {
					srv.WriteFile(user, dir+"/"+n, []byte(fmt.Sprintf("file %d: %s", i, n)))
				}
				srv.Mkdir(user, dir+"/sub folder")
				cn := c.As(user, tokenFor(srv, user))
				ctx := context.Background()
				srv.ResetCounts()
				step := func(method string) {
					t.Helper()
					if got := srv.CountMethod(cloudtest.EPWebDAV, method); got != 1 {
						t.Fatalf("%d %s requests for one call", got, method)
					}
					if got := srv.Count(cloudtest.EPWebDAV); got != 1 {
						t.Fatalf("%d WebDAV requests for one %s call", got, method)
					}
					srv.ResetCounts()
				}

				self, children, err := cn.ReadDir(ctx, dir)
				step("PROPFIND")
				if err != nil {
					t.Fatal(err)
				}
				if self.Path != dir || !self.Dir || self.FileID == "" {
					t.Errorf("self %+v", self)
				}
				var names []string
				for _, ch := range children {
					names = append(names, ch.Name)
					if ch.Path != dir+"/"+ch.Name || ch.ETag == "" || ch.FileID == "" || ch.Permissions == "" || ch.Modified.IsZero() {
						t.Errorf("child %+v", ch)
					}
					if ch.Name == "sub folder" != ch.Dir {
						t.Errorf("child %q dir=%v", ch.Name, ch.Dir)
					}
				}
				want := append([]string{"sub folder"}, awkward...)
				sort.Strings(names)
				sort.Strings(want)
				if strings.Join(names, "|") != strings.Join(want, "|") {
					t.Fatalf("listing\n got %q\nwant %q", names, want)
				}

				for i, n := range awkward {
					p := dir + "/" + n
					content := fmt.Sprintf("file %d: %s", i, n)
					st, err := cn.Stat(ctx, p)
					step("PROPFIND")
					if err != nil || st.Size != int64(len(content)) || st.Name != n {
						t.Fatalf("Stat(%q) = %+v, %v", p, st, err)
					}
					f, err := cn.Open(ctx, p, 0)
					if err != nil {
						t.Fatalf("Open(%q): %v", p, err)
					}
					got, err := io.ReadAll(f.Body)
					_ = f.Body.Close()
					step("GET")
					if err != nil || string(got) != content || f.ETag != st.ETag {
						t.Fatalf("Open(%q) = %q etag %q (stat %q), %v", p, got, f.ETag, st.ETag, err)
					}
					f, err = cn.Open(ctx, p, 5)
					if err != nil {
						t.Fatalf("Open(%q, 5): %v", p, err)
					}
					got, _ = io.ReadAll(f.Body)
					_ = f.Body.Close()
					step("GET")
					if string(got) != content[5:] || f.Total != int64(len(content)) {
						t.Fatalf("range %q total %d", got, f.Total)
					}
					cp := dir + "/sub folder/" + n
					if err := cn.Copy(ctx, p, cp, false); err != nil {
						t.Fatalf("Copy(%q): %v", p, err)
					}
					step("COPY")
					if data, ok := srv.ReadFile(user, cp); !ok || string(data) != content {
						t.Fatalf("copy holds %q", data)
					}
					if err := cn.Copy(ctx, p, cp, false); !errors.Is(err, cloud.ErrPreconditionFailed) {
						t.Fatalf("Copy onto existing without overwrite: %v", err)
					}
					step("COPY")
					if err := cn.Copy(ctx, p, cp, true); err != nil {
						t.Fatalf("Copy with overwrite: %v", err)
					}
					step("COPY")
					mv := dir + "/moved " + n
					if err := cn.Move(ctx, cp, mv, false); err != nil {
						t.Fatalf("Move: %v", err)
					}
					step("MOVE")
					if srv.Exists(user, cp) || !srv.Exists(user, mv) {
						t.Fatalf("move left %q or lost %q", cp, mv)
					}
					if err := cn.Delete(ctx, mv); err != nil {
						t.Fatalf("Delete: %v", err)
					}
					step("DELETE")
					if srv.Exists(user, mv) {
						t.Fatalf("%q still exists", mv)
					}
				}

				if err := cn.Mkcol(ctx, dir+"/new #folder?"); err != nil {
					t.Fatal(err)
				}
				step("MKCOL")
				if err := cn.Mkcol(ctx, dir+"/new #folder?"); !errors.Is(err, cloud.ErrAlreadyExists) {
					t.Fatalf("Mkcol existing: %v", err)
				}
				step("MKCOL")
				if err := cn.Mkcol(ctx, "/no such/child"); !errors.Is(err, cloud.ErrConflict) {
					t.Fatalf("Mkcol without parent: %v", err)
				}
				step("MKCOL")
				if err := cn.Move(ctx, dir+"/plain.txt", "/no such/plain.txt", false); !errors.Is(err, cloud.ErrConflict) {
					t.Fatalf("Move without parent: %v", err)
				}
				step("MOVE")
				if err := cn.Delete(ctx, "/no such"); !errors.Is(err, cloud.ErrNotFound) {
					t.Fatalf("Delete missing: %v", err)
				}
				step("DELETE")
				if _, _, err := cn.ReadDir(ctx, "/no such"); !errors.Is(err, cloud.ErrNotFound) {
					t.Fatalf("ReadDir missing: %v", err)
				}
				step("PROPFIND")
			})
		}
	}
}

func TestFakeCloudBigFolder(t *testing.T) {
	t.Parallel()
	// The fake builds 10,000 entries for one answer: slow under the race detector on a busy machine, so this test's
	// client waits longer than the default; what it checks is one request and every entry, not the time.
	srv, c := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "/", func(_ *cloudtest.Options, cfg *cloud.Config) { cfg.Timeout = time.Minute })
	srv.SeedFolder("alice", "/big", 10000)
	srv.ResetCounts()
	self, children, err := c.As("alice", tokenFor(srv, "alice")).ReadDir(context.Background(), "/big")
	if err != nil || len(children) != 10000 || self.Path != "/big" {
		t.Fatalf("%d children, %v", len(children), err)
	}
	if srv.Count(cloudtest.EPWebDAV) != 1 {
		t.Errorf("%d requests", srv.Count(cloudtest.EPWebDAV))
	}
}

func TestFakeCloudLargeDownloadStreams(t *testing.T) {
	t.Parallel()
	srv, c := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "/")
	const size = 64 << 20
	srv.SeedGeneratedFile("alice", "/video.bin", size)
	f, err := c.As("alice", tokenFor(srv, "alice")).Open(context.Background(), "/video.bin", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Body.Close()
	n, err := io.CopyBuffer(io.Discard, f.Body, make([]byte, 1<<20))
	if err != nil || n != size || f.Size != size {
		t.Fatalf("read %d of %d (size %d): %v", n, int64(size), f.Size, err)
	}
}

func TestFakeCloudSearch(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			srv, c := fakeCloud(t, fl.flavor, fl.product, fl.base)
			srv.WriteFile("bob smith", "/a/Quarterly Report.pdf", []byte("1"))
			srv.WriteFile("bob smith", "/b/c/report #2.txt", []byte("22"))
			srv.WriteFile("bob smith", "/b/notes.txt", []byte("333"))
			srv.ResetCounts()
			got, err := c.As("bob smith", tokenFor(srv, "bob smith")).Search(context.Background(), "report", 10)
			if fl.flavor == cloud.OwnCloud {
				if !errors.Is(err, cloud.ErrUnsupported) {
					t.Fatalf("ownCloud search: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, e := range got {
				paths = append(paths, e.Path)
			}
			sort.Strings(paths)
			if strings.Join(paths, "|") != "/a/Quarterly Report.pdf|/b/c/report #2.txt" {
				t.Errorf("results %q", paths)
			}
			if srv.CountMethod(cloudtest.EPWebDAV, "SEARCH") != 1 || srv.Count(cloudtest.EPWebDAV) != 1 {
				t.Errorf("%d requests", srv.Count(cloudtest.EPWebDAV))
			}
		})
	}
}

func TestFakeCloudShares(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			srv, c := fakeCloud(t, fl.flavor, fl.product, fl.base)
			srv.WriteFile("alice", "/Docs/report 1.pdf", []byte("%PDF"))
			alice := c.As("alice", tokenFor(srv, "alice"))
			system := c.As("lms-system", tokenFor(srv, "lms-system"))
			ctx := context.Background()
			srv.ResetCounts()
			oneOCS := func(what string) {
				t.Helper()
				if n := srv.Count(cloudtest.EPOCS); n != 1 {
					t.Fatalf("%s: %d OCS requests", what, n)
				}
				srv.ResetCounts()
			}

			sh, err := alice.CreateShare(ctx, cloud.ShareRequest{Path: "/Docs/report 1.pdf", ShareType: cloud.ShareUser,
				ShareWith: "lms-system", Permissions: cloud.PermAll})
			oneOCS("create")
			if err != nil {
				t.Fatal(err)
			}
			if sh.ID == "" || sh.ShareType != cloud.ShareUser || sh.ShareWith != "lms-system" || sh.ItemType != "file" ||
				sh.Permissions != cloud.PermAll&^(cloud.PermCreate|cloud.PermDelete) || sh.Owner != "alice" {
				t.Errorf("share %+v", sh)
			}

			again, err := alice.CreateShare(ctx, cloud.ShareRequest{Path: "/Docs/report 1.pdf", ShareType: cloud.ShareUser,
				ShareWith: "lms-system", Permissions: cloud.PermRead})
			oneOCS("create again")
			switch fl.flavor {
			case cloud.Nextcloud:
				if err != nil || again.ID != sh.ID {
					t.Errorf("repeated share on Nextcloud 34: %+v, %v", again, err)
				}
			default:
				if !errors.Is(err, cloud.ErrAlreadyShared) || errors.Is(err, cloud.ErrForbidden) {
					t.Errorf("repeated share: %v", err)
				}
			}

			list, err := alice.SharesOf(ctx, "/Docs/report 1.pdf")
			oneOCS("list")
			if err != nil || len(list) != 1 || list[0].ID != sh.ID {
				t.Fatalf("SharesOf = %+v, %v", list, err)
			}
			got, err := system.GetShare(ctx, sh.ID)
			oneOCS("get")
			if err != nil || got.ID != sh.ID || got.FileTarget == "" {
				t.Fatalf("GetShare = %+v, %v", got, err)
			}
			if !srv.Exists("lms-system", got.FileTarget) {
				t.Errorf("the recipient does not see %q", got.FileTarget)
			}

			link, err := alice.CreateShare(ctx, cloud.ShareRequest{Path: "/Docs/report 1.pdf", ShareType: cloud.SharePublic,
				Password: "link-pass-123", ExpireDate: time.Now().AddDate(0, 1, 0)})
			oneOCS("create link")
			if err != nil {
				t.Fatal(err)
			}
			if link.URL == "" || link.Token == "" || !link.HasPassword || link.ShareWith != "" || link.Expiration.IsZero() ||
				link.DownloadURL() != strings.TrimSuffix(link.URL, "/")+"/download" {
				t.Errorf("link %+v", link)
			}

			if err := alice.DeleteShare(ctx, sh.ID); err != nil {
				t.Fatal(err)
			}
			oneOCS("delete")
			if err := alice.DeleteShare(ctx, sh.ID); !errors.Is(err, cloud.ErrNotFound) {
				t.Errorf("deleting twice: %v", err)
			}
			oneOCS("delete again")
			if _, err := alice.CreateShare(ctx, cloud.ShareRequest{Path: "/nope.txt", ShareType: cloud.ShareUser,
				ShareWith: "lms-system"}); !errors.Is(err, cloud.ErrNotFound) {
				t.Errorf("share of a missing path: %v", err)
			}
			oneOCS("create missing")
			if _, err := alice.CreateShare(ctx, cloud.ShareRequest{Path: "/Docs/report 1.pdf", ShareType: cloud.ShareUser,
				ShareWith: "nobody-here"}); !errors.Is(err, cloud.ErrNotFound) {
				t.Errorf("share to an unknown user: %v", err)
			}
		})
	}
}

func TestFakeCloudOCSFormats(t *testing.T) {
	t.Parallel()
	for _, ep := range []string{
		"ocs/v1.php/apps/files_sharing/api/v1/shares?format=xml",
		"ocs/v2.php/apps/files_sharing/api/v1/shares",
		"ocs/v2.php/apps/files_sharing/api/v1/shares?format=xml",
	} {
		t.Run(ep, func(t *testing.T) {
			t.Parallel()
			srv, c0 := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "/")
			_ = c0
			eps, _ := cloud.PresetEndpoints(cloud.Nextcloud, srv.URL)
			eps[cloud.EndpointOCS] = srv.URL + ep
			eps[cloud.EndpointUserinfo] = srv.URL + strings.Replace(strings.Replace(ep, "apps/files_sharing/api/v1/shares", "cloud/user", 1), "v2.php", "v1.php", 1)
			c, err := cloud.New(cloud.Config{BaseURL: srv.URL, ClientID: "ocrepo", ClientSecret: "secret", BasicAuth: true,
				Endpoints: eps, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			srv.WriteFile("alice", "/x.txt", []byte("x"))
			cn := c.As("alice", tokenFor(srv, "alice"))
			ctx := context.Background()
			sh, err := cn.CreateShare(ctx, cloud.ShareRequest{Path: "/x.txt", ShareType: cloud.SharePublic})
			if err != nil || sh.ID == "" || sh.URL == "" {
				t.Fatalf("%+v %v", sh, err)
			}
			if got, err := cn.GetShare(ctx, sh.ID); err != nil || got.ID != sh.ID {
				t.Fatalf("%+v %v", got, err)
			}
			if err := cn.DeleteShare(ctx, sh.ID); err != nil {
				t.Fatal(err)
			}
			if err := cn.DeleteShare(ctx, sh.ID); !errors.Is(err, cloud.ErrNotFound) {
				t.Fatalf("second delete: %v", err)
			}
			ui, err := cn.UserInfo(ctx)
			if err != nil || ui.Username != "alice" || ui.Email != "alice@example.org" {
				t.Fatalf("userinfo %+v %v", ui, err)
			}
		})
	}
}

func TestFakeCloudShareRateLimit(t *testing.T) {
	t.Parallel()
	srv, c := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "/", func(o *cloudtest.Options, _ *cloud.Config) {
		o.ShareLimit = 2
	})
	srv.WriteFile("alice", "/f.txt", []byte("x"))
	cn := c.As("alice", tokenFor(srv, "alice"))
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := cn.CreateShare(ctx, cloud.ShareRequest{Path: "/f.txt", ShareType: cloud.SharePublic}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := cn.CreateShare(ctx, cloud.ShareRequest{Path: "/f.txt", ShareType: cloud.SharePublic})
	var se *cloud.StatusError
	if !errors.Is(err, cloud.ErrThrottled) || !errors.As(err, &se) || se.StatusCode != 429 {
		t.Fatalf("third share: %v", err)
	}
}

func TestFakeCloudFaults(t *testing.T) {
	t.Parallel()
	listDir := func(ctx context.Context, cn *cloud.Conn) error { _, _, err := cn.ReadDir(ctx, "/Docs"); return err }
	download := func(ctx context.Context, cn *cloud.Conn) error {
		f, err := cn.Open(ctx, "/Docs/big.bin", 0)
		if err != nil {
			return err
		}
		defer f.Body.Close()
		_, err = io.Copy(io.Discard, f.Body)
		return err
	}
	share := func(ctx context.Context, cn *cloud.Conn) error {
		_, err := cn.CreateShare(ctx, cloud.ShareRequest{Path: "/Docs/a.txt", ShareType: cloud.SharePublic})
		return err
	}
	userinfo := func(ctx context.Context, cn *cloud.Conn) error { _, err := cn.UserInfo(ctx); return err }
	tests := []struct {
		name     string
		endpoint string
		fault    cloudtest.Fault
		call     func(ctx context.Context, cn *cloud.Conn) error
		want     error
		check    func(t *testing.T, err error)
	}{
		{name: "listing: 500 page", endpoint: cloudtest.EPWebDAV, fault: cloudtest.Fault{Status: 500}, call: listDir, want: cloud.ErrServer},
		{name: "listing: HTML login page", endpoint: cloudtest.EPWebDAV, call: listDir, want: cloud.ErrInvalidResponse,
			fault: cloudtest.Fault{Status: 200, Body: "<!DOCTYPE html><html><body>Login</body></html>"}},
		{name: "listing: malformed XML", endpoint: cloudtest.EPWebDAV, call: listDir, want: cloud.ErrInvalidResponse,
			fault: cloudtest.Fault{Status: 207, Body: `<d:multistatus xmlns:d="DAV:"><d:response><d:href>x</d:multistatus>`,
				ContentType: "application/xml"}},
		{name: "listing: truncated", endpoint: cloudtest.EPWebDAV, fault: cloudtest.Fault{Truncate: 700}, call: listDir,
			want: cloud.ErrInvalidResponse},
		{name: "listing: stalled", endpoint: cloudtest.EPWebDAV, fault: cloudtest.Fault{StallAfter: 300}, call: listDir,
			want: cloud.ErrTimeout},
		{name: "listing: no answer", endpoint: cloudtest.EPWebDAV, fault: cloudtest.Fault{Latency: time.Hour}, call: listDir,
			want: cloud.ErrTimeout},
		{name: "listing: stripped Authorization", endpoint: cloudtest.EPWebDAV, fault: cloudtest.Fault{StripAuth: true},
			call: listDir, want: cloud.ErrUnauthorized, check: func(t *testing.T, err error) {
				var se *cloud.StatusError
				if !errors.As(err, &se) || !se.BearerRejected {
					t.Errorf("not diagnosed as a refused bearer token: %v", err)
				}
			}},
		{name: "listing: 429", endpoint: cloudtest.EPWebDAV, fault: cloudtest.Fault{Status: 429, RetryAfter: 30 * time.Second},
			call: listDir, want: cloud.ErrThrottled, check: func(t *testing.T, err error) {
				var se *cloud.StatusError
				if !errors.As(err, &se) || se.RetryAfter != 30*time.Second {
					t.Errorf("retry after: %v", err)
				}
			}},
		{name: "download: stalled body", endpoint: cloudtest.EPWebDAV, fault: cloudtest.Fault{StallAfter: 4096}, call: download,
			want: cloud.ErrTimeout},
		{name: "download: truncated body", endpoint: cloudtest.EPWebDAV, fault: cloudtest.Fault{Truncate: 4096}, call: download,
			want: io.ErrUnexpectedEOF},
		{name: "share: 429 with an empty body", endpoint: cloudtest.EPOCS, fault: cloudtest.Fault{Status: 429}, call: share,
			want: cloud.ErrThrottled},
		{name: "share: HTML page", endpoint: cloudtest.EPOCS, call: share, want: cloud.ErrInvalidResponse,
			fault: cloudtest.Fault{Status: 200, Body: "<html><body>Login</body></html>", ContentType: "text/html"},
			check: func(t *testing.T, err error) {
				var ie *cloud.InvalidResponseError
				if !errors.As(err, &ie) || ie.StatusCode != 200 || !strings.Contains(ie.Snippet, "Login") || ie.ContentType != "text/html" {
					t.Errorf("%#v", ie)
				}
			}},
		{name: "share: stripped Authorization", endpoint: cloudtest.EPOCS, fault: cloudtest.Fault{StripAuth: true}, call: share,
			want: cloud.ErrUnauthorized},
		{name: "userinfo: 502 page", endpoint: cloudtest.EPUserinfo, fault: cloudtest.Fault{Status: 502}, call: userinfo,
			want: cloud.ErrServer},
		{name: "userinfo: no answer", endpoint: cloudtest.EPUserinfo, fault: cloudtest.Fault{Latency: time.Hour}, call: userinfo,
			want: cloud.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Only the cases that wait for a timeout get a short one: the others must not read as a timeout when
			// a busy machine is slow to answer.
			timeout := 30 * time.Second
			if errors.Is(tt.want, cloud.ErrTimeout) {
				timeout = 200 * time.Millisecond
			}
			srv, c := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "/", func(_ *cloudtest.Options, cfg *cloud.Config) {
				cfg.Timeout = timeout
			})
			srv.WriteFile("alice", "/Docs/a.txt", []byte("a"))
			srv.SeedFolder("alice", "/Docs", 30)
			srv.SeedGeneratedFile("alice", "/Docs/big.bin", 1<<20)
			cn := c.As("alice", tokenFor(srv, "alice"))
			srv.ResetCounts()
			srv.Fail(tt.endpoint, tt.fault)
			err := tt.call(context.Background(), cn)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if n := srv.Count(tt.endpoint); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestFakeCloudTokenFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault cloudtest.Fault
		want  error
	}{
		{"500 page", cloudtest.Fault{Status: 500}, cloud.ErrInvalidResponse},
		{"429", cloudtest.Fault{Status: 429, RetryAfter: 25 * time.Second}, cloud.ErrThrottled},
		{"HTML 200", cloudtest.Fault{Status: 200, Body: "<html><body>Log in</body></html>", ContentType: "text/html"}, cloud.ErrInvalidResponse},
		{"no answer", cloudtest.Fault{Latency: time.Hour}, cloud.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			timeout := 30 * time.Second // short only where the case waits for it
			if errors.Is(tt.want, cloud.ErrTimeout) {
				timeout = 200 * time.Millisecond
			}
			srv, c := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "/", func(_ *cloudtest.Options, cfg *cloud.Config) {
				cfg.Timeout = timeout
			})
			_, refresh, _ := srv.IssueToken("alice")
			srv.ResetCounts()
			srv.Fail(cloudtest.EPToken, tt.fault)
			_, err := c.Refresh(context.Background(), refresh)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), refresh) || strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q leaks a secret", err)
			}
			if n := srv.Count(cloudtest.EPToken); n != 1 {
				t.Errorf("%d token requests, want 1", n)
			}
		})
	}
}

// The token endpoint without index.php answers with a redirect to a login page on servers without pretty URLs.
func TestFakeCloudTokenWithoutIndexPHP(t *testing.T) {
	t.Parallel()
	srv, _ := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "/")
	eps, _ := cloud.PresetEndpoints(cloud.Nextcloud, srv.URL)
	eps[cloud.EndpointToken] = srv.URL + "apps/oauth2/api/v1/token"
	c, err := cloud.New(cloud.Config{BaseURL: srv.URL, ClientID: "ocrepo", ClientSecret: "secret", BasicAuth: true,
		Endpoints: eps, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	code := srv.AuthorizeCode("alice", "s", "")
	_, err = c.Exchange(context.Background(), code, "", redirectURI)
	var ie *cloud.InvalidResponseError
	if !errors.As(err, &ie) || !strings.Contains(ie.Reason, "index.php") {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Count(cloudtest.EPToken) + srv.Count(cloudtest.EPLogin); n != 1 {
		t.Errorf("%d requests", n)
	}
}

// TestSharesWithMeFindsTheRealMount: the create reply names "/x.txt", but the recipient already has one, so the
// share is mounted as "/x (2).txt"; SharesWithMe gives the real place and the item source that Stat's FileID
// confirms.
func TestSharesWithMeFindsTheRealMount(t *testing.T) {
	t.Parallel()
	srv, c := fakeCloud(t, cloud.Nextcloud, cloud.Nextcloud, "")
	srv.WriteFile("alice", "/x.txt", []byte("alice's"))
	srv.WriteFile("lms-system", "/x.txt", []byte("system's own"))
	alice := c.As("alice", tokenFor(srv, "alice"))
	system := c.As("lms-system", tokenFor(srv, "lms-system"))
	ctx := context.Background()
	sh, err := alice.CreateShare(ctx, cloud.ShareRequest{Path: "/x.txt", ShareType: cloud.ShareUser, ShareWith: "lms-system", Permissions: cloud.PermRead})
	if err != nil {
		t.Fatal(err)
	}
	if sh.FileTarget != "/x.txt" || sh.ItemSource == "" || sh.FileSource != sh.ItemSource {
		t.Fatalf("create reply %+v", sh)
	}
	srv.ResetCounts()
	got, err := system.SharesWithMe(ctx)
	if err != nil || len(got) != 1 || got[0].ID != sh.ID || got[0].FileTarget != "/x (2).txt" {
		t.Fatalf("SharesWithMe = %+v, %v", got, err)
	}
	if n := srv.Count(cloudtest.EPOCS); n != 1 {
		t.Errorf("%d OCS requests", n)
	}
	mount, err := system.Stat(ctx, got[0].FileTarget)
	if err != nil || !cloud.SameFileID(mount.FileID, got[0].ItemSource) {
		t.Errorf("mount %+v (%v) vs item source %q", mount, err, got[0].ItemSource)
	}
	own, err := system.Stat(ctx, "/x.txt")
	if err != nil || cloud.SameFileID(own.FileID, got[0].ItemSource) {
		t.Errorf("the namesake %+v (%v) matches the item source %q", own, err, got[0].ItemSource)
	}
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"42", "42", true}, {"00042", "42", true}, {"", "", false}, {"42", "420", false}} {
		if got := cloud.SameFileID(tc.a, tc.b); got != tc.want {
			t.Errorf("SameFileID(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
