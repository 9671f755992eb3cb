package targets

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"

	"autopress/jobs/publishing/egress"
)

// maxResponse bounds how much of a remote answer is read.
const maxResponse = 1 << 20

const userAgent = "autopress"

// httpClient is c, or for a target built without one the egress guard's
// client, which refuses internal addresses.
func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return defaultClient()
}

// defaultClient is egress.Default; this package's tests, whose fake
// servers listen on loopback, replace it in TestMain.
var defaultClient = egress.Default

// readBody reads at most maxResponse bytes and closes the body.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	// Drain a little more so the connection can be reused.
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	return b, err
}

func is2xx(status int) bool { return status >= 200 && status < 300 }

// statusError builds the StatusError of an unexpected answer. Only the
// status line reaches messages: the body could be anything, an internal
// service's answer included, so its text is never repeated. Code keeps
// the {"code": …} identifier WordPress (and many APIs) send, for decisions,
// when it looks like one.
func statusError(status int, body []byte) *StatusError {
	se := &StatusError{Status: status}
	var e struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(body, &e) == nil && errorCodeRE.MatchString(e.Code) {
		se.Code = e.Code
	}
	return se
}

var errorCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// reachError is a request that got no HTTP answer (DNS, connection, TLS,
// timeout, cancellation).
type reachError struct {
	url string
	err error
}

func (e *reachError) Error() string { return "cannot reach " + e.url + ": " + e.cause() }

// cause names the kind of failure ("connection refused", "refused: the
// address is private", "timed out"…) without the error's own text, which
// holds resolved addresses and other details of the server's network, and
// says what to do about an https/http mix-up (netCause).
func (e *reachError) cause() string { return netCause(e.url, e.err) }

func (e *reachError) Unwrap() error { return e.err }

// userError is an error whose text is written for the user (Test results)
// while still matching the errors it was made from with errors.Is/As.
type userError struct {
	msg  string
	errs []error
}

func (e *userError) Error() string   { return e.msg }
func (e *userError) Unwrap() []error { return e.errs }

func userErr(msg string, errs ...error) error { return &userError{msg: msg, errs: errs} }
