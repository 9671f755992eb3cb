// Package wpfake is an in-memory fake of the parts of the WordPress REST API
// (v2) that autopress uses, served by httptest, for tests in any package.
//
//	wp := wpfake.New()
//	defer wp.Close()
//	target := &targets.WordPress{BaseURL: wp.URL, Username: wpfake.DefaultUsername, AppPassword: wpfake.DefaultPassword}
//
// It implements GET/POST /wp-json/wp/v2/posts, POST /media, GET/POST
// /categories and /tags, and GET /users/me, with Basic auth, WordPress's
// error shape ({"code","message","data":{"status"}}) and its habit of
// renaming a duplicate slug to "<slug>-2". Failures and delays are injected
// with FailNextPosts and DelayPostResponse.
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
}

// Media is an uploaded file.
type Media struct {
	ID        int64
	Filename  string
	MIME      string
	Alt       string
	Data      []byte
	SourceURL string
}

// Term is a category or a tag.
type Term struct {
	ID   int64
	Name string
}

// Server is a fake WordPress site. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	username  string
	password  string
	caps      map[string]bool
	nextID    int64
	posts     []Post
	media     []Media
	terms     map[string][]Term // "categories", "tags"
	failPosts int
	postDelay time.Duration
	postCalls int
}

// New starts a fake WordPress accepting DefaultUsername and DefaultPassword,
// whose user may publish posts and upload files. Close it when done.
func New() *Server {
	s := &Server{
		username: DefaultUsername,
		password: DefaultPassword,
		caps:     map[string]bool{"publish_posts": true, "upload_files": true, "edit_posts": true},
		nextID:   100,
		terms:    map[string][]Term{"categories": {{ID: 1, Name: "Uncategorized"}}, "tags": nil},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /wp-json/wp/v2/posts", s.auth(s.listPosts))
	mux.HandleFunc("POST /wp-json/wp/v2/posts", s.auth(s.createPost))
	mux.HandleFunc("POST /wp-json/wp/v2/media", s.auth(s.createMedia))
	mux.HandleFunc("GET /wp-json/wp/v2/{tax}", s.auth(s.listTerms))
	mux.HandleFunc("POST /wp-json/wp/v2/{tax}", s.auth(s.createTerm))
	mux.HandleFunc("GET /wp-json/wp/v2/users/me", s.auth(s.me))
	mux.HandleFunc("/wp-json/", func(w http.ResponseWriter, r *http.Request) {
		wpError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// RequireCredentials sets the only username and application password
// accepted.
func (s *Server) RequireCredentials(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.username, s.password = username, password
}

// SetCapability sets one of the user's capabilities, as reported by
// /users/me?context=edit ("publish_posts", "upload_files").
func (s *Server) SetCapability(name string, v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caps[name] = v
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

// Media returns a copy of the uploaded media, oldest first.
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

// MediaCreated is the number of media uploaded.
func (s *Server) MediaCreated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.media)
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

// auth checks Basic auth like WordPress with application passwords: a bad
// username or password is a 401 whatever the route; no credentials at all
// reach the handler as an anonymous user, who is refused everything here.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		s.mu.Lock()
		wantUser, wantPass := s.username, s.password
		s.mu.Unlock()
		switch {
		case !ok:
			wpError(w, http.StatusUnauthorized, "rest_not_logged_in", "You are not currently logged in.")
		case user != wantUser:
			wpError(w, http.StatusUnauthorized, "invalid_username", "<strong>Error:</strong> The username <strong>"+user+"</strong> is not registered on this site.")
		case pass != wantPass:
			wpError(w, http.StatusUnauthorized, "incorrect_password", "The provided password is an invalid application password.")
		default:
			h(w, r)
		}
	}
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
	for n := 2; s.slugTakenLocked(p.Slug); n++ {
		p.Slug = base + "-" + strconv.Itoa(n)
	}
	p.Link = s.link(p.Slug)
	s.posts = append(s.posts, p)
	return p
}

func (s *Server) slugTakenLocked(slug string) bool {
	for _, p := range s.posts {
		if p.Slug == slug {
			return true
		}
	}
	return false
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
	}
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func (s *Server) listPosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	statuses := map[string]bool{"publish": true}
	if st := q.Get("status"); st != "" {
		statuses = map[string]bool{}
		for _, v := range strings.Split(st, ",") {
			statuses[strings.TrimSpace(v)] = true
		}
	}
	slug := q.Get("slug")
	s.mu.Lock()
	out := []map[string]any{}
	for i := len(s.posts) - 1; i >= 0; i-- { // newest first, like WordPress
		p := s.posts[i]
		if (slug == "" || p.Slug == slug) && statuses[p.Status] {
			out = append(out, postJSON(p))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createPost(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title         string  `json:"title"`
		Content       string  `json:"content"`
		Excerpt       string  `json:"excerpt"`
		Slug          string  `json:"slug"`
		Status        string  `json:"status"`
		DateGMT       string  `json:"date_gmt"`
		FeaturedMedia int64   `json:"featured_media"`
		Categories    []int64 `json:"categories"`
		Tags          []int64 `json:"tags"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		wpError(w, http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
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
	if in.FeaturedMedia != 0 && !s.hasMediaLocked(in.FeaturedMedia) {
		s.mu.Unlock()
		wpError(w, http.StatusBadRequest, "rest_invalid_featured_media", "Invalid featured media ID.")
		return
	}
	p := s.addPostLocked(Post{
		Slug: in.Slug, Status: in.Status, Title: in.Title, Content: in.Content, Excerpt: in.Excerpt,
		DateGMT: in.DateGMT, FeaturedMedia: in.FeaturedMedia, Categories: in.Categories, Tags: in.Tags,
	})
	delay := s.postDelay
	s.mu.Unlock()
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

func (s *Server) hasMediaLocked(id int64) bool {
	for _, m := range s.media {
		if m.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) createMedia(w http.ResponseWriter, r *http.Request) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
	if err != nil || params["filename"] == "" {
		wpError(w, http.StatusBadRequest, "rest_upload_no_content_disposition", "No Content-Disposition supplied.")
		return
	}
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "image/") {
		wpError(w, http.StatusForbidden, "rest_upload_sideload_error", "Sorry, you are not allowed to upload this file type.")
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil || len(data) == 0 {
		wpError(w, http.StatusBadRequest, "rest_upload_no_data", "No data supplied.")
		return
	}
	s.mu.Lock()
	s.nextID++
	m := Media{ID: s.nextID, Filename: params["filename"], MIME: ct, Alt: r.URL.Query().Get("alt_text"), Data: data}
	m.SourceURL = s.URL + "/wp-content/uploads/" + m.Filename
	s.media = append(s.media, m)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": m.ID, "source_url": m.SourceURL, "mime_type": m.MIME, "alt_text": m.Alt, "media_type": "image",
	})
}

func taxonomy(w http.ResponseWriter, r *http.Request) (string, bool) {
	tax := r.PathValue("tax")
	if tax != "categories" && tax != "tags" {
		wpError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		return "", false
	}
	return tax, true
}

func (s *Server) listTerms(w http.ResponseWriter, r *http.Request) {
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

func (s *Server) createTerm(w http.ResponseWriter, r *http.Request) {
	tax, ok := taxonomy(w, r)
	if !ok {
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

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	caps := map[string]bool{}
	for k, v := range s.caps {
		caps[k] = v
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
	fmt.Fprintf(&b, "wpfake: %d posts, %d media", len(s.posts), len(s.media))
	for _, p := range s.posts {
		fmt.Fprintf(&b, "\n  post %d %q %s", p.ID, p.Slug, p.Status)
	}
	return b.String()
}
