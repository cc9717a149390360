package service

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
)

// folderOf is a cached folder with n children fetched at t.
func folderOf(n int, t time.Time) *folder {
	es := make([]cloud.Entry, n)
	for i := range es {
		es[i] = cloud.Entry{Path: fmt.Sprintf("/f/%d", i), Name: fmt.Sprint(i)}
	}
	return &folder{self: cloud.Entry{Path: "/f", Dir: true}, entries: es, fetched: t}
}

func keyOf(user, p string) listingKey {
	return listingKey{issuerID: 1, userID: user, cloudUser: "c-" + user, path: p}
}

func TestListingCacheBoundedByEntries(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	c := newListingCache(100, time.Minute, clock.Now)
	now := clock.Now()
	// Three folders of 30 children cost 31 each: 93 of 100.
	for _, p := range []string{"/a", "/b", "/c"} {
		c.put(keyOf("u", p), folderOf(30, now))
	}
	if l, e := c.size(); l != 3 || e != 93 {
		t.Fatalf("size = %d listings, %d entries; want 3, 93", l, e)
	}
	// Reading /a makes /b the least recently used; a fourth folder pushes it out.
	if _, ok := c.get(keyOf("u", "/a")); !ok {
		t.Fatal("/a missing")
	}
	c.put(keyOf("u", "/d"), folderOf(30, now))
	if _, ok := c.get(keyOf("u", "/b")); ok {
		t.Error("/b, the least recently used, survived")
	}
	for _, p := range []string{"/a", "/c", "/d"} {
		if _, ok := c.get(keyOf("u", p)); !ok {
			t.Errorf("%s was evicted", p)
		}
	}
	if l, e := c.size(); l != 3 || e != 93 {
		t.Errorf("size = %d listings, %d entries; want 3, 93", l, e)
	}
	// Replacing a listing counts it once.
	c.put(keyOf("u", "/d"), folderOf(10, now))
	if _, e := c.size(); e != 73 {
		t.Errorf("entries after replacing /d = %d, want 73", e)
	}
	// A folder as large as the cache can hold exactly fills it.
	c.put(keyOf("u", "/full"), folderOf(99, now))
	if l, e := c.size(); l != 1 || e != 100 {
		t.Errorf("after a 99-entry folder: %d listings, %d entries; want 1, 100", l, e)
	}
	// A folder larger than the whole cache is not kept, and does not flush what is there; a stale copy of it
	// under the same key goes.
	c.put(keyOf("u", "/e"), folderOf(5, now))
	c.put(keyOf("u", "/huge"), folderOf(5, now))
	c.put(keyOf("u", "/huge"), folderOf(100, now))
	if _, ok := c.get(keyOf("u", "/huge")); ok {
		t.Error("a folder larger than the cache was kept")
	}
	if _, ok := c.get(keyOf("u", "/e")); !ok {
		t.Error("a folder too large to cache flushed the cache")
	}
	if _, e := c.size(); e > 100 {
		t.Errorf("entries %d over the bound", e)
	}
}

func TestListingCacheNeverServesOldListings(t *testing.T) {
	t.Parallel()
	// Past the TTL a listing is never served as it is; it is held (for revalidation by etag, revalidate.go) until
	// the revalidation window ends, then dropped.
	cases := []struct {
		age  time.Duration
		want bool
		held bool
	}{
		{0, true, true},
		{50 * time.Second, true, true}, // the test clock is real time plus an offset: keep clear of the boundary
		{61 * time.Second, false, true},
		{revalidateWindow*time.Minute + time.Second, false, false},
		{time.Hour, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.age.String(), func(t *testing.T) {
			t.Parallel()
			clock := &testClock{}
			c := newListingCache(1000, time.Minute, clock.Now)
			c.put(keyOf("u", "/a"), folderOf(3, clock.Now()))
			clock.Advance(tc.age)
			_, ok := c.get(keyOf("u", "/a"))
			if ok != tc.want {
				t.Fatalf("get after %s = %v, want %v", tc.age, ok, tc.want)
			}
			if l, _ := c.size(); (l == 1) != tc.held {
				t.Errorf("after %s the listing is held: %v, want %v", tc.age, l == 1, tc.held)
			}
		})
	}
}

func TestListingCacheSweepsExpiredListings(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	c := newListingCache(10_000, time.Minute, clock.Now)
	for i := range 50 {
		c.put(keyOf(fmt.Sprint("u", i), "/"), folderOf(20, clock.Now()))
	}
	clock.Advance(2 * time.Minute)
	// Expired but within the revalidation window: still held.
	c.put(keyOf("early", "/"), folderOf(20, clock.Now()))
	if l, _ := c.size(); l != 51 {
		t.Fatalf("within the revalidation window: %d listings, want 51", l)
	}
	clock.Advance(revalidateWindow*time.Minute + time.Second)
	// Nobody reads the old listings again; past the window the next put gives their memory back.
	c.put(keyOf("late", "/"), folderOf(20, clock.Now()))
	if l, e := c.size(); l != 1 || e != 21 {
		t.Fatalf("after the sweep: %d listings, %d entries; want 1, 21", l, e)
	}
}

func TestListingCacheForgetsOneUser(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	c := newListingCache(1000, time.Minute, clock.Now)
	for _, u := range []string{"u1", "u2"} {
		for _, p := range []string{"/", "/x"} {
			c.put(keyOf(u, p), folderOf(2, clock.Now()))
		}
	}
	other := listingKey{issuerID: 2, userID: "u1", cloudUser: "c-u1", path: "/"}
	c.put(other, folderOf(2, clock.Now()))
	c.forgetUser(1, "u1")
	for _, k := range []listingKey{keyOf("u1", "/"), keyOf("u1", "/x")} {
		if _, ok := c.get(k); ok {
			t.Errorf("%v survived forgetUser", k)
		}
	}
	for _, k := range []listingKey{keyOf("u2", "/"), keyOf("u2", "/x"), other} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%v was dropped with another user's listings", k)
		}
	}
}

func TestListingCacheDisabled(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	c := newListingCache(1000, -1, clock.Now)
	c.put(keyOf("u", "/"), folderOf(2, clock.Now()))
	if _, ok := c.get(keyOf("u", "/")); ok {
		t.Fatal("a disabled cache served a listing")
	}
	if l, _ := c.size(); l != 0 {
		t.Fatalf("a disabled cache holds %d listings", l)
	}
}

func TestListingCacheDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	s := e.service(t, e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t))))
	if s.listings.max != 200_000 || s.listings.ttl != time.Minute {
		t.Fatalf("defaults: %d entries, %s; want 200000, 1m0s", s.listings.max, s.listings.ttl)
	}
}

// connect stores a fresh token of cloudUser for host user u1.
func (e *env) connect(t *testing.T, st store.Store, issuerID int64, cloudUser string) {
	t.Helper()
	access, refresh, life := e.cloud.IssueToken(cloudUser)
	now := e.clock.Now()
	_, err := st.PutToken(context.Background(), store.Token{Key: store.TokenKey{IssuerID: issuerID, UserID: "u1"}, CloudUser: cloudUser,
		AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
	if err != nil {
		t.Fatal(err)
	}
}

// TestListingCacheAcrossReplicas runs two services on one database: a listing one replica holds is only ever a
// shortcut; the other replica fetches (one request) and shows the same, and a logout or a login as another
// cloud account made on one replica is obeyed by the other at once.
func TestListingCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	e.cloud.AddUser("bob", "bob", "bob@example.org", "Bob")
	e.cloud.WriteFile("bob", "/bobs.txt", []byte("b"))
	path := gormtest.SQLiteFile(t)
	st1 := e.store(t, gormtest.OpenSQLite(t, path))
	st2 := e.store(t, gormtest.OpenSQLite(t, path))
	s1, s2 := e.service(t, st1), e.service(t, st2)
	ctx := context.Background()
	iss, err := st1.CreateIssuer(ctx, e.iss)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := st1.CreateInstance(ctx, store.Instance{Name: "Files", IssuerID: iss.ID, Enabled: true,
		Supported: store.ReturnTypes(host.ReturnImport), DefaultReturn: store.ReturnTypes(host.ReturnImport)})
	if err != nil {
		t.Fatal(err)
	}
	e.connect(t, st1, iss.ID, "alice")
	u := host.User{ID: "u1"}
	names := func(lp ListPage) []string {
		var out []string
		for _, r := range lp.Rows {
			out = append(out, r.Name)
		}
		return out
	}
	list := func(s *Service, wantRequests int, wantCached bool) ListPage {
		t.Helper()
		e.cloud.ResetCounts()
		lp, err := s.List(ctx, u, inst, host.PickRequest{}, ListQuery{Path: "/"})
		if err != nil {
			t.Fatal(err)
		}
		if n := e.cloud.Count(cloudtest.EPWebDAV); n != wantRequests || lp.Cached != wantCached {
			t.Fatalf("listing made %d requests (cached %v), want %d (cached %v)", n, lp.Cached, wantRequests, wantCached)
		}
		return lp
	}
	a := list(s1, 1, false)
	list(s1, 0, true)
	b := list(s2, 1, false) // the other replica misses: slower, not different
	if fmt.Sprint(names(a)) != fmt.Sprint(names(b)) || len(names(a)) != 1 {
		t.Fatalf("replicas disagree: %q and %q", names(a), names(b))
	}
	// The user logs in as another cloud account through replica 2; replica 1 must not show alice's files.
	e.connect(t, st2, iss.ID, "bob")
	if got := names(list(s1, 1, false)); fmt.Sprint(got) != "[bobs.txt]" {
		t.Fatalf("after a login as bob, replica 1 lists %q", got)
	}
	// A logout on replica 2 ends the cached listing on replica 1 too.
	if _, err := s2.Logout(ctx, u, iss.ID); err != nil {
		t.Fatal(err)
	}
	e.cloud.ResetCounts()
	if _, err := s1.List(ctx, u, inst, host.PickRequest{}, ListQuery{Path: "/"}); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("listing after a logout elsewhere: %v, want ErrNotConnected", err)
	}
	if n := e.cloud.Count(cloudtest.EPWebDAV); n != 0 {
		t.Errorf("listing after a logout made %d requests", n)
	}
}
