package ai

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Profile is a site's writing profile: what every AI function is told about
// how the site writes. Its JSON names are the form's and the API's field
// names.
type Profile struct {
	// Language is a BCP 47 tag from Languages; articles, titles, summaries,
	// SEO fields and alt texts are written in it.
	Language string `json:"language"`
	// Tone is one of Tones; PointOfView one of PointsOfView.
	Tone        string `json:"tone"`
	PointOfView string `json:"point_of_view"`
	// Audience says who reads the site, in a line ("" = general readers).
	Audience string `json:"audience"`
	// MinWords and MaxWords bound an article's length in words.
	MinWords int `json:"min_words"`
	MaxWords int `json:"max_words"`
	// BrandVoice is the site's voice and house rules, free text.
	BrandVoice string `json:"brand_voice"`
	// Avoid lists words or claims never to use, one per line (or comma).
	Avoid string `json:"avoid"`
	// FAQ, TableOfContents and Conclusion add those parts to an article.
	FAQ             bool `json:"faq"`
	TableOfContents bool `json:"table_of_contents"`
	Conclusion      bool `json:"conclusion"`
	// MaxLinks is the most internal links per article (0 = none).
	MaxLinks int `json:"max_internal_links"`
}

// Bounds of a profile.
const (
	// MinArticleWords and MaxArticleWords bound the length range;
	// MinWordsSpread is the narrowest range (a model cannot aim closer).
	MinArticleWords = 300
	MaxArticleWords = 5000
	MinWordsSpread  = 100
	// MaxInternalLinks bounds MaxLinks.
	MaxInternalLinks = 10
	// Character limits of the free-text fields (checked where the text comes
	// in, with the other text rules).
	MaxAudience   = 200
	MaxBrandVoice = 2000
	MaxAvoid      = 1000
)

// Lengths of the SEO fields, in characters.
const (
	MaxSEOTitle        = 60
	MaxMetaDescription = 160
)

// Choice is one value of a list field with its English name.
type Choice struct {
	Value string
	Name  string
}

// Languages are the languages a profile may choose, as BCP 47 tags. The
// local provider has a phrase table for each (regional variants share
// their language's).
var Languages = []Choice{
	{"en", "English"},
	{"en-GB", "English (United Kingdom)"},
	{"de", "German"},
	{"fr", "French"},
	{"es", "Spanish"},
	{"it", "Italian"},
	{"nl", "Dutch"},
	{"pt", "Portuguese"},
	{"pt-BR", "Portuguese (Brazil)"},
}

// Tones are the tones a profile may choose.
var Tones = []Choice{
	{"neutral", "Neutral"},
	{"friendly", "Friendly"},
	{"professional", "Professional"},
	{"conversational", "Conversational"},
	{"authoritative", "Authoritative"},
	{"enthusiastic", "Enthusiastic"},
	{"humorous", "Light and humorous"},
}

// PointsOfView are the grammatical persons an article may be written in.
var PointsOfView = []Choice{
	{"first_singular", "First person singular (I)"},
	{"first_plural", "First person plural (we)"},
	{"second", "Second person (you)"},
	{"third", "Third person (they, one)"},
}

// DefaultProfile is a new site's profile: English, friendly, to the reader
// (you), 600–1,200 words with a conclusion, up to 3 internal links. The
// migration that added profiles gave existing sites the same.
func DefaultProfile() Profile {
	return Profile{Language: "en", Tone: "friendly", PointOfView: "second", MinWords: 600, MaxWords: 1200,
		Conclusion: true, MaxLinks: 3}
}

// LanguageTag returns the tag of Languages that equals tag ignoring case
// ("pt-br" → "pt-BR"), and false when there is none.
func LanguageTag(tag string) (string, bool) {
	for _, l := range Languages {
		if strings.EqualFold(l.Value, tag) {
			return l.Value, true
		}
	}
	return "", false
}

// LanguageName is the English name of a tag of Languages (the tag itself
// when it is not one).
func LanguageName(tag string) string { return nameOf(Languages, tag) }

func nameOf(list []Choice, v string) string {
	for _, c := range list {
		if c.Value == v {
			return c.Name
		}
	}
	return v
}

func isChoice(list []Choice, v string) bool {
	for _, c := range list {
		if c.Value == v {
			return true
		}
	}
	return false
}

// Validate checks the profile's choices and numbers and returns a message
// per refused field (by its JSON name), or nil. The characters of the
// free-text fields are checked where the text comes in; their lengths are
// checked here too, in characters.
func (p Profile) Validate() map[string]string {
	errs := map[string]string{}
	if !isChoice(Languages, p.Language) {
		errs["language"] = "Choose a language from the list."
	}
	if !isChoice(Tones, p.Tone) {
		errs["tone"] = "Choose a tone from the list."
	}
	if !isChoice(PointsOfView, p.PointOfView) {
		errs["point_of_view"] = "Choose a point of view from the list."
	}
	switch {
	case p.MinWords < MinArticleWords || p.MinWords > MaxArticleWords-MinWordsSpread:
		errs["min_words"] = fmt.Sprintf("Enter a number of words from %d to %d.", MinArticleWords, MaxArticleWords-MinWordsSpread)
	}
	switch {
	case p.MaxWords < MinArticleWords+MinWordsSpread || p.MaxWords > MaxArticleWords:
		errs["max_words"] = fmt.Sprintf("Enter a number of words from %d to %d.", MinArticleWords+MinWordsSpread, MaxArticleWords)
	case errs["min_words"] == "" && p.MaxWords-p.MinWords < MinWordsSpread:
		errs["max_words"] = fmt.Sprintf("The maximum must be at least %d words above the minimum (%d).", MinWordsSpread, p.MinWords)
	}
	if p.MaxLinks < 0 || p.MaxLinks > MaxInternalLinks {
		errs["max_internal_links"] = fmt.Sprintf("Enter a number from 0 to %d.", MaxInternalLinks)
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{
		{"audience", p.Audience, MaxAudience},
		{"brand_voice", p.BrandVoice, MaxBrandVoice},
		{"avoid", p.Avoid, MaxAvoid},
	} {
		if utf8.RuneCountInString(f.value) > f.max {
			errs[f.field] = fmt.Sprintf("Use at most %d characters.", f.max)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// avoidList splits Avoid into its items (lines or commas), trimmed.
func (p Profile) avoidList() []string {
	var out []string
	for _, v := range strings.FieldsFunc(p.Avoid, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ';' }) {
		if v = strings.Join(strings.Fields(v), " "); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// orDefault is DefaultProfile for a zero Profile (a caller that has none)
// and fills the zero choices and length of a partial one, so prompts and
// the local provider always have a language, a tone and a range.
func (p Profile) orDefault() Profile {
	d := DefaultProfile()
	if p == (Profile{}) {
		return d
	}
	if p.Language == "" {
		p.Language = d.Language
	}
	if p.Tone == "" {
		p.Tone = d.Tone
	}
	if p.PointOfView == "" {
		p.PointOfView = d.PointOfView
	}
	if p.MinWords == 0 && p.MaxWords == 0 {
		p.MinWords, p.MaxWords = d.MinWords, d.MaxWords
	}
	return p
}

// cutAtWord shortens s to at most max characters, at a word boundary when
// there is one, without trailing punctuation that would dangle ("a, b," →
// "a, b").
func cutAtWord(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	cut := max // no boundary at all: cut inside the word
	for i := max; i > 0; i-- {
		if unicode.IsSpace(r[i]) || unicode.IsPunct(r[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " ,;:-–—(/&")
}
