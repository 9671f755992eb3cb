package ai

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

func TestSanitizeArticleBasics(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<h2>Title</h2><p>Text <strong>bold</strong> <a href="https://example.com">link</a></p>`,
			`<h2>Title</h2><p>Text <strong>bold</strong> link</p>`},
		{`<p onclick="x()">hi</p><script>alert(1)</script>`, `<p>hi</p>`},
		{`<a href="javascript:alert(1)">x</a>`, `x`},
		{`<iframe src="https://evil"></iframe><style>p{}</style>ok`, `ok`},
		{`<div lang="pt-BR"><p>Olá &amp; adeus</p></div>`, `<div lang="pt-BR"><p>Olá &amp; adeus</p></div>`},
	}
	for _, tt := range tests {
		if got := SanitizeArticle(tt.in, LinkPolicy{}); got != tt.want {
			t.Errorf("SanitizeArticle(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// hostile is HTML a model or a browser might send: every way of running
// script, and links to places outside the allowed set.
var hostile = []string{
	`<a href="https://blog.example/p/1/first/" onclick="alert(1)" target="_blank" style="color:red">first allowed</a>`,
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`,
	`<p onclick="alert(1)" onmouseover=alert(2)>click</p>`,
	`<img src=x onerror=alert(1)>`,
	`<img src="https://evil.example/pixel.gif" alt="tracker">`,
	`<svg onload=alert(1)><circle/></svg>`,
	`<iframe src="https://evil.example"></iframe>`,
	`<a href="javascript:alert(1)">js link</a>`,
	`<a href="JaVaScRiPt:alert(1)">js mixed case</a>`,
	`<a href="java&#x09;script:alert(1)">js entity</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>`,
	`<a href="vbscript:msgbox(1)">vb link</a>`,
	`<a href="https://evil.example/buy">off-site link</a>`,
	`<a href="//evil.example/x">scheme-relative link</a>`,
	`<a href="https://blog.example/p/1/allowed-but-later/">one too many</a>`,
	`<a href="/p/9/not-published/">relative unknown</a>`,
	`<a href="https://blog.example.evil.example/p/1/first/">look-alike host</a>`,
	`<form action="https://evil.example"><input name=x><button>go</button></form>`,
	`<style>body{display:none}</style><link rel=stylesheet href=https://evil.example/x.css>`,
	`<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
}

func TestSanitizeArticleHostile(t *testing.T) {
	lp := LinkPolicy{Allowed: []string{"https://blog.example/p/1/first/", "https://blog.example/p/1/allowed-but-later/"}, Max: 1}
	in := "<h2>Start</h2><p>text</p>" + strings.Join(hostile, "\n")
	out := SanitizeArticle(in, lp)
	assertSafeArticle(t, out, lp.Allowed)
	// The first allowed link is kept (without its attributes); the second
	// allowed one is over the budget of 1 and loses its link, not its text.
	if !strings.Contains(out, `<a href="https://blog.example/p/1/first/">first allowed</a>`) {
		t.Errorf("allowed link lost:\n%s", out)
	}
	if n := strings.Count(out, "<a "); n != 1 {
		t.Errorf("%d links kept, want 1:\n%s", n, out)
	}
	for _, text := range []string{"off-site link", "one too many", "js link", "look-alike host", "click"} {
		if !strings.Contains(out, text) {
			t.Errorf("the text %q of a removed link or attribute is gone:\n%s", text, out)
		}
	}
	if again := SanitizeArticle(out, lp); again != out {
		t.Errorf("not stable when sanitized again:\n%s\n---\n%s", out, again)
	}
	// Each hostile piece alone, with no allowed link at all.
	for _, h := range hostile {
		assertSafeArticle(t, SanitizeArticle(h, LinkPolicy{}), nil)
	}
}

// assertSafeArticle fails unless every element is harmless, no attribute
// runs script or styles, and every link is a fragment or one of allowed.
func assertSafeArticle(t *testing.T, out string, allowed []string) {
	t.Helper()
	ok := map[string]bool{}
	for _, u := range allowed {
		ok[u] = true
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		if tok.Type != html.StartTagToken && tok.Type != html.SelfClosingTagToken {
			continue
		}
		switch tok.Data {
		case "script", "style", "iframe", "svg", "math", "form", "input", "button", "object", "embed", "link", "noscript", "img":
			t.Errorf("element %s survived in %q", tok.Data, out)
		}
		for _, a := range tok.Attr {
			switch {
			case strings.HasPrefix(a.Key, "on"), a.Key == "style", a.Key == "target", a.Key == "src", a.Key == "action":
				t.Errorf("attribute %s survived in %q", a.Key, out)
			case a.Key == "href" && !ok[a.Val] && !strings.HasPrefix(a.Val, "#"):
				t.Errorf("link to %q survived in %q", a.Val, out)
			}
		}
	}
}

func TestSanitizeArticleLinks(t *testing.T) {
	allowed := []string{"https://blog.example/p/1/a/", "https://blog.example/p/2/b/", "/p/3/c/"}
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"kept as allowed", `<p><a href="https://blog.example/p/1/a/">A</a></p>`, 3,
			`<p><a href="https://blog.example/p/1/a/">A</a></p>`},
		{"another spelling of an allowed URL", `<p><a href="HTTPS://Blog.Example/p/1/a">A</a></p>`, 3,
			`<p><a href="https://blog.example/p/1/a/">A</a></p>`},
		{"max 0 keeps none", `<p><a href="https://blog.example/p/1/a/">A</a></p>`, 0, `<p>A</p>`},
		{"the first max in document order", `<p><a href="/p/3/c/">C</a> <a href="https://blog.example/p/2/b/">B</a> <a href="https://blog.example/p/1/a/">A</a></p>`, 2,
			`<p><a href="/p/3/c/">C</a> <a href="https://blog.example/p/2/b/">B</a> A</p>`},
		{"fragments are kept and not counted", `<ol><li><a href="#s-1">One</a></li></ol><h2 id="s-1">One</h2><a href="/p/3/c/">C</a>`, 1,
			`<ol><li><a href="#s-1">One</a></li></ol><h2 id="s-1">One</h2><a href="/p/3/c/">C</a>`},
		{"a path of another site's page", `<p><a href="https://other.example/p/1/a/">X</a></p>`, 3, `<p>X</p>`},
		{"nested markup in a removed link stays", `<p><a href="https://evil.example"><strong>bold</strong> text</a></p>`, 3,
			`<p><strong>bold</strong> text</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SanitizeArticle(tt.in, LinkPolicy{Allowed: allowed, Max: tt.max}); got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestFinishArticle(t *testing.T) {
	s := Site{Profile: Profile{Language: "de"}}
	a, err := finishArticle(s, LinkPolicy{}, draft{HTML: "<h2>One two</h2><p>three " + strings.Repeat("w ", 40) + "</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Untitled" || a.WordCount != 43 || !strings.HasPrefix(a.Excerpt, "One two three w") ||
		len(strings.Fields(a.Excerpt)) != excerptWords {
		t.Errorf("article %+v", a)
	}
	if !strings.HasPrefix(a.HTML, `<div lang="de">`) || !strings.HasSuffix(a.HTML, "</div>") {
		t.Errorf("HTML does not carry the language: %q", a.HTML)
	}
	if a.SEOTitle != "Untitled" || a.MetaDescription == "" || strings.HasSuffix(a.MetaDescription, "…") {
		t.Errorf("SEO fields not made from the title and excerpt: %q, %q", a.SEOTitle, a.MetaDescription)
	}
	if _, err := finishArticle(s, LinkPolicy{}, draft{Title: "t", HTML: "<p> </p><script>x</script>"}); err == nil {
		t.Error("article without text: want ErrMalformed")
	}

	long := draft{Title: "t", HTML: "<p>x</p>",
		SEOTitle:        "The complete guide to espresso at home: grinders, machines, <b>beans</b> and milk",
		MetaDescription: strings.Repeat("Everything about espresso, ", 10)}
	a, err = finishArticle(s, LinkPolicy{}, long)
	if err != nil {
		t.Fatal(err)
	}
	if a.SEOTitle != "The complete guide to espresso at home: grinders, machines" {
		t.Errorf("SEO title %q", a.SEOTitle)
	}
	if n := utf8.RuneCountInString(a.MetaDescription); n > MaxMetaDescription || n < MaxMetaDescription-20 ||
		!strings.HasPrefix(long.MetaDescription, a.MetaDescription) || !strings.ContainsAny(long.MetaDescription[len(a.MetaDescription):][:1], " ,") {
		t.Errorf("meta description of %d characters: %q", n, a.MetaDescription)
	}
}

func TestCutAtWord(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 60, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"one two three", 8, "one two"},
		{"one two, three", 9, "one two"},
		{"one two three", 7, "one two"},
		{"Donaudampfschifffahrtsgesellschaft", 10, "Donaudampf"},
		{"  spaced   out   words  ", 12, "spaced out"},
		{"Kaffee für Einsteiger: Mühlen, Maschinen", 29, "Kaffee für Einsteiger: Mühlen"},
		{"Kaffee für Einsteiger: Mühlen, Maschinen", 28, "Kaffee für Einsteiger"},
	}
	for _, tt := range tests {
		got := cutAtWord(tt.in, tt.max)
		if got != tt.want || utf8.RuneCountInString(got) > tt.max {
			t.Errorf("cutAtWord(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Cats &amp; dogs", "Cats & dogs"},
		{"a < b", "a < b"},
		{"<b>Bold</b>  title\n", "Bold title"},
		{"&lt;script&gt;alert(1)&lt;/script&gt;Safe", "Safe"},
		{`x<img src=x onerror=alert(1)>y`, "xy"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
