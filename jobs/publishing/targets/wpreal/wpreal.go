// Package wpreal serves a real WordPress for tests: Debian's package, with
// PHP's built-in server on a free loopback port, started once per test
// binary on first use. .ci/wordpress-setup installs the packages and the
// site's configuration (as root, once per machine); the tests run
// .ci/wordpress/install.php themselves (it is idempotent) and get its users.
//
//	func TestMain(m *testing.M) { os.Exit(wpreal.Main(m)) }
//
//	func TestX(t *testing.T) {
//		site := wpreal.Get(t) // skips loudly when unavailable; fails with REQUIRE_WORDPRESS=1
//		target := &targets.WordPress{BaseURL: site.URL, Username: site.Editor.Username, AppPassword: site.Editor.AppPassword}
//
// Every test binary shares the one WordPress database: give posts unique
// slugs (Slug) and look only at your own.
package wpreal

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Where Debian puts WordPress, and the configuration .ci/wordpress-setup
// installs (Debian's wp-config.php loads config-<host>.php).
const (
	docRoot    = "/usr/share/wordpress"
	configFile = "/etc/wordpress/config-127.0.0.1.php"
)

// User is a WordPress user with an application password.
type User struct {
	Username    string `json:"username"`
	AppPassword string `json:"application_password"`
	Role        string `json:"role"`
}

// Site is the running WordPress.
type Site struct {
	// URL is its address, http://127.0.0.1:<port>.
	URL     string
	Version string
	// Editor may publish, upload and create categories and tags; Author
	// may publish and upload; NoUpload may publish but not upload.
	Editor, Author, NoUpload User

	cmd *exec.Cmd
	log *tail
}

var (
	once    sync.Once
	site    *Site
	failure error
	mainRan bool
)

// Main runs the tests and stops WordPress afterwards, if a test started it.
func Main(m *testing.M) int {
	mainRan = true
	code := m.Run()
	if site != nil {
		site.stop()
	}
	return code
}

// Get returns the running WordPress, starting it on first use. Without
// WordPress it skips the test with the reason, or fails it when
// REQUIRE_WORDPRESS=1 (as CI sets).
func Get(t testing.TB) *Site {
	t.Helper()
	if !mainRan {
		t.Fatal("wpreal: call wpreal.Main from the package's TestMain")
	}
	once.Do(func() { site, failure = start() })
	if failure != nil {
		if os.Getenv("REQUIRE_WORDPRESS") == "1" {
			t.Fatalf("wpreal: REQUIRE_WORDPRESS=1 but the test WordPress is unavailable: %v", failure)
		}
		t.Skipf("*** SKIPPED: no test WordPress (%v); run .ci/wordpress-setup as root to set it up ***", failure)
	}
	return site
}

// Slug returns a slug unique to this run: prefix plus random hex.
func Slug(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// Log returns the last lines PHP's server wrote (requests, PHP errors).
func (s *Site) Log() string { return s.log.String() }

func start() (*Site, error) {
	php, err := exec.LookPath("php")
	if err != nil {
		return nil, errors.New("php is not installed")
	}
	for _, f := range []string{docRoot + "/wp-load.php", configFile} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("%s is missing", f)
		}
	}
	dir, err := ciDir()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, php, filepath.Join(dir, "install.php")).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("install.php: %v: %s", err, bytes.TrimSpace(ee.Stderr))
		}
		return nil, fmt.Errorf("install.php: %w", err)
	}
	var inst struct {
		Version string `json:"version"`
		Users   []User `json:"users"`
	}
	if err := json.Unmarshal(out, &inst); err != nil {
		return nil, fmt.Errorf("install.php printed %q: %w", out, err)
	}
	s := &Site{Version: inst.Version}
	for _, u := range inst.Users {
		switch u.Username {
		case "autopress-editor":
			s.Editor = u
		case "autopress-author":
			s.Author = u
		case "autopress-noupload":
			s.NoUpload = u
		}
	}
	var lastErr error
	for range 3 { // a free port may be taken before PHP binds it
		if lastErr = s.serve(php, dir); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

// serve starts PHP's server on a free port and waits until it listens.
func (s *Site) serve(php, dir string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(php, "-S", addr, "-t", docRoot, filepath.Join(dir, "router.php"))
	// Two workers: the publisher sends several requests at once.
	cmd.Env = append(os.Environ(), "PHP_CLI_SERVER_WORKERS=2")
	cmd.SysProcAttr = sysProcAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.log = cmd, &tail{}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			s.log.add(line)
			if !signalled && strings.Contains(line, "Development Server") && strings.Contains(line, "started") {
				ready <- nil
				signalled = true
			}
		}
		if !signalled {
			ready <- fmt.Errorf("php -S exited: %s", s.log.String())
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			s.stop()
			return err
		}
	case <-time.After(30 * time.Second):
		s.stop()
		return errors.New("php -S did not start within 30 s")
	}
	s.URL = "http://" + addr
	// The first request loads WordPress; its answer proves the database.
	var idx struct {
		Namespaces []string `json:"namespaces"`
	}
	if err := s.fetch(http.MethodGet, s.URL+"/wp-json/", nil, User{}, &idx); err != nil {
		s.stop()
		return fmt.Errorf("WordPress does not answer: %w\n%s", err, s.log.String())
	}
	return nil
}

func (s *Site) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	killGroup(s.cmd)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Get reads path under /wp-json/wp/v2 as the editor into out.
func (s *Site) Get(t testing.TB, path string, q url.Values, out any) {
	t.Helper()
	u := s.URL + "/wp-json/wp/v2" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	if err := s.fetch(http.MethodGet, u, nil, s.Editor, out); err != nil {
		t.Fatalf("wpreal: GET %s: %v", path, err)
	}
}

// Do sends a JSON request under /wp-json/wp/v2 as the editor.
func (s *Site) Do(t testing.TB, method, path string, body any, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	if err := s.fetch(method, s.URL+"/wp-json/wp/v2"+path, b, s.Editor, out); err != nil {
		t.Fatalf("wpreal: %s %s: %v", method, path, err)
	}
}

func (s *Site) fetch(method, u string, body []byte, user User, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if user.Username != "" {
		req.SetBasicAuth(user.Username, user.AppPassword)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// ciDir finds .ci/wordpress from this source file.
func ciDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the repository")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", ".ci", "wordpress")
	if _, err := os.Stat(filepath.Join(dir, "install.php")); err != nil {
		return "", fmt.Errorf("%s/install.php: %w", dir, err)
	}
	return dir, nil
}

// tail keeps the last lines of a log.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 200 {
		t.lines = t.lines[len(t.lines)-200:]
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
