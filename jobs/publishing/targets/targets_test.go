package targets

import (
	"errors"
	"testing"
)

func TestCheckSlug(t *testing.T) {
	for _, s := range []string{"a", "hello-world", "2026-01-01-post", "x-1"} {
		if err := checkSlug(s); err != nil {
			t.Errorf("checkSlug(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "..", "../x", "a/b", `a\b`, "Hello", "a b", "a.b", "é", "a_b", "%2e%2e"} {
		if err := checkSlug(s); !errors.Is(err, ErrInvalidPost) {
			t.Errorf("checkSlug(%q) = %v, want ErrInvalidPost", s, err)
		}
	}
}

// Every target satisfies the interface.
var (
	_ Target = (*Local)(nil)
	_ Target = (*Webhook)(nil)
	_ Target = (*WordPress)(nil)
)
