package securitytest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/host"
)

// TestFileNamesAreCleanBeforeTheSink: names from the cloud reach the host's FileSink (and the pick result)
// without bidirectional overrides, control characters or backslashes, so "invoice\u202Efdp.exe" cannot pass for
// a PDF and no name can climb out of a folder on a host that joins it to a path.
func TestFileNamesAreCleanBeforeTheSink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSite(t, siteOptions{})
	account := cloudAccounts()[student]
	for name, want := range map[string]string{
		"invoice\u202Efdp.exe":      "invoice_fdp.exe",
		`..\..\boot.ini`:            "_.._boot.ini",
		"bell\x07\x1b[2Jnote.txt":   "bell__[2Jnote.txt",
		"zero\u200Bwidth\u2066.txt": "zero_width_.txt",
	} {
		s.h.Cloud.WriteFile(account, "/"+name, []byte("content of "+name))
		r := s.token(s.pickRequest(student))
		status, code, id := s.importPick(student, r, "/"+name)
		if status != http.StatusAccepted {
			t.Fatalf("import %q: %d %q", name, status, code)
		}
		j, err := s.h.Repo.AwaitImport(ctx, host.User{ID: student}, id)
		if err != nil || j.State != "done" {
			t.Fatalf("import %q: %+v %v", name, j, err)
		}
		res, err := s.h.Repo.PickResult(ctx, student, j.ResultID)
		if err != nil || len(res.Files) != 1 {
			t.Fatalf("result of %q: %+v %v", name, res, err)
		}
		f, ok := s.h.Files.File(res.Files[0].Ref)
		if !ok {
			t.Fatalf("%q: not at the host", name)
		}
		if f.Info.Name != want || res.Files[0].Name != want {
			t.Errorf("%q reached the host as %q (result %q), want %q", name, f.Info.Name, res.Files[0].Name, want)
		}
		if strings.ContainsAny(f.Info.Name, "\\\u202E\x07") {
			t.Errorf("%q kept a hostile character", f.Info.Name)
		}
	}
}
