// Package files holds file helpers shared by the background jobs.
package files

import (
	"os"
	"path/filepath"
)

// WriteAtomic writes data to a hidden temporary file in name's directory,
// syncs it and renames it over name, so a reader sees either the old file or
// the whole new one, never a part. The file gets mode 0644.
func WriteAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
