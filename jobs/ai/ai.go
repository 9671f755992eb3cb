// Package ai holds the AI providers used by the pipeline stages: the Provider
// interface, the offline deterministic Local provider and the OpenAI provider
// for any OpenAI-compatible endpoint.
//
// Errors: an error returned by a Provider method is final for this attempt;
// the caller retries nothing itself and decides across runs whether to try the
// item again. The OpenAI provider has already retried transient failures
// (408, 5xx, timeouts, network errors) by then, and a 429 (the provider's
// rate limit) is never returned: the call waits until the provider lets it
// through, pacing every call of the model to the limit it learns. Answers that cannot be
// used wrap ErrMalformed; a cancelled or expired caller context gives an error
// wrapping ctx.Err().
//
// Every function is told who it works for (Site): the site's name and URL
// and its writing profile (Profile: language, tone, audience, length,
// house rules, structure, internal links). The OpenAI provider builds every
// prompt from it in one place (prompt.go); the local provider honours the
// language and the length range deterministically.
//
// Untrusted text: Article.HTML is always sanitized with SanitizeArticle
// (bluemonday's UGC policy, then only the allowed internal links survive),
// and Article.Title, Article.Excerpt, Article.SEOTitle,
// Article.MetaDescription, Idea, Cluster.Name and ImagePrompt.Alt are plain
// text with no tags, also from the model.
//
// Package aitest has a fake OpenAI server for tests of this package and of the
// pipeline.
package ai

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Keyword is one keyword handed to clustering; ID is the caller's key.
type Keyword struct {
	ID   int64
	Text string
}

// Cluster groups keywords that belong to one topic.
type Cluster struct {
	Name       string
	KeywordIDs []int64
}

// Idea is an article idea generated for a cluster.
type Idea struct {
	Title   string
	Summary string
}

// Article is a written article. HTML is already sanitized
// (SanitizeArticle) and wrapped in an element carrying the profile's
// language tag; Title, Excerpt, SEOTitle and MetaDescription are plain text
// without tags. SEOTitle has at most MaxSEOTitle characters and
// MetaDescription at most MaxMetaDescription.
type Article struct {
	Title           string
	HTML            string
	Excerpt         string
	SEOTitle        string
	MetaDescription string
	WordCount       int
}

// Site is who an AI function works for: the site's name and address and
// its writing profile.
type Site struct {
	Name    string
	URL     string
	Profile Profile
}

// Link is one of the site's published articles an article may link to.
type Link struct {
	Title string
	URL   string
}

// ArticleRequest is what an article is written from.
type ArticleRequest struct {
	Idea     Idea
	Keywords []string
	// Links are the site's published articles the article may link to; it
	// links to at most Profile.MaxLinks of them, and to nothing else.
	Links []Link
}

// LinkPolicy is the set of internal links an article of the request may
// keep (SanitizeArticle).
func (r ArticleRequest) LinkPolicy(p Profile) LinkPolicy {
	lp := LinkPolicy{Max: p.MaxLinks}
	for _, l := range r.Links {
		lp.Allowed = append(lp.Allowed, l.URL)
	}
	return lp
}

// ImagePrompt describes one image to generate for an article.
type ImagePrompt struct {
	Prompt string
	Alt    string
}

// Image is generated image data, e.g. MIME "image/svg+xml" with Ext ".svg" or
// "image/png" with ".png".
type Image struct {
	Data []byte
	MIME string
	Ext  string
}

// Provider is what the pipeline stages need from an AI backend.
type Provider interface {
	// Name is a short identifier such as "local" or "openai".
	Name() string
	// ClusterKeywords groups keywords by topic. Keywords left out of every
	// cluster are simply absent from the result.
	ClusterKeywords(ctx context.Context, s Site, kws []Keyword) ([]Cluster, error)
	// GenerateIdeas proposes up to n article ideas for a cluster.
	GenerateIdeas(ctx context.Context, s Site, cluster string, keywords []string, n int) ([]Idea, error)
	// WriteArticle writes an article for an idea.
	WriteArticle(ctx context.Context, s Site, req ArticleRequest) (Article, error)
	// ExtractImagePrompts proposes at most max image prompts (max <= 0:
	// none); alt texts are in the profile's language.
	ExtractImagePrompts(ctx context.Context, s Site, a Article, max int) ([]ImagePrompt, error)
	// GenerateImage draws one image.
	GenerateImage(ctx context.Context, s Site, p ImagePrompt) (Image, error)

	// Ready waits until a call of operation (a credit operation:
	// "clustering", "idea_generation", "content_generation",
	// "image_prompt_extraction", "image_generation") would reach the
	// provider within about a second, so the caller can take what the call
	// costs just before rather than hold it through a wait for the
	// provider's rate limit. It returns ctx's error if ctx ends first.
	Ready(ctx context.Context, operation string) error
	// Limit is the state of the rate limiter that operation's calls go
	// through; false when the provider has none.
	Limit(operation string) (LimitState, bool)
}

// ErrMalformed reports an answer that could not be used (invalid JSON, missing
// fields, empty article, undecodable image). The error message carries an
// excerpt of the raw answer.
var ErrMalformed = errors.New("ai: malformed answer")

// excerptLen is how many characters of a raw answer go into an error message.
const excerptLen = 300

// malformed wraps ErrMalformed with what was wrong and an excerpt of raw.
func malformed(what, raw string) error {
	return fmt.Errorf("%w: %s: %q", ErrMalformed, what, excerpt(raw, excerptLen))
}

// excerpt returns the first n characters (runes) of s, marked when cut.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + "…"
		}
		i++
	}
	return s
}

// sleep waits d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
