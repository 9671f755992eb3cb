package ai

import (
	"html"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// Policies are safe for concurrent use once built; build them once.
var (
	ugcPolicy    = sync.OnceValue(bluemonday.UGCPolicy)
	strictPolicy = sync.OnceValue(bluemonday.StrictPolicy)
)

// Sanitize makes untrusted HTML safe to store and show, with bluemonday's UGC
// policy (scripts, event handlers, iframes and javascript: URLs removed;
// ordinary formatting kept).
func Sanitize(s string) string {
	return strings.TrimSpace(ugcPolicy().Sanitize(s))
}

// plainText strips every tag from s and decodes entities, giving text fit for a
// title or an excerpt (templates escape it again when they render it). It
// repeats until nothing changes, so escaped markup ("&lt;script&gt;") cannot
// come back as a tag once decoded: the result is safe even where a consumer
// forgets to escape it.
func plainText(s string) string {
	for range 4 {
		t := strings.Join(strings.Fields(html.UnescapeString(strictPolicy().Sanitize(s))), " ")
		if t == s {
			break
		}
		s = t
	}
	return s
}

// excerptWords is the length of an article excerpt.
const excerptWords = 30

// finishArticle builds the Article both providers return: HTML sanitized,
// title and excerpt plain text, words counted from the visible text.
func finishArticle(title, rawHTML, excerptText string) (Article, error) {
	body := Sanitize(rawHTML)
	// Block elements are separated by nothing in the markup ("</p><h2>"); put a
	// space between tags so words of adjacent elements are not glued together.
	words := strings.Fields(plainText(strings.ReplaceAll(body, "><", "> <")))
	if len(words) == 0 {
		return Article{}, malformed("article has no text", rawHTML)
	}
	a := Article{
		Title:     plainText(title),
		HTML:      body,
		WordCount: len(words),
		Excerpt:   plainText(excerptText),
	}
	if a.Title == "" {
		a.Title = "Untitled"
	}
	if a.Excerpt == "" {
		if len(words) > excerptWords {
			a.Excerpt = strings.Join(words[:excerptWords], " ") + "…"
		} else {
			a.Excerpt = strings.Join(words, " ")
		}
	}
	return a, nil
}
