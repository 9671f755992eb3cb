package ai

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"autopress/jobs/ai/aitest"
)

// distinctProfile has a marker in every free-text field and non-default
// choices, so a test can find each in a prompt.
var distinctProfile = Profile{Language: "de", Tone: "authoritative", PointOfView: "first_plural", Audience: "café owners in Vienna",
	MinWords: 1300, MaxWords: 1700, BrandVoice: "Always say Kaffeehaus, never coffee shop.", Avoid: "cheap\nguaranteed results",
	FAQ: true, TableOfContents: true, Conclusion: false, MaxLinks: 2}

// TestProfileReachesEveryPrompt calls every function of the OpenAI provider
// with a distinct profile and reads what the fake server received.
func TestProfileReachesEveryPrompt(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	ctx := t.Context()
	s := Site{Name: "Kaffeehaus Blog", URL: "https://kaffee.example", Profile: distinctProfile}
	links := []Link{{Title: "Older post", URL: "https://kaffee.example/p/1/older/"}, {Title: "Second", URL: "https://kaffee.example/p/1/second/"},
		{Title: "Third", URL: "https://kaffee.example/p/1/third/"}}
	if _, err := o.ClusterKeywords(ctx, s, []Keyword{{1, "espresso"}}); err != nil {
		t.Fatal(err)
	}
	ideas, err := o.GenerateIdeas(ctx, s, "Espresso", []string{"espresso"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	a, err := o.WriteArticle(ctx, s, ArticleRequest{Idea: ideas[0], Keywords: []string{"espresso"}, Links: links})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := o.ExtractImagePrompts(ctx, s, a, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.GenerateImage(ctx, s, ps[0]); err != nil {
		t.Fatal(err)
	}

	prompts := map[string]string{}
	var image string
	for _, r := range fake.Requests() {
		if r.Path == aitest.PathImages {
			image = r.ImagePrompt()
			continue
		}
		prompts[r.Schema] = r.SystemPrompt()
	}
	lang := "German (de)"
	for schema, wants := range map[string][]string{
		aitest.SchemaClusters: {lang, "café owners in Vienna"},
		aitest.SchemaIdeas:    {lang, "café owners in Vienna", "authoritative", "Always say Kaffeehaus", "cheap; guaranteed results"},
		aitest.SchemaArticle: {lang, "café owners in Vienna", "authoritative", "first person plural", "1300 to 1700 words", "Always say Kaffeehaus",
			"cheap; guaranteed results", "table of contents", "frequently asked questions", "Do not add a conclusion", "at most 2 of the internal_links",
			"at most 60 characters", "at most 160 characters"},
		aitest.SchemaPrompts: {lang, "alt texts in German", "café owners in Vienna", "cheap; guaranteed results"},
	} {
		for _, want := range wants {
			if !strings.Contains(prompts[schema], want) {
				t.Errorf("%s prompt lacks %q:\n%s", schema, want, prompts[schema])
			}
		}
	}
	for _, want := range []string{"café owners in Vienna", "authoritative", "No text", "cheap; guaranteed results"} {
		if !strings.Contains(image, want) {
			t.Errorf("image prompt lacks %q: %s", want, image)
		}
	}
	// The article request carries the links and their budget; the answer
	// keeps the links the fake made (the first two) and the language tag.
	for _, r := range fake.Requests() {
		if r.Schema != aitest.SchemaArticle {
			continue
		}
		in, _ := json.Marshal(r.Input())
		if !strings.Contains(string(in), `"max_internal_links":2`) || !strings.Contains(string(in), "https://kaffee.example/p/1/third/") {
			t.Errorf("article input %s", in)
		}
	}
	if got := linksOf(a.HTML); len(got) != 2 || got[0] != links[0].URL || got[1] != links[1].URL {
		t.Errorf("links %v, want the first two", got)
	}
	if !strings.HasPrefix(a.HTML, `<div lang="de">`) {
		t.Errorf("HTML %q", excerpt(a.HTML, 40))
	}
}

// TestOpenAIArticleAnswerChecked: an answer with too long SEO fields, links
// outside the allowed set and script gets its fields cut at a word boundary
// and its HTML cleaned.
func TestOpenAIArticleAnswerChecked(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	answer, _ := json.Marshal(map[string]string{
		"title":            "Espresso at home",
		"html":             `<p>Read <a href="https://kaffee.example/p/1/older">this</a>, <a href="https://evil.example/">that</a> <a href="javascript:alert(1)">and</a> more.</p><script>alert(1)</script>`,
		"excerpt":          "Short.",
		"seo_title":        "Espresso at home: the complete guide to grinders, machines, beans and milk",
		"meta_description": strings.Repeat("Espresso explained for beginners and experts alike, ", 5),
	})
	fake.Script(aitest.SchemaArticle, aitest.Reply{Content: string(answer)})
	s := Site{Profile: DefaultProfile()}
	a, err := o.WriteArticle(t.Context(), s, ArticleRequest{Idea: Idea{Title: "Espresso"},
		Links: []Link{{Title: "Older", URL: "https://kaffee.example/p/1/older/"}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `<p>Read <a href="https://kaffee.example/p/1/older/">this</a>, that and more.</p>`; !strings.Contains(a.HTML, want) {
		t.Errorf("HTML %q, want %q inside", a.HTML, want)
	}
	if a.SEOTitle != "Espresso at home: the complete guide to grinders, machines" {
		t.Errorf("SEO title %q", a.SEOTitle)
	}
	if n := utf8.RuneCountInString(a.MetaDescription); n > MaxMetaDescription || !strings.HasSuffix(a.MetaDescription, "experts alike") {
		t.Errorf("meta description (%d) %q", n, a.MetaDescription)
	}
	// Without SEO fields (a server that ignores the schema) they are made
	// from the title and the excerpt.
	fake.Script(aitest.SchemaArticle, aitest.Reply{Content: `{"title": "Espresso", "html": "<p>Text.</p>", "excerpt": "Short."}`})
	a, err = o.WriteArticle(t.Context(), s, ArticleRequest{Idea: Idea{Title: "Espresso"}})
	if err != nil || a.SEOTitle != "Espresso" || a.MetaDescription != "Short." {
		t.Errorf("fallback SEO fields %q, %q (%v)", a.SEOTitle, a.MetaDescription, err)
	}
}
