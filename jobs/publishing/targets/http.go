package targets

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
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

// statusError builds a StatusError from a response body, taking the
// {"code","message"} shape that WordPress (and many APIs) use, else a short
// snippet of the body.
func statusError(status int, body []byte) *StatusError {
	se := &StatusError{Status: status}
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil {
		se.Code = e.Code
		se.Message = e.Message
		if se.Message == "" {
			se.Message = e.Error
		}
	}
	if se.Message == "" && se.Code == "" && !looksLikeHTML(body) {
		se.Message = string(body)
	}
	se.Message = shorten(stripTags(se.Message), 300)
	return se
}

// looksLikeHTML spots error pages, whose markup is no use in a message.
func looksLikeHTML(b []byte) bool {
	return strings.HasPrefix(strings.TrimSpace(string(b[:min(len(b), 64)])), "<")
}

// stripTags removes markup from error messages (WordPress puts <strong> in
// some of them) so they read as plain text in the UI.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// reachError is a request that got no HTTP answer (DNS, connection, TLS,
// timeout, cancellation).
type reachError struct {
	url string
	err error
}

func (e *reachError) Error() string { return "cannot reach " + e.url + ": " + e.cause() }

// cause leaves out url.Error's method and full URL, which repeat e.url.
func (e *reachError) cause() string {
	var ue *url.Error
	if errors.As(e.err, &ue) {
		return ue.Err.Error()
	}
	return e.err.Error()
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
