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
	ContentID int64
	SiteID    int64
	Title     string
	Slug      string
	HTML      string
	Excerpt   string
	// SEOTitle and MetaDescription are what search results show of the
	// post (plain text; either may be empty).
	SEOTitle        string
	MetaDescription string
	// Keywords are the search keywords the article was written for.
	Keywords   []string
	Tags       []string
	Categories []string
	// FeaturedImage may be nil.
	FeaturedImage *Image
	// Images are the article's other images, in the order of the sections
	// they illustrate; targets place each in the body after its section's
	// heading (PlaceImages).
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
	// Section is the index of the article's h2 section the image
	// illustrates (0 for the first); an image whose Alt is a heading's text
	// goes to that heading instead.
	Section int
}

// Result identifies a publication on the target.
type Result struct {
	// RemoteID is the target's id for the post ("42" on WordPress,
	// "<siteID>/<slug>" locally, whatever the receiver answered for a webhook).
	RemoteID string
	// URL is the public address of the post, when the target knows it.
	URL string
	// Adopted is true when the post was already there (an earlier attempt
	// whose outcome was unknown had made it) and was taken as this
	// publication rather than created again.
	Adopted bool
}

// Target is where a site's articles go. Its errors are written for the
// person running the site (they are shown on the article's page): what went
// wrong and what to do, with at most the remote status line and error code,
// never a remote body.
type Target interface {
	// Kind is one of KindLocal, KindWebhook, KindWordPress.
	Kind() string
	// Publish makes one attempt to publish p.
	Publish(ctx context.Context, p Post) (Result, error)
	// Lookup finds an earlier publication of p, after an attempt whose
	// outcome is unknown, and finishes what that attempt left undone.
	// found is false when there is none (or the target cannot be queried).
	Lookup(ctx context.Context, p Post) (res Result, found bool, err error)
	// Test checks, step by step, what publishing will do: reaching the
	// target, the credentials, the permissions. A step that fails says how
	// to fix it; the steps after it that depend on it are skipped.
	Test(ctx context.Context) []Check
}

// Check is one step of a connection test.
type Check struct {
	Name   string
	Status CheckStatus
	// Detail is what the step found, or what failed and how to fix it.
	Detail string
	// Err is the failure (nil unless Status is CheckFailed).
	Err error
}

// CheckStatus is the outcome of one Check.
type CheckStatus string

// Outcomes of a Check.
const (
	CheckOK      CheckStatus = "ok"
	CheckFailed  CheckStatus = "failed"
	CheckSkipped CheckStatus = "skipped" // an earlier step failed
)

// Passed reports whether every step of a test passed.
func Passed(checks []Check) bool {
	for _, c := range checks {
		if c.Status != CheckOK {
			return false
		}
	}
	return len(checks) > 0
}

// ErrAuth is wrapped by errors caused by rejected credentials or a missing
// permission (HTTP 401/403, WordPress's rest_forbidden* and rest_cannot_*).
var ErrAuth = errors.New("targets: the target rejected the credentials")

// ErrInvalidPost is wrapped by errors about a post that no target could
// publish as it is (a bad slug, for instance).
var ErrInvalidPost = errors.New("targets: invalid post")

// ErrRefused is wrapped by errors about content the target refuses to take
// as it is: an image type or size it does not accept.
var ErrRefused = errors.New("targets: the target refused the content")

// ErrConfig is wrapped by errors about a target missing its settings (no URL,
// no secret, …); retrying does not help until someone fixes them.
var ErrConfig = errors.New("targets: the target is not configured")

// configError is a missing or bad setting; msg is written for the user.
type configError struct {
	target string
	msg    string
}

func (e *configError) Error() string        { return e.msg }
func (e *configError) Is(target error) bool { return target == ErrConfig }

// StatusError is an unexpected HTTP status from a remote target. Nothing of
// the answer's body reaches its text (see statusError).
type StatusError struct {
	Status int
	// Code is the target's error code when it gave one that looks like an
	// identifier (WordPress: "rest_cannot_create", …), for decisions only.
	Code string
	// Reason says in plain words what happened and what to do; it is
	// autopress's text, never the remote answer's. May be empty.
	Reason string
	// Kind is ErrAuth, ErrRefused, ErrInvalidPost or ErrConfig when the
	// answer says retrying cannot help; nil leaves it to Status.
	Kind error
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Reason != "" {
		return e.Reason + " (" + s + ")"
	}
	return s
}

func (e *StatusError) Unwrap() error { return e.Kind }

// Permanent reports whether err is not worth retrying: rejected credentials,
// refused content, invalid posts, missing settings, addresses the egress
// guard refuses, and HTTP 4xx other than 408 and 429. Network errors,
// timeouts, cancellations, 408, 429 and 5xx (without a code saying
// otherwise) are worth retrying.
func Permanent(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrAuth) || errors.Is(err, ErrInvalidPost) || errors.Is(err, ErrRefused) || errors.Is(err, ErrConfig) ||
		errors.Is(err, egress.ErrRefused) {
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
		return userErr(fmt.Sprintf("the article's slug %q must be 1–200 characters of a-z, 0-9 and -", slug), ErrInvalidPost)
	}
	return nil
}
