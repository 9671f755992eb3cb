package egress

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// errStopped ends a connection the guard allowed, before it is made: the
// test learns the address would have been reached without reaching it.
var errStopped = errors.New("test: stopped before connecting")

// The table: every kind of internal address, a name that resolves
// to loopback, and a redirect from a public server to loopback. Refused by
// default; reached with AllowPrivate.
func TestClientRefusesInternalAddresses(t *testing.T) {
	ok := newServer(t, "tcp4", "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "internal answer")
	}))
	ok6 := newServer(t, "tcp6", "[::1]:0", ok.Config.Handler)
	// 127.0.0.2 stands in for a public server (it is declared public to
	// the guard below); it redirects to the internal one.
	public := netip.MustParseAddr("127.0.0.2")
	front := newServer(t, "tcp4", "127.0.0.2:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, ok.URL+"/secret", http.StatusFound)
	}))
	resolver := fakeDNS(t, map[string]netip.Addr{"wp.internal.test.": netip.MustParseAddr("127.0.0.1")})
	_, port, _ := net.SplitHostPort(ok.Listener.Addr().String())

	tests := []struct {
		name, url string
		kind      string
		// local: the address exists here, so an allowed request gets the
		// answer; otherwise it is stopped just before connecting.
		local bool
		// want is the address the allowed request dials last.
		want netip.Addr
	}{
		{"loopback", ok.URL, KindLoopback, true, netip.MustParseAddr("127.0.0.1")},
		{"10/8", "http://10.20.30.40:8080/", KindPrivate, false, netip.MustParseAddr("10.20.30.40")},
		{"172.16/12", "http://172.31.0.5/", KindPrivate, false, netip.MustParseAddr("172.31.0.5")},
		{"192.168/16", "http://192.168.1.1/", KindPrivate, false, netip.MustParseAddr("192.168.1.1")},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", KindMetadata, false, netip.MustParseAddr("169.254.169.254")},
		{"::1", ok6.URL, KindLoopback, true, netip.MustParseAddr("::1")},
		{"fc00::/7", "http://[fd12:3456:789a::1]:5432/", KindPrivate, false, netip.MustParseAddr("fd12:3456:789a::1")},
		{"name resolving to 127.0.0.1", "http://wp.internal.test:" + port + "/", KindLoopback, true, netip.MustParseAddr("127.0.0.1")},
		{"redirect to 127.0.0.1", front.URL, KindLoopback, true, netip.MustParseAddr("127.0.0.1")},
	}
	for _, tt := range tests {
		for _, allow := range []bool{false, true} {
			name := tt.name + "/default"
			if allow {
				name = tt.name + "/PUBLISH_ALLOW_PRIVATE"
			}
			t.Run(name, func(t *testing.T) {
				var mu sync.Mutex
				var dialed []netip.Addr
				client := NewClient(Options{AllowPrivate: allow, Resolver: resolver, public: []netip.Addr{public},
					dialed: func(ap netip.AddrPort) error {
						mu.Lock()
						dialed = append(dialed, ap.Addr())
						mu.Unlock()
						if !ap.Addr().IsLoopback() {
							return errStopped
						}
						return nil
					}})
				defer client.CloseIdleConnections()
				res, err := client.Get(tt.url)
				if res != nil {
					defer res.Body.Close()
				}
				mu.Lock()
				defer mu.Unlock()
				if !allow {
					var re *RefusedError
					if !errors.As(err, &re) || !errors.Is(err, ErrRefused) || re.Kind != tt.kind {
						t.Fatalf("err = %v, want a refusal of a %s address", err, tt.kind)
					}
					if got, want := Describe(err), "refused: the address is "+tt.kind; got != want {
						t.Errorf("Describe = %q, want %q", got, want)
					}
					for _, a := range dialed {
						if a != public {
							t.Errorf("connected to %s", a)
						}
					}
					return
				}
				if len(dialed) == 0 || dialed[len(dialed)-1] != tt.want {
					t.Fatalf("dialled %v, want %s last", dialed, tt.want)
				}
				if !tt.local {
					if !errors.Is(err, errStopped) {
						t.Fatalf("err = %v, want the test's stop just before connecting", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("allowed request failed: %v", err)
				}
				if body, _ := io.ReadAll(res.Body); string(body) != "internal answer" {
					t.Errorf("answer %d %q", res.StatusCode, body)
				}
			})
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		ip   string
		kind string // "" = allowed
	}{
		{"93.184.215.14", ""},
		{"8.8.8.8", ""},
		{"2606:4700:4700::1111", ""},
		{"127.0.0.1", KindLoopback},
		{"127.255.255.254", KindLoopback},
		{"::1", KindLoopback},
		{"::ffff:127.0.0.1", KindLoopback}, // IPv4-mapped
		{"2002:7f00:1::1", KindLoopback},   // 6to4 of 127.0.0.1
		{"64:ff9b::a00:1", KindPrivate},    // NAT64 of 10.0.0.1
		{"64:ff9b::808:808", ""},           // NAT64 of 8.8.8.8
		{"10.0.0.1", KindPrivate},
		{"172.16.0.1", KindPrivate},
		{"172.32.0.1", ""},
		{"192.168.255.255", KindPrivate},
		{"100.64.0.1", KindPrivate},
		{"fc00::1", KindPrivate},
		{"fdff:ffff::1", KindPrivate},
		{"169.254.1.1", KindLinkLocal},
		{"fe80::1%eth0", KindLinkLocal},
		{"169.254.169.254", KindMetadata},
		{"fd00:ec2::254", KindMetadata},
		{"100.100.100.200", KindMetadata},
		{"224.0.0.1", KindMulticast},
		{"239.255.255.250", KindMulticast},
		{"ff02::1", KindMulticast},
		{"ff0e::1", KindMulticast},
		{"0.0.0.0", KindUnspecified},
		{"0.1.2.3", KindUnspecified},
		{"::", KindUnspecified},
		{"255.255.255.255", KindReserved},
		{"240.0.0.1", KindReserved},
		{"192.0.2.10", KindReserved},
		{"2001:db8::1", KindReserved},
	}
	for _, tt := range tests {
		err := Check(netip.MustParseAddr(tt.ip))
		var re *RefusedError
		switch {
		case tt.kind == "" && err != nil:
			t.Errorf("%s: refused (%v), want allowed", tt.ip, err)
		case tt.kind != "" && (!errors.As(err, &re) || re.Kind != tt.kind):
			t.Errorf("%s: %v, want refused as %s", tt.ip, err, tt.kind)
		}
	}
}

// Failures are named by kind, without the error's own text.
func TestDescribe(t *testing.T) {
	allowAll := NewClient(Options{AllowPrivate: true, Timeout: 5 * time.Second})

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	// Accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	selfSigned := httptest.NewTLSServer(http.NotFoundHandler())
	defer selfSigned.Close()

	get := func(client *http.Client, url string) error {
		res, err := client.Get(url)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"refused", get(NewClient(Options{}), closedURL), "refused: the address is loopback"},
		{"closed port", get(allowAll, closedURL), "connection refused"},
		{"no answer", get(NewClient(Options{AllowPrivate: true, Timeout: 50 * time.Millisecond}), "http://"+silent.Addr().String()), "timed out"},
		{"plain HTTP", get(allowAll, strings.Replace(plain.URL, "http:", "https:", 1)), "TLS handshake failed: the server does not speak TLS on this port"},
		{"untrusted certificate", get(allowAll, selfSigned.URL), "TLS handshake failed: the certificate is not signed by a trusted authority"},
		{"no such host", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, "DNS lookup failed: no such host"},
		{"deadline", context.DeadlineExceeded, "timed out"},
		{"cancelled", context.Canceled, "cancelled"},
		{"other", errors.New("dial tcp 10.0.0.7:5432: something odd"), "connection failed"},
	}
	for _, tt := range tests {
		if got := Describe(tt.err); got != tt.want {
			t.Errorf("%s: Describe(%v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
}

// newServer serves h on addr (network tcp4 or tcp6); it skips the test
// when the machine has no such address.
func newServer(t *testing.T, network, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s here: %v", addr, err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// fakeDNS answers A queries for names from a UDP server on loopback and
// NXDOMAIN for anything else; the returned resolver asks only it.
func fakeDNS(t *testing.T, names map[string]netip.Addr) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			ip, known := names[q.Name.String()]
			resp := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeSuccess})
			if !known {
				resp = dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeNameError})
			}
			resp.EnableCompression()
			resp.StartQuestions()
			resp.Question(q)
			if known && q.Type == dnsmessage.TypeA {
				resp.StartAnswers()
				resp.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: ip.As4()})
			}
			out, err := resp.Finish()
			if err != nil {
				continue
			}
			pc.WriteTo(out, from)
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
}
