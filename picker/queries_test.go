package picker_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// queryCounter counts the statements sent through a GORM handle, whatever the kind (query, raw, row, create,
// update, delete).
type queryCounter struct {
	mu  sync.Mutex
	n   int
	sql []string
}

func countQueries(t *testing.T, db *gorm.DB) *queryCounter {
	t.Helper()
	qc := &queryCounter{}
	count := func(tx *gorm.DB) {
		qc.mu.Lock()
		qc.n++
		qc.sql = append(qc.sql, tx.Statement.SQL.String())
		qc.mu.Unlock()
	}
	cb := db.Callback()
	for name, err := range map[string]error{
		"query":  cb.Query().After("gorm:query").Register("ocrepo_test:count", count),
		"row":    cb.Row().After("gorm:row").Register("ocrepo_test:count", count),
		"raw":    cb.Raw().After("gorm:raw").Register("ocrepo_test:count", count),
		"create": cb.Create().After("gorm:create").Register("ocrepo_test:count", count),
		"update": cb.Update().After("gorm:update").Register("ocrepo_test:count", count),
		"delete": cb.Delete().After("gorm:delete").Register("ocrepo_test:count", count),
	} {
		if err != nil {
			t.Fatalf("register %s counter: %v", name, err)
		}
	}
	return qc
}

// reset starts a new count and returns the statements of the previous one.
func (qc *queryCounter) reset() (int, []string) {
	qc.mu.Lock()
	defer qc.mu.Unlock()
	n, sql := qc.n, qc.sql
	qc.n, qc.sql = 0, nil
	return n, sql
}

// TestPickerPagesStayWithinQueryBudget counts the database statements of each picker page served from a warm
// cache (the listing cached, the issuer loaded before): 2 for the page, 1 for a listing, whatever the number of
// instances on offer.
func TestPickerPagesStayWithinQueryBudget(t *testing.T) {
	for _, tc := range []struct {
		instances int
		postgres  bool
	}{{1, false}, {3, false}, {6, false}, {3, true}} {
		instances := tc.instances
		name := strconv.Itoa(instances) + " instances"
		if tc.postgres {
			name += " on PostgreSQL"
		}
		t.Run(name, func(t *testing.T) {
			h := repositorytest.New(t, repositorytest.Options{Postgres: tc.postgres})
			var first int64
			for i := range instances {
				iss := h.AddIssuer(t, "Cloud "+strconv.Itoa(i))
				inst := h.AddInstance(t, iss.ID, "Files "+strconv.Itoa(i), host.ReturnImport|host.ReturnLink, host.ReturnImport)
				if i == 0 {
					first = inst.ID
					h.Connect(t, iss.ID, "student")
				}
			}
			f := &fixture{h: h, c: h.Client("student")}
			f.inst.ID = first
			req := host.PickRequest{User: "student", Course: "42"}
			page := f.pickerPath(req)
			// A listing is one statement (the instances with the user's token); the page reads one more.
			routes := []struct {
				name, path string
				budget     int
			}{
				{"picker page", page, 2},
				{"listing", f.listPath(t, req, "path", "/"), 1},
				{"next page", f.listPath(t, req, "path", "/", "page", "2"), 1},
				{"sorted", f.listPath(t, req, "path", "/", "sort", "size", "desc", "1"), 1},
				{"filtered", f.listPath(t, req, "path", "/", "q", "a"), 1},
			}
			// Warm: the listing cached and the issuers seen once.
			for _, r := range routes {
				if code, body, _ := f.c.Get(t, r.path, "HX-Request", "true"); code != http.StatusOK {
					t.Fatalf("%s: %d %.300s", r.name, code, body)
				}
			}
			qc := countQueries(t, h.DB)
			for _, r := range routes {
				qc.reset()
				if code, body, _ := f.c.Get(t, r.path, "HX-Request", "true"); code != http.StatusOK {
					t.Fatalf("%s: %d %.300s", r.name, code, body)
				}
				n, sql := qc.reset()
				t.Logf("%s: %d queries", r.name, n)
				if n > r.budget {
					t.Errorf("%s: %d queries, want at most %d:\n%q", r.name, n, r.budget, sql)
				}
			}
		})
	}
}

// TestImportStatementsPerImport counts the database statements of one small import, from the pick to its end
// (the background copy included), the listing cached and the issuer loaded before: the instances with the user's
// token and the system account (1), the sweep of expired imports that the process's first import runs (1, once a
// minute), the user's running imports and unclaimed bytes (1), the job (1) and its read for the answer (1: a small
// import may already be over, TestImportEndedBeforeThePickAnswers), the pick result (1), and the job's final
// progress with its end (1); 7, or 8 when the import was over before the answer (which then reads its result to
// show it). It was 10 (11): the system account read again, the two limits read apart, the final progress apart
// from the end.
func TestImportStatementsPerImport(t *testing.T) {
	for _, postgres := range []bool{false, true} {
		name := "SQLite"
		if postgres {
			name = "PostgreSQL"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, repositorytest.Options{Postgres: postgres})
			f.h.Connect(t, f.iss.ID, "student")
			f.h.Cloud.WriteFile("alice", "/small.txt", []byte("a small file"))
			req := host.PickRequest{Course: "42", ReturnTo: "/return"}
			if code, body, _ := f.c.Get(t, f.listPath(t, req, "path", "/"), "HX-Request", "true"); code != http.StatusOK {
				t.Fatalf("listing: %d %.300s", code, body)
			}
			qc := countQueries(t, f.h.DB)
			code, body, _ := f.pick(t, req, "import", "/small.txt")
			if code != http.StatusAccepted && code != http.StatusOK {
				t.Fatalf("pick: %d %.300s", code, body)
			}
			id := jobID(t, body)
			if _, err := f.h.Repo.AwaitImport(repositorytest.Deadline(t, 30*time.Second), host.User{ID: "student"}, id); err != nil {
				t.Fatal(err)
			}
			n, sql := qc.reset()
			n-- // AwaitImport's own read of the finished job
			for _, q := range sql {
				t.Logf("    %.120s", strings.Join(strings.Fields(q), " "))
			}
			const budget = 8
			t.Logf("%d statements for one import", n)
			if n > budget {
				t.Errorf("%d statements for one import, want at most %d", n, budget)
			}
		})
	}
}
