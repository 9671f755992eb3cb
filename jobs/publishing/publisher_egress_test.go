package publishing_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/publishing"
)

// The publisher's default client refuses a target on an internal address
// (here loopback) before connecting, and fails the article at once: the
// refusal is permanent until someone changes the settings.
func TestPublisherRefusesInternalTarget(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var hits atomic.Int32
		internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusOK)
		}))
		defer internal.Close()
		// The production wiring: no client, so the egress guard's default.
		e.targets.Client = nil
		e.pub = publishing.NewPublisher(d, e.clock, quiet, e.targets.For, publishing.PublisherConfig{BaseBackoff: time.Minute})
		secret, _ := e.box.Seal("hook secret")
		e.settings(func(p *db.PublishingSettings) {
			p.SchedulingMode, p.TargetKind = "immediate", "webhook"
			p.WebhookURL, p.WebhookSecretEnc = internal.URL+"/hook", secret
		})
		ids := e.approve(1)
		e.fill()
		e.publish()
		c, err := e.d.ContentByID(e.ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != db.ContentFailed || !strings.Contains(c.LastError, "refused: the address is loopback") {
			t.Fatalf("article %s, last error %q: want failed at once with the refusal", c.Status, c.LastError)
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the internal server got %d requests", n)
		}
	})
}
