package input_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"autopress/handlers/input"
	"autopress/jobs/ai"
)

func TestArticleHTML(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"the AI's shape is kept", "<p>One <strong>two</strong></p>\n<h2>Head</h2>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>",
			"<p>One <strong>two</strong></p>\n<h2>Head</h2>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>"},
		{"the editor's divs and breaks are paragraphs", "<div>One<br>Two<br><br>Three</div>",
			"<p>One</p>\n<p>Two</p>\n<p>Three</p>"},
		{"the editor's paragraphs, h1, b and i", "<p>x</p><h1>Big</h1><p><b>bold</b> <i>it</i>&nbsp;</p>",
			"<p>x</p>\n<h2>Big</h2>\n<p><strong>bold</strong> <em>it</em></p>"},
		{"lower headings become h3", "<h3>a</h3><h5>b</h5>", "<h3>a</h3>\n<h3>b</h3>"},
		{"text outside blocks is a paragraph", "loose <em>text</em><p>p</p>tail", "<p>loose <em>text</em></p>\n<p>p</p>\n<p>tail</p>"},
		{"quotes, code and strike keep their text", "<blockquote>q</blockquote><pre>c</pre><p><del>gone</del> kept</p>",
			"<p>q</p>\n<p>c</p>\n<p>gone kept</p>"},
		{"ordered and nested lists", "<ol><li>one<ul><li>inner</li></ul></li></ol>", "<ol>\n<li>one<ul>\n<li>inner</li>\n</ul></li>\n</ol>"},
		{"empty blocks vanish", "<p> </p><div><br></div><h2></h2><p>x</p>", "<p>x</p>"},
		{"images and figures are not body", `<figure><img src="https://x.example/a.png"><figcaption>cap</figcaption></figure>`, "<p>cap</p>"},
		{"links keep their address", `<p><a href="https://example.com/a?b=1&amp;c=2">l</a></p>`,
			`<p><a href="https://example.com/a?b=1&amp;c=2">l</a></p>`},
		{"links the site does not allow keep only their text", `<p><a href="https://elsewhere.example/">l</a></p>`, `<p>l</p>`},
		{"escaped markup stays text", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lp := ai.LinkPolicy{Allowed: []string{"https://example.com/a?b=1&c=2"}, Max: 3}
			got, _ := input.ArticleHTML(tt.in, "", lp)
			if got != tt.want {
				t.Errorf("ArticleHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again, _ := input.ArticleHTML(got, "", lp); again != got {
				t.Errorf("not idempotent: %q → %q", got, again)
			}
		})
	}
}

// TestArticleHTMLRefusesWhatABrowserCanSend posts everything a browser (or a
// hand-made request) can put in the body: nothing executable survives.
func TestArticleHTMLRefusesWhatABrowserCanSend(t *testing.T) {
	attacks := []string{
		`<script>alert(1)</script><p>x</p>`,
		`<p onclick="alert(1)" onmouseover="alert(2)">x</p>`,
		`<img src=x onerror=alert(1)>`,
		`<svg onload=alert(1)><p>x</p></svg>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="JaVaScRiPt:alert(1)">x</a>`,
		`<a href="  javascript:alert(1)">x</a>`,
		`<a href="java&#x09;script:alert(1)">x</a>`,
		`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
		`<a href="vbscript:msgbox(1)">x</a>`,
		`<iframe src="https://evil.example"></iframe><p>x</p>`,
		`<object data="x.swf"></object><embed src="x.swf">`,
		`<style>body{display:none}</style><p style="background:url(javascript:alert(1))">x</p>`,
		`<form action="https://evil.example"><input name=a><button formaction="javascript:alert(1)">b</button></form>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
		`<p>x</p><!--<img src=x onerror=alert(1)>-->`,
		`<base href="javascript:alert(1)//"><meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
		`<trix-editor></trix-editor><div data-trix-attachment='{"content":"<img src=x onerror=alert(1)>"}'>x</div>`,
		`<p>&lt;img src=x onerror=alert(1)&gt;</p>`,
	}
	for _, in := range attacks {
		got, _ := input.ArticleHTML(in, "", ai.LinkPolicy{})
		if problem := outsideTheAIsHTML(got); problem != "" {
			t.Errorf("ArticleHTML(%q) = %q: %s", in, got, problem)
		}
	}
}

// outsideTheAIsHTML names the first element, attribute or link of body that
// the AI's restricted HTML does not have ("" when there is none).
func outsideTheAIsHTML(body string) string {
	nodes, err := html.ParseFragment(strings.NewReader(body), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return err.Error()
	}
	allowed := map[string]bool{"p": true, "h2": true, "h3": true, "ul": true, "ol": true, "li": true, "strong": true, "em": true, "a": true}
	var problem string
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if problem != "" {
			return
		}
		switch n.Type {
		case html.ElementNode:
			if !allowed[n.Data] {
				problem = "element <" + n.Data + ">"
				return
			}
			for _, a := range n.Attr {
				switch {
				case n.Data == "a" && a.Key == "rel" && a.Val == "nofollow":
				case n.Data == "a" && a.Key == "href":
					u, err := url.Parse(a.Val)
					if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
						problem = "link " + a.Val
						return
					}
				default:
					problem = "attribute " + a.Key + " on <" + n.Data + ">"
					return
				}
			}
		case html.CommentNode:
			problem = "a comment"
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	for _, n := range nodes {
		visit(n)
	}
	return problem
}

func TestArticleHTMLKeepsTheAIsArticles(t *testing.T) {
	p := ai.NewLocal(0)
	for _, title := range []string{"How to brew coffee", "Espresso at home", "Cold brew"} {
		a, err := p.WriteArticle(context.Background(), ai.Site{Name: "Coffee"}, ai.ArticleRequest{Idea: ai.Idea{Title: title, Summary: "s"}, Keywords: []string{"coffee", "beans"}})
		if err != nil {
			t.Fatal(err)
		}
		got, words := input.ArticleHTML(a.HTML, "en", ai.LinkPolicy{})
		if got != a.HTML {
			t.Errorf("%q: the AI's body changed\n got %q\nwant %q", title, got, a.HTML)
		}
		if words != a.WordCount {
			t.Errorf("%q: %d words, the AI counted %d", title, words, a.WordCount)
		}
	}
}
