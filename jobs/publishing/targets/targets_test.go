package targets

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"autopress/jobs/publishing/egress"
)

func TestPermanent(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"auth", fmt.Errorf("%w: wordpress: %w", ErrAuth, &StatusError{Status: 401}), true},
		{"invalid post", fmt.Errorf("%w: slug", ErrInvalidPost), true},
		{"config", &configError{"webhook", "no URL configured"}, true},
		{"400", fmt.Errorf("x: %w", &StatusError{Status: 400}), true},
		{"404", &StatusError{Status: 404}, true},
		{"422", &StatusError{Status: 422}, true},
		{"408", &StatusError{Status: 408}, false},
		{"429", &StatusError{Status: 429}, false},
		{"500", &StatusError{Status: 500}, false},
		{"503", &StatusError{Status: 503}, false},
		{"network", &reachError{url: "http://x", err: errors.New("connection refused")}, false},
		{"internal address", &reachError{url: "http://x", err: &egress.RefusedError{Kind: egress.KindPrivate}}, true},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"canceled", context.Canceled, false},
		{"other", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Permanent(tt.err); got != tt.want {
				t.Errorf("Permanent(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

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
