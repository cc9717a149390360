package service

import (
	"context"
	"strings"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// revalidateWindow is how many TTLs an expired listing is held: within it, one Depth 0 PROPFIND of the folder
// decides whether the listing can be served again.
const revalidateWindow = 10

// stale returns a held listing whatever its age (within the revalidation window).
func (c *listingCache) stale(k listingKey) (*folder, bool) {
	if c.disabled {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	return el.Value.(*cacheItem).f, true
}

// etagPropagates reports whether a folder's etag changes whenever anything below it changes, so that an unchanged
// etag proves an unchanged listing. Nextcloud and ownCloud propagate etags up the tree within a storage, and a
// folder's etag combines those of the storages mounted below it (Nextcloud's FileInfo::getEtag hashes the root
// etags of the sub-mounts in). A folder that is itself on a received share (S) or on another mount such as
// external storage (M) is another matter: external storages see changes made behind the server's back only when
// it rescans, and a share's etag is the owner's. Those are listed again in full; so is a folder without an etag.
func etagPropagates(e cloud.Entry) bool {
	return e.ETag != "" && !strings.ContainsAny(e.Permissions, "SM")
}

// holdsMounts reports whether a listing shows a share or another mount. Nextcloud folds the etags of mounts below
// a folder into the folder's etag, but not every server does (the test cloud propagates within one owner's tree
// only), so a folder that shows one is listed again in full.
func holdsMounts(entries []cloud.Entry) bool {
	for i := range entries {
		if strings.ContainsAny(entries[i].Permissions, "SM") {
			return true
		}
	}
	return false
}

// revalidate asks the cloud whether an expired listing still holds: one Depth 0 PROPFIND of the folder. It returns
// the listing renewed (fetched now) when the folder's etag is unchanged and can be trusted, and nil otherwise
// (changed, no etag, a share or a mount, or the server refused a Depth 0 PROPFIND): then the caller lists again.
func (s *Service) revalidate(ctx context.Context, conn *cloud.Conn, p string, old *folder) *folder {
	f, outcome := s.revalidated(ctx, conn, p, old)
	s.metrics.revalidations.WithLabelValues(outcome).Inc()
	return f
}

// revalidated is revalidate without the counting: the renewed listing or nil, and the outcome.
func (s *Service) revalidated(ctx context.Context, conn *cloud.Conn, p string, old *folder) (*folder, string) {
	if !etagPropagates(old.self) || holdsMounts(old.entries) {
		return nil, revalidationNot
	}
	self, err := conn.Stat(ctx, p)
	if err != nil {
		s.log.DebugContext(ctx, "ocrepo: listing revalidation failed, listing again", "err", err)
		return nil, revalidationFailed
	}
	if self.ETag != old.self.ETag || !etagPropagates(self) {
		return nil, revalidationChanged
	}
	old.mu.Lock()
	orders := make(map[string][]int32, len(old.orders))
	for k, v := range old.orders {
		orders[k] = v
	}
	old.mu.Unlock()
	return &folder{self: self, entries: old.entries, fetched: s.now(), orders: orders}, revalidationRenewed
}
