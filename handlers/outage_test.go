package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// TestDatabaseOutageAnswers503: while PostgreSQL cannot be reached, the API
// and the pages answer 503 with Retry-After and say so (never a 500), and
// /readyz says why; once it is back, the same requests work again.
func TestDatabaseOutageAnswers503(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		dbtest.Dialects(t) // fails under REQUIRE_POSTGRES=1
		t.Skip("PostgreSQL not configured")
	}
	_, u := dbtest.NewWithURL(t, db.Postgres, true)
	proxy, through := dbtest.NewProxy(t, u)
	d, err := db.Open(context.Background(), through, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	app := handlertest.New(t, d)
	user := app.NewUser(t, "o@example.com", handlertest.Password, false)
	site := app.NewSite(t, user, "Outage")
	token := app.NewToken(t, user)
	c := app.Client(t)
	c.Login(t, user.Email, handlertest.Password)
	sitePath := "/sites/" + itoa(site.ID)

	if r := c.Get(t, sitePath); r.Status != http.StatusOK {
		t.Fatalf("dashboard before the outage: %d", r.Status)
	}
	proxy.Cut()
	for _, tc := range []struct {
		name string
		do   func() *handlertest.Response
		want string
	}{
		{"API", func() *handlertest.Response { return app.API(t, token, http.MethodGet, "/api/v1/sites", nil) }, `"error":"The database cannot be reached`},
		{"API write", func() *handlertest.Response {
			return app.API(t, token, http.MethodPost, "/api/v1/sites/"+itoa(site.ID)+"/runs", map[string]any{})
		}, `"error":"The database cannot be reached`},
		{"page", func() *handlertest.Response { return c.Get(t, sitePath) }, "The database cannot be reached"},
		{"login", func() *handlertest.Response {
			fresh := app.Client(t)
			fresh.Get(t, "/login") // served without the database
			return fresh.PostForm(t, "/login", url.Values{"email": {user.Email}, "password": {handlertest.Password}})
		}, "The database cannot be reached"},
	} {
		r := tc.do()
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, tc.want) {
			t.Errorf("%s while down: %d, Retry-After %q, body %.300s", tc.name, r.Status, r.Header.Get("Retry-After"), r.Body)
		}
	}
	r := app.Client(t).Get(t, "/readyz")
	if r.Status != http.StatusServiceUnavailable || strings.TrimSpace(r.Body) != "database unreachable: connection refused" {
		t.Errorf("/readyz while down: %d %q", r.Status, r.Body)
	}
	if strings.Contains(app.Logs(), "level=ERROR") {
		t.Errorf("an outage logged as a server error:\n%s", app.Logs())
	}

	proxy.Restore()
	if r := c.Get(t, sitePath); r.Status != http.StatusOK {
		t.Fatalf("dashboard after the outage: %d %.300s", r.Status, r.Body)
	}
	if r := app.Client(t).Get(t, "/readyz"); r.Status != http.StatusOK {
		t.Fatalf("/readyz after the outage: %d %q", r.Status, r.Body)
	}
}
