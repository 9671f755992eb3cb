package targets

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
)

// netCause explains an error that stopped a request to address before any
// answer, in words for the person who typed the address: above all the
// mix-ups between https:// and plain http://, which the network layer only
// reports as "EOF" or a TLS record error.
func netCause(address string, err error) string {
	https := strings.HasPrefix(strings.ToLower(address), "https://")
	var rh tls.RecordHeaderError
	var unknownAuth x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var dns *net.DNSError
	switch {
	case errors.As(err, &rh), https && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "the server answers plain HTTP, not HTTPS, on that port: use an http:// address (or enable HTTPS on the site)"
	case https && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)):
		return "the server closed the connection during the HTTPS handshake: if the site is plain HTTP, use an http:// address"
	case !https && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)):
		return "the server closed the connection without answering: if the site uses HTTPS, use an https:// address"
	case errors.As(err, &unknownAuth):
		return "the site's HTTPS certificate is not signed by an authority this server trusts (self-signed?)"
	case errors.As(err, &hostname):
		return "the site's HTTPS certificate is for another name (" + hostname.Error() + ")"
	case errors.As(err, &invalid):
		return "the site's HTTPS certificate is not valid (" + invalid.Error() + ")"
	case errors.As(err, &dns):
		return "no such host " + dns.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused (nothing listens at that address and port)"
	}
	return err.Error()
}
