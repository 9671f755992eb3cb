package handlers_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestMain closes the one Chromium that the browser tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	shared.close()
	os.Exit(code)
}

// shared is the test binary's one browser: starting Chromium takes about a
// second, so the browser tests open tabs in it rather than browsers of their
// own.
var shared sharedChromium

type sharedChromium struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	dir    string
	err    error
}

// chromiumPath is CHROMIUM_PATH, /usr/bin/chromium or the first Chromium on
// the PATH ("" when there is none).
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserTab opens a new tab of the shared browser for the test and closes
// it when the test ends. The tab is a laptop's size (1280×900). Without Chromium the test is skipped loudly, or
// fails when REQUIRE_BROWSER=1 (as in CI).
func browserTab(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	path := chromiumPath()
	if _, err := os.Stat(path); path == "" || err != nil {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatalf("REQUIRE_BROWSER=1 but there is no Chromium (set CHROMIUM_PATH)")
		}
		fmt.Fprintf(os.Stderr, "\n*** %s: no Chromium: the browser test is SKIPPED (set CHROMIUM_PATH) ***\n", t.Name())
		t.Skip("no Chromium")
	}
	shared.start(path)
	if shared.err != nil {
		t.Fatalf("start Chromium: %v", shared.err)
	}
	tab, cancel := chromedp.NewContext(shared.ctx)
	t.Cleanup(cancel)
	// The tab's target exists from its first action on; later steps may
	// then run under contexts with deadlines.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return tab
}

func (s *sharedChromium) start(path string) {
	s.once.Do(func() {
		s.dir, s.err = os.MkdirTemp("", "autopress-chromium-")
		if s.err != nil {
			return
		}
		// No timeout on these contexts: it would end the browser.
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
			chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-sync", true), chromedp.Flag("hide-scrollbars", true),
			chromedp.UserDataDir(s.dir))...)
		ctx, cancelBrowser := chromedp.NewContext(alloc)
		s.ctx = ctx
		s.cancel = func() { cancelBrowser(); cancelAlloc() }
		s.err = chromedp.Do(ctx)
	})
}

func (s *sharedChromium) close() {
	if s.cancel != nil {
		s.cancel()
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}
