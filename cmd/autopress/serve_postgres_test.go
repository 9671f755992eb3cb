package main

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

// Two instances start at the same moment on one empty PostgreSQL database:
// they migrate one after the other, exactly one of them sets the instance
// up, both serve, and both shut down cleanly.
func TestServeTwoInstancesOnPostgres(t *testing.T) {
	d, dbURL := dbtest.NewWithURL(t, db.Postgres, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	type instance struct {
		base  string
		done  chan error
		logs  *lockedBuffer
		ready chan struct{}
	}
	var instances []instance
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig(env(map[string]string{
			"DATABASE_URL": dbURL,
			"APP_SECRET":   "shared-secret-of-the-cluster",
			"DATA_DIR":     t.TempDir(),
			"LISTEN_ADDR":  ln.Addr().String(),
		}))
		if err != nil {
			t.Fatal(err)
		}
		in := instance{base: cfg.BaseURL, done: make(chan error, 1), logs: &lockedBuffer{}, ready: make(chan struct{})}
		go func() {
			in.done <- run(ctx, cfg, newLogger(cfg, in.logs), ln, in.logs, func(listening) { close(in.ready) })
		}()
		instances = append(instances, in)
	}

	client := &http.Client{Timeout: 10 * time.Second}
	for _, in := range instances {
		select {
		case <-in.ready:
		case err := <-in.done:
			t.Fatalf("%s stopped before it was ready: %v\n%s", in.base, err, in.logs.String())
		case <-time.After(60 * time.Second):
			t.Fatalf("%s not ready within 60 s:\n%s", in.base, in.logs.String())
		}
		if code, body := get(t, client, in.base+"/readyz"); code != http.StatusOK {
			t.Errorf("%s/readyz: %d %s", in.base, code, body)
		}
	}
	if n, err := d.CountUsers(context.Background()); err != nil || n != 1 {
		t.Errorf("users after two first starts: %d, %v; want 1", n, err)
	}
	var sites int
	if err := d.GetContext(context.Background(), &sites, `SELECT COUNT(*) FROM sites`); err != nil || sites != 1 {
		t.Errorf("demo sites: %d, %v; want 1", sites, err)
	}

	cancel()
	for _, in := range instances {
		select {
		case err := <-in.done:
			if err != nil {
				t.Errorf("%s shutdown: %v\n%s", in.base, err, in.logs.String())
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: no clean shutdown within 60 s", in.base)
		}
	}
}
