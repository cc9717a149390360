package main

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
)

// newTestDB is a seeded LMS database in a temporary folder.
func newTestDB(t *testing.T) DB {
	t.Helper()
	g, err := gormsqlite.Open(filepath.Join(t.TempDir(), "lms.db"))
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	db := DB{g: g}
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := seedLMS(ctx, db, time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestControlledLinkAccess(t *testing.T) {
	t.Parallel()
	h := &Hooks{db: newTestDB(t)}
	essay := repository.ControlledLinkInfo{ID: 1, Course: "HIS210", Owner: "alice", Context: []string{"HIS210", "assignment 3", "alice"}}
	submitted := essay
	submitted.Submitted = true
	tests := []struct {
		viewer string
		link   repository.ControlledLinkInfo
		want   repository.Access
	}{
		{"bob", essay, repository.AccessEdit},       // teaches HIS210
		{"alice", essay, repository.AccessEdit},     // the owner, before submitting
		{"alice", submitted, repository.AccessEdit}, // the hook says edit; ocrepo itself lowers the owner to view
		{"dana", essay, repository.AccessView},      // site admin, not a teacher of the course
		{"carol", essay, repository.AccessNone},     // not in the course
		{"nobody", essay, repository.AccessNone},
		{"bob", repository.ControlledLinkInfo{Course: "GONE1", Owner: "alice"}, repository.AccessNone},
	}
	for _, tt := range tests {
		got, err := h.ControlledLinkAccess(context.Background(), repository.User{ID: tt.viewer}, tt.link)
		if err != nil || got != tt.want {
			t.Errorf("%s on %s owned by %s: %v, %v; want %v", tt.viewer, tt.link.Course, tt.link.Owner, got, err, tt.want)
		}
	}
}

func TestItemExists(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	h := &Hooks{db: db}
	ctx := context.Background()
	if err := db.SaveSubmission(ctx, &Submission{AssignmentID: 3, StudentID: "alice", Kind: KindControlled, FileName: "essay.pdf", LinkID: 7}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveSubmission(ctx, &Submission{AssignmentID: 1, StudentID: "carol", Kind: KindCopy, FileName: "lab.pdf", FileRef: strings.Repeat("a", 32)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		course string
		ctx    []string
		want   bool
	}{
		{"the submission", "HIS210", []string{"HIS210", "assignment 3", "alice"}, true},
		{"no submission by this student", "HIS210", []string{"HIS210", "assignment 3", "carol"}, false},
		{"the submission is a copy now", "BIO101", []string{"BIO101", "assignment 1", "carol"}, false},
		{"assignment of another course", "BIO101", []string{"BIO101", "assignment 3", "alice"}, false},
		{"no such assignment", "HIS210", []string{"HIS210", "assignment 99", "alice"}, false},
		{"no such course", "GONE1", []string{"GONE1", "assignment 3", "alice"}, false},
		{"a context this LMS does not make", "HIS210", []string{"HIS210", "materials"}, true},
	}
	for _, tt := range tests {
		got, err := h.ItemExists(ctx, tt.course, tt.ctx)
		if err != nil || got != tt.want {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	// Deleting the assignment orphans the link.
	if _, err := db.DeleteAssignment(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if ok, err := h.ItemExists(ctx, "HIS210", []string{"HIS210", "assignment 3", "alice"}); err != nil || ok {
		t.Errorf("after deleting the assignment: %v, %v; want false", ok, err)
	}
}

func TestUsersAdminsManagers(t *testing.T) {
	t.Parallel()
	db := newTestDB(t)
	sess := sessions{key: []byte("0123456789abcdef0123456789abcdef"), now: time.Now}
	h := &Hooks{db: db, sessions: sess}
	ctx := context.Background()

	req := httptest.NewRequest("GET", "/cloud/picker", nil)
	if _, err := h.CurrentUser(req); !errors.Is(err, repository.ErrNotSignedIn) {
		t.Errorf("anonymous: %v, want ErrNotSignedIn", err)
	}
	req.AddCookie(sess.cookie("alice"))
	if u, err := h.CurrentUser(req); err != nil || u.ID != "alice" || u.Name != "Alice Martin" {
		t.Errorf("signed in: %+v, %v", u, err)
	}
	forged := httptest.NewRequest("GET", "/cloud/picker", nil)
	ck := sess.cookie("alice")
	ck.Value = strings.Replace(ck.Value, "alice", "dana", 1)
	forged.AddCookie(ck)
	if _, err := h.CurrentUser(forged); !errors.Is(err, repository.ErrNotSignedIn) {
		t.Errorf("a forged cookie: %v, want ErrNotSignedIn", err)
	}

	for _, tt := range []struct {
		user   string
		admin  bool
		manage map[string]bool
	}{
		{"dana", true, map[string]bool{"BIO101": false}}, // ocrepo lets site admins in by itself
		{"bob", false, map[string]bool{"BIO101": true, "HIS210": true, "NOPE": false}},
		{"alice", false, map[string]bool{"BIO101": false}},
	} {
		u := repository.User{ID: tt.user}
		if got, err := h.IsAdmin(ctx, u); err != nil || got != tt.admin {
			t.Errorf("IsAdmin(%s) = %v, %v", tt.user, got, err)
		}
		for course, want := range tt.manage {
			if got, err := h.CanManageCourse(ctx, u, course); err != nil || got != want {
				t.Errorf("CanManageCourse(%s, %s) = %v, %v; want %v", tt.user, course, got, err, want)
			}
		}
	}
}

func TestDiskSink(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "files")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A temporary file a crash left behind goes at start.
	if err := os.WriteFile(filepath.Join(dir, incomingPrefix+"123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewDiskSink(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := s.Store(ctx, repository.FileInfo{Name: "Report.PDF"}, strings.NewReader("%PDF-1.4 body"))
	if err != nil || !validRef(ref) || !strings.HasSuffix(ref, ".pdf") {
		t.Fatalf("Store = %q, %v", ref, err)
	}
	f, err := s.Open(ref)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "%PDF-1.4 body" {
		t.Errorf("stored %q", b)
	}

	// A stream that fails halfway leaves nothing behind.
	broken := io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(errors.New("cloud went away")))
	if _, err := s.Store(ctx, repository.FileInfo{Name: "x.pdf"}, broken); err == nil || !strings.Contains(err.Error(), "cloud went away") {
		t.Errorf("failed stream: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != ref {
		t.Errorf("after a failed stream the folder holds %v (%v), want only %s", entries, err, ref)
	}

	if err := s.Remove(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, ref); err != nil {
		t.Errorf("removing a file twice: %v", err)
	}
	for _, bad := range []string{"../lms.db", "", "abc", strings.Repeat("a", 32) + "/x", strings.Repeat("A", 32), strings.Repeat("a", 32) + ".."} {
		if err := s.Remove(ctx, bad); !errors.Is(err, errBadRef) {
			t.Errorf("Remove(%q) = %v, want errBadRef", bad, err)
		}
		if _, err := s.Open(bad); !errors.Is(err, errBadRef) {
			t.Errorf("Open(%q) = %v, want errBadRef", bad, err)
		}
	}
}

func TestFits(t *testing.T) {
	t.Parallel()
	pdf := Assignment{Accept: ".pdf", MaxMB: 1}
	images := Assignment{Accept: "image/*"}
	anything := Assignment{}
	tests := []struct {
		a        Assignment
		name, ct string
		size     int64
		ok       bool
	}{
		{pdf, "a.pdf", "application/pdf", 100, true},
		{pdf, "A.PDF", "", 100, true},
		{pdf, "a.pdf", "application/pdf", 2 << 20, false},
		{pdf, "a.txt", "text/plain", 10, false},
		{images, "p.jpg", "image/jpeg", 10, true},
		{images, "p.png", "", 10, true},
		{images, "p.pdf", "application/pdf", 10, false},
		{anything, "x.bin", "application/octet-stream", 1 << 40, true},
	}
	for _, tt := range tests {
		if why := fits(tt.a, tt.name, tt.ct, tt.size); (why == "") != tt.ok {
			t.Errorf("fits(%q, %s, %d) = %q, want ok=%v", tt.a.Accept, tt.name, tt.size, why, tt.ok)
		}
	}
}

func TestPDFIsWellFormed(t *testing.T) {
	t.Parallel()
	doc := pdfDoc("Title (with parens)", "line one", "back\\slash")
	s := string(doc)
	if !strings.HasPrefix(s, "%PDF-1.4\n") || !strings.HasSuffix(s, "%%EOF\n") {
		t.Fatalf("not a PDF: %q...", s[:20])
	}
	// The cross-reference table must point at each object.
	xref := strings.LastIndex(s, "\nxref\n") + 1
	tail := s[strings.LastIndex(s, "startxref\n")+len("startxref\n"):]
	startxref, err := strconv.Atoi(strings.TrimSuffix(tail, "\n%%EOF\n"))
	if err != nil || startxref != xref {
		t.Fatalf("startxref %d, xref at %d (%v)", startxref, xref, err)
	}
	lines := strings.Split(s[xref:], "\n")
	for i := 1; i <= 6; i++ {
		off, err := strconv.Atoi(lines[2+i][:10]) // ten decimal digits with leading zeros
		if err != nil {
			t.Fatal(err)
		}
		want := "\n" + strconv.Itoa(i) + " 0 obj"
		if !strings.HasPrefix(s[off-1:], want) {
			t.Errorf("object %d: offset %d points at %q", i, off, s[off:off+10])
		}
	}
	if !strings.Contains(s, `(Title \(with parens\)) Tj`) || !strings.Contains(s, `(back\\slash) '`) {
		t.Errorf("strings not escaped")
	}
}
