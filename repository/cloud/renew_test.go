package cloud

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
)

// renewingSource hands out "old" and, asked after a 401, answers with its renewal.
type renewingSource struct {
	mu      sync.Mutex
	next    string
	retry   bool
	err     error
	refused []string
}

func (r *renewingSource) AccessToken(context.Context) (string, error) { return "old", nil }

func (r *renewingSource) RenewAccessToken(_ context.Context, refused string) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused = append(r.refused, refused)
	return r.next, r.retry, r.err
}

// TestRefusedTokenIsRenewedOnce: a 401 for a token the source has since replaced is retried once with the new
// token, body and all (a share creation is a POST); a source that declines leaves the 401 as it is; a second 401
// is not retried again.
func TestRefusedTokenIsRenewedOnce(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var bodies []string
	ts := newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		bodies = append(bodies, r.PostForm.Encode())
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer new" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Current user is not logged in"},"data":[]}}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK"},"data":{"id":"9","share_type":3,` +
			`"permissions":1,"url":"https://cloud.example.org/s/abc","token":"abc","path":"/a.txt","item_type":"file"}}}`))
	}))
	for _, tt := range []struct {
		name     string
		src      *renewingSource
		ok       bool
		requests int
	}{
		{"renewed", &renewingSource{next: "new", retry: true}, true, 2},
		{"declined", &renewingSource{next: "new", retry: false}, false, 1},
		{"renewed to another refused token", &renewingSource{next: "newer", retry: true}, false, 2},
		{"renewed to the same token", &renewingSource{next: "old", retry: true}, false, 1},
		{"renewal refused", &renewingSource{err: ErrLoginAgain}, false, 1},
	} {
		mu.Lock()
		bodies = nil
		mu.Unlock()
		sh, err := ts.client(t).As("alice", tt.src).CreateShare(context.Background(), ShareRequest{Path: "/a.txt", ShareType: SharePublic})
		if tt.ok && (err != nil || sh.ID != "9") {
			t.Errorf("%s: %+v, %v", tt.name, sh, err)
		}
		if want := cmp.Or(tt.src.err, ErrUnauthorized); !tt.ok && !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", tt.name, err, want)
		}
		mu.Lock()
		if len(bodies) != tt.requests || len(bodies) == 2 && bodies[0] != bodies[1] {
			t.Errorf("%s: requests %q, want %d with the same body", tt.name, bodies, tt.requests)
		}
		mu.Unlock()
		if len(tt.src.refused) != 1 || tt.src.refused[0] != "old" {
			t.Errorf("%s: asked to renew %q", tt.name, tt.src.refused)
		}
	}
}
