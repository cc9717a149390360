package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/store"
)

func testAuditOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	list, err := s.ListAudit(ctx, store.AuditFilter{})
	noErr(t, "ListAudit empty", err)
	if len(list) != 0 {
		t.Fatalf("new store has %d audit entries", len(list))
	}
	// Added out of time order; two share one instant (the later insert counts as newer).
	entries := []store.AuditEntry{
		{At: at(2), Actor: "admin", Action: "issuer.create", Target: "issuer 1", Detail: "Nextcloud der Universität"},
		{At: at(1), Actor: "admin", Action: "system.connect", Target: "issuer 1", Detail: "verbunden als ‘lms’"},
		{At: at(3), Actor: "teacher", Action: "share.revoke", Target: "link 4", Detail: "bob"},
		{At: at(3), Actor: "teacher", Action: "share.revoke", Target: "link 4", Detail: "carol"},
	}
	for _, e := range entries {
		noErr(t, "AddAudit", s.AddAudit(ctx, e))
	}
	list, err = s.ListAudit(ctx, store.AuditFilter{})
	noErr(t, "ListAudit", err)
	want := []store.AuditEntry{entries[3], entries[2], entries[0], entries[1]}
	if len(list) != len(want) {
		t.Fatalf("%d entries, want %d", len(list), len(want))
	}
	for i := range want {
		want[i].ID = list[i].ID
	}
	same(t, "audit trail", list, want)
	seen := map[int64]bool{}
	for _, e := range list {
		if e.ID <= 0 || seen[e.ID] {
			t.Fatalf("bad or repeated ID %d", e.ID)
		}
		seen[e.ID] = true
	}

	// Filters narrow by actor, action and target, each alone and together.
	filtered := []struct {
		name   string
		filter store.AuditFilter
		want   []store.AuditEntry
	}{
		{"by actor", store.AuditFilter{Actor: "teacher"}, []store.AuditEntry{want[0], want[1]}},
		{"by action", store.AuditFilter{Action: "system.connect"}, []store.AuditEntry{want[3]}},
		{"by target", store.AuditFilter{Target: "issuer 1"}, []store.AuditEntry{want[2], want[3]}},
		{"by actor and action", store.AuditFilter{Actor: "admin", Action: "issuer.create"}, []store.AuditEntry{want[2]}},
		{"by actor, no match", store.AuditFilter{Actor: "admin", Action: "share.revoke"}, []store.AuditEntry{}},
		{"filter with limit", store.AuditFilter{Actor: "teacher", Limit: 1}, []store.AuditEntry{want[0]}},
	}
	for _, tt := range filtered {
		got, err := s.ListAudit(ctx, tt.filter)
		noErr(t, "ListAudit "+tt.name, err)
		if got == nil {
			got = []store.AuditEntry{}
		}
		same(t, tt.name, got, tt.want)
	}

	// At defaults to now.
	noErr(t, "AddAudit without time", s.AddAudit(ctx, store.AuditEntry{Actor: "admin", Action: "instance.delete"}))
	list, err = s.ListAudit(ctx, store.AuditFilter{})
	noErr(t, "ListAudit", err)
	var stampedEntry store.AuditEntry
	for _, e := range list {
		if e.Action == "instance.delete" {
			stampedEntry = e
		}
	}
	stamped(t, "At", stampedEntry.At)
	if d := time.Since(stampedEntry.At); d < -time.Hour || d > time.Hour {
		t.Fatalf("default At = %v, far from now", stampedEntry.At)
	}
}

func testAuditPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	const total = 130
	base := time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)
	for i := range total {
		noErr(t, "AddAudit", s.AddAudit(ctx, store.AuditEntry{
			At: base.Add(time.Duration(i) * time.Minute), Actor: "admin", Action: "test", Target: fmt.Sprint(i),
		}))
	}
	targets := func(es []store.AuditEntry) []string {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.Target
		}
		return out
	}
	span := func(from, n int) []string { // newest first, starting at entry from
		out := make([]string, 0, n)
		for i := from; i > from-n && i >= 0; i-- {
			out = append(out, fmt.Sprint(i))
		}
		return out
	}
	tests := []struct {
		name   string
		filter store.AuditFilter
		want   []string
	}{
		{"default limit is 100", store.AuditFilter{}, span(total-1, 100)},
		{"limit", store.AuditFilter{Limit: 5}, span(total-1, 5)},
		{"offset", store.AuditFilter{Limit: 5, Offset: 10}, span(total-11, 5)},
		{"offset with default limit", store.AuditFilter{Offset: 100}, span(total-101, 30)},
		{"past the end", store.AuditFilter{Limit: 10, Offset: total}, []string{}},
		{"last page", store.AuditFilter{Limit: 10, Offset: total - 3}, span(2, 3)},
	}
	for _, tt := range tests {
		got, err := s.ListAudit(ctx, tt.filter)
		noErr(t, "ListAudit "+tt.name, err)
		same(t, tt.name, targets(got), tt.want)
	}
}

func testAuditLatest(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.LatestAudit(ctx, "issuer.check", []string{"issuer 1"})
	noErr(t, "LatestAudit empty", err)
	if len(got) != 0 {
		t.Fatalf("new store: %d latest entries", len(got))
	}
	entries := []store.AuditEntry{
		{At: at(1), Actor: "admin", Action: "issuer.check", Target: "issuer 1", Detail: "first"},
		{At: at(3), Actor: "admin", Action: "issuer.check", Target: "issuer 1", Detail: "newest of 1"},
		{At: at(2), Actor: "admin", Action: "issuer.check", Target: "issuer 1", Detail: "added later, older"},
		{At: at(4), Actor: "admin", Action: "issuer.update", Target: "issuer 1", Detail: "another action"},
		{At: at(2), Actor: "admin", Action: "issuer.check", Target: "issuer 2", Detail: "tie, first"},
		{At: at(2), Actor: "admin", Action: "issuer.check", Target: "issuer 2", Detail: "tie, inserted last: newest of 2"},
		{At: at(5), Actor: "admin", Action: "issuer.check", Target: "issuer 3", Detail: "not asked for"},
	}
	for _, e := range entries {
		noErr(t, "AddAudit", s.AddAudit(ctx, e))
	}
	got, err = s.LatestAudit(ctx, "issuer.check", []string{"issuer 1", "issuer 2", "issuer 9"})
	noErr(t, "LatestAudit", err)
	byTarget := map[string]string{}
	for _, e := range got {
		if e.Action != "issuer.check" || e.ID <= 0 {
			t.Fatalf("LatestAudit gave %+v", e)
		}
		if _, dup := byTarget[e.Target]; dup {
			t.Fatalf("two entries for %s", e.Target)
		}
		byTarget[e.Target] = e.Detail
	}
	same(t, "latest per target", byTarget, map[string]string{"issuer 1": "newest of 1", "issuer 2": "tie, inserted last: newest of 2"})
	// Each agrees with the first entry ListAudit gives for the target.
	for _, e := range got {
		first, err := s.ListAudit(ctx, store.AuditFilter{Action: "issuer.check", Target: e.Target, Limit: 1})
		noErr(t, "ListAudit", err)
		if len(first) != 1 || first[0].ID != e.ID {
			t.Fatalf("LatestAudit for %s = %+v, ListAudit's first %+v", e.Target, e, first)
		}
	}
	got, err = s.LatestAudit(ctx, "issuer.check", nil)
	noErr(t, "LatestAudit of no targets", err)
	if len(got) != 0 {
		t.Fatalf("no targets: %d entries", len(got))
	}
}
