package service

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// ErrBlockedAddress is returned when an issuer's URL resolves to an address the network guard refuses.
var ErrBlockedAddress = errors.New("service: address not allowed")

// blockedAddress reports why ip may not be dialled, or "" when it may. The address's class comes from the
// special-purpose table (netguard_table.go), IPv4 addresses embedded in IPv6 forms included. Loopback (and the
// unspecified address, which reaches this machine too) passes only with allowLoopback; multicast and broadcast
// never; private, link-local, carrier-grade NAT, reserved and cloud-metadata addresses only with allowPrivate
// (an issuer's "allow private networks" setting). The check runs on the address actually dialled (after DNS), so
// a name that resolves to a private address later is refused too.
func blockedAddress(ip netip.Addr, allowLoopback, allowPrivate bool) string {
	switch c := classify(ip); {
	case c == classGlobal:
		return ""
	case c == classLoopback:
		if allowLoopback {
			return ""
		}
		return c.verdict()
	case c == classNoUnicast:
		return c.verdict()
	case allowPrivate:
		return ""
	default:
		return c.verdict()
	}
}

// guardControl is a net.Dialer Control function that refuses blocked addresses.
func guardControl(allowLoopback, allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
		}
		switch why := blockedAddress(ap.Addr(), allowLoopback, allowPrivate); why {
		case "":
			return nil
		case "loopback":
			return fmt.Errorf("%w: %s is a loopback address (only a test or demo configuration reaches this machine)",
				ErrBlockedAddress, ap.Addr())
		case "unroutable":
			return fmt.Errorf("%w: %s is not a unicast address", ErrBlockedAddress, ap.Addr())
		default:
			return fmt.Errorf("%w: %s is a %s address (allow private networks for this issuer to reach it)",
				ErrBlockedAddress, ap.Addr(), why)
		}
	}
}

// newHTTPClients returns the guarded client (private networks refused) and the open one (private networks
// allowed, for issuers with that setting); both refuse loopback unless allowLoopback. They dial the cloud
// directly: HTTP_PROXY, HTTPS_PROXY and NO_PROXY are ignored, since through a proxy the guard would only ever see
// the proxy's address. A host-supplied base transport (Config.HTTPTransport) is used as is for both: the host
// then owns the network policy, proxies included.
func newHTTPClients(base http.RoundTripper, allowLoopback bool) (guarded, open *http.Client) {
	if base != nil {
		return &http.Client{Transport: base, CheckRedirect: sameHostRedirects},
			&http.Client{Transport: base, CheckRedirect: sameHostRedirects}
	}
	mk := func(control func(string, string, syscall.RawConn) error) *http.Client {
		d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: control}
		t := &http.Transport{
			Proxy:                 nil, // HTTP(S)_PROXY would make the guard check the proxy, not the cloud
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          512,
			MaxIdleConnsPerHost:   128,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			ReadBufferSize:        cloud.ReadBufferSize, // fewer reads of the socket for a chunked listing
		}
		return &http.Client{Transport: t, CheckRedirect: sameHostRedirects}
	}
	return mk(guardControl(allowLoopback, false)), mk(guardControl(allowLoopback, true))
}

// sameHostRedirects follows at most 5 redirects, and only to the same host without leaving https: a cloud that
// redirects API calls elsewhere must not receive the user's bearer token there. A refused redirect is an invalid
// response, which the user and the admin see as such.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("%w: stopped after 5 redirects", cloud.ErrInvalidResponse)
	}
	if req.URL.Host != via[0].URL.Host {
		return fmt.Errorf("%w: redirect to another host (%s) refused", cloud.ErrInvalidResponse, req.URL.Hostname())
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect from https to %s refused", cloud.ErrInvalidResponse, req.URL.Scheme)
	}
	return nil
}
