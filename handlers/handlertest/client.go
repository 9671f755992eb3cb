package handlertest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// Client is a browser-like client: it keeps cookies, does not follow
// redirects (tests look at them; see Follow) and remembers the last CSRF
// token a page gave it.
type Client struct {
	HTTP *http.Client
	app  *App
	csrf string
}

// Client returns a new client with an empty cookie jar.
func (a *App) Client(t testing.TB) *Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{app: a, HTTP: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Login logs in through the real form: it reads the CSRF token from the
// login page's form, posts it with the credentials and checks the session
// now opens /sites.
func (c *Client) Login(t testing.TB, email, password string) {
	t.Helper()
	page := c.Get(t, "/login")
	token := page.FormValue(t, "_csrf")
	res := c.Post(t, "/login", url.Values{"_csrf": {token}, "email": {email}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("handlertest: login as %s: status %d, want 303\n%s", email, res.Status, res.Body)
	}
	if home := c.Get(t, "/sites"); home.Status != http.StatusOK {
		t.Fatalf("handlertest: after login as %s, /sites answered %d", email, home.Status)
	}
}

// Get fetches a path.
func (c *Client) Get(t testing.TB, path string) *Response {
	t.Helper()
	return c.Do(t, c.NewRequest(t, http.MethodGet, path, nil))
}

// GetHTMX fetches a path as htmx does (HX-Request: true).
func (c *Client) GetHTMX(t testing.TB, path string) *Response {
	t.Helper()
	req := c.NewRequest(t, http.MethodGet, path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Current-URL", c.app.URL+path)
	return c.Do(t, req)
}

// Follow GETs the Location of a redirect.
func (c *Client) Follow(t testing.TB, r *Response) *Response {
	t.Helper()
	loc := r.Location()
	if loc == "" {
		t.Fatalf("handlertest: status %d has no Location to follow\n%s", r.Status, r.Body)
	}
	return c.Get(t, loc)
}

// CSRFToken returns the session's CSRF token: the one the last page showed,
// or the one of the login page (always public) when no page was seen yet.
func (c *Client) CSRFToken(t testing.TB) string {
	t.Helper()
	if c.csrf == "" {
		c.Get(t, "/login")
	}
	if c.csrf == "" {
		t.Fatal(`handlertest: the login page has no <meta name="csrf-token">`)
	}
	return c.csrf
}

// PostForm posts a form with the session's CSRF token added as _csrf.
func (c *Client) PostForm(t testing.TB, path string, form url.Values) *Response {
	t.Helper()
	vals := url.Values{}
	for k, v := range form {
		vals[k] = v
	}
	vals.Set("_csrf", c.CSRFToken(t))
	return c.Post(t, path, vals)
}

// PostHTMX posts a form as htmx does: HX-Request and the CSRF token in
// the X-CSRF-Token header.
func (c *Client) PostHTMX(t testing.TB, path string, form url.Values) *Response {
	t.Helper()
	req := c.NewRequest(t, http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", c.CSRFToken(t))
	return c.Do(t, req)
}

// Post posts a form as given: no CSRF token unless form has one.
func (c *Client) Post(t testing.TB, path string, form url.Values) *Response {
	t.Helper()
	req := c.NewRequest(t, http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(t, req)
}

// File is a file field of a multipart form.
type File struct {
	Field, Name string
	Content     []byte
}

// PostMultipart posts a multipart form (with the CSRF token) and files.
func (c *Client) PostMultipart(t testing.TB, path string, form url.Values, files ...File) *Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", c.CSRFToken(t))
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.Field, f.Name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(f.Content)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req := c.NewRequest(t, http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(t, req)
}

// NewRequest builds a request to a path of the app.
func (c *Client) NewRequest(t testing.TB, method, path string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, c.app.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// Do sends a request and reads the whole response. A page's
// <meta name="csrf-token"> is remembered for PostForm.
func (c *Client) Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	res := do(t, c.HTTP, req)
	if tok := res.Meta("csrf-token"); tok != "" {
		c.csrf = tok
	}
	return res
}

// API sends a JSON API request with a bearer token (none when token is
// ""). body may be nil, a string or []byte (sent as is) or a value to marshal.
func (a *App) API(t testing.TB, token, method, path string, body any) *Response {
	t.Helper()
	return a.APIWithHeader(t, token, method, path, nil, body)
}

// APIWithHeader is API with more request headers (Idempotency-Key).
func (a *App) APIWithHeader(t testing.TB, token, method, path string, header http.Header, body any) *Response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, a.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return do(t, a.Server.Client(), req)
}

func do(t testing.TB, hc *http.Client, req *http.Request) *Response {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("handlertest: %s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("handlertest: read %s %s: %v", req.Method, req.URL.Path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}
