package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"autopress/db"
)

// moveImageFilesIn moves the images that earlier versions wrote under
// DATA_DIR/images into the database's blob store, where every instance
// finds them: each file an image refers to is stored under its key (its
// path under DATA_DIR) unless the store has it already, then removed.
// Running it again does nothing new, and a crash between the two steps
// only leaves a file the next start removes. Files no image refers to
// stay where they are.
func moveImageFilesIn(ctx context.Context, d *db.DB, dataDir string, log *slog.Logger, now time.Time) error {
	root := filepath.Join(dataDir, "images")
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var moved, stored, unknown, unreadable int
	var dirs []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dataDir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		referenced, inStore, err := d.ImageKeyState(ctx, key)
		if err != nil {
			return err
		}
		if !referenced {
			unknown++
			return nil
		}
		if !inStore {
			data, err := os.ReadFile(p)
			if err != nil {
				log.Warn("image file unreadable; left in place", "file", p, "err", err)
				unreadable++
				return nil
			}
			if _, err := d.ImportBlob(ctx, key, data, now); err != nil {
				return err
			}
			moved++
		} else {
			stored++
		}
		return os.Remove(p)
	})
	if err != nil {
		return fmt.Errorf("autopress: move image files into the database: %w", err)
	}
	// Deepest first, so emptied directories go too (non-empty ones stay).
	slices.Reverse(dirs)
	for _, dir := range dirs {
		os.Remove(dir)
	}
	if moved+stored+unknown+unreadable > 0 {
		log.Info("image files moved into the database", "dir", root, "moved", moved,
			"already_stored", stored, "left_unreferenced", unknown, "left_unreadable", unreadable)
	}
	return nil
}
