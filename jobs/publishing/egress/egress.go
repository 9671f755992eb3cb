// Package egress is the one way publishing targets reach the network: an
// HTTP client whose dialer refuses loopback, private, link-local,
// multicast, unspecified, reserved and cloud-metadata addresses.
//
// The check runs on the address actually dialled (net.Dialer.Control, after
// DNS resolution), so a name that resolves to an internal address, or is
// rebound to one between two lookups, is refused like the address itself;
// every redirect dials through the same dialer and is checked the same way.
// Proxies from the environment are not used: the dialer would check the
// proxy's address, not the target's.
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"time"
)

// DefaultTimeout bounds a whole request when Options.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// Options configure a Client.
type Options struct {
	// AllowPrivate lets requests reach every address, internal ones
	// included (PUBLISH_ALLOW_PRIVATE): for a WordPress on the same host
	// or network as autopress.
	AllowPrivate bool
	// Timeout bounds a whole request, redirects included (0:
	// DefaultTimeout); a caller's shorter context deadline wins.
	Timeout time.Duration
	// Resolver looks names up; nil is the system's resolver.
	Resolver *net.Resolver

	// Tests only: public are addresses treated as public although they
	// are not (a loopback alias standing in for a remote server); dialed,
	// when set, sees each address that passed the check just before the
	// connection is made, and its error stops it.
	public []netip.Addr
	dialed func(netip.AddrPort) error
}

// NewClient returns an HTTP client whose every connection, redirects
// included, goes through the guard.
func NewClient(o Options) *http.Client {
	timeout := o.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	d := &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		Resolver:  o.Resolver,
		Control: func(network, address string, _ syscall.RawConn) error {
			return o.control(address)
		},
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
	}
}

// control checks the address a connection is about to be made to.
func (o Options) control(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress: unexpected address %q: %w", address, err)
	}
	if !o.AllowPrivate && !slices.Contains(o.public, ap.Addr()) {
		if err := Check(ap.Addr()); err != nil {
			return err
		}
	}
	if o.dialed != nil {
		return o.dialed(ap)
	}
	return nil
}

// Default is a process-wide client that refuses internal addresses, for
// targets built without a client of their own.
var Default = sync.OnceValue(func() *http.Client { return NewClient(Options{}) })

// ErrRefused is matched (errors.Is) by every refusal of the guard.
var ErrRefused = errors.New("egress: address refused")

// RefusedError is a connection the guard did not allow.
type RefusedError struct {
	Addr netip.Addr
	// Kind says what the address is: "loopback", "private", …
	Kind string
}

// Error names the kind of address, not the address: a name's internal
// resolution is not the user's business.
func (e *RefusedError) Error() string { return "refused: the address is " + e.Kind }

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Kinds of refused address, as RefusedError.Kind says them.
const (
	KindLoopback    = "loopback"
	KindPrivate     = "private"
	KindLinkLocal   = "link-local"
	KindMulticast   = "multicast"
	KindUnspecified = "unspecified"
	KindMetadata    = "a cloud metadata address"
	KindReserved    = "reserved"
)

// metadata are the addresses of cloud instance-metadata services.
var metadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

// special are ranges no public server lives in, besides those netip
// classifies itself.
var special = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), KindUnspecified},       // "this network"
	{netip.MustParsePrefix("100.64.0.0/10"), KindPrivate},       // carrier-grade NAT, often internal
	{netip.MustParsePrefix("192.0.0.0/24"), KindReserved},       // IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), KindReserved},       // documentation
	{netip.MustParsePrefix("198.18.0.0/15"), KindReserved},      // benchmarking
	{netip.MustParsePrefix("198.51.100.0/24"), KindReserved},    // documentation
	{netip.MustParsePrefix("203.0.113.0/24"), KindReserved},     // documentation
	{netip.MustParsePrefix("240.0.0.0/4"), KindReserved},        // reserved, and the broadcast address
	{netip.MustParsePrefix("::/96"), KindReserved},              // IPv4-compatible (deprecated)
	{netip.MustParsePrefix("64:ff9b:1::/48"), KindPrivate},      // local-use NAT64
	{netip.MustParsePrefix("100::/64"), KindReserved},           // discard
	{netip.MustParsePrefix("2001:db8::/32"), KindReserved},      // documentation
	{netip.MustParsePrefix("2001:10::/28"), KindReserved},       // ORCHID
	{netip.MustParsePrefix("fec0::/10"), KindPrivate},           // site-local (deprecated)
	{netip.MustParsePrefix("3fff::/20"), KindReserved},          // documentation
	{netip.MustParsePrefix("5f00::/16"), KindReserved},          // segment routing
	{netip.MustParsePrefix("ff00::/8"), KindMulticast},          // all IPv6 multicast
	{netip.MustParsePrefix("255.255.255.255/32"), KindReserved}, // broadcast
}

// Embedded IPv4: NAT64 and 6to4 addresses reach the IPv4 address inside
// them, which must pass the check too.
var (
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
	six4  = netip.MustParsePrefix("2002::/16")
)

// Check returns a *RefusedError when ip is not a public unicast address:
// loopback, private (RFC 1918, unique-local fc00::/7, carrier-grade NAT),
// link-local, multicast, unspecified, a cloud metadata service or
// otherwise reserved. IPv4 inside IPv6 (mapped, NAT64, 6to4) is checked as
// the IPv4 address it reaches.
func Check(ip netip.Addr) error {
	ip = ip.WithZone("").Unmap()
	kind := classify(ip)
	if kind == "" && ip.Is6() {
		if nat64.Contains(ip) {
			b := ip.As16()
			kind = classify(netip.AddrFrom4([4]byte(b[12:16])))
		} else if six4.Contains(ip) {
			b := ip.As16()
			kind = classify(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if kind == "" {
		return nil
	}
	return &RefusedError{Addr: ip, Kind: kind}
}

// classify names what ip is, or "" for a public unicast address.
func classify(ip netip.Addr) string {
	for _, m := range metadata {
		if ip == m {
			return KindMetadata
		}
	}
	switch {
	case !ip.IsValid(), ip.IsUnspecified():
		return KindUnspecified
	case ip.IsLoopback():
		return KindLoopback
	case ip.IsPrivate():
		return KindPrivate
	case ip.IsLinkLocalUnicast():
		return KindLinkLocal
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return KindMulticast
	}
	for _, s := range special {
		if s.prefix.Contains(ip) {
			return s.kind
		}
	}
	return ""
}
