package cloudtest

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// Faults of a whole server rather than of one endpoint: a server that stops and comes back, access tokens the
// server ends before the client's clock does, a client secret changed at the server.

// ExpireAccessTokens ends every live access token of user now, by the server's clock, as Nextcloud does when its
// app-password row expires before the client thinks the token is old: the token gets 401 ("Bearer token was
// incorrect") while its refresh token stays good. It returns how many tokens ended.
func (s *Server) ExpireAccessTokens(user string) int {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	now := s.now()
	n := 0
	for _, t := range s.access {
		if t.user == user && now.Before(t.expires) {
			t.expires = now
			n++
		}
	}
	return n
}

// SetClientSecret changes the registered OAuth client's secret (an admin regenerated it at the cloud). Token
// requests with the old secret get invalid_client, which, as on Nextcloud, is checked only after the refresh
// token is found and does not use it up.
func (s *Server) SetClientSecret(secret string) {
	s.authMu.Lock()
	defer s.authMu.Unlock()
	s.opts.ClientSecret = secret
}

// Stop closes the server's listener and drops every open connection, as a server that went down: new requests
// get "connection refused", requests in flight end without an answer. The files, users and tokens stay; Start
// brings the server back on the same address.
func (s *Server) Stop() {
	s.gate.stop()
	s.hs.CloseClientConnections()
}

// Start listens again on the server's address after Stop. It fails when the address has been taken meanwhile.
func (s *Server) Start() error {
	return s.gate.start()
}

// gateListener is the server's listener, which Stop closes and Start opens again on the same address while the
// HTTP server keeps accepting from it.
type gateListener struct {
	addr net.Addr

	mu     sync.Mutex
	cur    net.Listener  // nil while stopped
	open   chan struct{} // closed when cur is set again, or the gate is closed
	closed bool
}

func newGateListener(ln net.Listener) *gateListener {
	return &gateListener{addr: ln.Addr(), cur: ln, open: make(chan struct{})}
}

// Accept waits for a connection, across stops and starts, until Close.
func (g *gateListener) Accept() (net.Conn, error) {
	for {
		g.mu.Lock()
		cur, open, closed := g.cur, g.open, g.closed
		g.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		if cur == nil {
			<-open
			continue
		}
		c, err := cur.Accept()
		if err == nil {
			return c, nil
		}
		g.mu.Lock()
		stopped := g.cur != cur || g.closed
		g.mu.Unlock()
		if !stopped {
			return nil, err
		}
	}
}

func (g *gateListener) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cur != nil {
		_ = g.cur.Close()
		g.cur = nil
	}
}

func (g *gateListener) start() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errors.New("cloudtest: start: the server is closed")
	}
	if g.cur != nil {
		return nil
	}
	ln, err := net.Listen(g.addr.Network(), g.addr.String())
	if err != nil {
		return fmt.Errorf("cloudtest: start: listen again on %s: %w", g.addr, err)
	}
	g.cur = ln
	close(g.open)
	g.open = make(chan struct{})
	return nil
}

// Close ends the listener for good.
func (g *gateListener) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	close(g.open)
	if g.cur != nil {
		err := g.cur.Close()
		g.cur = nil
		return err
	}
	return nil
}

// Addr is the address the server listens on, also while stopped.
func (g *gateListener) Addr() net.Addr { return g.addr }
