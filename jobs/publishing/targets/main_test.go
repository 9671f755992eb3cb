package targets

import (
	"net/http"
	"os"
	"testing"

	"autopress/jobs/publishing/egress"
	"autopress/jobs/publishing/targets/wpreal"
)

// TestMain lets the targets under test reach the fake servers and the real
// WordPress, which listen on loopback: the default client refuses internal
// addresses. It stops the real WordPress if a test started it.
func TestMain(m *testing.M) {
	loopback := egress.NewClient(egress.Options{AllowPrivate: true})
	defaultClient = func() *http.Client { return loopback }
	os.Exit(wpreal.Main(m))
}
