package gormstore

import (
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

// TestImportUsageReadsIndexesOnly: on SQLite, both reads of the import limits' statement are answered from a
// covering index, so their cost does not grow with the user's history of imports and unclaimed results.
func TestImportUsageReadsIndexesOnly(t *testing.T) {
	t.Parallel()
	s := newSQLiteFileStore(t)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.WithContext(t.Context()).Raw("EXPLAIN QUERY PLAN "+importUsageSQL,
		"user-1", string(store.ImportRunning), timeOf(time.Now()), "user-1").Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var searches []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(detail, "SEARCH") || strings.HasPrefix(detail, "SCAN ocrepo") {
			searches = append(searches, detail)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(searches) != 2 {
		t.Fatalf("plan reads %d tables, want 2: %q", len(searches), searches)
	}
	for _, d := range searches {
		if !strings.Contains(d, "USING COVERING INDEX") {
			t.Errorf("plan step %q does not read a covering index", d)
		}
	}
}
