// Package static embeds the browser assets: the vendored htmx, Pico CSS and
// Trix (each with its licence) and autopress's own small stylesheet and
// scripts (app.js everywhere, editor.js on the article editor).
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sync"
)

// FS holds the files served under /static/.
//
//go:embed app.css pictures.css app.js editor.js favicon.svg vendor
var FS embed.FS

var (
	versionsOnce sync.Once
	versions     map[string]string
)

// Path returns the URL of an embedded file with a content hash in its query,
// so the server can tell browsers to cache assets for a year: a changed file
// gets a new URL.
func Path(name string) string {
	versionsOnce.Do(hashAll)
	if v, ok := versions[name]; ok {
		return "/static/" + name + "?v=" + v
	}
	return "/static/" + name
}

func hashAll() {
	versions = map[string]string{}
	fs.WalkDir(FS, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := FS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		versions[p] = hex.EncodeToString(sum[:6])
		return nil
	})
}
