// Package wpfake is an in-memory fake of the parts of the WordPress REST API
// (v2) that autopress uses, served by httptest, for tests in any package.
//
//	wp := wpfake.New()
//	defer wp.Close()
//	target := &targets.WordPress{BaseURL: wp.URL, Username: wpfake.DefaultUsername, AppPassword: wpfake.DefaultPassword}
//
// It implements GET /wp-json/ (the index), GET/POST/OPTIONS /wp-json/wp/v2/posts
// (the schema's meta lists the keys RegisterMeta registered; a post keeps
// the meta of registered keys only, as WordPress does),
// GET/POST /media, POST/DELETE /media/{id}, GET/POST /categories and /tags,
// and GET /users/me, answering like a stock WordPress 6.1 (checked against
// one; see jobs/publishing/targets/wpreal): WordPress's error shape
// ({"code","message","data":{"status"}}); wrong credentials make the
// request anonymous (WordPress answers a bad application password as if
// none was sent), so a lookup of drafts answers 400 rest_invalid_param with
// rest_forbidden_status in its details; uploads other than JPEG, PNG, GIF
// and WebP are refused with 500 rest_upload_sideload_error; a duplicate slug
// becomes "<slug>-2". The real one proves the contract; this one injects
// faults: FailNextPosts, DelayPostResponse, SetCapability.
package wpfake

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Default credentials accepted by a new Server.
const (
	DefaultUsername = "editor"
	DefaultPassword = "abcd EFGH 1234 ijkl MNOP 6789"
)

// Post is a post stored by the fake.
type Post struct {
	ID            int64
	Slug          string
	Status        string
	Title         string
	Content       string
	Excerpt       string
	DateGMT       string
	FeaturedMedia int64
	Categories    []int64
	Tags          []int64
	Link          string
	// Meta is the post's meta of registered keys (RegisterMeta).
	Meta map[string]string
}

// Media is an uploaded file.
type Media struct {
	ID        int64
	Slug      string
	Title     string
	Filename  string
	MIME      string
	Alt       string
	Data      []byte
	SourceURL string
	// Post is the post the media is attached to (0: none).
	Post int64
}

// Term is a category or a tag.
type Term struct {
	ID   int64
	Name string
}

// Server is a fake WordPress site. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu           sync.Mutex
	username     string
	password     string
	caps         map[string]bool
	appPasswords bool
	nextID       int64
	posts        []Post
	media        []Media
	deleted      int
	terms        map[string][]Term // "categories", "tags"
	failPosts    int
	postDelay    time.Duration
	postCalls    int
	onPost       func(Post)
	meta         []string // registered meta keys, in order
}

// acceptedTypes are what a stock WordPress takes for upload.
var acceptedTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// New starts a fake WordPress accepting DefaultUsername and DefaultPassword,
// whose user is an Editor (may publish posts, upload files and create
// categories and tags). Close it when done.
func New() *Server {
	s := &Server{
		username:     DefaultUsername,
		password:     DefaultPassword,
		caps:         map[string]bool{"publish_posts": true, "upload_files": true, "edit_posts": true, "manage_categories": true},
		appPasswords: true,
		nextID:       100,
		terms:        map[string][]Term{"categories": {{ID: 1, Name: "Uncategorized"}}, "tags": nil},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /wp-json/{$}", s.index)
	mux.HandleFunc("GET /wp-json/wp/v2/posts", s.user(s.listPosts))
	mux.HandleFunc("POST /wp-json/wp/v2/posts", s.user(s.createPost))
	mux.HandleFunc("OPTIONS /wp-json/wp/v2/posts", s.postsSchema)
	mux.HandleFunc("GET /wp-json/wp/v2/media", s.user(s.listMedia))
	mux.HandleFunc("POST /wp-json/wp/v2/media", s.user(s.createMedia))
	mux.HandleFunc("POST /wp-json/wp/v2/media/{id}", s.user(s.editMedia))
	mux.HandleFunc("DELETE /wp-json/wp/v2/media/{id}", s.user(s.deleteMedia))
	mux.HandleFunc("GET /wp-json/wp/v2/users/me", s.user(s.me))
	mux.HandleFunc("GET /wp-json/wp/v2/{tax}", s.user(s.listTerms))
	mux.HandleFunc("POST /wp-json/wp/v2/{tax}", s.user(s.createTerm))
	mux.HandleFunc("/wp-json/", func(w http.ResponseWriter, r *http.Request) {
		wpError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// RegisterMeta registers post meta keys for the REST API, as
// register_post_meta with show_in_rest does: the posts schema lists them
// and created posts keep their values (other keys are ignored).
func (s *Server) RegisterMeta(keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.meta = append(s.meta, keys...)
}

// postsSchema answers OPTIONS /posts with the part of the schema autopress
// reads: the registered meta keys.
func (s *Server) postsSchema(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	props := map[string]any{}
	for _, k := range s.meta {
		props[k] = map[string]any{"type": "string", "description": "", "default": ""}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"namespace": "wp/v2", "methods": []string{"GET", "POST"},
		"schema": map[string]any{"title": "post", "type": "object", "properties": map[string]any{
			"meta": map[string]any{"description": "Meta fields.", "type": "object", "context": []string{"view", "edit"}, "properties": props}}}})
}

// RequireCredentials sets the only username and application password
// accepted.
func (s *Server) RequireCredentials(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.username, s.password = username, password
}

// SetCapability grants or withdraws one of the user's capabilities
// ("publish_posts", "upload_files", "manage_categories"); the routes
// enforce them like WordPress.
func (s *Server) SetCapability(name string, v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caps[name] = v
}

// OfferApplicationPasswords sets whether the index advertises application
// passwords (WordPress does only over HTTPS or on "local" sites).
func (s *Server) OfferApplicationPasswords(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appPasswords = v
}

// FailNextPosts makes the next n post creations answer 500 without creating
// anything.
func (s *Server) FailNextPosts(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPosts = n
}

// DelayPostResponse makes every post creation wait d after the post is
// created and before answering (or until the client gives up), to simulate
// a client timeout on a post the server did create. Zero turns it off.
func (s *Server) DelayPostResponse(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.postDelay = d
}

// OnPostCreated calls f (in the request's goroutine) with each post
// created from a request, after storing it and before answering; nil stops.
func (s *Server) OnPostCreated(f func(Post)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onPost = f
}

// AddPost stores a post as if created earlier and returns its id.
func (s *Server) AddPost(p Post) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addPostLocked(p).ID
}

// Posts returns a copy of the stored posts, oldest first.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Media returns a copy of the stored media, oldest first.
func (s *Server) Media() []Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Media(nil), s.media...)
}

// Terms returns the categories or tags ("categories", "tags").
func (s *Server) Terms(taxonomy string) []Term {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Term(nil), s.terms[taxonomy]...)
}

// PostsCreated is the number of posts stored.
func (s *Server) PostsCreated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.posts)
}

// MediaCreated is the number of media uploaded (deleted ones included).
func (s *Server) MediaCreated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.media) + s.deleted
}

// MediaDeleted is the number of media deleted.
func (s *Server) MediaDeleted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted
}

// PostCreateCalls is the number of POST /posts requests received, failed
// ones included.
func (s *Server) PostCreateCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.postCalls
}

func wpError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg, "data": map[string]int{"status": status}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// user passes whether the request carries the right application password;
// anything else is an anonymous visitor, as in WordPress 6.1.
func (s *Server) user(h func(w http.ResponseWriter, r *http.Request, loggedIn bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		s.mu.Lock()
		in := ok && user == s.username && pass == s.password
		s.mu.Unlock()
		h(w, r, in)
	}
}

// can reports whether a logged-in user has capability c.
func (s *Server) can(loggedIn bool, c string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return loggedIn && s.caps[c]
}

// refuse answers like WordPress when a permission check fails: 401 for
// visitors, 403 for users.
func refuse(w http.ResponseWriter, loggedIn bool, code, msg string) {
	status := http.StatusUnauthorized
	if loggedIn {
		status = http.StatusForbidden
	}
	wpError(w, status, code, msg)
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	offered := s.appPasswords
	s.mu.Unlock()
	out := map[string]any{"name": "wpfake", "url": s.URL, "namespaces": []string{"oembed/1.0", "wp/v2"}, "authentication": map[string]any{}}
	if offered {
		out["authentication"] = map[string]any{"application-passwords": map[string]any{"endpoints": map[string]string{"authorization": s.URL + "/wp-admin/authorize-application.php"}}}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) link(slug string) string { return s.URL + "/" + slug + "/" }

func (s *Server) addPostLocked(p Post) Post {
	s.nextID++
	p.ID = s.nextID
	if p.Status == "" {
		p.Status = "publish"
	}
	if p.Slug == "" {
		p.Slug = strconv.FormatInt(p.ID, 10)
	}
	base := p.Slug
	for n := 2; s.postSlugTakenLocked(p.Slug); n++ {
		p.Slug = base + "-" + strconv.Itoa(n)
	}
	p.Link = s.link(p.Slug)
	s.posts = append(s.posts, p)
	return p
}

func (s *Server) postSlugTakenLocked(slug string) bool {
	for _, p := range s.posts {
		if p.Slug == slug {
			return true
		}
	}
	return false
}

// A media slug may not be any post's or media's.
func (s *Server) mediaSlugTakenLocked(slug string) bool {
	for _, m := range s.media {
		if m.Slug == slug {
			return true
		}
	}
	return s.postSlugTakenLocked(slug)
}

func postJSON(p Post) map[string]any {
	return map[string]any{
		"id": p.ID, "slug": p.Slug, "status": p.Status, "link": p.Link, "date_gmt": p.DateGMT,
		"title":          map[string]string{"raw": p.Title, "rendered": p.Title},
		"content":        map[string]any{"raw": p.Content, "rendered": p.Content},
		"excerpt":        map[string]any{"raw": p.Excerpt, "rendered": p.Excerpt},
		"featured_media": p.FeaturedMedia,
		"categories":     nonNil(p.Categories),
		"tags":           nonNil(p.Tags),
		"meta":           p.Meta,
	}
}

func mediaJSON(m Media) map[string]any {
	var post any
	if m.Post != 0 {
		post = m.Post
	}
	return map[string]any{
		"id": m.ID, "slug": m.Slug, "title": map[string]string{"raw": m.Title, "rendered": m.Title},
		"source_url": m.SourceURL, "mime_type": m.MIME, "alt_text": m.Alt, "media_type": "image", "post": post,
	}
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func list(v string) map[string]bool {
	out := map[string]bool{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out[s] = true
		}
	}
	return out
}

func (s *Server) listPosts(w http.ResponseWriter, r *http.Request, loggedIn bool) {
	q := r.URL.Query()
	statuses := map[string]bool{"publish": true}
	if st := q.Get("status"); st != "" {
		statuses = list(st)
	}
	if !loggedIn && (len(statuses) > 1 || !statuses["publish"]) {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"code": "rest_invalid_param", "message": "Invalid parameter(s): status",
			"data": map[string]any{"status": 400, "params": map[string]string{"status": "Status is forbidden."},
				"details": map[string]any{"status": map[string]any{"code": "rest_forbidden_status", "message": "Status is forbidden.", "data": map[string]int{"status": 401}}}},
		})
		return
	}
	slugs := list(q.Get("slug"))
	s.mu.Lock()
	out := []map[string]any{}
	for i := len(s.posts) - 1; i >= 0; i-- { // newest first, like WordPress
		p := s.posts[i]
		if (len(slugs) == 0 || slugs[p.Slug]) && statuses[p.Status] {
			out = append(out, postJSON(p))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request, loggedIn bool) {
	var in struct {
		Title         string            `json:"title"`
		Content       string            `json:"content"`
		Excerpt       string            `json:"excerpt"`
		Slug          string            `json:"slug"`
		Status        string            `json:"status"`
		DateGMT       string            `json:"date_gmt"`
		FeaturedMedia int64             `json:"featured_media"`
		Categories    []int64           `json:"categories"`
		Tags          []int64           `json:"tags"`
		Meta          map[string]string `json:"meta"`
	}
	if !s.can(loggedIn, "edit_posts") {
		refuse(w, loggedIn, "rest_cannot_create", "Sorry, you are not allowed to create posts as this user.")
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		wpError(w, http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
		return
	}
	if in.Status == "publish" && !s.can(loggedIn, "publish_posts") {
		refuse(w, loggedIn, "rest_cannot_publish", "Sorry, you are not allowed to publish posts in this post type.")
		return
	}
	s.mu.Lock()
	s.postCalls++
	if s.failPosts > 0 {
		s.failPosts--
		s.mu.Unlock()
		wpError(w, http.StatusInternalServerError, "internal_server_error", "There has been a critical error on this website.")
		return
	}
	if in.FeaturedMedia != 0 && s.mediaIndexLocked(in.FeaturedMedia) < 0 {
		s.mu.Unlock()
		wpError(w, http.StatusBadRequest, "rest_invalid_featured_media", "Invalid featured media ID.")
		return
	}
	meta := map[string]string{}
	for _, k := range s.meta {
		meta[k] = in.Meta[k] // registered keys only; the others are ignored
	}
	p := s.addPostLocked(Post{
		Slug: in.Slug, Status: in.Status, Title: in.Title, Content: in.Content, Excerpt: in.Excerpt,
		DateGMT: in.DateGMT, FeaturedMedia: in.FeaturedMedia, Categories: in.Categories, Tags: in.Tags, Meta: meta,
	})
	delay, onPost := s.postDelay, s.onPost
	s.mu.Unlock()
	if onPost != nil {
		onPost(p)
	}
	if delay > 0 {
		// The server notices a client giving up only once the body is
		// read to the end.
		_, _ = io.Copy(io.Discard, r.Body)
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	writeJSON(w, http.StatusCreated, postJSON(p))
}

func (s *Server) mediaIndexLocked(id int64) int {
	for i, m := range s.media {
		if m.ID == id {
			return i
		}
	}
	return -1
}

func (s *Server) listMedia(w http.ResponseWriter, r *http.Request, loggedIn bool) {
	q := r.URL.Query()
	slugs := list(q.Get("slug"))
	parent, hasParent := q.Get("parent"), q.Has("parent")
	s.mu.Lock()
	out := []map[string]any{}
	for i := len(s.media) - 1; i >= 0; i-- {
		m := s.media[i]
		if (len(slugs) == 0 || slugs[m.Slug]) && (!hasParent || parent == strconv.FormatInt(m.Post, 10)) {
			out = append(out, mediaJSON(m))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createMedia(w http.ResponseWriter, r *http.Request, loggedIn bool) {
	if !s.can(loggedIn, "upload_files") {
		refuse(w, loggedIn, "rest_cannot_create", "Sorry, you are not allowed to create posts as this user.")
		return
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
	if err != nil || params["filename"] == "" {
		wpError(w, http.StatusBadRequest, "rest_upload_no_content_disposition", "No Content-Disposition supplied.")
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil || len(data) == 0 {
		wpError(w, http.StatusBadRequest, "rest_upload_no_data", "No data supplied.")
		return
	}
	ct := r.Header.Get("Content-Type")
	// WordPress checks the file name's extension and the bytes.
	sniffed := http.DetectContentType(data)
	if !acceptedTypes[ct] || sniffed != ct {
		wpError(w, http.StatusInternalServerError, "rest_upload_sideload_error", "Sorry, you are not allowed to upload this file type.")
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	s.nextID++
	m := Media{ID: s.nextID, Filename: params["filename"], MIME: ct, Alt: q.Get("alt_text"), Title: q.Get("title"), Data: data}
	m.Slug = q.Get("slug")
	if m.Slug == "" {
		m.Slug = strings.TrimSuffix(m.Filename, filepathExt(m.Filename))
	}
	base := m.Slug
	for n := 2; s.mediaSlugTakenLocked(m.Slug); n++ {
		m.Slug = base + "-" + strconv.Itoa(n)
	}
	if p, err := strconv.ParseInt(q.Get("post"), 10, 64); err == nil {
		m.Post = p
	}
	m.SourceURL = s.URL + "/wp-content/uploads/" + m.Filename
	s.media = append(s.media, m)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, mediaJSON(m))
}

func filepathExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

func (s *Server) editMedia(w http.ResponseWriter, r *http.Request, loggedIn bool) {
	if !s.can(loggedIn, "upload_files") {
		refuse(w, loggedIn, "rest_cannot_edit", "Sorry, you are not allowed to edit this post.")
		return
	}
	var in struct {
		Post *int64 `json:"post"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		wpError(w, http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.mediaIndexLocked(id)
	if i < 0 {
		wpError(w, http.StatusNotFound, "rest_post_invalid_id", "Invalid post ID.")
		return
	}
	if in.Post != nil {
		s.media[i].Post = *in.Post
	}
	writeJSON(w, http.StatusOK, mediaJSON(s.media[i]))
}

func (s *Server) deleteMedia(w http.ResponseWriter, r *http.Request, loggedIn bool) {
	if !s.can(loggedIn, "upload_files") {
		refuse(w, loggedIn, "rest_cannot_delete", "Sorry, you are not allowed to delete this post.")
		return
	}
	if r.URL.Query().Get("force") != "true" {
		wpError(w, http.StatusNotImplemented, "rest_trash_not_supported", "The post does not support trashing. Set 'force=true' to delete.")
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.mediaIndexLocked(id)
	if i < 0 {
		wpError(w, http.StatusNotFound, "rest_post_invalid_id", "Invalid post ID.")
		return
	}
	prev := mediaJSON(s.media[i])
	s.media = append(s.media[:i], s.media[i+1:]...)
	s.deleted++
	writeJSON(w, http.StatusOK, map[string]any{"deleted": true, "previous": prev})
}

func taxonomy(w http.ResponseWriter, r *http.Request) (string, bool) {
	tax := r.PathValue("tax")
	if tax != "categories" && tax != "tags" {
		wpError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		return "", false
	}
	return tax, true
}

func (s *Server) listTerms(w http.ResponseWriter, r *http.Request, loggedIn bool) {
	tax, ok := taxonomy(w, r)
	if !ok {
		return
	}
	search := strings.ToLower(r.URL.Query().Get("search"))
	out := []map[string]any{}
	s.mu.Lock()
	for _, t := range s.terms[tax] {
		if strings.Contains(strings.ToLower(t.Name), search) {
			out = append(out, map[string]any{"id": t.ID, "name": htmlEscape(t.Name)})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createTerm(w http.ResponseWriter, r *http.Request, loggedIn bool) {
	tax, ok := taxonomy(w, r)
	if !ok {
		return
	}
	if !s.can(loggedIn, "manage_categories") {
		refuse(w, loggedIn, "rest_cannot_create", "Sorry, you are not allowed to create terms in this taxonomy.")
		return
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || strings.TrimSpace(in.Name) == "" {
		wpError(w, http.StatusBadRequest, "rest_missing_callback_param", "Missing parameter(s): name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.terms[tax] {
		if strings.EqualFold(t.Name, in.Name) {
			writeJSON(w, http.StatusBadRequest, map[string]any{
				"code": "term_exists", "message": "A term with the name provided already exists in this taxonomy.",
				"data": map[string]any{"status": 400, "term_id": t.ID},
			})
			return
		}
	}
	s.nextID++
	t := Term{ID: s.nextID, Name: in.Name}
	s.terms[tax] = append(s.terms[tax], t)
	writeJSON(w, http.StatusCreated, map[string]any{"id": t.ID, "name": htmlEscape(t.Name)})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, loggedIn bool) {
	if !loggedIn {
		wpError(w, http.StatusUnauthorized, "rest_not_logged_in", "You are not currently logged in.")
		return
	}
	s.mu.Lock()
	// context=edit lists the capabilities granted, like WordPress.
	caps := map[string]bool{}
	for k, v := range s.caps {
		if v {
			caps[k] = true
		}
	}
	user := s.username
	s.mu.Unlock()
	out := map[string]any{"id": 1, "name": user, "slug": user}
	if r.URL.Query().Get("context") == "edit" {
		out["capabilities"] = caps
	}
	writeJSON(w, http.StatusOK, out)
}

// htmlEscape escapes like WordPress does for term names.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// String describes the fake's state, for test failure messages.
func (s *Server) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "wpfake: %d posts, %d media (%d deleted)", len(s.posts), len(s.media), s.deleted)
	for _, p := range s.posts {
		fmt.Fprintf(&b, "\n  post %d %q %s featured=%d", p.ID, p.Slug, p.Status, p.FeaturedMedia)
	}
	for _, m := range s.media {
		fmt.Fprintf(&b, "\n  media %d %q %s post=%d", m.ID, m.Slug, m.MIME, m.Post)
	}
	return b.String()
}
