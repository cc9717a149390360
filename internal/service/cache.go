package service

import (
	"container/list"
	"sync"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// listingKey names one folder listing as one host user sees it through one cloud account.
type listingKey struct {
	issuerID  int64
	userID    string
	cloudUser string
	path      string
}

// folder is a cached listing. Entries are never modified after caching; sorted orders are computed lazily.
type folder struct {
	self    cloud.Entry
	entries []cloud.Entry
	fetched time.Time

	mu     sync.Mutex
	orders map[string][]int32 // sort key -> indices into entries
}

type cacheItem struct {
	key listingKey
	f   *folder
}

// listingCache keeps recent folder listings so paging, sorting, filtering and going back cost no request. It is
// bounded by the total number of entries it holds (a folder counts its children plus itself; the least recently
// used listings go first) and by age (a listing older than the TTL is never served as it is; it is held for
// revalidation up to revalidateWindow TTLs, then swept out as new ones arrive). It lives in one process, so on another replica a listing is simply fetched again
// (slower, never wrong); and it is consulted only after the user's stored login has been read, so a logout or a
// login as another cloud account on any replica takes effect at once.
type listingCache struct {
	mu        sync.Mutex
	max       int
	ttl       time.Duration
	keep      time.Duration // how long an expired listing is held for revalidation (revalidate.go)
	now       func() time.Time
	held      int
	ll        *list.List
	byKey     map[listingKey]*list.Element
	lastSweep time.Time
	disabled  bool
}

func newListingCache(maxEntries int, ttl time.Duration, now func() time.Time) *listingCache {
	return &listingCache{max: maxEntries, ttl: ttl, keep: ttl * revalidateWindow, now: now, ll: list.New(), byKey: map[listingKey]*list.Element{},
		disabled: ttl < 0}
}

func (c *listingCache) get(k listingKey) (*folder, bool) {
	if c.disabled {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	it := el.Value.(*cacheItem)
	if age := c.now().Sub(it.f.fetched); age > c.ttl {
		if age > c.keep {
			c.removeLocked(el)
		}
		return nil, false
	}
	c.ll.MoveToFront(el)
	return it.f, true
}

// cost is what a folder counts against the bound: its children and itself.
func (f *folder) cost() int { return len(f.entries) + 1 }

func (c *listingCache) put(k listingKey, f *folder) {
	if c.disabled {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[k]; ok {
		c.removeLocked(el)
	}
	if f.cost() > c.max {
		return // larger than the whole cache: keeping it would only push everything else out
	}
	if now := c.now(); now.Sub(c.lastSweep) >= c.ttl {
		c.sweepLocked(now)
		c.lastSweep = now
	}
	c.byKey[k] = c.ll.PushFront(&cacheItem{key: k, f: f})
	c.held += f.cost()
	for c.held > c.max {
		c.removeLocked(c.ll.Back())
	}
}

// sweepLocked drops every listing past its revalidation window. put calls it at most once per TTL, so its cost (one pass over the
// listings held) is spread over many puts, and memory held by listings nobody can use any more is given back.
func (c *listingCache) sweepLocked(now time.Time) {
	for el := c.ll.Back(); el != nil; {
		prev := el.Prev()
		if now.Sub(el.Value.(*cacheItem).f.fetched) > c.keep {
			c.removeLocked(el)
		}
		el = prev
	}
}

// forgetUser drops every listing of a host user at an issuer (logout, a change made in their space).
func (c *listingCache) forgetUser(issuerID int64, userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, el := range c.byKey {
		if k.issuerID == issuerID && k.userID == userID {
			c.removeLocked(el)
		}
	}
}

func (c *listingCache) removeLocked(el *list.Element) {
	it := el.Value.(*cacheItem)
	c.ll.Remove(el)
	delete(c.byKey, it.key)
	c.held -= it.f.cost()
}

// size reports how many listings and entries are held.
func (c *listingCache) size() (listings, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len(), c.held
}
