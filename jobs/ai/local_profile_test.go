package ai

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// visibleWords counts the words of an HTML fragment the way a reader sees
// them, independently of countWords: text of inline elements runs on, block
// elements separate words.
func visibleWords(t *testing.T, fragment string) int {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
		case html.ElementNode:
			inline := n.DataAtom == atom.A || n.DataAtom == atom.Strong || n.DataAtom == atom.Em
			if !inline {
				b.WriteByte(' ')
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
			if !inline {
				b.WriteByte(' ')
			}
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return len(strings.Fields(b.String()))
}

// links returns the hrefs of an HTML fragment's links that are not
// fragments of the page.
func linksOf(fragment string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(fragment))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tok := z.Token(); tok.Type == html.StartTagToken && tok.Data == "a" {
			for _, a := range tok.Attr {
				if a.Key == "href" && !strings.HasPrefix(a.Val, "#") {
					out = append(out, a.Val)
				}
			}
		}
	}
	return out
}

// TestLocalHonoursTheProfile writes eight articles for random profiles in
// every language: the word count is always within the range (counted from the
// HTML itself), the HTML carries the language tag, the parts the profile
// asks for are there and no more internal links than it allows.
func TestLocalHonoursTheProfile(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	keywordSets := [][]string{
		nil,
		{"espresso"},
		{"espresso machine", "milk frother", "burr grinder"},
		{"how to descale a fully automatic espresso machine with citric acid at home", "x"},
		{"a", "b b", "c c", "d d", "e e", "f f", "g g"},
	}
	var all []Link
	for i := range 12 {
		all = append(all, Link{Title: fmt.Sprintf("Published article %d", i), URL: fmt.Sprintf("https://blog.example/p/1/article-%d/", i)})
	}
	l := NewLocal(0)
	for i := range 8 * len(Languages) {
		lang := Languages[i%len(Languages)].Value
		minW := MinArticleWords + rng.IntN(MaxArticleWords-MinWordsSpread-MinArticleWords+1)
		maxW := minW + MinWordsSpread + rng.IntN(MaxArticleWords-minW-MinWordsSpread+1)
		if i%4 == 0 { // the narrowest ranges too
			maxW = minW + MinWordsSpread
		}
		p := Profile{Language: lang, Tone: "neutral", PointOfView: "second", MinWords: minW, MaxWords: maxW,
			FAQ: rng.IntN(2) == 0, TableOfContents: rng.IntN(2) == 0, Conclusion: rng.IntN(2) == 0, MaxLinks: rng.IntN(MaxInternalLinks + 1)}
		if p.Validate() != nil {
			t.Fatalf("test profile invalid: %v", p.Validate())
		}
		req := ArticleRequest{Idea: Idea{Title: fmt.Sprintf("Idea %d", i), Summary: "What this is about."},
			Keywords: keywordSets[i%len(keywordSets)], Links: all[:rng.IntN(len(all)+1)]}
		a, err := l.WriteArticle(t.Context(), Site{Name: "Coffee", Profile: p}, req)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("case %d (%s, %d-%d words, faq %v, toc %v, conclusion %v, %d links of %d)",
			i, lang, minW, maxW, p.FAQ, p.TableOfContents, p.Conclusion, p.MaxLinks, len(req.Links))
		if a.WordCount < minW || a.WordCount > maxW {
			t.Errorf("%s: %d words", name, a.WordCount)
		}
		if n := visibleWords(t, a.HTML); n != a.WordCount {
			t.Errorf("%s: WordCount %d, but the HTML shows %d words", name, a.WordCount, n)
		}
		if !strings.HasPrefix(a.HTML, `<div lang="`+lang+`">`) {
			t.Errorf("%s: HTML starts %q", name, excerpt(a.HTML, 40))
		}
		ph := phrasesFor(lang)
		for _, part := range []struct {
			on   bool
			text string
		}{
			{p.FAQ, "<h2>" + ph.faqHeading + "</h2>"},
			{p.TableOfContents, "<strong>" + ph.contents + "</strong>"},
			{p.Conclusion, "<h2>" + ph.conclusionHeading + "</h2>"},
		} {
			if strings.Contains(a.HTML, part.text) != part.on {
				t.Errorf("%s: %q present = %v", name, part.text, !part.on)
			}
		}
		got := linksOf(a.HTML)
		if want := min(p.MaxLinks, len(req.Links)); len(got) != want {
			t.Errorf("%s: %d internal links, want %d", name, len(got), want)
		}
		want := map[string]bool{}
		for _, ln := range req.Links[:min(p.MaxLinks, len(req.Links))] {
			want[ln.URL] = true
		}
		for _, u := range got {
			if !want[u] {
				t.Errorf("%s: link to %q, want only the first %d of the request's", name, u, p.MaxLinks)
			}
			delete(want, u)
		}
	}
}

// TestLocalWritesInTheLanguage checks that the fixed words of an article
// and of the ideas come from the language's table, not the English one.
func TestLocalWritesInTheLanguage(t *testing.T) {
	l := NewLocal(0)
	en := phraseTables["en"]
	for _, lang := range Languages {
		ph := phrasesFor(lang.Value)
		if base, _, _ := strings.Cut(lang.Value, "-"); phraseTables[base] != ph {
			t.Fatalf("%s: no phrase table of its own", lang.Value)
		}
		s := Site{Name: "Coffee", Profile: Profile{Language: lang.Value, Tone: "neutral", PointOfView: "second", MinWords: 600, MaxWords: 900,
			FAQ: true, TableOfContents: true, Conclusion: true, MaxLinks: 1}}
		a, err := l.WriteArticle(t.Context(), s, ArticleRequest{Idea: Idea{Title: "Espresso"}, Keywords: []string{"espresso", "crema"},
			Links: []Link{{Title: "Older", URL: "https://blog.example/p/1/older/"}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{ph.faqHeading, ph.contents, ph.conclusionHeading, html.EscapeString(ph.seeAlso)} {
			if !strings.Contains(a.HTML, want) {
				t.Errorf("%s: %q missing from the article", lang.Value, want)
			}
		}
		intro := strings.ReplaceAll(ph.intro, "{topic}", "espresso")
		if !strings.HasPrefix(a.Excerpt, strings.Fields(intro)[0]) {
			t.Errorf("%s: excerpt %q does not start with the language's intro %q", lang.Value, a.Excerpt, intro)
		}
		ideas, err := l.GenerateIdeas(t.Context(), s, "Espresso", []string{"espresso", "crema"}, 3)
		if err != nil {
			t.Fatal(err)
		}
		first := strings.ReplaceAll(ph.angles[0].title, "{topic}", "Espresso")
		if ideas[0].Title != upperFirst(first) {
			t.Errorf("%s: first idea %q, want %q", lang.Value, ideas[0].Title, first)
		}
		if ph == en {
			continue
		}
		for _, english := range []string{en.faqHeading, en.contents, en.seeAlso, "This article is about", "Below we look at"} {
			if strings.Contains(a.HTML, html.EscapeString(english)) {
				t.Errorf("%s: English %q in the article", lang.Value, english)
			}
		}
	}
}

// TestPhraseTablesComplete: every table has every phrase, enough variety,
// a comparison angle, and only the known placeholders.
func TestPhraseTablesComplete(t *testing.T) {
	known := strings.NewReplacer("{topic}", "", "{kw}", "", "{kw2}", "", "{KW}", "", "{list}", "", "{n}", "", "{site}", "")
	for lang, ph := range phraseTables {
		texts := append(append(append([]string{}, ph.headings...), ph.sentences...), ph.list[:]...)
		twos := 0
		for _, a := range ph.angles {
			texts = append(texts, a.title, a.summary)
			if a.needsTwo {
				twos++
			}
		}
		for _, qa := range ph.faq {
			texts = append(texts, qa[:]...)
		}
		texts = append(texts, ph.intro, ph.below, ph.conclusionHeading, ph.conclusion, ph.faqHeading, ph.contents, ph.seeAlso,
			ph.and, ph.thisTopic, ph.thisSite, ph.part)
		for _, s := range texts {
			if strings.TrimSpace(s) == "" || strings.ContainsAny(known.Replace(s), "{}") {
				t.Errorf("%s: empty phrase or unknown placeholder in %q", lang, s)
			}
		}
		if len(ph.angles) < 5 || twos == 0 || ph.angles[0].needsTwo || len(ph.headings) < 5 || len(ph.sentences) < 8 {
			t.Errorf("%s: %d angles (%d comparisons), %d headings, %d sentences", lang, len(ph.angles), twos, len(ph.headings), len(ph.sentences))
		}
	}
}

func TestProfileValidate(t *testing.T) {
	ok := DefaultProfile()
	if errs := ok.Validate(); errs != nil {
		t.Fatalf("default profile refused: %v", errs)
	}
	tests := []struct {
		name  string
		edit  func(p *Profile)
		field string
	}{
		{"unknown language", func(p *Profile) { p.Language = "xx" }, "language"},
		{"language in another case", func(p *Profile) { p.Language = "EN" }, "language"},
		{"unknown tone", func(p *Profile) { p.Tone = "angry" }, "tone"},
		{"unknown point of view", func(p *Profile) { p.PointOfView = "fourth" }, "point_of_view"},
		{"min too small", func(p *Profile) { p.MinWords = MinArticleWords - 1 }, "min_words"},
		{"min leaves no room", func(p *Profile) { p.MinWords, p.MaxWords = MaxArticleWords-MinWordsSpread+1, MaxArticleWords }, "min_words"},
		{"max too large", func(p *Profile) { p.MaxWords = MaxArticleWords + 1 }, "max_words"},
		{"max below min", func(p *Profile) { p.MinWords, p.MaxWords = 1000, 900 }, "max_words"},
		{"max equal to min", func(p *Profile) { p.MinWords, p.MaxWords = 1000, 1000 }, "max_words"},
		{"range too narrow", func(p *Profile) { p.MinWords, p.MaxWords = 1000, 1000+MinWordsSpread-1 }, "max_words"},
		{"negative links", func(p *Profile) { p.MaxLinks = -1 }, "max_internal_links"},
		{"too many links", func(p *Profile) { p.MaxLinks = MaxInternalLinks + 1 }, "max_internal_links"},
		{"audience too long", func(p *Profile) { p.Audience = strings.Repeat("é", MaxAudience+1) }, "audience"},
		{"brand voice too long", func(p *Profile) { p.BrandVoice = strings.Repeat("x", MaxBrandVoice+1) }, "brand_voice"},
		{"avoid too long", func(p *Profile) { p.Avoid = strings.Repeat("x", MaxAvoid+1) }, "avoid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			errs := p.Validate()
			if len(errs) != 1 || errs[tt.field] == "" {
				t.Errorf("errors %v, want exactly %s", errs, tt.field)
			}
		})
	}
	edge := ok
	edge.MinWords, edge.MaxWords, edge.MaxLinks = MinArticleWords, MinArticleWords+MinWordsSpread, MaxInternalLinks
	edge.Audience, edge.Language = strings.Repeat("é", MaxAudience), "pt-BR"
	if errs := edge.Validate(); errs != nil {
		t.Errorf("edge values refused: %v", errs)
	}
	if tag, ok := LanguageTag("PT-br"); !ok || tag != "pt-BR" {
		t.Errorf("LanguageTag(PT-br) = %q, %v", tag, ok)
	}
}
