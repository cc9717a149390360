package service

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore/gormtest"
)

// revalEnv is a service with alice logged in (host user u1) and a folder /Docs in her cloud.
type revalEnv struct {
	e    *env
	s    *Service
	inst store.Instance
}

func newRevalEnv(t *testing.T) *revalEnv {
	t.Helper()
	e := newEnv(t, cloudtest.Options{})
	st := e.store(t, gormtest.OpenSQLite(t, gormtest.SQLiteFile(t)))
	ctx := context.Background()
	iss, err := st.CreateIssuer(ctx, e.iss)
	if err != nil {
		t.Fatal(err)
	}
	access, refresh, life := e.cloud.IssueToken("alice")
	now := e.clock.Now()
	if _, err := st.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: iss.ID, UserID: "u1"}, CloudUser: "alice",
		AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now}); err != nil {
		t.Fatal(err)
	}
	e.cloud.WriteFile("alice", "/Docs/one.txt", []byte("one"))
	e.cloud.WriteFile("alice", "/Docs/Sub/deep.txt", []byte("deep"))
	return &revalEnv{e: e, s: e.service(t, st), inst: store.Instance{ID: 1, IssuerID: iss.ID}}
}

func (r *revalEnv) list(t *testing.T, path string) ListPage {
	t.Helper()
	p, err := r.s.List(context.Background(), host.User{ID: "u1"}, r.inst, host.PickRequest{User: "u1"}, ListQuery{Path: path})
	if err != nil {
		t.Fatalf("list %s: %v", path, err)
	}
	return p
}

// propfinds lists path once after the cache expired and returns the PROPFINDs it cost.
func (r *revalEnv) expiredList(t *testing.T, path string) (ListPage, int) {
	t.Helper()
	r.e.clock.Advance(61 * time.Second)
	r.e.cloud.ResetCounts()
	p := r.list(t, path)
	return p, r.e.cloud.CountMethod(cloudtest.EPWebDAV, "PROPFIND")
}

// revalidations reads ocrepo_listing_revalidations_total by outcome (the outcomes never seen are absent).
func (r *revalEnv) revalidations(t *testing.T) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, o := range []string{revalidationRenewed, revalidationChanged, revalidationFailed, revalidationNot} {
		var m dto.Metric
		if err := r.s.metrics.revalidations.WithLabelValues(o).Write(&m); err != nil {
			t.Fatal(err)
		}
		if v := m.GetCounter().GetValue(); v != 0 {
			out[o] = v
		}
	}
	return out
}

// wantRevalidations fails unless the counts by outcome are exactly want.
func (r *revalEnv) wantRevalidations(t *testing.T, want map[string]float64) {
	t.Helper()
	if got := r.revalidations(t); !maps.Equal(got, want) {
		t.Fatalf("ocrepo_listing_revalidations_total = %v, want %v", got, want)
	}
}

func rowNames(p ListPage) []string {
	var out []string
	for _, row := range p.Rows {
		out = append(out, row.Name)
	}
	slices.Sort(out)
	return out
}

func rowSize(t *testing.T, p ListPage, name string) int64 {
	t.Helper()
	for _, row := range p.Rows {
		if row.Name == name {
			return row.Size
		}
	}
	t.Fatalf("no row %q in %v", name, rowNames(p))
	return 0
}

// TestExpiredListingUnchangedCostsOneDepth0Propfind: the folder's etag is the same, so the listing is renewed
// from one Depth 0 PROPFIND, and renewed again a minute later the same way.
func TestExpiredListingUnchangedCostsOneDepth0Propfind(t *testing.T) {
	t.Parallel()
	r := newRevalEnv(t)
	first := r.list(t, "/Docs")
	for round := range 2 {
		p, n := r.expiredList(t, "/Docs")
		if n != 1 {
			t.Fatalf("round %d: %d PROPFINDs, want 1 (Depth 0)", round, n)
		}
		if !slices.Equal(rowNames(p), rowNames(first)) {
			t.Fatalf("round %d: rows %v, want %v", round, rowNames(p), rowNames(first))
		}
		r.wantRevalidations(t, map[string]float64{revalidationRenewed: float64(round + 1)})
	}
}

// TestExpiredListingChangedIsListedAgain: a file added to the folder, or a file changed two levels down (the
// etag propagates up the tree), changes the folder's etag: the Depth 0 PROPFIND is followed by a full listing
// that shows the change.
func TestExpiredListingChangedIsListedAgain(t *testing.T) {
	t.Parallel()
	r := newRevalEnv(t)
	r.list(t, "/Docs")
	r.e.cloud.WriteFile("alice", "/Docs/two.txt", []byte("two"))
	p, n := r.expiredList(t, "/Docs")
	if n != 2 {
		t.Fatalf("after an added file: %d PROPFINDs, want 2 (Depth 0, then Depth 1)", n)
	}
	if got := rowNames(p); !slices.Contains(got, "two.txt") {
		t.Fatalf("rows %v lack the added file", got)
	}
	r.wantRevalidations(t, map[string]float64{revalidationChanged: 1})

	r.e.cloud.WriteFile("alice", "/Docs/Sub/deep.txt", []byte("deeper and longer"))
	p, n = r.expiredList(t, "/Docs")
	if n != 2 {
		t.Fatalf("after a change two levels down: %d PROPFINDs, want 2", n)
	}
	if got := rowSize(t, p, "Sub"); got != int64(len("deeper and longer")) {
		t.Fatalf("Sub's size %d after the change below it, want %d", got, len("deeper and longer"))
	}
	r.wantRevalidations(t, map[string]float64{revalidationChanged: 2})
}

// TestExpiredListingRevalidationFallsBack: whenever the Depth 0 answer cannot prove the listing unchanged (the
// server refuses Depth 0, answers without an etag), the folder is listed again in full, and the user sees the
// listing, not an error.
func TestExpiredListingRevalidationFallsBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		fault   func(r *revalEnv) cloudtest.Fault
		outcome string
	}{
		{"depth 0 refused", func(*revalEnv) cloudtest.Fault {
			return cloudtest.Fault{Method: "PROPFIND", Times: 1, Status: http.StatusBadRequest}
		}, revalidationFailed},
		{"depth 0 not implemented", func(*revalEnv) cloudtest.Fault {
			return cloudtest.Fault{Method: "PROPFIND", Times: 1, Status: http.StatusNotImplemented}
		}, revalidationFailed},
		{"no etag", func(*revalEnv) cloudtest.Fault {
			return cloudtest.Fault{Method: "PROPFIND", Times: 1, Status: http.StatusMultiStatus,
				ContentType: "application/xml; charset=utf-8", Body: folderWithoutETag("/remote.php/dav/files/alice/Docs/", "RGDNVCK")}
		}, revalidationChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRevalEnv(t)
			first := r.list(t, "/Docs")
			r.e.cloud.Fail(cloudtest.EPWebDAV, tc.fault(r))
			p, n := r.expiredList(t, "/Docs")
			if n != 2 {
				t.Fatalf("%d PROPFINDs, want 2 (the Depth 0 that failed to prove anything, then the listing)", n)
			}
			if !slices.Equal(rowNames(p), rowNames(first)) {
				t.Fatalf("rows %v, want %v", rowNames(p), rowNames(first))
			}
			r.wantRevalidations(t, map[string]float64{tc.outcome: 1})
		})
	}
}

// TestListingWithoutTrustworthyETagIsNotRevalidated: a folder listed without an etag, one on a share or a mount
// (S or M in its permissions), and one that shows a share among its entries are listed again in full when they
// expire, with no Depth 0 PROPFIND first.
func TestListingWithoutTrustworthyETagIsNotRevalidated(t *testing.T) {
	t.Parallel()
	const root = "/remote.php/dav/files/alice/Docs/"
	for _, tc := range []struct{ name, body string }{
		{"no etag", folderWithoutETag(root, "RGDNVCK")},
		{"folder on a share", folderWithETag(root, "SRMGDNVCK", "RGDNVW")},
		{"folder on external storage", folderWithETag(root, "RMGDNVCK", "RGDNVW")},
		{"a share among the entries", folderWithETag(root, "RGDNVCK", "SRMGDNVW")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRevalEnv(t)
			r.e.cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Method: "PROPFIND", Times: 1, Status: http.StatusMultiStatus,
				ContentType: "application/xml; charset=utf-8", Body: tc.body})
			r.list(t, "/Docs")
			_, n := r.expiredList(t, "/Docs")
			if n != 1 {
				t.Fatalf("%d PROPFINDs, want 1 (the listing, no Depth 0 first)", n)
			}
			r.wantRevalidations(t, map[string]float64{revalidationNot: 1})
		})
	}
}

const multistatusHead = `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">`

// folderWithoutETag is a multistatus of the folder at href with one file, neither with an etag.
func folderWithoutETag(href, perms string) string {
	return multistatusHead + fmt.Sprintf(`<d:response><d:href>%s</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><oc:permissions>%s</oc:permissions><oc:size>3</oc:size></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`, href, perms) +
		fmt.Sprintf(`<d:response><d:href>%sone.txt</d:href><d:propstat><d:prop><d:resourcetype/><d:getcontentlength>3</d:getcontentlength><oc:permissions>RGDNVW</oc:permissions></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`, href) +
		`</d:multistatus>`
}

// folderWithETag is a multistatus of the folder at href (permissions perms) with one file (permissions filePerms),
// both with etags.
func folderWithETag(href, perms, filePerms string) string {
	return multistatusHead + fmt.Sprintf(`<d:response><d:href>%s</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><d:getetag>"e1"</d:getetag><oc:permissions>%s</oc:permissions><oc:size>3</oc:size></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`, href, perms) +
		fmt.Sprintf(`<d:response><d:href>%sone.txt</d:href><d:propstat><d:prop><d:resourcetype/><d:getetag>"e2"</d:getetag><d:getcontentlength>3</d:getcontentlength><oc:permissions>%s</oc:permissions></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`, href, filePerms) +
		`</d:multistatus>`
}
