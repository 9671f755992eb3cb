package ai

import (
	"fmt"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Best Running Shoes for Women", "[{running running} {shoe shoes} {women women}]"},
		{"how to bake bread", "[{bake bake} {bread bread}]"},
		{"the of and", "[]"},
		{"berries, glasses & bus", "[{berry berries} {glass glasses} {bus bus}]"},
		{"glass boxes dishes analysis", "[{glass glass} {box boxes} {dish dishes} {analysis analysis}]"},
		{"café crème 2026", "[{café café} {crème crème} {2026 2026}]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(terms(tt.in)); got != tt.want {
			t.Errorf("terms(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestSubject(t *testing.T) {
	for in, want := range map[string]string{
		"best running shoes": "running shoes",
		"how to bake bread":  "bake bread",
		"how to":             "how to",
		"sourdough":          "sourdough",
	} {
		if got := subject(in); got != want {
			t.Errorf("subject(%q) = %q, want %q", in, got, want)
		}
	}
}
