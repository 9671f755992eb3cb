package handlers_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
	"autopress/static"
)

func TestProbesMetricsStatic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		c := app.Client(t)
		if res := c.Get(t, "/healthz"); res.Status != http.StatusOK || res.Body != "ok" {
			t.Errorf("healthz: %d %q", res.Status, res.Body)
		}
		if res := c.Get(t, "/readyz"); res.Status != http.StatusOK {
			t.Errorf("readyz on a migrated database: %d %q", res.Status, res.Body)
		}
		if res := c.Get(t, "/healthz"); res.Header.Get("Set-Cookie") != "" {
			t.Errorf("probes must not set cookies: %q", res.Header.Get("Set-Cookie"))
		}

		// Static files: hashed URLs are cached for a year; no directory listings.
		css := c.Get(t, static.Path("app.css"))
		if css.Status != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") ||
			!strings.Contains(css.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("app.css: %d %q %q", css.Status, css.Header.Get("Content-Type"), css.Header.Get("Cache-Control"))
		}
		if res := c.Get(t, static.Path("vendor/htmx.min.js")); res.Status != http.StatusOK || !strings.Contains(res.Body, "htmx") {
			t.Errorf("htmx: %d", res.Status)
		}
		for _, p := range []string{"/static/vendor/", "/static/", "/static/nope.js", "/static/../go.mod"} {
			if res := c.Get(t, p); res.Status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", p, res.Status)
			}
		}

		// Metrics are labelled by route pattern, not by path.
		u := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, u, "Coffee")
		c.Login(t, u.Email, handlertest.Password)
		c.Get(t, "/sites/"+itoa(site.ID))
		req := c.NewRequest(t, http.MethodGet, "/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+handlertest.MetricsToken)
		m := c.Do(t, req)
		for _, want := range []string{
			`http_requests_total{code="200",method="GET",route="/healthz"}`,
			`http_requests_total{code="200",method="GET",route="/sites/:site"}`,
			`http_request_duration_seconds_bucket{method="GET",route="/sites/:site",le=`,
		} {
			if !strings.Contains(m.Body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(m.Body, `route="/sites/`+itoa(site.ID)) {
			t.Error("metrics are labelled with a raw path")
		}

		// A schema this binary does not know makes the instance unready.
		dbtest.MigrateDownTo(t, d, 0)
		if res := c.Get(t, "/readyz"); res.Status != http.StatusServiceUnavailable || !strings.Contains(res.Body, "schema") {
			t.Errorf("readyz on an unmigrated database: %d %q", res.Status, res.Body)
		}
	})
}

// TestErrorsDoNotLeak: internal errors become a 500 naming the request id;
// their text only goes to the log.
func TestErrorsDoNotLeak(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		app.Echo.GET("/test/fail", func(echo.Context) error { return errors.New("secret internal detail") })
		app.Echo.GET("/test/panic", func(echo.Context) error { panic("secret panic detail") })
		u := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		token := app.NewToken(t, u)
		c := app.Client(t)
		c.Login(t, u.Email, handlertest.Password)

		for _, path := range []string{"/test/fail", "/test/panic"} {
			res := c.Get(t, path)
			wantHidden(t, app, res, "secret")
		}
		// Not found: the 404 page, or a partial for htmx.
		if res := c.Get(t, "/nope"); res.Status != http.StatusNotFound || res.TestID(t, "error-message") != "Not found" {
			t.Errorf("unknown page: %d", res.Status)
		}
		if res := c.GetHTMX(t, "/sites/999"); res.Status != http.StatusNotFound || strings.Contains(res.Body, "<html") || !res.Has("error-message") {
			t.Errorf("htmx 404: %d %q", res.Status, res.Body)
		}

		// With the database gone, pages and the API answer 500 without the driver's words.
		d.Close()
		wantHidden(t, app, c.Get(t, "/sites"), "closed")
		wantHidden(t, app, app.API(t, token, http.MethodGet, "/api/v1/sites", nil), "closed")
		if res := c.Get(t, "/healthz"); res.Status != http.StatusOK {
			t.Errorf("healthz with the database down: %d", res.Status)
		}
		if res := c.Get(t, "/readyz"); res.Status != http.StatusServiceUnavailable || strings.Contains(res.Body, "closed") {
			t.Errorf("readyz with the database down: %d %q", res.Status, res.Body)
		}
	})
}

// wantHidden checks a 500 that names its request id, hides secret and logs it.
func wantHidden(t *testing.T, app *handlertest.App, res *handlertest.Response, secret string) {
	t.Helper()
	rid := res.Header.Get(echo.HeaderXRequestID)
	if res.Status != http.StatusInternalServerError || rid == "" || !strings.Contains(res.Body, "request id "+rid) {
		t.Errorf("want a 500 naming request id %q, got %d\n%s", rid, res.Status, res.Body)
	}
	if strings.Contains(strings.ToLower(res.Body), secret) {
		t.Errorf("the response shows the internal error (%q):\n%s", secret, res.Body)
	}
	logs := app.Logs()
	if !strings.Contains(logs, "request_id="+rid) || !strings.Contains(logs, secret) {
		t.Errorf("the log should carry the error and request id %s", rid)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
