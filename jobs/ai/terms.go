package ai

import (
	"hash/fnv"
	"strings"
	"unicode"
)

// stopwords are dropped before keywords are compared: function words plus the
// few search-query fillers ("best", "near me") that would otherwise glue
// unrelated keywords together.
var stopwords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true,
	"be": true, "best": true, "but": true, "by": true, "can": true, "do": true,
	"does": true, "for": true, "from": true, "get": true, "how": true, "i": true,
	"if": true, "in": true, "into": true, "is": true, "it": true, "its": true,
	"me": true, "my": true, "near": true, "no": true, "not": true, "of": true,
	"on": true, "or": true, "our": true, "should": true, "so": true, "than": true,
	"that": true, "the": true, "their": true, "this": true, "to": true,
	"top": true, "vs": true, "versus": true, "was": true, "what": true,
	"when": true, "where": true, "which": true, "who": true, "why": true,
	"will": true, "with": true, "without": true, "you": true, "your": true,
}

// term is one significant word of a keyword: key is the normalised form used
// for comparison ("shoes" and "shoe" share key "shoe"), word the form as typed.
type term struct {
	key  string
	word string
}

// terms returns the significant words of s, each key once, in order.
func terms(s string) []term {
	var out []term
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len([]rune(w)) < 2 || stopwords[w] {
			continue
		}
		k := stem(w)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, term{key: k, word: w})
	}
	return out
}

// stem folds the plural forms that matter for keyword grouping ("shoes",
// "berries", "glasses", "boxes"); it is deliberately tiny (no dictionary), and
// leaves words ending in "ss", "us" and "is" alone ("boss", "bus", "analysis").
func stem(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		return w[:len(w)-2]
	case len(w) > 4 && (strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes")):
		return w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") &&
		!strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

// titleCase capitalises the first letter of every word.
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}

// hashOf is the seed of every deterministic choice the local provider makes.
func hashOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// subject drops the leading stopwords of a keyword ("best running shoes" →
// "running shoes", "how to bake bread" → "bake bread") so that it reads well
// inside a sentence; a keyword made only of stopwords is kept as it is.
func subject(kw string) string {
	words := strings.Fields(kw)
	for i, w := range words {
		if !stopwords[strings.ToLower(strings.Trim(w, ".,;:!?\"'()"))] {
			return strings.Join(words[i:], " ")
		}
	}
	return kw
}

// subjects maps subject over keywords, dropping duplicates it creates.
func subjects(kws []string) []string {
	out := make([]string, 0, len(kws))
	for _, k := range kws {
		out = append(out, subject(k))
	}
	return cleanKeywords(out)
}
