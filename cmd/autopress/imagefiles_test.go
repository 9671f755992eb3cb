package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

// TestMoveImageFilesIn moves the files of images written before images
// lived in the database into the blob store — once: a second start finds
// nothing to do — and leaves files no image refers to alone.
func TestMoveImageFilesIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		u, err := d.CreateAccountWithUser(ctx, "Acme", "a@example.com", "x", false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		site, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "S", URL: "https://s.example.com", Timezone: "UTC"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		c := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID})
		file := func(key string, data []byte) string {
			p := filepath.Join(dir, filepath.FromSlash(key))
			if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		// An image whose bytes are only on disk (written by an older
		// version), one already stored whose file a crash left behind,
		// and a file no image refers to.
		onDisk := dbtest.InsertImage(t, d, c, "1-1.png", "image/png", []byte("placeholder"))
		if _, err := dbtest.Exec(ctx, d, `DELETE FROM blobs WHERE blob_key = ?`, onDisk.Path); err != nil {
			t.Fatal(err)
		}
		onDiskFile := file(onDisk.Path, []byte("the real bytes"))
		both := dbtest.InsertImage(t, d, c, "1-2.png", "image/png", []byte("stored bytes"))
		bothFile := file(both.Path, []byte("stale copy"))
		strayFile := file("images/99/stray.png", []byte("nobody's"))

		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		if err := moveImageFilesIn(ctx, d, dir, log, time.Now()); err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]string{onDisk.Path: "the real bytes", both.Path: "stored bytes"} {
			got, err := d.Blobs().Get(ctx, key)
			if err != nil || string(got) != want {
				t.Errorf("blob %s: %q, %v; want %q", key, got, err, want)
			}
		}
		for _, f := range []string{onDiskFile, bothFile} {
			if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s still there after the move (%v)", f, err)
			}
		}
		if _, err := os.Stat(strayFile); err != nil {
			t.Errorf("a file no image refers to was touched: %v", err)
		}
		if !strings.Contains(logs.String(), "moved=1 already_stored=1 left_unreferenced=1") {
			t.Errorf("log does not count the move:\n%s", logs.String())
		}

		// A second start: nothing left to move, nothing broken.
		if err := moveImageFilesIn(ctx, d, dir, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now()); err != nil {
			t.Fatal(err)
		}
		if got, err := d.Blobs().Get(ctx, onDisk.Path); err != nil || string(got) != "the real bytes" {
			t.Errorf("after a second start: %q, %v", got, err)
		}
	})
}
