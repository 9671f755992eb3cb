package ai

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"autopress/jobs/ai/aitest"
)

func TestProfileForNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		note     string
		min, max int
	}{
		{"", 600, 1200},
		{"more examples, please", 600, 1200},
		{"Shorter!", 300, 600},
		{"shorten the intro and add examples", 300, 600},
		{"a bit longer", 1200, 2400},
		{"longer, then shorter", 1200, 2400}, // the first word decides
		{"not so short", 600, 1200},          // only "shorter" and "shorten" count
	} {
		p := DefaultProfile().ForNote(tc.note)
		if p.MinWords != tc.min || p.MaxWords != tc.max {
			t.Errorf("%q: %d–%d, want %d–%d", tc.note, p.MinWords, p.MaxWords, tc.min, tc.max)
		}
	}
	long := Profile{MinWords: 3000, MaxWords: 4000}.ForNote("longer")
	if long.MaxWords != MaxArticleWords || long.MinWords != MaxArticleWords-MinWordsSpread {
		t.Errorf("longer than the longest: %d–%d", long.MinWords, long.MaxWords)
	}
}

// TestLocalHonoursTheNote: the local provider writes a new version to the
// length its note asks for, different from the version it replaces, and
// the same inputs give the same article.
func TestLocalHonoursTheNote(t *testing.T) {
	t.Parallel()
	l := NewLocal(0)
	ctx := t.Context()
	s := Site{Name: "Coffee", Profile: DefaultProfile()}
	req := ArticleRequest{Idea: Idea{Title: "Cold brew at home", Summary: "How to make cold brew."}, Keywords: []string{"cold brew", "coffee ratio"}}
	orig, err := l.WriteArticle(ctx, s, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		note     string
		min, max int
	}{
		{"", 600, 1200},
		{"more examples", 600, 1200},
		{"shorter", 300, 600},
		{"longer", 1200, 2400},
	} {
		again := req
		again.Note, again.Previous = tc.note, &orig
		a, err := l.WriteArticle(ctx, s, again)
		if err != nil {
			t.Fatal(err)
		}
		if words := countWords(a.HTML); words < tc.min || words > tc.max || words != a.WordCount {
			t.Errorf("%q: %d words (says %d), want %d–%d", tc.note, words, a.WordCount, tc.min, tc.max)
		}
		if a.HTML == orig.HTML {
			t.Errorf("%q: the new version is the old one", tc.note)
		}
		if b, _ := l.WriteArticle(ctx, s, again); b.HTML != a.HTML {
			t.Errorf("%q: two calls with the same inputs differ", tc.note)
		}
	}
	shorter := req
	shorter.Note, shorter.Previous = "shorter", &orig
	a, _ := l.WriteArticle(ctx, s, shorter)
	if 2*a.WordCount > orig.WordCount+orig.WordCount/10 {
		t.Errorf("shorter: %d words, the original %d: want about half", a.WordCount, orig.WordCount)
	}
}

func TestLocalWriteSEO(t *testing.T) {
	t.Parallel()
	l := NewLocal(0)
	s := Site{Name: "Coffee Blog", Profile: DefaultProfile()}
	a, err := l.WriteArticle(t.Context(), s, ArticleRequest{Idea: Idea{Title: "Cold brew at home"}, Keywords: []string{"cold brew"}})
	if err != nil {
		t.Fatal(err)
	}
	seo, err := l.WriteSEO(t.Context(), s, a, "")
	if err != nil {
		t.Fatal(err)
	}
	if seo.Title != "Cold brew at home – Coffee Blog" || seo.Title == a.SEOTitle {
		t.Errorf("SEO title %q (was %q)", seo.Title, a.SEOTitle)
	}
	if seo.Description == a.MetaDescription || utf8.RuneCountInString(seo.Description) > MaxMetaDescription || seo.Description == "" {
		t.Errorf("meta description %q (was %q)", seo.Description, a.MetaDescription)
	}
	short, _ := l.WriteSEO(t.Context(), s, a, "shorter please")
	if utf8.RuneCountInString(short.Title) > MaxSEOTitle/2 || utf8.RuneCountInString(short.Description) > MaxMetaDescription/2 {
		t.Errorf("shorter: %q, %q", short.Title, short.Description)
	}
}

func TestLocalImageVariations(t *testing.T) {
	t.Parallel()
	l := NewLocal(0)
	draw := func(p ImagePrompt) []byte {
		img, err := l.GenerateImage(t.Context(), Site{}, p)
		if err != nil {
			t.Fatal(err)
		}
		return img.Data
	}
	base := ImagePrompt{Prompt: "A cup of coffee", Alt: "Coffee"}
	first := draw(base)
	if !bytes.Equal(first, draw(base)) {
		t.Error("the same prompt drew two images")
	}
	v7 := base
	v7.Variation = 7
	if bytes.Equal(first, draw(v7)) || !bytes.Equal(draw(v7), draw(v7)) {
		t.Error("a variation is not another, stable image")
	}
	noted := base
	noted.Note = "warmer colours"
	if got := draw(noted); bytes.Equal(first, got) || !bytes.Equal(got, draw(noted)) {
		t.Error("the note does not give another, stable image")
	}
}

// TestNoteReachesThePrompts: a new version of an article, of its SEO
// fields and of an image tells the model what the person asked for.
func TestNoteReachesThePrompts(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	ctx := t.Context()
	s := Site{Name: "Kaffeehaus Blog", Profile: distinctProfile}
	prev := Article{Title: "Espresso", HTML: "<p>The old text.</p>", Excerpt: "Old.", SEOTitle: "Old SEO title", MetaDescription: "Old description."}
	if _, err := o.WriteArticle(ctx, s, ArticleRequest{Idea: Idea{Title: "Espresso"}, Note: "Shorter, with more examples", Previous: &prev}); err != nil {
		t.Fatal(err)
	}
	seo, err := o.WriteSEO(ctx, s, prev, "mention Vienna")
	if err != nil {
		t.Fatal(err)
	}
	if seo.Title != "New: Espresso" {
		t.Errorf("SEO answer %+v", seo)
	}
	if _, err := o.GenerateImage(ctx, s, ImagePrompt{Prompt: "A cup", Note: "no people", Variation: 3}); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, r := range fake.Requests() {
		in, _ := json.Marshal(r.Input())
		switch {
		case r.Schema == aitest.SchemaArticle:
			found["article"] = true
			for _, want := range []string{"650 to 850 words", "new version", "wants: Shorter, with more examples", "German (de)", "Always say Kaffeehaus"} {
				if !strings.Contains(r.SystemPrompt(), want) {
					t.Errorf("article prompt lacks %q:\n%s", want, r.SystemPrompt())
				}
			}
			if !strings.Contains(string(in), `"note":"Shorter, with more examples"`) || !strings.Contains(string(in), "The old text.") {
				t.Errorf("article input %s", in)
			}
		case r.Schema == aitest.SchemaSEO:
			found["seo"] = true
			for _, want := range []string{"German (de)", "café owners in Vienna", "at most 60 characters", "at most 160 characters", "wants: mention Vienna"} {
				if !strings.Contains(r.SystemPrompt(), want) {
					t.Errorf("SEO prompt lacks %q:\n%s", want, r.SystemPrompt())
				}
			}
			if !strings.Contains(string(in), `"seo_title":"Old SEO title"`) || !strings.Contains(string(in), "The old text.") {
				t.Errorf("SEO input %s", in)
			}
		case r.Path == aitest.PathImages:
			found["image"] = true
			if p := r.ImagePrompt(); !strings.Contains(p, "A cup (changed as asked: no people)") || !strings.Contains(p, "café owners") {
				t.Errorf("image prompt %q", p)
			}
		}
	}
	if len(found) != 3 {
		t.Errorf("requests seen: %v", found)
	}
}

// TestOpenAISEOAnswerChecked: SEO fields the model wrote too long are cut
// at a word boundary, markup is stripped, and empty ones are made from the
// article.
func TestOpenAISEOAnswerChecked(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	a := Article{Title: "Espresso at home", Excerpt: "All you need to pull a good shot.…"}
	fake.Script(aitest.SchemaSEO,
		aitest.Reply{Content: `{"seo_title":"<b>Espresso</b> at home: the complete guide to grinders, machines, beans and milk","meta_description":""}`},
		aitest.Reply{Content: `{"seo_title":"x"}`})
	seo, err := o.WriteSEO(t.Context(), Site{}, a, "")
	if err != nil {
		t.Fatal(err)
	}
	if seo.Title != "Espresso at home: the complete guide to grinders, machines" || seo.Description != "All you need to pull a good shot." {
		t.Errorf("SEO %+v", seo)
	}
	if _, err := o.WriteSEO(t.Context(), Site{}, a, ""); err == nil || !strings.Contains(err.Error(), "meta_description") {
		t.Errorf("an answer without meta_description: %v", err)
	}
}
