// Package targets publishes an article to the place a site sends it: the local
// static directory, a signed webhook, or WordPress.
//
// A Target does one attempt per call and never retries: the publisher job owns
// retries and backoff, and asks Permanent whether an error is worth retrying.
// After an attempt whose outcome is unknown (a timeout, an expired claim) the
// publisher calls Lookup before publishing again.
package targets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"autopress/jobs/publishing/egress"
)

// Kinds of target, as stored in a site's publishing settings.
const (
	KindLocal     = "local"
	KindWebhook   = "webhook"
	KindWordPress = "wordpress"
)

// Post is an article ready to publish. HTML is already sanitized.
type Post struct {
	ContentID  int64
	SiteID     int64
	Title      string
	Slug       string
	HTML       string
	Excerpt    string
	Tags       []string
	Categories []string
	// FeaturedImage may be nil.
	FeaturedImage *Image
	// Images are the article's other images; the local target writes them all.
	Images []Image
	// PublishedAt is the slot time, used as the post's publication date.
	PublishedAt time.Time
}

// Image is an image file to publish with a post.
type Image struct {
	Filename string
	MIME     string
	Data     []byte
	Alt      string
}

// Result identifies a publication on the target.
type Result struct {
	// RemoteID is the target's id for the post ("42" on WordPress,
	// "<siteID>/<slug>" locally, whatever the receiver answered for a webhook).
	RemoteID string
	// URL is the public address of the post, when the target knows it.
	URL string
}

// Target is where a site's articles go.
type Target interface {
	// Kind is one of KindLocal, KindWebhook, KindWordPress.
	Kind() string
	// Publish makes one attempt to publish p.
	Publish(ctx context.Context, p Post) (Result, error)
	// Lookup finds an earlier publication of p, after an attempt whose
	// outcome is unknown. found is false when there is none (or the target
	// cannot be queried).
	Lookup(ctx context.Context, p Post) (res Result, found bool, err error)
	// Test checks the connection and credentials; its error is a message
	// meant for the user configuring the site.
	Test(ctx context.Context) error
}

// ErrAuth is wrapped by errors caused by rejected credentials (HTTP 401/403).
var ErrAuth = errors.New("targets: the target rejected the credentials")

// ErrInvalidPost is wrapped by errors about a post that no target could
// publish as it is (a bad slug, for instance).
var ErrInvalidPost = errors.New("targets: invalid post")

// ErrConfig is wrapped by errors about a target missing its settings (no URL,
// no secret, …); retrying does not help until someone fixes them.
var ErrConfig = errors.New("targets: the target is not configured")

// configError is a missing or bad setting; msg is written for the user.
type configError struct {
	target string
	msg    string
}

func (e *configError) Error() string        { return "targets: " + e.target + ": " + e.msg }
func (e *configError) Is(target error) bool { return target == ErrConfig }

// StatusError is an unexpected HTTP status from a remote target. Nothing of
// the answer's body reaches its text (see statusError).
type StatusError struct {
	Status int
	// Code is the target's error code when it gave one that looks like an
	// identifier (WordPress: "rest_cannot_create", …), for decisions only.
	Code string
	// Message is the status's standard text ("Unauthorized").
	Message string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Permanent reports whether err is not worth retrying: rejected credentials,
// invalid posts, missing settings, addresses the egress guard refuses, and
// HTTP 4xx other than 408 and 429. Network errors,
// timeouts, cancellations and 5xx are worth retrying.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrAuth) || errors.Is(err, ErrInvalidPost) || errors.Is(err, ErrConfig) || errors.Is(err, egress.ErrRefused) {
		return true
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status >= 400 && se.Status < 500 &&
			se.Status != 408 && se.Status != 429
	}
	return false
}

var slugRE = regexp.MustCompile(`^[a-z0-9-]+$`)

// checkSlug rejects slugs that could escape a directory or match every post
// in a WordPress slug query.
func checkSlug(slug string) error {
	if len(slug) > 200 || !slugRE.MatchString(slug) {
		return fmt.Errorf("%w: slug %q must be 1–200 characters of a-z, 0-9 and -", ErrInvalidPost, slug)
	}
	return nil
}
