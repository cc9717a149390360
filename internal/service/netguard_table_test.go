package service

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// TestSpecialBlocksTable pins the guard's table: a sample address of every block and of the IPv4-embedding forms
// gets the class the registries give it.
func TestSpecialBlocksTable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		addr string
		want addrClass
	}{
		{"0.0.0.0", classLoopback}, {"0.255.1.1", classLoopback}, {"127.3.4.5", classLoopback}, {"::1", classLoopback},
		{"::", classLoopback},
		{"10.9.8.7", classPrivate}, {"172.31.255.255", classPrivate}, {"192.168.0.1", classPrivate},
		{"fc00::1", classPrivate}, {"fdff::1", classPrivate}, {"fec0::1", classPrivate}, {"feff::1", classPrivate},
		{"64:ff9b:1::1", classPrivate}, {"64:ff9b:1:ffff::1", classPrivate},
		{"100.64.0.1", classCGNAT}, {"100.127.255.254", classCGNAT},
		{"169.254.1.1", classLinkLocal}, {"fe80::1", classLinkLocal}, {"febf::1", classLinkLocal},
		{"169.254.169.254", classMetadata}, {"169.254.170.2", classMetadata}, {"100.100.100.200", classMetadata},
		{"fd00:ec2::254", classMetadata},
		{"192.0.0.1", classReserved}, {"192.0.0.8", classReserved}, {"192.0.0.170", classReserved},
		{"192.0.2.1", classReserved}, {"198.51.100.1", classReserved}, {"203.0.113.1", classReserved},
		{"198.18.0.1", classReserved}, {"198.19.255.255", classReserved}, {"192.88.99.1", classReserved},
		{"240.0.0.1", classReserved}, {"255.255.255.254", classReserved},
		{"100::1", classReserved}, {"100:0:0:1::1", classReserved}, {"2001:2::1", classReserved},
		{"2001:10::1", classReserved}, {"2001:db8::1", classReserved}, {"2001:db8:ffff::1", classReserved},
		{"3fff::1", classReserved}, {"5f00::1", classReserved}, {"2001:100::1", classReserved},
		{"224.0.0.1", classNoUnicast}, {"239.255.255.255", classNoUnicast}, {"255.255.255.255", classNoUnicast},
		{"ff02::1", classNoUnicast}, {"ff0e::1", classNoUnicast},
		// Global, including the global sub-blocks of reserved ones.
		{"93.184.216.34", classGlobal}, {"2606:2800:220:1::1", classGlobal}, {"192.0.0.9", classGlobal},
		{"192.0.0.10", classGlobal}, {"192.31.196.1", classGlobal}, {"192.175.48.1", classGlobal},
		{"2001:1::1", classGlobal}, {"2001:1::2", classGlobal}, {"2001:3::1", classGlobal}, {"2001:4:112::1", classGlobal},
		{"2001:20::1", classGlobal}, {"2001:30::1", classGlobal}, {"2620:4f:8000::1", classGlobal},
		// IPv4 carried in IPv6: the IPv4 address's class wins when it is not global.
		{"::ffff:127.0.0.1", classLoopback}, {"::ffff:10.0.0.1", classPrivate}, {"::ffff:93.184.216.34", classGlobal},
		{"::127.0.0.1", classLoopback}, {"::169.254.169.254", classMetadata}, {"::93.184.216.34", classReserved},
		{"64:ff9b::127.0.0.1", classLoopback}, {"64:ff9b::a9fe:a9fe", classMetadata}, {"64:ff9b::93.184.216.34", classGlobal},
		{"2002:7f00:1::1", classLoopback}, {"2002:a9fe:a9fe::", classMetadata}, {"2002:c0a8:101::1", classPrivate},
		{"2002:5db8:d822::1", classGlobal},
		{"2001:0:4136:e378:8000:63bf:5601:5601", classMetadata}, {"2001:0:4136:e378:8000:63bf:80ff:fffe", classLoopback},
		{"2001:0:4136:e378:8000:63bf:a247:27dd", classGlobal},
	} {
		if got := classify(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("classify(%s) = %q, want %q", tt.addr, got.verdict(), tt.want.verdict())
		}
	}
}

// TestGuardedClientsDialDirectly: the guarded clients never take a proxy from the environment, whose address
// the guard would check in the cloud's place.
func TestGuardedClientsDialDirectly(t *testing.T) {
	t.Parallel()
	guarded, open := newHTTPClients(nil, false)
	for _, hc := range []*http.Client{guarded, open} {
		if tr, ok := hc.Transport.(*http.Transport); !ok || tr.Proxy != nil {
			t.Errorf("transport %T takes a proxy", hc.Transport)
		}
	}
}

// TestGuardedClientsReadBuffer: the service's own transports read a connection through cloud.ReadBufferSize, so
// that a chunked listing takes few reads of the socket (cloud's BenchmarkReadDir200 counts them).
func TestGuardedClientsReadBuffer(t *testing.T) {
	t.Parallel()
	guarded, open := newHTTPClients(nil, false)
	for _, hc := range []*http.Client{guarded, open} {
		tr, ok := hc.Transport.(*http.Transport)
		if !ok {
			t.Fatalf("transport %T", hc.Transport)
		}
		if tr.ReadBufferSize != cloud.ReadBufferSize {
			t.Errorf("the transport reads through a buffer of %d bytes, want %d", tr.ReadBufferSize, cloud.ReadBufferSize)
		}
	}
}
