package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers"
	"autopress/handlers/handlertest"
)

// /metrics is never public: without a token there is no such route, with
// one only requests bearing it get the metrics.
func TestMetricsNeedTheToken(t *testing.T) {
	d := dbtest.New(t, db.SQLite)
	get := func(app *handlertest.App, auth string) *handlertest.Response {
		c := app.Client(t)
		req := c.NewRequest(t, http.MethodGet, "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return c.Do(t, req)
	}

	off := handlertest.New(t, d, handlertest.WithDeps(func(d *handlers.Deps) { d.MetricsToken = "" }))
	if res := get(off, ""); res.Status != http.StatusNotFound || strings.Contains(res.Body, "go_goroutines") {
		t.Errorf("no token configured: %d, want 404", res.Status)
	}

	app := handlertest.New(t, d)
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong-token", http.StatusUnauthorized},
		{"Bearer " + handlertest.MetricsToken + "x", http.StatusUnauthorized},
		{"Basic " + handlertest.MetricsToken, http.StatusUnauthorized},
		{"Bearer " + handlertest.MetricsToken, http.StatusOK},
		{"bearer " + handlertest.MetricsToken, http.StatusOK},
	} {
		res := get(app, tc.auth)
		if res.Status != tc.want {
			t.Errorf("Authorization %q: %d, want %d", tc.auth, res.Status, tc.want)
		}
		if leaked := strings.Contains(res.Body, "go_goroutines"); leaked != (tc.want == http.StatusOK) {
			t.Errorf("Authorization %q: metrics in the body = %v", tc.auth, leaked)
		}
		if tc.want == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: 401 without WWW-Authenticate", tc.auth)
		}
	}
}
