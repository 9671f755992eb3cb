package targets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// WordPress publishes through the WordPress REST API (v2) with Basic auth and
// an application password (WordPress ≥ 5.6, Users → Profile → Application
// Passwords). BaseURL is the site's address; the API is expected at
// BaseURL/wp-json/ (pretty permalinks on).
//
// Publish never creates a second post for the same slug: it always looks the
// slug up first (one cheap GET) and returns the existing post when there is
// one, so retrying after a timeout, a lost answer or an expired claim is
// safe. The slug is the post's identity on the site: a post that already has
// it, whoever wrote it, counts as the publication. A retry after a failure
// between the media upload and the post creation may leave an unattached
// media item behind; it is harmless and WordPress lists it under Media.
type WordPress struct {
	BaseURL     string
	Username    string
	AppPassword string
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
		return &configError{"wordpress", "the site address, username and application password are all required"}
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

// Publish looks the slug up, uploads the featured image, resolves categories
// and tags to ids (creating missing ones), then creates the post with status
// "publish" dated at p.PublishedAt.
func (wp *WordPress) Publish(ctx context.Context, p Post) (Result, error) {
	if err := checkSlug(p.Slug); err != nil {
		return Result{}, err
	}
	if res, found, err := wp.Lookup(ctx, p); err != nil || found {
		return res, err
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
	}{Title: p.Title, Content: p.HTML, Excerpt: p.Excerpt, Slug: p.Slug, Status: "publish"}
	// A date after WordPress's clock would make the post "future"
	// (scheduled) instead of published; a slot is never in the future when
	// the publisher runs, but clocks drift.
	if !p.PublishedAt.IsZero() && !p.PublishedAt.After(time.Now()) {
		req.DateGMT = p.PublishedAt.UTC().Format("2006-01-02T15:04:05")
	}
	var err error
	if p.FeaturedImage != nil {
		if req.FeaturedMedia, err = wp.uploadMedia(ctx, *p.FeaturedImage); err != nil {
			return Result{}, err
		}
	}
	if req.Categories, err = wp.termIDs(ctx, "categories", p.Categories); err != nil {
		return Result{}, err
	}
	if req.Tags, err = wp.termIDs(ctx, "tags", p.Tags); err != nil {
		return Result{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return Result{}, fmt.Errorf("targets: wordpress: %w", err)
	}
	var created wpPost
	if err := wp.call(ctx, "create post", http.MethodPost, "/posts", nil, "application/json", body, nil, &created); err != nil {
		return Result{}, err
	}
	if created.ID == 0 {
		return Result{}, errors.New("targets: wordpress create post: the answer has no post id")
	}
	return created.result(), nil
}

// Lookup finds a post with p's slug in any status but trash. It needs an
// authenticated user allowed to see drafts.
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
	if err := wp.call(ctx, "look up post", http.MethodGet, "/posts", q, "", nil, nil, &posts); err != nil {
		return Result{}, false, err
	}
	for _, post := range posts {
		if post.Slug == p.Slug && post.ID != 0 {
			return post.result(), true, nil
		}
	}
	return Result{}, false, nil
}

// Test checks the address and credentials with GET /users/me?context=edit,
// and that the user may publish posts and upload files.
func (wp *WordPress) Test(ctx context.Context) error {
	var me struct {
		Name         string          `json:"name"`
		Capabilities map[string]bool `json:"capabilities"`
	}
	status, body, err := wp.send(ctx, http.MethodGet, "/users/me", url.Values{"context": {"edit"}}, "", nil, nil)
	var re *reachError
	var ce *configError
	switch {
	case errors.As(err, &re):
		return userErr("cannot reach WordPress at "+re.url+": "+re.cause(), err)
	case errors.As(err, &ce):
		return userErr(ce.msg, err)
	case err != nil:
		return err
	case status == http.StatusUnauthorized:
		se := statusError(status, body)
		msg := withDetail("WordPress rejected the username or application password", se)
		if se.Code == "rest_not_logged_in" {
			// The credentials never arrived: some hosts strip the
			// Authorization header before PHP sees it.
			msg += " (WordPress received no credentials; the web server may be dropping the Authorization header)"
		}
		return userErr(msg, ErrAuth, se)
	case status == http.StatusForbidden:
		return userErr(withDetail(fmt.Sprintf("WordPress refused access to user %q", wp.Username), statusError(status, body)), ErrAuth, statusError(status, body))
	case status == http.StatusNotFound:
		return userErr(fmt.Sprintf("no WordPress REST API at %s (check the site address; the REST API needs pretty permalinks and must not be disabled by a plugin)", wp.base()), statusError(status, body))
	case !is2xx(status):
		return userErr(withDetail(fmt.Sprintf("WordPress at %s answered HTTP %d", wp.base(), status), statusError(status, body)), statusError(status, body))
	}
	if json.Unmarshal(body, &me) != nil {
		return userErr(fmt.Sprintf("no WordPress REST API at %s (the address answers, but not as WordPress)", wp.base()))
	}
	for _, c := range []struct{ cap, what string }{{"publish_posts", "publish posts"}, {"upload_files", "upload images"}} {
		if v, ok := me.Capabilities[c.cap]; ok && !v {
			return userErr(fmt.Sprintf("WordPress user %q cannot %s; give them the Author role or higher", wp.Username, c.what), ErrAuth)
		}
	}
	return nil
}

func withDetail(msg string, se *StatusError) string {
	if se.Message != "" {
		return msg + ": " + se.Message
	}
	return msg
}

// uploadMedia sends the image as the raw request body and returns its media
// id. The alt text rides in the query string, which WordPress reads for
// uploads like any other parameter.
func (wp *WordPress) uploadMedia(ctx context.Context, img Image) (int64, error) {
	name := imageFilename(img, 1, map[string]bool{})
	ct := img.MIME
	if ct == "" {
		ct = mime.TypeByExtension(filepath.Ext(name))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	var q url.Values
	if img.Alt != "" {
		q = url.Values{"alt_text": {img.Alt}}
	}
	hdr := map[string]string{"Content-Disposition": mime.FormatMediaType("attachment", map[string]string{"filename": name})}
	var media struct {
		ID int64 `json:"id"`
	}
	if err := wp.call(ctx, "upload featured image", http.MethodPost, "/media", q, ct, img.Data, hdr, &media); err != nil {
		return 0, err
	}
	if media.ID == 0 {
		return 0, errors.New("targets: wordpress upload featured image: the answer has no media id")
	}
	return media.ID, nil
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
		id, err := wp.termID(ctx, taxonomy, name)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (wp *WordPress) termID(ctx context.Context, taxonomy, name string) (int64, error) {
	var terms []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	q := url.Values{"search": {name}, "per_page": {"100"}, "_fields": {"id,name"}}
	if err := wp.call(ctx, "find "+taxonomy, http.MethodGet, "/"+taxonomy, q, "", nil, nil, &terms); err != nil {
		return 0, err
	}
	for _, t := range terms {
		// Names come back HTML-escaped ("Q&amp;A").
		if strings.EqualFold(html.UnescapeString(t.Name), name) {
			return t.ID, nil
		}
	}
	body, _ := json.Marshal(map[string]string{"name": name})
	status, resp, err := wp.send(ctx, http.MethodPost, "/"+taxonomy, nil, "application/json", body, nil)
	if err != nil {
		return 0, fmt.Errorf("targets: wordpress create %s: %w", taxonomy, err)
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
		return 0, fmt.Errorf("targets: wordpress create %s: the answer has no id", taxonomy)
	}
	return 0, wpStatusError("create "+taxonomy, status, resp)
}

// call sends a request and decodes a 2xx JSON answer into out.
func (wp *WordPress) call(ctx context.Context, op, method, path string, q url.Values, contentType string, body []byte, hdr map[string]string, out any) error {
	status, resp, err := wp.send(ctx, method, path, q, contentType, body, hdr)
	if err != nil {
		return fmt.Errorf("targets: wordpress %s: %w", op, err)
	}
	if !is2xx(status) {
		return wpStatusError(op, status, resp)
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("targets: wordpress %s: the answer is not the WordPress REST API's: %w", op, err)
	}
	return nil
}

func wpStatusError(op string, status int, body []byte) error {
	se := statusError(status, body)
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return fmt.Errorf("%w: wordpress %s: %w", ErrAuth, op, se)
	}
	return fmt.Errorf("targets: wordpress %s: %w", op, se)
}

// send makes one request to BaseURL/wp-json/wp/v2<path>. Its error is a
// *reachError when no answer came, or wraps ErrConfig.
func (wp *WordPress) send(ctx context.Context, method, path string, q url.Values, contentType string, body []byte, hdr map[string]string) (int, []byte, error) {
	if err := wp.checkConfig(); err != nil {
		return 0, nil, err
	}
	u := wp.base() + "/wp-json/wp/v2" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, &configError{"wordpress", fmt.Sprintf("bad site address %q: %v", wp.BaseURL, err)}
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
		site := final.Scheme + "://" + final.Host + strings.TrimSuffix(final.Path, "/wp-json/wp/v2"+path)
		return 0, nil, &configError{"wordpress", fmt.Sprintf("%s redirects to %s; use that as the site address", wp.base(), site)}
	}
	if err != nil {
		return 0, nil, &reachError{url: wp.base(), err: err}
	}
	return resp.StatusCode, b, nil
}
