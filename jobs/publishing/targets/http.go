package targets

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// maxResponse bounds how much of a remote answer is read.
const maxResponse = 1 << 20

// defaultTimeout applies when a target is given no *http.Client; a caller's
// context deadline, when shorter, wins.
const defaultTimeout = 60 * time.Second

const userAgent = "autopress"

func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: defaultTimeout}
}

// readBody reads at most maxResponse bytes and closes the body.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	// Drain a little more so the connection can be reused.
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	return b, err
}

func is2xx(status int) bool { return status >= 200 && status < 300 }

// statusError builds a StatusError from a response, keeping only the
// target's error code from a {"code": …} body (WordPress's shape, and many
// APIs'): the rest of a remote body is never shown to users.
func statusError(status int, body []byte) *StatusError {
	se := &StatusError{Status: status}
	var e struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(body, &e) == nil && codeRE.MatchString(e.Code) {
		se.Code = e.Code
	}
	return se
}

// codeRE is what an error code looks like; anything else is not shown.
var codeRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// reachError is a request that got no HTTP answer (DNS, connection, TLS,
// timeout, cancellation).
type reachError struct {
	url string
	err error
}

func (e *reachError) Error() string { return "cannot reach " + e.url + ": " + e.cause() }

// cause leaves out url.Error's method and full URL, which repeat e.url, and
// explains TLS mismatches (netCause).
func (e *reachError) cause() string {
	var ue *url.Error
	if errors.As(e.err, &ue) {
		return netCause(e.url, ue.Err)
	}
	return netCause(e.url, e.err)
}

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
