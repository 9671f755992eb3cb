package targets

import (
	"net/http"
	"os"
	"testing"

	"autopress/jobs/publishing/egress"
)

// TestMain lets the targets under test reach the fake servers, which
// listen on loopback: the default client refuses internal addresses.
func TestMain(m *testing.M) {
	loopback := egress.NewClient(egress.Options{AllowPrivate: true})
	defaultClient = func() *http.Client { return loopback }
	os.Exit(m.Run())
}
