package targets

import (
	"crypto/tls"
	"errors"
	"io"
	"strings"
	"syscall"

	"autopress/jobs/publishing/egress"
)

// netCause describes an error that stopped a request to address before any
// answer (egress.Describe: the kind of failure, never the error's text) and
// says what to do about the mix-ups between https:// and plain http://,
// which the network layer reports only as "EOF" or a TLS record error.
func netCause(address string, err error) string {
	https := strings.HasPrefix(strings.ToLower(address), "https://")
	closed := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
	var rh tls.RecordHeaderError
	switch {
	case https && (errors.As(err, &rh) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client")):
		return "the server answers plain HTTP, not HTTPS, on that port: use an http:// address (or enable HTTPS on the site)"
	case https && closed:
		return "the server closed the connection during the HTTPS handshake: if the site is plain HTTP, use an http:// address"
	case !https && closed:
		return "the server closed the connection without answering: if the site uses HTTPS, use an https:// address"
	}
	return egress.Describe(err)
}
