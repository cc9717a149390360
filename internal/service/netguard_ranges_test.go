package service

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// TestBlockedRangesHaveEdges pins each blocked range by its first and last address and the addresses just
// outside, in plain, IPv4-mapped and NAT64 form, so a range that is narrowed, widened or dropped fails here.
func TestBlockedRangesHaveEdges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, want string
	}{
		{"100.63.255.255", ""},
		{"100.64.0.0", "carrier-grade NAT"},
		{"100.100.0.1", "carrier-grade NAT"},
		{"100.127.255.255", "carrier-grade NAT"},
		{"100.128.0.0", ""},
		{"9.255.255.255", ""},
		{"10.0.0.0", "private network"},
		{"10.255.255.255", "private network"},
		{"11.0.0.0", ""},
		{"172.15.255.255", ""},
		{"172.16.0.0", "private network"},
		{"172.31.255.255", "private network"},
		{"172.32.0.0", ""},
		{"192.167.255.255", ""},
		{"192.168.0.0", "private network"},
		{"192.168.255.255", "private network"},
		{"192.169.0.0", ""},
		{"169.253.255.255", ""},
		{"169.254.0.0", "link-local"},
		{"169.254.255.255", "link-local"},
		{"169.255.0.0", ""},
		{"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
		{"fc00::", "private network"},
		{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private network"},
		{"fe00::", ""},
		{"fe80::", "link-local"},
		{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local"},
		{"fec0::", "private network"}, // site-local (deprecated, RFC 3879) is refused like unique local
		{"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private network"},
	} {
		ip := netip.MustParseAddr(tc.addr)
		forms := []netip.Addr{ip}
		if ip.Is4() {
			b := ip.As4()
			forms = append(forms, netip.AddrFrom16(ip.As16()), // ::ffff:a.b.c.d
				netip.AddrFrom16([16]byte{0, 0x64, 0xff, 0x9b, 10: 0, 11: 0, 12: b[0], 13: b[1], 14: b[2], 15: b[3]}))
		}
		for _, f := range forms {
			if got := blockedAddress(f, false, false); got != tc.want {
				t.Errorf("blockedAddress(%s) = %q, want %q", f, got, tc.want)
			}
			if got := blockedAddress(f, false, true); got != "" {
				t.Errorf("blockedAddress(%s) with private networks allowed = %q, want allowed", f, got)
			}
		}
		// The dialer's guard refuses the same, naming the range so an admin knows which setting to change.
		err := guardControl(false, false)("tcp", netip.AddrPortFrom(ip, 443).String(), nil)
		if (err != nil) != (tc.want != "") || err != nil && (!errors.Is(err, ErrBlockedAddress) || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("guard for %s: %v, want refused for %q", tc.addr, err, tc.want)
		}
	}
}
