package targets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// WordPress publishes through the WordPress REST API (v2) with Basic auth and
// an application password (WordPress ≥ 5.6, Users → Profile → Application
// Passwords). BaseURL is the site's address; the API is expected at
// BaseURL/wp-json/ (pretty permalinks on).
//
// The slug is the post's identity on the site: Publish never creates a
// second post for a slug that has one, so retrying after a timeout, a lost
// answer or an expired claim is safe. Media are named after the post's slug
// (<slug>-image-<n>), so an attempt that dies between uploading the images
// and creating the post leaves media the next attempt finds and uses rather
// than uploading them again; once the post exists every image is attached
// to it.
type WordPress struct {
	BaseURL     string
	Username    string
	AppPassword string
	// Categories and Tags are the site's settings, checked by Test (a
	// missing term needs a user allowed to create it).
	Categories []string
	Tags       []string
	// MaxImageBytes is the largest image uploaded as it is; larger ones are
	// re-encoded and scaled down (0: DefaultMaxImageBytes).
	MaxImageBytes int
	// Client defaults to one with a 60 s timeout.
	Client *http.Client
}

// lookupStatuses are the statuses a post created by an earlier attempt could
// have by now (an editor may have unpublished it; that still counts).
const lookupStatuses = "publish,future,draft,pending,private"

// Kind returns KindWordPress.
func (wp *WordPress) Kind() string { return KindWordPress }

func (wp *WordPress) base() string { return strings.TrimRight(wp.BaseURL, "/") }

func (wp *WordPress) checkConfig() error {
	if wp.BaseURL == "" || wp.Username == "" || wp.AppPassword == "" {
		return &configError{"wordpress", "the WordPress address, username and application password are all required"}
	}
	return nil
}

type wpPost struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Link string `json:"link"`
}

func (p wpPost) result() Result {
	return Result{RemoteID: strconv.FormatInt(p.ID, 10), URL: p.Link}
}

// Publish looks the slug up (and adopts a post that has it), uploads the
// images that earlier attempts did not, resolves categories and tags to ids
// (creating missing ones), creates the post with status "publish" dated at
// p.PublishedAt — title, slug, excerpt, body, the featured image set, the
// other images in the body at their sections, and the SEO title and meta
// description in the meta fields of the SEO plugins the site opens to the
// REST API (seoFields) — and attaches every image to it.
func (wp *WordPress) Publish(ctx context.Context, p Post) (Result, error) {
	if err := checkSlug(p.Slug); err != nil {
		return Result{}, err
	}
	if res, found, err := wp.Lookup(ctx, p); err != nil || found {
		return res, err
	}
	imgs := mediaPlan(p)
	// Check and convert every image before sending anything.
	for i := range imgs {
		fitted, err := fitImage(imgs[i].img, wordPressTypes, wp.MaxImageBytes, imgs[i].what)
		if err != nil {
			return Result{}, err
		}
		imgs[i].img = fitted
	}
	if err := wp.ensureMedia(ctx, p, imgs); err != nil {
		return Result{}, err
	}
	req := struct {
		Title         string  `json:"title"`
		Content       string  `json:"content"`
		Excerpt       string  `json:"excerpt"`
		Slug          string  `json:"slug"`
		Status        string  `json:"status"`
		DateGMT       string  `json:"date_gmt,omitempty"`
		FeaturedMedia int64   `json:"featured_media,omitempty"`
		Categories    []int64 `json:"categories,omitempty"`
		Tags          []int64 `json:"tags,omitempty"`
		// Meta holds the SEO fields, under registered keys only.
		Meta map[string]string `json:"meta,omitempty"`
	}{Title: p.Title, Excerpt: p.Excerpt, Slug: p.Slug, Status: "publish"}
	// A date after WordPress's clock would make the post "future"
	// (scheduled) instead of published; a slot is never in the future when
	// the publisher runs, but clocks drift.
	if !p.PublishedAt.IsZero() && !p.PublishedAt.After(time.Now()) {
		req.DateGMT = p.PublishedAt.UTC().Format("2006-01-02T15:04:05")
	}
	var figs []Figure
	for _, m := range imgs {
		if m.featured {
			req.FeaturedMedia = m.id
			continue
		}
		figs = append(figs, Figure{Section: m.img.Section, Alt: m.img.Alt, HTML: FigureHTML(m.src, m.img.Alt, "wp-image-"+strconv.FormatInt(m.id, 10))})
	}
	req.Content = PlaceImages(p.HTML, figs)
	var err error
	if req.Categories, err = wp.termIDs(ctx, "categories", p.Categories); err != nil {
		return Result{}, err
	}
	if req.Tags, err = wp.termIDs(ctx, "tags", p.Tags); err != nil {
		return Result{}, err
	}
	seo, err := wp.seoFields(ctx)
	if err != nil {
		return Result{}, err
	}
	req.Meta = seo.meta(p)
	body, err := json.Marshal(req)
	if err != nil {
		return Result{}, fmt.Errorf("targets: wordpress: %w", err)
	}
	var created wpPost
	if err := wp.call(ctx, wpOp{kind: opCreatePost, what: "create the post"}, http.MethodPost, "/posts", nil, "application/json", body, nil, &created); err != nil {
		return Result{}, err
	}
	if created.ID == 0 {
		return Result{}, errors.New("WordPress's answer to creating the post has no post id")
	}
	if err := wp.attach(ctx, created.ID, imgs); err != nil {
		return Result{}, err
	}
	return created.result(), nil
}

// Lookup finds a post with p's slug in any status but trash and attaches to
// it the media an earlier attempt uploaded for it and left unattached. It
// needs an authenticated user allowed to see drafts.
func (wp *WordPress) Lookup(ctx context.Context, p Post) (Result, bool, error) {
	if err := checkSlug(p.Slug); err != nil {
		return Result{}, false, err
	}
	q := url.Values{
		"slug":    {p.Slug},
		"status":  {lookupStatuses},
		"_fields": {"id,slug,link"},
	}
	var posts []wpPost
	if err := wp.call(ctx, wpOp{kind: opRead, what: "look up the post by its slug"}, http.MethodGet, "/posts", q, "", nil, nil, &posts); err != nil {
		return Result{}, false, err
	}
	for _, post := range posts {
		if post.Slug == p.Slug && post.ID != 0 {
			imgs := mediaPlan(p)
			if err := wp.findMedia(ctx, p, imgs); err != nil {
				return Result{}, false, err
			}
			if err := wp.attach(ctx, post.ID, imgs); err != nil {
				return Result{}, false, err
			}
			res := post.result()
			res.Adopted = true
			return res, true, nil
		}
	}
	return Result{}, false, nil
}

// termIDs maps category or tag names to ids, creating the missing ones.
// Names compare case-insensitively, as WordPress does.
func (wp *WordPress) termIDs(ctx context.Context, taxonomy string, names []string) ([]int64, error) {
	var ids []int64
	seen := map[string]bool{}
	for _, name := range names {
		name = strings.TrimSpace(name)
		key := strings.ToLower(name)
		if name == "" || seen[key] {
			continue
		}
		seen[key] = true
		id, found, err := wp.findTerm(ctx, taxonomy, name)
		if err == nil && !found {
			id, err = wp.createTerm(ctx, taxonomy, name)
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// termWord is how a taxonomy is named to users.
func termWord(taxonomy string) string {
	if taxonomy == "categories" {
		return "category"
	}
	return "tag"
}

func (wp *WordPress) findTerm(ctx context.Context, taxonomy, name string) (int64, bool, error) {
	var terms []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	q := url.Values{"search": {name}, "per_page": {"100"}, "_fields": {"id,name"}}
	op := wpOp{kind: opRead, what: fmt.Sprintf("look up the %s %q", termWord(taxonomy), name)}
	if err := wp.call(ctx, op, http.MethodGet, "/"+taxonomy, q, "", nil, nil, &terms); err != nil {
		return 0, false, err
	}
	for _, t := range terms {
		// Names come back HTML-escaped ("Q&amp;A").
		if strings.EqualFold(html.UnescapeString(t.Name), name) {
			return t.ID, true, nil
		}
	}
	return 0, false, nil
}

func (wp *WordPress) createTerm(ctx context.Context, taxonomy, name string) (int64, error) {
	op := wpOp{kind: opCreateTerm, what: fmt.Sprintf("create the %s %q", termWord(taxonomy), name)}
	body, _ := json.Marshal(map[string]string{"name": name})
	status, resp, err := wp.send(ctx, http.MethodPost, "/"+taxonomy, nil, "application/json", body, nil)
	if err != nil {
		return 0, err
	}
	var out struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
		Data struct {
			TermID int64 `json:"term_id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(resp, &out)
	switch {
	case is2xx(status) && out.ID != 0:
		return out.ID, nil
	case out.Code == "term_exists" && out.Data.TermID != 0:
		// Created meanwhile, or a name the search did not match exactly.
		return out.Data.TermID, nil
	case is2xx(status):
		return 0, fmt.Errorf("WordPress's answer to %s has no id", op.what)
	}
	return 0, wp.answerError(op, status, resp)
}

// call sends a request and decodes a 2xx JSON answer into out.
func (wp *WordPress) call(ctx context.Context, op wpOp, method, path string, q url.Values, contentType string, body []byte, hdr map[string]string, out any) error {
	status, resp, err := wp.send(ctx, method, path, q, contentType, body, hdr)
	if err != nil {
		return err
	}
	if !is2xx(status) {
		return wp.answerError(op, status, resp)
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return &configError{"wordpress", fmt.Sprintf("%s answers, but not as the WordPress REST API (while trying to %s)", wp.base(), op.what)}
	}
	return nil
}

// send makes one request to BaseURL/wp-json/wp/v2<path>. Its error is a
// *reachError when no answer came, or wraps ErrConfig.
func (wp *WordPress) send(ctx context.Context, method, path string, q url.Values, contentType string, body []byte, hdr map[string]string) (int, []byte, error) {
	return wp.sendURL(ctx, method, wp.base()+"/wp-json/wp/v2"+path, q, contentType, body, hdr)
}

func (wp *WordPress) sendURL(ctx context.Context, method, u string, q url.Values, contentType string, body []byte, hdr map[string]string) (int, []byte, error) {
	if err := wp.checkConfig(); err != nil {
		return 0, nil, err
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, &configError{"wordpress", fmt.Sprintf("bad WordPress address %q: %v", wp.BaseURL, err)}
	}
	req.SetBasicAuth(wp.Username, wp.AppPassword)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := httpClient(wp.Client).Do(req)
	if err != nil {
		return 0, nil, &reachError{url: wp.base(), err: err}
	}
	b, err := readBody(resp)
	// A redirect to another scheme or host turns POSTs into GETs and may
	// drop the credentials: ask for the final address instead.
	if final := resp.Request.URL; final.Scheme != req.URL.Scheme || final.Host != req.URL.Host {
		site := final.Scheme + "://" + final.Host + strings.TrimSuffix(final.Path, strings.TrimPrefix(req.URL.Path, strings.TrimRight(mustPath(wp.base()), "/")))
		return 0, nil, &configError{"wordpress", fmt.Sprintf("%s redirects to %s; use that as the WordPress address", wp.base(), strings.TrimRight(site, "/"))}
	}
	if err != nil {
		return 0, nil, &reachError{url: wp.base(), err: err}
	}
	return resp.StatusCode, b, nil
}

func mustPath(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Path
}
