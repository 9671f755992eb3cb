package targets

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
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

func looksLikeHTML(b []byte) bool {
	s := strings.TrimSpace(strings.ToLower(string(b[:min(len(b), 64)])))
	return strings.HasPrefix(s, "<!doctype") || strings.HasPrefix(s, "<html") || strings.HasPrefix(s, "<")
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
