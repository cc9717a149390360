package service

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
)

// TestTwoUsersRefreshingAtOnceEachGetTheirOwnToken: refreshes are shared per (issuer, user), never across users.
// Two host users whose logins expired list their files at the same moment while the cloud's token endpoint is
// slow, so their refreshes overlap: each refreshes once with their own refresh token and sees their own files.
// A refresh shared under a key without the user would hand one user's fresh token to the other.
func TestTwoUsersRefreshingAtOnceEachGetTheirOwnToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, cloudtest.Options{})
	e.cloud.AddUser("bob", "bob", "bob@example.org", "Bob")
	e.cloud.WriteFile("bob", "/bobs.txt", []byte("b"))
	st := e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	ctx := context.Background()
	iss, err := st.CreateIssuer(ctx, e.iss)
	if err != nil {
		t.Fatal(err)
	}
	cloudUsers := map[string]string{"u1": "alice", "u2": "bob"}
	for hostUser, cloudUser := range cloudUsers {
		access, refresh, life := e.cloud.IssueToken(cloudUser)
		now := e.clock.Now()
		_, err := st.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: hostUser}, CloudUser: cloudUser,
			AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
		if err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(2 * time.Hour)
	s := e.service(t, st)
	// Slow refreshes: every caller arrives while the first refresh is still on its way.
	e.cloud.Fail(cloudtest.EPToken, cloudtest.Fault{Latency: 150 * time.Millisecond})
	e.cloud.ResetCounts()

	const perUser = 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]map[string]int{} // host user -> first file name -> count
	var errs []error
	start := make(chan struct{})
	for hostUser := range cloudUsers {
		seen[hostUser] = map[string]int{}
		for range perUser {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				conn, _, err := s.userConn(ctx, iss.ID, hostUser)
				var name string
				if err == nil {
					_, entries, rerr := conn.ReadDir(ctx, "/")
					err = rerr
					if len(entries) > 0 {
						name = entries[len(entries)-1].Name
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", hostUser, err))
					return
				}
				seen[hostUser][name]++
			}()
		}
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if got := seen["u1"]; got["a.txt"] != perUser || len(got) != 1 {
		t.Errorf("u1 (alice) saw %v, want a.txt %d times", got, perUser)
	}
	if got := seen["u2"]; got["bobs.txt"] != perUser || len(got) != 1 {
		t.Errorf("u2 (bob) saw %v, want bobs.txt %d times", got, perUser)
	}
	if n := e.cloud.Count(cloudtest.EPToken); n != 2 {
		t.Errorf("%d token requests, want 2 (one refresh per user)", n)
	}
	for hostUser, cloudUser := range cloudUsers {
		tok, err := st.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, UserID: hostUser})
		if err != nil || tok.CloudUser != cloudUser || !tok.Expiry.After(e.clock.Now()) {
			t.Errorf("%s's stored token after the refresh: %s, expiry %s, %v", hostUser, tok.CloudUser, tok.Expiry, err)
		}
	}
}
