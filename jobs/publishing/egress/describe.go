package egress

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// Describe names the kind of failure of a request that got no HTTP answer,
// for the person configuring a target: "refused: the address is private",
// "connection refused", "timed out", "TLS handshake failed: …", "DNS
// lookup failed: no such host", … It never repeats the error's own text,
// which can hold resolved addresses and other details of the server's
// network.
func Describe(err error) string {
	var refused *RefusedError
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &refused):
		return refused.Error()
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &dnsErr):
		switch {
		case dnsErr.IsNotFound:
			return "DNS lookup failed: no such host"
		case dnsErr.IsTimeout:
			return "DNS lookup timed out"
		}
		return "DNS lookup failed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case timedOut(err):
		return "timed out"
	}
	if msg := tlsFailure(err); msg != "" {
		return msg
	}
	switch {
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before an answer"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable"
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	}
	return "connection failed"
}

func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// tlsFailure describes a failed TLS handshake, or returns "".
func tlsFailure(err error) string {
	const failed = "TLS handshake failed"
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &unknown):
		return failed + ": the certificate is not signed by a trusted authority"
	case errors.As(err, &hostname):
		return failed + ": the certificate is not valid for this host name"
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return failed + ": the certificate has expired or is not yet valid"
		}
		return failed + ": the certificate is invalid"
	case errors.As(err, &verify):
		return failed + ": the certificate is not trusted"
	case errors.As(err, &record):
		return failed + ": the server does not speak TLS on this port"
	case errors.As(err, &alert):
		return failed
	}
	// net/http turns a plain HTTP answer to a handshake into a message of
	// its own; the handshake's own failures are plain errors "tls: …".
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch msg := e.Error(); {
		case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
			return failed + ": the server does not speak TLS on this port"
		case strings.HasPrefix(msg, "tls: "):
			return failed
		}
	}
	return ""
}
