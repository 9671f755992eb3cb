package handlers_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers"
	"autopress/handlers/handlertest"
	"autopress/jobs/publishing/egress"
)

// "Test connection" goes through the egress guard: with the production
// default an internal address is refused before connecting, whatever
// answers there; with PUBLISH_ALLOW_PRIVATE it is reached, and the
// result shows the status line, never the answer's text.
func TestPublishingTestConnectionEgress(t *testing.T) {
	const internalText = "postgres-internal-banner-do-not-show"
	var hits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"code":"x","message":"`+internalText+`","error":"`+internalText+`"}`)
	}))
	defer internal.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(internal.URL, "http://"), ":")

	for _, tc := range []struct {
		name   string
		client *http.Client
		target string
		want   string
	}{
		{"default", nil, internal.URL, "Cannot reach the webhook at " + internal.URL + ": refused: the address is loopback."},
		{"default, a name for loopback", nil, "http://localhost:" + port, "Cannot reach the webhook at http://localhost:" + port + ": refused: the address is loopback."},
		{"default, cloud metadata", nil, "http://169.254.169.254/latest", "Cannot reach the webhook at http://169.254.169.254/latest: refused: the address is a cloud metadata address."},
		{"allowed", egress.NewClient(egress.Options{AllowPrivate: true}), internal.URL, "The webhook receiver failed (HTTP 500)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			app := handlertest.New(t, dbtest.New(t, db.SQLite), handlertest.WithDeps(func(d *handlers.Deps) { d.Targets.Client = tc.client }))
			ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
			site := app.NewSite(t, ann, "Coffee")
			c := app.Client(t)
			c.Login(t, ann.Email, handlertest.Password)
			e := &publishingEnv{app: app, d: app.DB, user: ann, site: site, c: c}
			e.saveSettings(t, func(p *db.PublishingSettings) {
				p.TargetKind, p.WebhookURL, p.WebhookSecretEnc = "webhook", tc.target, e.seal(t, "hook secret")
			})
			res := c.PostHTMX(t, "/sites/"+itoa(site.ID)+"/publishing/test", url.Values{})
			got := res.TestID(t, "test-result")
			if got != tc.want || strings.Contains(res.Body, internalText) {
				t.Errorf("test result %q\nwant %q (and nothing of the answer's body)", got, tc.want)
			}
			if wantHits := map[bool]int32{true: 1, false: 0}[tc.client != nil]; hits.Load() != wantHits {
				t.Errorf("the internal server got %d requests, want %d", hits.Load(), wantHits)
			}
		})
	}
}
