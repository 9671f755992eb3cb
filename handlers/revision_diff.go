package handlers

import (
	"regexp"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"

	"autopress/views"
)

// diffTokens splits text into the units a diff compares: HTML tags, words
// and the white space between them, so a change shows as whole words (and
// whole tags) inserted or deleted.
var diffTokens = regexp.MustCompile(`<[^>]*>|[\p{L}\p{N}_'’-]+|\s+|.`)

// wordDiff compares two texts word by word (go-diff's diff over tokens
// mapped to runes) and returns the segments to show as kept, inserted or
// deleted.
func wordDiff(a, b string) []views.DiffSegment {
	ids := map[string]rune{}
	var tokens []string
	encode := func(s string) []rune {
		var out []rune
		for _, t := range diffTokens.FindAllString(s, -1) {
			r, ok := ids[t]
			if !ok {
				r = tokenRune(len(tokens))
				ids[t] = r
				tokens = append(tokens, t)
			}
			out = append(out, r)
		}
		return out
	}
	ra, rb := encode(a), encode(b)
	dmp := diffmatchpatch.New()
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMainRunes(ra, rb, false))
	var out []views.DiffSegment
	for _, d := range diffs {
		var s strings.Builder
		for _, r := range d.Text {
			s.WriteString(tokens[runeToken(r)])
		}
		op := views.DiffSame
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = views.DiffInserted
		case diffmatchpatch.DiffDelete:
			op = views.DiffDeleted
		}
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += s.String()
			continue
		}
		out = append(out, views.DiffSegment{Op: op, Text: s.String()})
	}
	return out
}

// Tokens are numbered into private-use code points, which no text holds
// as a token of its own here: the BMP's area first, then plane 15's.
const (
	bmpPrivate  = 0xE000
	bmpPrivateN = 0xF8FF - 0xE000 + 1
	planePriv   = 0xF0000
)

func tokenRune(i int) rune {
	if i < bmpPrivateN {
		return rune(bmpPrivate + i)
	}
	return rune(planePriv + i - bmpPrivateN)
}

func runeToken(r rune) int {
	if r >= planePriv {
		return int(r-planePriv) + bmpPrivateN
	}
	return int(r - bmpPrivate)
}
