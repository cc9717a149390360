package service

import (
	"context"
	"fmt"
	"sync"

	"github.com/ocrepo/ocrepo/store"
)

// issuerCacheLimit bounds the issuers kept: far more than a site registers; past it the cache starts over.
const issuerCacheLimit = 1024

// issuerCache keeps issuers (endpoints, mappings and the opened client secret) by ID, each with the revision it
// was read at. An entry is used only when the caller has just read the issuer's current revision from the
// database (store.InstanceOffers), so a save on any replica is seen by the next request of every replica.
type issuerCache struct {
	mu sync.Mutex
	m  map[int64]store.Issuer
}

func (c *issuerCache) get(id, revision int64) (store.Issuer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	iss, ok := c.m[id]
	if !ok || iss.Revision != revision {
		return store.Issuer{}, false
	}
	return iss, true
}

func (c *issuerCache) put(iss store.Issuer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= issuerCacheLimit {
		c.m = map[int64]store.Issuer{}
	}
	c.m[iss.ID] = iss
}

// issuerAt returns the issuer at the given revision: from the cache when it holds that revision, else from the
// store (the store's copy is then cached, even when a save has moved it past revision meanwhile).
func (s *Service) issuerAt(ctx context.Context, id, revision int64) (store.Issuer, error) {
	if iss, ok := s.issuers.get(id, revision); ok {
		return iss, nil
	}
	iss, err := s.store.GetIssuer(ctx, id)
	if err != nil {
		return store.Issuer{}, fmt.Errorf("service: issuer %d: %w", id, err)
	}
	s.issuers.put(iss)
	return iss, nil
}

// requestIssuersKey carries the issuers a request has loaded and checked already.
type requestIssuersKey struct{}

// WithIssuers returns ctx carrying the issuers of avail (as AvailableFor returned them for this request), so that
// the calls made next for the same request (the listing's cloud client, picks) do not read them again, and the
// user's tokens read with them, each serving the first connection of the request that needs it (a later one
// reads the store again). Use it for one request only: the issuers are not checked again.
func WithIssuers(ctx context.Context, avail []Available) context.Context {
	if len(avail) == 0 {
		return ctx
	}
	m := make(map[int64]store.Issuer, len(avail))
	toks := &requestTokens{m: map[store.TokenKey]*store.Token{}}
	var system map[int64]bool
	for _, a := range avail {
		m[a.Issuer.ID] = a.Issuer
		if a.tokenRead {
			toks.m[a.tokenKey] = a.userToken
		}
		if a.systemRead {
			if system == nil {
				system = make(map[int64]bool, len(avail))
			}
			system[a.Instance.IssuerID] = a.systemConnected
		}
	}
	ctx = context.WithValue(ctx, requestIssuersKey{}, m)
	if len(toks.m) > 0 {
		ctx = context.WithValue(ctx, requestTokensKey{}, toks)
	}
	if system != nil {
		ctx = context.WithValue(ctx, requestSystemKey{}, system)
	}
	return ctx
}

// requestSystemKey carries whether each issuer's system account was connected, as AvailableFor read it with the
// instances.
type requestSystemKey struct{}

// requestSystemConnected says whether the issuer's system account was connected when this request read its
// instances; known is false when the request did not read it.
func requestSystemConnected(ctx context.Context, issuerID int64) (connected, known bool) {
	m, _ := ctx.Value(requestSystemKey{}).(map[int64]bool)
	connected, known = m[issuerID]
	return connected, known
}

// requestTokensKey carries the user's tokens AvailableFor read with the instances.
type requestTokensKey struct{}

// requestTokens are tokens read earlier in the request, by key; a nil token means none is stored.
type requestTokens struct {
	mu sync.Mutex
	m  map[store.TokenKey]*store.Token
}

// requestToken takes the token read earlier in the request for key, if any: found says whether it was read, tok
// is nil when none is stored. Each is handed out once.
func requestToken(ctx context.Context, key store.TokenKey) (tok *store.Token, found bool) {
	rt, _ := ctx.Value(requestTokensKey{}).(*requestTokens)
	if rt == nil {
		return nil, false
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	tok, found = rt.m[key]
	delete(rt.m, key)
	return tok, found
}

// WithIssuer returns ctx carrying an issuer the request has just read (GetIssuer), so that the service's next call
// for the same request (UpdateIssuer) does not read it again. Use it for one request only.
func WithIssuer(ctx context.Context, iss store.Issuer) context.Context {
	return context.WithValue(ctx, requestIssuersKey{}, map[int64]store.Issuer{iss.ID: iss})
}

// requestIssuer is the issuer with this ID loaded earlier in the same request, if any.
func requestIssuer(ctx context.Context, id int64) (store.Issuer, bool) {
	m, _ := ctx.Value(requestIssuersKey{}).(map[int64]store.Issuer)
	iss, ok := m[id]
	return iss, ok
}

// issuerFor is the issuer loaded earlier in this request (WithIssuers), else the store's.
func (s *Service) issuerFor(ctx context.Context, id int64) (store.Issuer, error) {
	if iss, ok := requestIssuer(ctx, id); ok {
		return iss, nil
	}
	return s.store.GetIssuer(ctx, id)
}
