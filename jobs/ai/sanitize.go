package ai

import (
	"html"
	"net/url"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Policies are safe for concurrent use once built; build them once.
var (
	strictPolicy = sync.OnceValue(bluemonday.StrictPolicy)
	// articlePolicy is the UGC policy without rel="nofollow": the only
	// links an article keeps are the site's own (SanitizeArticle), which
	// search engines should follow.
	articlePolicy = sync.OnceValue(func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(false)
		return p
	})
)

// LinkPolicy says which links an article may keep: links to Allowed (the
// site's published articles), at most Max of them, and links to its own
// headings ("#id"). Every other link is removed and its text kept.
type LinkPolicy struct {
	Allowed []string
	Max     int
}

// SanitizeArticle makes an article's HTML safe to store, show and publish,
// whoever wrote it (a model or a person's browser): bluemonday's UGC policy
// first (no scripts, styles, event handlers, iframes or javascript: URLs),
// then every link not allowed by lp is unwrapped (its text stays), the
// first lp.Max links to allowed URLs are kept, and images are removed (an
// article's images are its image rows). The result passes the policy once more, so what the HTML
// parser wrote back is sanitized too; sanitizing the result again changes
// nothing.
func SanitizeArticle(raw string, lp LinkPolicy) string {
	safe := articlePolicy().Sanitize(raw)
	ctx := &xhtml.Node{Type: xhtml.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := xhtml.ParseFragment(strings.NewReader(safe), ctx)
	if err != nil {
		return "" // a strings.Reader never fails; nothing unchecked goes out
	}
	allowed := make(map[string]string, len(lp.Allowed))
	for _, u := range lp.Allowed {
		if k := linkKey(u); k != "" {
			allowed[k] = u
		}
	}
	root := &xhtml.Node{Type: xhtml.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	f := linkFilter{allowed: allowed, left: max(lp.Max, 0)}
	f.walk(root)
	var b strings.Builder
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if err := xhtml.Render(&b, c); err != nil {
			return ""
		}
	}
	return strings.TrimSpace(articlePolicy().Sanitize(b.String()))
}

// linkFilter removes the links and images an article may not keep.
type linkFilter struct {
	allowed map[string]string // linkKey → the URL as given
	left    int               // internal links still allowed
}

// walk visits parent's children in document order, unwrapping links that
// are not allowed (their children take their place and are visited next)
// and removing images.
func (f *linkFilter) walk(parent *xhtml.Node) {
	for c := parent.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == xhtml.ElementNode {
			switch c.DataAtom {
			case atom.A:
				if !f.keep(c) {
					first := c.FirstChild
					for gc := c.FirstChild; gc != nil; {
						n := gc.NextSibling
						c.RemoveChild(gc)
						parent.InsertBefore(gc, c)
						gc = n
					}
					parent.RemoveChild(c)
					if first != nil {
						next = first
					}
					c = next
					continue
				}
			case atom.Img:
				// An article's images are its image rows, placed by
				// whoever shows or publishes it; one in the body is a
				// tracker or a broken reference.
				parent.RemoveChild(c)
				c = next
				continue
			}
		}
		f.walk(c)
		c = next
	}
}

// keep decides on one link: a fragment of the page, or an allowed URL
// while the budget lasts (its href is then set to the allowed form).
func (f *linkFilter) keep(a *xhtml.Node) bool {
	href := strings.TrimSpace(attr(a, "href"))
	if len(href) > 1 && href[0] == '#' {
		return true
	}
	u, ok := f.allowed[linkKey(href)]
	if !ok || f.left == 0 {
		return false
	}
	f.left--
	setAttr(a, "href", u)
	return true
}

// linkKey is how two spellings of one URL compare: scheme and host in
// lower case, no trailing slash, no fragment. "" for what is not an
// absolute http(s) URL or a path.
func linkKey(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") || (u.Host == "" && u.Path == "") {
		return ""
	}
	u.Scheme, u.Host, u.Fragment = strings.ToLower(u.Scheme), strings.ToLower(u.Host), ""
	return strings.TrimRight(u.String(), "/")
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func setAttr(n *xhtml.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, xhtml.Attribute{Key: key, Val: val})
}

// plainText strips every tag from s and decodes entities, giving text fit for a
// title or an excerpt (templates escape it again when they render it). It
// repeats until nothing changes, so escaped markup ("&lt;script&gt;") cannot
// come back as a tag once decoded: the result is safe even where a consumer
// forgets to escape it.
func plainText(s string) string {
	for range 4 {
		t := strings.Join(strings.Fields(html.UnescapeString(strictPolicy().Sanitize(s))), " ")
		if t == s {
			break
		}
		s = t
	}
	return s
}

// excerptWords is the length of an article excerpt.
const excerptWords = 30

// countWords counts the visible words of an HTML fragment. Block elements
// are separated by nothing in the markup ("</p><h2>"): a space goes between
// tags so words of adjacent elements are not glued together.
func countWords(fragment string) int {
	return len(strings.Fields(plainText(strings.ReplaceAll(fragment, "><", "> <"))))
}

// draft is an article as a provider wrote it, before finishArticle.
type draft struct {
	Title, HTML, Excerpt      string
	SEOTitle, MetaDescription string
}

// finishArticle builds the Article both providers return: HTML sanitized
// with the request's link policy and wrapped in an element with the
// profile's language tag; title, excerpt and SEO fields plain text (the SEO
// fields made from the title and the excerpt when missing, and cut at a
// word boundary when too long); words counted from the visible text.
func finishArticle(s Site, lp LinkPolicy, d draft) (Article, error) {
	body := SanitizeArticle(d.HTML, lp)
	words := strings.Fields(plainText(strings.ReplaceAll(body, "><", "> <")))
	if len(words) == 0 {
		return Article{}, malformed("article has no text", d.HTML)
	}
	lang := s.Profile.orDefault().Language
	a := Article{
		Title:     plainText(d.Title),
		HTML:      `<div lang="` + html.EscapeString(lang) + `">` + "\n" + body + "\n</div>",
		WordCount: len(words),
		Excerpt:   plainText(d.Excerpt),
	}
	if a.Title == "" {
		a.Title = "Untitled"
	}
	if a.Excerpt == "" {
		if len(words) > excerptWords {
			a.Excerpt = strings.Join(words[:excerptWords], " ") + "…"
		} else {
			a.Excerpt = strings.Join(words, " ")
		}
	}
	a.SEOTitle = cutAtWord(plainText(d.SEOTitle), MaxSEOTitle)
	if a.SEOTitle == "" {
		a.SEOTitle = cutAtWord(a.Title, MaxSEOTitle)
	}
	a.MetaDescription = cutAtWord(plainText(d.MetaDescription), MaxMetaDescription)
	if a.MetaDescription == "" {
		a.MetaDescription = cutAtWord(strings.TrimSuffix(a.Excerpt, "…"), MaxMetaDescription)
	}
	return a, nil
}
