package service

import "net/netip"

// addrClass is what the network guard makes of an address block.
type addrClass uint8

// The address classes, from the guard's point of view.
const (
	classGlobal    addrClass = iota // reachable on the internet: allowed
	classLoopback                   // this machine: only with Config.AllowLoopback
	classNoUnicast                  // multicast, broadcast: never dialled
	classMetadata                   // cloud instance metadata services
	classLinkLocal                  // link-local unicast
	classPrivate                    // private-use, unique-local, site-local, local-use NAT64
	classCGNAT                      // shared address space (carrier-grade NAT)
	classReserved                   // documentation, benchmarking, protocol assignments, future use: not on the internet
)

// verdict is the guard's word for a class ("" for an allowed address).
func (c addrClass) verdict() string {
	return [...]string{"", "loopback", "unroutable", "cloud metadata", "link-local", "private network",
		"carrier-grade NAT", "reserved"}[c]
}

// embedding says where an IPv6 block carries an IPv4 address whose own class decides.
type embedding uint8

const (
	embedNone   embedding = iota
	embedLast32           // the last 32 bits: IPv4-mapped, IPv4-compatible, NAT64 well-known prefix
	embed6to4             // bits 16-47: 6to4 (RFC 3056)
	embedTeredo           // the last 32 bits inverted: the Teredo client (RFC 4380)
)

// specialBlock is one entry of the guard's table.
type specialBlock struct {
	prefix netip.Prefix
	class  addrClass
	embed  embedding
	what   string // name and source
}

// specialBlocks is the guard's table. The longest matching prefix decides; an address in no block is global.
//
// Source: the IANA IPv4 Special-Purpose Address Registry
// (https://www.iana.org/assignments/iana-ipv4-special-registry/) and the IANA IPv6 Special-Purpose Address
// Registry (https://www.iana.org/assignments/iana-ipv6-special-registry/), both as updated in 2025; an entry whose
// "Globally Reachable" column says False is refused (class by its purpose), an entry that says True (or a
// sub-block that does) is global. Added from the address space registries: IPv4 multicast and IPv6 multicast
// (never unicast), IPv6 site-local fec0::/10 (deprecated by RFC 3879, still routed inside some networks), and the
// IPv4-compatible ::/96 (deprecated by RFC 4291). Added from the cloud providers' documentation: the instance
// metadata addresses. TestSpecialBlocksTable pins every entry; a registry update is a new row here and in it.
var specialBlocks = []specialBlock{
	// IPv4 (RFC 6890 and its updates).
	{pfx("0.0.0.0/8"), classLoopback, embedNone, `"This network" (RFC 791): 0.0.0.0 reaches this machine`},
	{pfx("10.0.0.0/8"), classPrivate, embedNone, "Private-Use (RFC 1918)"},
	{pfx("100.64.0.0/10"), classCGNAT, embedNone, "Shared Address Space (RFC 6598)"},
	{pfx("127.0.0.0/8"), classLoopback, embedNone, "Loopback (RFC 1122)"},
	{pfx("169.254.0.0/16"), classLinkLocal, embedNone, "Link Local (RFC 3927)"},
	{pfx("172.16.0.0/12"), classPrivate, embedNone, "Private-Use (RFC 1918)"},
	{pfx("192.0.0.0/24"), classReserved, embedNone, "IETF Protocol Assignments (RFC 6890)"},
	{pfx("192.0.0.0/29"), classReserved, embedNone, "IPv4 Service Continuity Prefix (RFC 7335)"},
	{pfx("192.0.0.8/32"), classReserved, embedNone, "IPv4 dummy address (RFC 7600)"},
	{pfx("192.0.0.9/32"), classGlobal, embedNone, "Port Control Protocol Anycast (RFC 7723)"},
	{pfx("192.0.0.10/32"), classGlobal, embedNone, "Traversal Using Relays around NAT Anycast (RFC 8155)"},
	{pfx("192.0.0.170/32"), classReserved, embedNone, "NAT64/DNS64 Discovery (RFC 7050)"},
	{pfx("192.0.0.171/32"), classReserved, embedNone, "NAT64/DNS64 Discovery (RFC 7050)"},
	{pfx("192.0.2.0/24"), classReserved, embedNone, "Documentation (TEST-NET-1, RFC 5737)"},
	{pfx("192.31.196.0/24"), classGlobal, embedNone, "AS112-v4 (RFC 7535)"},
	{pfx("192.52.193.0/24"), classGlobal, embedNone, "AMT (RFC 7450)"},
	{pfx("192.88.99.0/24"), classReserved, embedNone, "Deprecated (6to4 Relay Anycast, RFC 7526)"},
	{pfx("192.168.0.0/16"), classPrivate, embedNone, "Private-Use (RFC 1918)"},
	{pfx("192.175.48.0/24"), classGlobal, embedNone, "Direct Delegation AS112 Service (RFC 7534)"},
	{pfx("198.18.0.0/15"), classReserved, embedNone, "Benchmarking (RFC 2544)"},
	{pfx("198.51.100.0/24"), classReserved, embedNone, "Documentation (TEST-NET-2, RFC 5737)"},
	{pfx("203.0.113.0/24"), classReserved, embedNone, "Documentation (TEST-NET-3, RFC 5737)"},
	{pfx("224.0.0.0/4"), classNoUnicast, embedNone, "Multicast (RFC 5771)"},
	{pfx("240.0.0.0/4"), classReserved, embedNone, "Reserved (RFC 1112)"},
	{pfx("255.255.255.255/32"), classNoUnicast, embedNone, "Limited Broadcast (RFC 919)"},

	// IPv6 (RFC 6890 and its updates).
	{pfx("::/128"), classLoopback, embedNone, "Unspecified Address (RFC 4291): reaches this machine"},
	{pfx("::1/128"), classLoopback, embedNone, "Loopback Address (RFC 4291)"},
	{pfx("::/96"), classReserved, embedLast32, "IPv4-compatible Address (deprecated, RFC 4291)"},
	{pfx("::ffff:0:0/96"), classGlobal, embedLast32, "IPv4-mapped Address (RFC 4291): the IPv4 address itself"},
	{pfx("64:ff9b::/96"), classGlobal, embedLast32, "IPv4-IPv6 Translation, well-known prefix (RFC 6052)"},
	{pfx("64:ff9b:1::/48"), classPrivate, embedNone, "IPv4-IPv6 Translation, local use (RFC 8215)"},
	{pfx("100::/64"), classReserved, embedNone, "Discard-Only Address Block (RFC 6666)"},
	{pfx("100:0:0:1::/64"), classReserved, embedNone, "Dummy IPv6 Prefix (RFC 9780)"},
	{pfx("2001::/23"), classReserved, embedNone, "IETF Protocol Assignments (RFC 2928)"},
	{pfx("2001::/32"), classGlobal, embedTeredo, "TEREDO (RFC 4380)"},
	{pfx("2001:1::1/128"), classGlobal, embedNone, "Port Control Protocol Anycast (RFC 7723)"},
	{pfx("2001:1::2/128"), classGlobal, embedNone, "Traversal Using Relays around NAT Anycast (RFC 8155)"},
	{pfx("2001:1::3/128"), classGlobal, embedNone, "DNS-SD Service Registration Protocol Anycast (RFC 9665)"},
	{pfx("2001:2::/48"), classReserved, embedNone, "Benchmarking (RFC 5180)"},
	{pfx("2001:3::/32"), classGlobal, embedNone, "AMT (RFC 7450)"},
	{pfx("2001:4:112::/48"), classGlobal, embedNone, "AS112-v6 (RFC 7535)"},
	{pfx("2001:10::/28"), classReserved, embedNone, "Deprecated (previously ORCHID, RFC 4843)"},
	{pfx("2001:20::/28"), classGlobal, embedNone, "ORCHIDv2 (RFC 7343)"},
	{pfx("2001:30::/28"), classGlobal, embedNone, "Drone Remote ID Protocol Entity Tags (RFC 9374)"},
	{pfx("2001:db8::/32"), classReserved, embedNone, "Documentation (RFC 3849)"},
	{pfx("2002::/16"), classGlobal, embed6to4, "6to4 (RFC 3056)"},
	{pfx("2620:4f:8000::/48"), classGlobal, embedNone, "Direct Delegation AS112 Service (RFC 7534)"},
	{pfx("3fff::/20"), classReserved, embedNone, "Documentation (RFC 9637)"},
	{pfx("5f00::/16"), classReserved, embedNone, "Segment Routing (SRv6) SIDs (RFC 9602)"},
	{pfx("fc00::/7"), classPrivate, embedNone, "Unique-Local (RFC 4193)"},
	{pfx("fe80::/10"), classLinkLocal, embedNone, "Link-Local Unicast (RFC 4291)"},
	{pfx("fec0::/10"), classPrivate, embedNone, "Site-Local Unicast (deprecated, RFC 3879)"},
	{pfx("ff00::/8"), classNoUnicast, embedNone, "Multicast (RFC 4291)"},

	// Cloud instance metadata services, inside the blocks above; refused even where private networks are not.
	{pfx("169.254.169.254/32"), classMetadata, embedNone, "instance metadata (AWS, Azure, GCP, OpenStack, ...)"},
	{pfx("169.254.170.2/32"), classMetadata, embedNone, "container credentials (AWS ECS)"},
	{pfx("100.100.100.200/32"), classMetadata, embedNone, "instance metadata (Alibaba Cloud)"},
	{pfx("fd00:ec2::254/128"), classMetadata, embedNone, "instance metadata over IPv6 (AWS)"},
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// classify finds an address's class: the longest matching block of the table decides, and a block that embeds an
// IPv4 address hands over to that address's class when it is not global (a 6to4 or NAT64 address of 127.0.0.1
// is loopback). An address in no block is global.
func classify(ip netip.Addr) addrClass {
	ip = ip.WithZone("")
	best := -1
	for i, b := range specialBlocks {
		if b.prefix.Contains(ip) && (best < 0 || b.prefix.Bits() > specialBlocks[best].prefix.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return classGlobal
	}
	b := specialBlocks[best]
	if v4, ok := embedded(ip, b.embed); ok {
		if c := classify(v4); c != classGlobal {
			return c
		}
	}
	return b.class
}

// embedded extracts the IPv4 address an IPv6 address carries.
func embedded(ip netip.Addr, e embedding) (netip.Addr, bool) {
	if !ip.Is6() || e == embedNone {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch e {
	case embedLast32:
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case embed6to4:
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	case embedTeredo:
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}
