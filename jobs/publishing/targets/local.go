package targets

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/natefinch/atomic"
)

// Local writes each post as a static page, <Dir>/<siteID>/<slug>/index.html,
// with its images as files next to it. The server serves Dir under /p/ (see
// LocalHandlerDir).
type Local struct {
	Dir string
	// BaseURL is the server's public address, without the /p/ path.
	BaseURL string
}

// NewLocal returns a Local target writing under dir; baseURL is the server's
// public address (a trailing slash is dropped).
func NewLocal(dir, baseURL string) *Local {
	return &Local{Dir: dir, BaseURL: strings.TrimRight(baseURL, "/")}
}

// Kind returns KindLocal.
func (l *Local) Kind() string { return KindLocal }

func (l *Local) result(p Post) Result {
	id := strconv.FormatInt(p.SiteID, 10) + "/" + p.Slug
	return Result{RemoteID: id, URL: strings.TrimRight(l.BaseURL, "/") + "/p/" + id + "/"}
}

func (l *Local) postDir(p Post) (string, error) {
	if err := checkSlug(p.Slug); err != nil {
		return "", err
	}
	if p.SiteID <= 0 {
		return "", fmt.Errorf("%w: site id %d", ErrInvalidPost, p.SiteID)
	}
	if l.Dir == "" {
		return "", &configError{"local", "no directory configured"}
	}
	return filepath.Join(l.Dir, strconv.FormatInt(p.SiteID, 10), p.Slug), nil
}

// Publish writes the images, then index.html, each to a temporary file renamed
// into place: a reader never sees a half-written file, and index.html existing
// means the whole post is there. Publishing again overwrites the post.
func (l *Local) Publish(ctx context.Context, p Post) (Result, error) {
	dir, err := l.postDir(p)
	if err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, fmt.Errorf("targets: local: %w", err)
	}
	page := localPage{Lang: langOf(p.HTML), Title: p.Title, Excerpt: p.Excerpt, HeadTitle: cmp.Or(p.SEOTitle, p.Title), Description: cmp.Or(p.MetaDescription, p.Excerpt),
		PublishedAt: p.PublishedAt, Tags: p.Tags, Categories: p.Categories}
	used := map[string]bool{"index.html": true}
	write := func(i int, img Image) (localImage, error) {
		if err := ctx.Err(); err != nil {
			return localImage{}, err
		}
		name := imageFilename(img, i, used)
		if err := atomic.WriteFile(filepath.Join(dir, name), bytes.NewReader(img.Data)); err != nil {
			return localImage{}, fmt.Errorf("targets: local: image %s: %w", name, err)
		}
		return localImage{Src: name, Alt: img.Alt}, nil
	}
	if p.FeaturedImage != nil {
		li, err := write(1, *p.FeaturedImage)
		if err != nil {
			return Result{}, err
		}
		page.Featured = &li
	}
	var figs []Figure
	for i, img := range p.Images {
		li, err := write(i+2, img)
		if err != nil {
			return Result{}, err
		}
		figs = append(figs, Figure{Section: img.Section, Alt: img.Alt, HTML: FigureHTML(li.Src, li.Alt, "")})
	}
	page.Body = template.HTML(PlaceImages(p.HTML, figs)) // sanitized upstream; figures escaped
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, page); err != nil {
		return Result{}, fmt.Errorf("targets: local: render: %w", err)
	}
	if err := atomic.WriteFile(filepath.Join(dir, "index.html"), &buf); err != nil {
		return Result{}, fmt.Errorf("targets: local: %w", err)
	}
	return l.result(p), nil
}

// Lookup reports whether the post's index.html exists.
func (l *Local) Lookup(ctx context.Context, p Post) (Result, bool, error) {
	dir, err := l.postDir(p)
	if err != nil {
		return Result{}, false, err
	}
	_, err = os.Stat(filepath.Join(dir, "index.html"))
	switch {
	case err == nil:
		return l.result(p), true, nil
	case errors.Is(err, fs.ErrNotExist):
		return Result{}, false, nil
	default:
		return Result{}, false, fmt.Errorf("targets: local: %w", err)
	}
}

// Test checks that Dir exists (creating it) and is writable.
func (l *Local) Test(ctx context.Context) []Check {
	c := Check{Name: "Publishing directory", Status: CheckOK, Detail: "The publishing directory is writable."}
	if err := l.testDir(); err != nil {
		c.Status, c.Err, c.Detail = CheckFailed, err, sentence(err.Error())
	}
	return []Check{c}
}

func (l *Local) testDir() error {
	if l.Dir == "" {
		return &configError{"local", "no directory configured for local publishing"}
	}
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return fmt.Errorf("cannot create the publishing directory %s: %w", l.Dir, err)
	}
	f, err := os.CreateTemp(l.Dir, ".test-*")
	if err != nil {
		return fmt.Errorf("the publishing directory %s is not writable: %w", l.Dir, err)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("the publishing directory %s: %w", l.Dir, err)
	}
	return nil
}

// imageFilename returns a safe, unique file name for an image: the base of
// its Filename restricted to [A-Za-z0-9._-], or image-<i><ext>.
func imageFilename(img Image, i int, used map[string]bool) string {
	base := img.Filename
	if j := strings.LastIndexAny(base, `/\`); j >= 0 {
		base = base[j+1:]
	}
	base = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '-'
	}, base)
	base = strings.TrimLeft(base, ".-")
	if len(base) > 100 {
		base = base[len(base)-100:]
	}
	if base == "" {
		base = "image-" + strconv.Itoa(i) + extensionFor(img.MIME)
	}
	name := base
	for n := 2; used[name]; n++ {
		name = strconv.Itoa(n) + "-" + base
	}
	used[name] = true
	return name
}

func extensionFor(mimeType string) string {
	switch strings.ToLower(strings.TrimSpace(strings.SplitN(mimeType, ";", 2)[0])) {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/avif":
		return ".avif"
	case "image/svg+xml":
		return ".svg"
	}
	return ".bin"
}
