package handlers

import (
	"strconv"
	"strings"

	"autopress/db"
	"autopress/handlers/input"
	"autopress/jobs/ai"
	"autopress/jobs/automation"
	"autopress/jobs/credits"
	"autopress/views"
)

// writingFields are the writing profile's form and API field names in form
// order: the order errors are reported in.
var writingFields = []string{
	"language", "tone", "point_of_view", "audience", "min_words", "max_words", "brand_voice", "avoid",
	"faq", "table_of_contents", "conclusion", "max_internal_links",
}

// writingNumbers are the profile's number fields with where each goes.
func writingNumbers(p *db.WritingProfile) map[string]*int {
	return map[string]*int{"min_words": &p.MinWords, "max_words": &p.MaxWords, "max_internal_links": &p.MaxLinks}
}

// writingForm is the profile form as sent: numbers stay text until parsed,
// so a bad value comes back as typed.
type writingForm struct {
	Values  map[string]string
	Checked map[string]bool
}

// writingFormOf is the form filled with a saved profile.
func writingFormOf(p db.WritingProfile) writingForm {
	return writingForm{
		Values: map[string]string{
			"language": p.Language, "tone": p.Tone, "point_of_view": p.PointOfView, "audience": p.Audience,
			"min_words": strconv.Itoa(p.MinWords), "max_words": strconv.Itoa(p.MaxWords),
			"brand_voice": p.BrandVoice, "avoid": p.Avoid, "max_internal_links": strconv.Itoa(p.MaxLinks),
		},
		Checked: map[string]bool{"faq": p.FAQ, "table_of_contents": p.TableOfContents, "conclusion": p.Conclusion},
	}
}

// profile applies the form to the saved profile; errs holds the numbers
// that did not parse.
func (f writingForm) profile(saved db.WritingProfile) (db.WritingProfile, map[string]string) {
	p, errs := saved, map[string]string{}
	p.Language = languageTag(f.Values["language"])
	p.Tone, p.PointOfView = f.Values["tone"], f.Values["point_of_view"]
	p.Audience = f.Values["audience"]
	p.BrandVoice, p.Avoid = f.Values["brand_voice"], f.Values["avoid"]
	p.FAQ, p.TableOfContents, p.Conclusion = f.Checked["faq"], f.Checked["table_of_contents"], f.Checked["conclusion"]
	for field, dst := range writingNumbers(&p) {
		n, err := strconv.Atoi(f.Values[field])
		if err != nil {
			errs[field] = "Enter a whole number."
			continue
		}
		*dst = n
	}
	return p, errs
}

// languageTag is a language as typed, in the list's spelling when it is
// one of them ("pt-br" → "pt-BR"); otherwise as typed, for the validation
// to refuse.
func languageTag(s string) string {
	if tag, ok := ai.LanguageTag(strings.TrimSpace(s)); ok {
		return tag
	}
	return s
}

// trimProfile trims the single-line texts and the ends of the multi-line
// ones (line breaks inside stay).
func trimProfile(p *db.WritingProfile) {
	p.Tone, p.PointOfView = strings.TrimSpace(p.Tone), strings.TrimSpace(p.PointOfView)
	p.Audience = strings.TrimSpace(p.Audience)
	p.BrandVoice, p.Avoid = strings.TrimSpace(p.BrandVoice), strings.TrimSpace(p.Avoid)
}

// validateWriting checks a profile for the page and the API alike: the
// text rules of each field (input.Text, with its own length), then the
// profile's own (ai.Profile.Validate: the lists, the length range, the
// link count). A field that did not parse keeps that message. nil when
// the profile can be saved.
func validateWriting(p db.WritingProfile, parseErrs map[string]string) map[string]string {
	errs := map[string]string{}
	for _, f := range []struct {
		field, value string
		rule         input.Text
	}{
		{"language", p.Language, input.Line(20)},
		{"tone", p.Tone, input.Line(40)},
		{"point_of_view", p.PointOfView, input.Line(40)},
		{"audience", p.Audience, input.Line(ai.MaxAudience)},
		{"brand_voice", p.BrandVoice, input.Text{Multiline: true, Max: ai.MaxBrandVoice}},
		{"avoid", p.Avoid, input.Text{Multiline: true, Max: ai.MaxAvoid}},
	} {
		f.rule.CheckField(errs, f.field, f.value)
	}
	for k, v := range automation.ProfileOf(p).Validate() {
		if _, done := errs[k]; !done {
			errs[k] = v
		}
	}
	for k, v := range parseErrs {
		errs[k] = v
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// firstWritingError is the first refused field in form order.
func firstWritingError(errs map[string]string) (field, msg string) {
	for _, f := range writingFields {
		if m, ok := errs[f]; ok {
			return f, m
		}
	}
	return "", "invalid input"
}

// view is the page around the form; saved prices the length.
func (f writingForm) view(s db.Site, saved db.WritingProfile, errs map[string]string) views.WritingPage {
	w := views.WritingPage{Site: siteInfo(s), Values: f.Values, Checked: f.Checked, Errors: errs,
		MinWords: ai.MinArticleWords, MaxWords: ai.MaxArticleWords, MinSpread: ai.MinWordsSpread, MaxLinks: ai.MaxInternalLinks,
		MaxAudience: ai.MaxAudience, MaxBrandVoice: ai.MaxBrandVoice, MaxAvoid: ai.MaxAvoid,
		Units: credits.ArticleUnits(saved.MaxWords), UnitWords: credits.WordsPerArticleUnit}
	for _, list := range []struct {
		from []ai.Choice
		to   *[]views.Option
	}{{ai.Languages, &w.Languages}, {ai.Tones, &w.Tones}, {ai.PointsOfView, &w.PointsOfView}} {
		for _, c := range list.from {
			*list.to = append(*list.to, views.Option{Value: c.Value, Label: c.Name})
		}
	}
	return w
}
