package targets

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// LocalHandlerDir serves the pages a Local target wrote under dir. Mount it at
// /p/ (it strips that prefix itself), e.g. e.GET("/p/*",
// echo.WrapHandler(targets.LocalHandlerDir(dir))).
//
// Beyond http.FileServer it hides temporary files, refuses directory listings
// (they would enumerate a site's slugs), and sends a Content-Security-Policy
// that blocks scripts, so an SVG image or a sanitizer miss cannot run code on
// the server's origin.
func LocalHandlerDir(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.StripPrefix("/p", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean("/" + r.URL.Path)
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, ".") {
				http.NotFound(w, r)
				return
			}
		}
		if strings.HasSuffix(r.URL.Path, "/") || p == "/" {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p), "index.html")); err != nil {
				http.NotFound(w, r)
				return
			}
		} else if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err == nil && fi.IsDir() {
			// FileServer would redirect to the slash form; only do so when
			// there is a page there.
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p), "index.html")); err != nil {
				http.NotFound(w, r)
				return
			}
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; img-src * data:; media-src *; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox")
		h.Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	}))
}
