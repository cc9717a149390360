package service

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrBlockedAddress is returned when an issuer's URL resolves to an address the network guard refuses.
var ErrBlockedAddress = errors.New("service: address not allowed")

// blockedAddress reports why ip may not be dialled, or "" when it may. Loopback passes only with allowLoopback.
// The check runs on the address actually dialled (after DNS), so a name that resolves to a private address later
// is refused too.
func blockedAddress(ip netip.Addr, allowLoopback bool) string {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		if allowLoopback {
			return ""
		}
		return "loopback"
	case ip == netip.MustParseAddr("169.254.169.254"), ip == netip.MustParseAddr("fd00:ec2::254"),
		ip == netip.MustParseAddr("100.100.100.200"):
		return "cloud metadata"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsPrivate():
		return "private network"
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "unroutable"
	case netip.MustParsePrefix("100.64.0.0/10").Contains(ip):
		return "carrier-grade NAT"
	}
	return ""
}

// guardControl is a net.Dialer Control function that refuses blocked addresses.
func guardControl(allowLoopback bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s", ErrBlockedAddress, address)
		}
		if why := blockedAddress(ap.Addr(), allowLoopback); why != "" {
			return fmt.Errorf("%w: %s is a %s address (allow private networks for this issuer to reach it)",
				ErrBlockedAddress, ap.Addr(), why)
		}
		return nil
	}
}

// newHTTPClients returns the guarded client (private networks refused) and the open one (everything allowed).
// A host-supplied base transport is used as is for both: the host then owns the network policy.
func newHTTPClients(base http.RoundTripper, allowLoopback bool) (guarded, open *http.Client) {
	if base != nil {
		return &http.Client{Transport: base, CheckRedirect: sameHostRedirects},
			&http.Client{Transport: base, CheckRedirect: sameHostRedirects}
	}
	mk := func(control func(string, string, syscall.RawConn) error) *http.Client {
		d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: control}
		t := &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          512,
			MaxIdleConnsPerHost:   128,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
		return &http.Client{Transport: t, CheckRedirect: sameHostRedirects}
	}
	return mk(guardControl(allowLoopback)), mk(nil)
}

// sameHostRedirects follows at most 5 redirects, and only to the same host: a cloud that redirects API calls
// elsewhere must not receive the user's bearer token there.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return fmt.Errorf("redirect to another host (%s) refused", req.URL.Hostname())
	}
	return nil
}
