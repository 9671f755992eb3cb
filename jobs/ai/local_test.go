package ai

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

var sampleKeywords = []Keyword{
	{ID: 1, Text: "best running shoes"},
	{ID: 2, Text: "trail running shoes"},
	{ID: 3, Text: "Running shoes for women"},
	{ID: 4, Text: "sourdough starter"},
	{ID: 5, Text: "sourdough bread recipe"},
	{ID: 6, Text: "how to"}, // stopwords only: left out
	{ID: 7, Text: "marathon training plan"},
	{ID: 8, Text: "half marathon training"},
	{ID: 9, Text: "knitting patterns"}, // shares nothing: its own cluster
	{ID: 10, Text: " ?! "},             // no word at all: left out
	{ID: 11, Text: "trail shoe"},       // "shoe" = "shoes"
}

func TestLocalClusterBySharedTerms(t *testing.T) {
	got, err := NewLocal(0).ClusterKeywords(t.Context(), Site{Name: "demo"}, sampleKeywords)
	if err != nil {
		t.Fatal(err)
	}
	want := []Cluster{
		{Name: "Shoes", KeywordIDs: []int64{1, 2, 3, 11}},
		{Name: "Marathon Training", KeywordIDs: []int64{7, 8}},
		{Name: "Sourdough", KeywordIDs: []int64{4, 5}},
		{Name: "Knitting Patterns", KeywordIDs: []int64{9}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("clusters\n got %+v\nwant %+v", got, want)
	}
}

func TestLocalClusterAccountsForEveryKeyword(t *testing.T) {
	kws := append(slices.Clone(sampleKeywords),
		Keyword{ID: 12, Text: "the of and"},
		Keyword{ID: 13, Text: "vegan sourdough"},
		Keyword{ID: 13, Text: "vegan sourdough"}, // repeated id counts once
	)
	cs, err := NewLocal(0).ClusterKeywords(t.Context(), Site{Name: "demo"}, kws)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	names := map[string]bool{}
	for _, c := range cs {
		if c.Name == "" || names[c.Name] {
			t.Errorf("cluster name %q empty or repeated", c.Name)
		}
		names[c.Name] = true
		for _, id := range c.KeywordIDs {
			seen[id]++
		}
	}
	for _, k := range kws {
		leftOut := len(terms(k.Text)) == 0
		switch {
		case leftOut && seen[k.ID] != 0:
			t.Errorf("keyword %d %q has no significant term but is in a cluster", k.ID, k.Text)
		case !leftOut && seen[k.ID] != 1:
			t.Errorf("keyword %d %q is in %d clusters, want 1", k.ID, k.Text, seen[k.ID])
		}
	}
	for _, id := range []int64{6, 10, 12} {
		if seen[id] != 0 {
			t.Errorf("keyword %d should be left out", id)
		}
	}
}

func TestLocalClusterEmptyInput(t *testing.T) {
	cs, err := NewLocal(0).ClusterKeywords(t.Context(), Site{Name: "demo"}, nil)
	if err != nil || len(cs) != 0 {
		t.Fatalf("got %v, %v; want no clusters", cs, err)
	}
}

func TestLocalDeterministic(t *testing.T) {
	ctx := t.Context()
	run := func() []any {
		l := NewLocal(0)
		cs, err1 := l.ClusterKeywords(ctx, Site{Name: "demo"}, sampleKeywords)
		ideas, err2 := l.GenerateIdeas(ctx, Site{Name: "demo"}, "Running Shoes", []string{"trail running shoes", "running shoes for women"}, 5)
		a, err3 := l.WriteArticle(ctx, Site{Name: "demo"}, ArticleRequest{Idea: ideas[0], Keywords: []string{"trail running shoes", "running shoes for women"}})
		ps, err4 := l.ExtractImagePrompts(ctx, Site{}, a, 3)
		img, err5 := l.GenerateImage(ctx, Site{}, ps[0])
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			t.Fatal(err)
		}
		return []any{cs, ideas, a, ps, img}
	}
	first, second := run(), run()
	for i := range first {
		if !reflect.DeepEqual(first[i], second[i]) {
			t.Errorf("output %d differs between runs:\n%+v\n%+v", i, first[i], second[i])
		}
	}
}

func TestLocalGenerateIdeas(t *testing.T) {
	l := NewLocal(0)
	tests := []struct {
		name       string
		keywords   []string
		n          int
		comparison bool
	}{
		{"two keywords", []string{"trail running shoes", "road running shoes"}, 3, true},
		{"one keyword", []string{"sourdough starter"}, 8, false},
		{"many asked", []string{"a b", "knitting"}, 20, true},
		{"none asked", []string{"knitting"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ideas, err := l.GenerateIdeas(t.Context(), Site{Name: "demo"}, "Topic", tt.keywords, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(ideas) != tt.n {
				t.Fatalf("got %d ideas, want %d", len(ideas), tt.n)
			}
			titles := map[string]bool{}
			comparison := false
			for _, i := range ideas {
				if i.Title == "" || i.Summary == "" || titles[i.Title] {
					t.Errorf("idea %+v: empty or repeated", i)
				}
				titles[i.Title] = true
				comparison = comparison || strings.Contains(i.Title, " vs ")
			}
			if tt.n >= 3 && comparison != tt.comparison {
				t.Errorf("comparison idea present = %v, want %v: %v", comparison, tt.comparison, ideas)
			}
			if tt.n > 0 && !strings.HasPrefix(ideas[0].Title, "A beginner's guide to") {
				t.Errorf("first idea %q, want the beginner's guide", ideas[0].Title)
			}
		})
	}
}

func TestLocalWriteArticle(t *testing.T) {
	l := NewLocal(0)
	for n, kws := range [][]string{{"sourdough"}, {"sourdough starter", "rye bread", "levain"}, {"a", "b b", "c c", "d d", "e e", "f f", "g g"}} {
		a, err := l.WriteArticle(t.Context(), Site{Name: "Bake & Co"}, ArticleRequest{Idea: Idea{Title: "Baking at home", Summary: "All about bread."}, Keywords: kws})
		if err != nil {
			t.Fatal(err)
		}
		h := headings(a.HTML)
		if len(h) < 4 || h[len(h)-1] != "Conclusion" {
			t.Errorf("case %d: headings %q, want sections and a conclusion", n, h)
		}
		for _, kw := range kws {
			if !strings.Contains(a.HTML, kw) {
				t.Errorf("case %d: keyword %q not used", n, kw)
			}
		}
		if d := DefaultProfile(); a.WordCount < d.MinWords || a.WordCount > d.MaxWords {
			t.Errorf("case %d: %d words, want %d-%d (the default profile)", n, a.WordCount, d.MinWords, d.MaxWords)
		}
		if words := len(strings.Fields(a.Excerpt)); words == 0 || words > excerptWords {
			t.Errorf("case %d: excerpt of %d words: %q", n, words, a.Excerpt)
		}
		if a.Title != "Baking at home" || SanitizeArticle(a.HTML, LinkPolicy{}) != a.HTML {
			t.Errorf("case %d: title %q, or HTML not stable under SanitizeArticle", n, a.Title)
		}
		if a.SEOTitle != "Baking at home" || a.MetaDescription == "" {
			t.Errorf("case %d: SEO title %q, meta description %q", n, a.SEOTitle, a.MetaDescription)
		}
	}
}

func TestLocalWriteArticleSanitized(t *testing.T) {
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	a, err := NewLocal(0).WriteArticle(t.Context(), Site{Name: "demo"},
		ArticleRequest{Idea: Idea{Title: "Bread " + evil, Summary: evil}, Keywords: []string{"bread", "rye " + evil}})
	if err != nil {
		t.Fatal(err)
	}
	// Markup from the idea is text now: escaped in the HTML, gone from the
	// plain-text fields.
	for _, field := range []string{a.HTML, a.Title, a.Excerpt} {
		low := strings.ToLower(field)
		if strings.Contains(low, "<script") || strings.Contains(low, "<img") {
			t.Errorf("unsafe markup survived: %q", excerpt(field, 300))
		}
	}
	z := html.NewTokenizer(strings.NewReader(a.HTML))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		if tok.Type == html.StartTagToken && !slices.Contains([]string{"div", "p", "h2", "ul", "li"}, tok.Data) {
			t.Errorf("unexpected element %s", tok)
		}
		if len(tok.Attr) > 0 && (tok.Data != "div" || len(tok.Attr) != 1 || tok.Attr[0] != (html.Attribute{Key: "lang", Val: "en"})) {
			t.Errorf("unexpected attributes in %s", tok)
		}
	}
	if !strings.HasPrefix(a.Title, "Bread") {
		t.Errorf("title %q", a.Title)
	}
	ideas, _ := NewLocal(0).GenerateIdeas(t.Context(), Site{Name: "demo"}, "Bread"+evil, []string{"rye" + evil, "spelt"}, 8)
	for _, i := range ideas {
		if strings.ContainsAny(i.Title+i.Summary, "<>") {
			t.Errorf("idea keeps markup: %+v", i)
		}
	}
}

func TestLocalExtractImagePrompts(t *testing.T) {
	l := NewLocal(0)
	a := Article{Title: "Bread", HTML: "<p>x</p><h2>Flour</h2><p>y</p><h2>Water &amp; salt</h2><h2>Time</h2>"}
	for _, tt := range []struct {
		max  int
		want []ImagePrompt
	}{
		{0, nil},
		{2, []ImagePrompt{{Prompt: "Illustration for: Flour — Bread", Alt: "Flour"}, {Prompt: "Illustration for: Water & salt — Bread", Alt: "Water & salt"}}},
		{9, []ImagePrompt{{Prompt: "Illustration for: Flour — Bread", Alt: "Flour"}, {Prompt: "Illustration for: Water & salt — Bread", Alt: "Water & salt"},
			{Prompt: "Illustration for: Time — Bread", Alt: "Time"}}},
	} {
		got, err := l.ExtractImagePrompts(t.Context(), Site{}, a, tt.max)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("max %d: got %v, %v; want %v", tt.max, got, err, tt.want)
		}
	}
	got, _ := l.ExtractImagePrompts(t.Context(), Site{}, Article{Title: "Plain", HTML: "<p>no headings</p>"}, 3)
	if len(got) != 1 || got[0].Alt != "Plain" {
		t.Errorf("article without headings: %v, want one prompt for the title", got)
	}
}

func TestLocalGenerateImagePNG(t *testing.T) {
	l := NewLocal(0)
	prompt := `Illustration for: "Salt" & <pepper> — ünïcode ✓ ` + "\x01"
	img, err := l.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: prompt, Alt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if img.MIME != "image/png" || img.Ext != ".png" || http.DetectContentType(img.Data) != "image/png" {
		t.Errorf("MIME %q ext %q, sniffed %q", img.MIME, img.Ext, http.DetectContentType(img.Data))
	}
	if n := len(img.Data); n < 50<<10 || n > 400<<10 {
		t.Errorf("PNG of %d bytes, want 50–400 KB", n)
	}
	// A valid PNG the size of an image model's landscape picture.
	pic, err := png.Decode(bytes.NewReader(img.Data))
	if err != nil {
		t.Fatalf("not a valid PNG: %v", err)
	}
	if b := pic.Bounds(); b.Dx() != LocalImageWidth || b.Dy() != LocalImageHeight || b.Dx() != 1536 || b.Dy() != 1024 {
		t.Fatalf("size %v, want 1536×1024", b)
	}
	// The caption band darkens the bottom; the text is white on it.
	lum := func(x, y int) uint32 {
		r, g, b, _ := pic.At(x, y).RGBA()
		return (r + g + b) / 3 >> 8
	}
	if lum(5, 1020) >= lum(5, 5) {
		t.Errorf("caption band (%d) is not darker than the top (%d)", lum(5, 1020), lum(5, 5))
	}
	white := 0
	for x := 40; x < 800; x++ {
		for y := 1024 - 100; y < 1024-20; y++ {
			if lum(x, y) > 240 {
				white++
			}
		}
	}
	if white < 500 {
		t.Errorf("%d white pixels in the caption, want the prompt drawn there", white)
	}

	again, _ := l.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: "  " + strings.ReplaceAll(prompt, " ", "  ")})
	if !bytes.Equal(again.Data, img.Data) {
		t.Error("the same prompt (up to spaces) drew different bytes")
	}
	// Drawn again, not from the cache: the same bytes.
	norm := strings.Join(strings.Fields(prompt), " ")
	if redrawn, err := encodePNG(renderLocalImage(norm)); err != nil || !bytes.Equal(redrawn, img.Data) {
		t.Errorf("drawing the same prompt twice gave different bytes (%v)", err)
	}
	other, _ := l.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: "something else"})
	if bytes.Equal(other.Data, img.Data) {
		t.Error("different prompts drew the same image")
	}
	if _, err := l.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: ""}); err != nil {
		t.Errorf("empty prompt: %v", err)
	}
}

func TestLocalLatencyAndCancel(t *testing.T) {
	t.Parallel()
	l := NewLocal(60 * time.Millisecond)
	start := time.Now()
	if _, err := l.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: "x"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("returned after %s, want >= latency", d)
	}

	slow := NewLocal(time.Hour)
	calls := map[string]func(context.Context) error{
		"cluster": func(ctx context.Context) error {
			_, err := slow.ClusterKeywords(ctx, Site{Name: "s"}, sampleKeywords)
			return err
		},
		"ideas": func(ctx context.Context) error {
			_, err := slow.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 3)
			return err
		},
		"article": func(ctx context.Context) error {
			_, err := slow.WriteArticle(ctx, Site{Name: "s"}, ArticleRequest{Idea: Idea{Title: "t"}})
			return err
		},
		"prompts": func(ctx context.Context) error {
			_, err := slow.ExtractImagePrompts(ctx, Site{}, Article{}, 3)
			return err
		},
		"image": func(ctx context.Context) error {
			_, err := slow.GenerateImage(ctx, Site{}, ImagePrompt{Prompt: "x"})
			return err
		},
	}
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 500*time.Millisecond {
			t.Errorf("%s: err %v after %s, want a prompt deadline error", name, err, time.Since(start))
		}
	}
}

func TestImageCacheBoundedLeastRecentlyUsedOut(t *testing.T) {
	c := newImageCache(10)
	c.put("a", []byte("aaaa"))
	c.put("b", []byte("bbbb"))
	if _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("c", []byte("cccc")) // over 10 bytes: b goes
	if _, ok := c.get("b"); ok {
		t.Error("b kept: the least recently used should go first")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s missing", k)
		}
	}
	c.put("huge", make([]byte, 11))
	if _, ok := c.get("huge"); ok || c.size != 8 {
		t.Errorf("an entry over the limit was kept (size %d)", c.size)
	}
	// What GenerateImage returns is a copy: changing it changes no later answer.
	l := NewLocal(0)
	first, _ := l.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: "cache me"})
	first.Data[100] ^= 0xff
	again, _ := l.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: "cache me"})
	if again.Data[100] == first.Data[100] {
		t.Error("the cache handed out its own bytes")
	}
}
