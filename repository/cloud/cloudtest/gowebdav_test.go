package cloudtest

import (
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/studio-b12/gowebdav"
)

// bearer is a gowebdav authenticator that sends an OAuth bearer token with every request, as an OAuth client of
// Nextcloud does.
type bearer string

func (b bearer) Authorize(_ *http.Client, rq *http.Request, _ string) error {
	rq.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

func (b bearer) Verify(*http.Client, *http.Response, string) (bool, error) { return false, nil }

func (b bearer) Clone() gowebdav.Authenticator { return b }

func (b bearer) Close() error { return nil }

// TestWorksWithAnotherWebDAVClient drives the fake server with gowebdav, a widely used Go WebDAV client written
// independently of ours, at both roots: if the fake only pleased our own client, this would show it.
func TestWorksWithAnotherWebDAVClient(t *testing.T) {
	t.Parallel()
	for _, root := range []string{"remote.php/webdav/", "remote.php/dav/files/alice/"} {
		t.Run(root, func(t *testing.T) {
			t.Parallel()
			s, _ := newFixture(t, Options{})
			access, _, _ := s.IssueToken("alice")
			s.WriteFile("alice", "/Docs/report #1 ünï.txt", []byte("first report"))
			s.WriteFile("alice", "/Docs/notes 100%.md", []byte("notes"))
			s.SeedGeneratedFile("alice", "/big.bin", 3<<20)
			c := gowebdav.NewAuthClient(s.URL+root, gowebdav.NewPreemptiveAuth(bearer(access)))
			c.SetTransport(s.Client().Transport)

			infos, err := c.ReadDir("/Docs")
			if err != nil {
				t.Fatalf("ReadDir: %v", err)
			}
			var names []string
			for _, fi := range infos {
				names = append(names, fi.Name())
			}
			sort.Strings(names)
			if strings.Join(names, "|") != "notes 100%.md|report #1 ünï.txt" {
				t.Fatalf("ReadDir names %q", names)
			}
			fi, err := c.Stat("/big.bin")
			if err != nil || fi.Size() != 3<<20 || fi.IsDir() {
				t.Fatalf("Stat: %v %v", fi, err)
			}
			rc, err := c.ReadStreamRange("/big.bin", 1<<20, 16)
			if err != nil {
				t.Fatalf("ReadStreamRange: %v", err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			for i, b := range got {
				if b != GeneratedByte(1<<20+int64(i)) {
					t.Fatalf("range byte %d = %d, want %d", i, b, GeneratedByte(1<<20+int64(i)))
				}
			}
			if err := c.Mkdir("/Archive", 0o755); err != nil {
				t.Fatalf("Mkdir: %v", err)
			}
			if err := c.Copy("/Docs/report #1 ünï.txt", "/Archive/copy.txt", false); err != nil {
				t.Fatalf("Copy: %v", err)
			}
			if err := c.Rename("/Docs/notes 100%.md", "/Archive/notes.md", false); err != nil {
				t.Fatalf("Rename: %v", err)
			}
			if err := c.Remove("/Docs/report #1 ünï.txt"); err != nil {
				t.Fatalf("Remove: %v", err)
			}
			if data, ok := s.ReadFile("alice", "/Archive/copy.txt"); !ok || string(data) != "first report" {
				t.Errorf("copy holds %q", data)
			}
			if s.Exists("alice", "/Docs/notes 100%.md") || !s.Exists("alice", "/Archive/notes.md") {
				t.Errorf("rename did not move the file")
			}
			if s.Exists("alice", "/Docs/report #1 ünï.txt") {
				t.Errorf("remove left the file")
			}
			// A wrong token is refused as Nextcloud refuses it.
			bad := gowebdav.NewAuthClient(s.URL+root, gowebdav.NewPreemptiveAuth(bearer("wrong")))
			bad.SetTransport(s.Client().Transport)
			if _, err := bad.ReadDir("/"); !gowebdav.IsErrCode(err, http.StatusUnauthorized) {
				t.Errorf("wrong token: %v, want 401", err)
			}
		})
	}
}
