package service

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
)

func TestBlockedAddress(t *testing.T) {
	t.Parallel()
	// want: the verdict with neither setting, with AllowPrivateNetwork, with AllowLoopback.
	tests := []struct {
		addr                     string
		plain, private, loopback string
	}{
		{"169.254.169.254", "cloud metadata", "", "cloud metadata"},
		{"::ffff:169.254.169.254", "cloud metadata", "", "cloud metadata"},
		{"64:ff9b::a9fe:a9fe", "cloud metadata", "", "cloud metadata"},
		{"fd00:ec2::254", "cloud metadata", "", "cloud metadata"},
		{"100.100.100.200", "cloud metadata", "", "cloud metadata"},
		{"169.254.10.1", "link-local", "", "link-local"},
		{"fe80::1", "link-local", "", "link-local"},
		{"fe80::1%eth0", "link-local", "", "link-local"},
		{"10.0.0.1", "private network", "", "private network"},
		{"10.255.1.2", "private network", "", "private network"},
		{"172.16.5.4", "private network", "", "private network"},
		{"192.168.1.1", "private network", "", "private network"},
		{"fd12:3456::1", "private network", "", "private network"},
		{"100.64.0.1", "carrier-grade NAT", "", "carrier-grade NAT"},
		{"127.0.0.1", "loopback", "loopback", ""},
		{"127.1.2.3", "loopback", "loopback", ""},
		{"::1", "loopback", "loopback", ""},
		{"0.0.0.0", "loopback", "loopback", ""},
		{"::", "loopback", "loopback", ""},
		{"0.1.2.3", "loopback", "loopback", ""},
		{"224.0.0.1", "unroutable", "unroutable", "unroutable"},
		{"ff02::1", "unroutable", "unroutable", "unroutable"},
		{"93.184.216.34", "", "", ""},
		{"2606:2800:220:1::1", "", "", ""},
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.addr)
		for _, c := range []struct {
			loopback, private bool
			want              string
		}{{false, false, tt.plain}, {false, true, tt.private}, {true, false, tt.loopback}} {
			if got := blockedAddress(ip, c.loopback, c.private); got != c.want {
				t.Errorf("blockedAddress(%s, loopback %t, private %t) = %q, want %q", tt.addr, c.loopback, c.private, got, c.want)
			}
		}
	}
}

// TestGuardControlRefusesBeforeConnecting runs the dialer's guard on the addresses the dialer would pass it: it
// refuses metadata, link-local and private addresses unless the issuer allows private networks, and loopback
// unless the host allows it, whatever the issuer says.
func TestGuardControlRefusesBeforeConnecting(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		address                 string
		loopback, private, pass bool
	}{
		{"169.254.169.254:80", false, false, false},
		{"169.254.169.254:80", false, true, true},
		{"[fe80::1%eth0]:443", false, false, false},
		{"[fe80::1]:443", false, true, true},
		{"10.1.2.3:443", false, false, false},
		{"10.1.2.3:443", false, true, true},
		{"127.0.0.1:8080", false, true, false},
		{"127.0.0.1:8080", true, false, true},
		{"[::1]:8080", false, true, false},
		{"93.184.216.34:443", false, false, true},
		{"not-an-address", true, true, false},
	} {
		err := guardControl(tt.loopback, tt.private)("tcp", tt.address, nil)
		if tt.pass && err != nil {
			t.Errorf("%s (loopback %t, private %t): %v", tt.address, tt.loopback, tt.private, err)
		}
		if !tt.pass && !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("%s (loopback %t, private %t): %v, want ErrBlockedAddress", tt.address, tt.loopback, tt.private, err)
		}
	}
}

// TestServiceClientsGuardTheNetwork dials through the service's own HTTP clients: the guarded client refuses the
// metadata address, link-local and private addresses before any packet leaves (the guard runs before connect);
// loopback is reachable only with AllowLoopback, even for an issuer that allows private networks.
func TestServiceClientsGuardTheNetwork(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	t.Cleanup(srv.Close)
	get := func(hc *http.Client, url string) error {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	for _, allowLoopback := range []bool{false, true} {
		s := &Service{}
		s.guarded, s.open = newHTTPClients(nil, allowLoopback)
		for _, iss := range []store.Issuer{{}, {AllowPrivateNetwork: true}} {
			err := get(s.httpClientFor(iss), srv.URL)
			if allowLoopback && err != nil {
				t.Errorf("loopback allowed, private %t: %v", iss.AllowPrivateNetwork, err)
			}
			if !allowLoopback && !errors.Is(err, ErrBlockedAddress) {
				t.Errorf("loopback not allowed, private %t: %v, want ErrBlockedAddress", iss.AllowPrivateNetwork, err)
			}
		}
		for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://10.0.0.1/",
			"http://100.100.100.200/"} {
			if err := get(s.guarded, u); !errors.Is(err, ErrBlockedAddress) {
				t.Errorf("guarded client, %s: %v, want ErrBlockedAddress", u, err)
			}
		}
	}
}

func TestRedirectsStayOnTheHostAndOnHTTPS(t *testing.T) {
	t.Parallel()
	mk := func(raw string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	from := mk("https://cloud.example.org/remote.php/dav/files/alice/")
	for _, tt := range []struct {
		to string
		ok bool
	}{
		{"https://cloud.example.org/remote.php/dav/files/alice", true},
		{"https://evil.example/steal", false},
		{"https://cloud.example.org:8443/x", false},
		{"http://cloud.example.org/remote.php/dav/files/alice/", false},
	} {
		err := sameHostRedirects(mk(tt.to), []*http.Request{from})
		if tt.ok != (err == nil) {
			t.Errorf("redirect to %s: %v", tt.to, err)
		}
		if err != nil && (!errors.Is(err, cloud.ErrInvalidResponse) || !strings.Contains(err.Error(), "refused")) {
			t.Errorf("redirect to %s: %v, want an invalid response saying it was refused", tt.to, err)
		}
	}
	via := []*http.Request{from, from, from, from, from}
	if err := sameHostRedirects(mk(from.URL.String()), via); !errors.Is(err, cloud.ErrInvalidResponse) {
		t.Errorf("sixth redirect: %v", err)
	}
}
