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
// bounded by the total number of entries it holds and by age; it lives in one process, so on another replica a
// listing is simply fetched again (slower, never wrong).
type listingCache struct {
	mu       sync.Mutex
	max      int
	ttl      time.Duration
	now      func() time.Time
	held     int
	ll       *list.List
	byKey    map[listingKey]*list.Element
	disabled bool
}

func newListingCache(maxEntries int, ttl time.Duration, now func() time.Time) *listingCache {
	return &listingCache{max: maxEntries, ttl: ttl, now: now, ll: list.New(), byKey: map[listingKey]*list.Element{},
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
	if c.now().Sub(it.f.fetched) > c.ttl {
		c.removeLocked(el)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return it.f, true
}

func (c *listingCache) put(k listingKey, f *folder) {
	if c.disabled || len(f.entries) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[k]; ok {
		c.removeLocked(el)
	}
	c.byKey[k] = c.ll.PushFront(&cacheItem{key: k, f: f})
	c.held += len(f.entries) + 1
	for c.held > c.max {
		c.removeLocked(c.ll.Back())
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
	c.held -= len(it.f.entries) + 1
}

// size reports how many listings and entries are held.
func (c *listingCache) size() (listings, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len(), c.held
}
