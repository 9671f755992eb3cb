package input

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"autopress/jobs/ai"
)

// ArticleHTML makes an article body a person sent (the editor's HTML, or
// an API client's) into the restricted HTML the AI writes: it is sanitized
// with the AI's policy (ai.SanitizeArticle: no script, no event handler,
// no javascript: link, only links lp allows), then reduced to paragraphs,
// h2 and h3 headings, lists, strong, em and links, one block a line, and
// wrapped in an element with the language tag lang (when not empty), as
// the AI's articles are. The editor's shapes map
// onto those (div and line breaks become paragraphs, its h1 an h2,
// b and i strong and em); anything else keeps only its text. Images are
// not part of the body (an article's images are its own). It returns the
// body and its number of words.
func ArticleHTML(raw, lang string, lp ai.LinkPolicy) (string, int) {
	nodes, err := html.ParseFragment(strings.NewReader(ai.SanitizeArticle(raw, lp)), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return "", 0
	}
	var b blocks
	for _, n := range nodes {
		b.flow(n)
	}
	b.endParagraph()
	body := ai.SanitizeArticle(strings.Join(b.out, "\n"), lp)
	if lang != "" && body != "" {
		body = `<div lang="` + html.EscapeString(lang) + `">` + "\n" + body + "\n</div>"
	}
	return body, len(strings.Fields(b.text.String()))
}

// blocks collects the body's blocks; open is the paragraph being filled
// by inline content outside any block.
type blocks struct {
	out  []string
	open strings.Builder
	text strings.Builder
}

// flow handles a node at block level.
func (b *blocks) flow(n *html.Node) {
	if n.Type == html.TextNode {
		b.inlineInto(&b.open, n)
		return
	}
	if n.Type != html.ElementNode {
		return
	}
	switch n.DataAtom {
	case atom.H1, atom.H2:
		b.heading("h2", n)
	case atom.H3, atom.H4, atom.H5, atom.H6:
		b.heading("h3", n)
	case atom.Ul, atom.Ol:
		b.endParagraph()
		b.list(n)
	case atom.Br:
		b.endParagraph()
	case atom.P, atom.Div, atom.Blockquote, atom.Pre, atom.Section, atom.Article, atom.Figure, atom.Figcaption, atom.Li:
		b.endParagraph()
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.flow(c)
		}
		b.endParagraph()
	default:
		if isInline(n) {
			b.inlineInto(&b.open, n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.flow(c)
		}
	}
}

// endParagraph closes the open paragraph (dropped when it has no text).
func (b *blocks) endParagraph() {
	s := strings.TrimSpace(b.open.String())
	b.open.Reset()
	if s != "" {
		b.add("<p>" + s + "</p>")
	}
}

func (b *blocks) add(block string) {
	b.out = append(b.out, block)
	b.text.WriteString(" ")
}

func (b *blocks) heading(tag string, n *html.Node) {
	b.endParagraph()
	var s strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.inlineInto(&s, c)
	}
	if t := strings.TrimSpace(s.String()); t != "" {
		b.add("<" + tag + ">" + t + "</" + tag + ">")
	}
}

// list writes a list with its items (a nested list stays in its item).
func (b *blocks) list(n *html.Node) {
	tag := "ul"
	if n.DataAtom == atom.Ol {
		tag = "ol"
	}
	var items []string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if item := b.listItem(c); item != "" {
			items = append(items, "<li>"+item+"</li>")
		}
	}
	if len(items) > 0 {
		b.add("<" + tag + ">\n" + strings.Join(items, "\n") + "\n</" + tag + ">")
	}
}

func (b *blocks) listItem(n *html.Node) string {
	var s strings.Builder
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		switch {
		case n.Type == html.ElementNode && (n.DataAtom == atom.Ul || n.DataAtom == atom.Ol):
			var nested blocks
			nested.list(n)
			s.WriteString(strings.Join(nested.out, ""))
			b.text.WriteString(" " + nested.text.String())
		case n.Type == html.ElementNode && n.DataAtom == atom.Br:
			s.WriteString(" ")
		case n.Type == html.ElementNode && !isInline(n):
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				visit(c)
			}
		default:
			b.inlineInto(&s, n)
		}
	}
	visit(n)
	return strings.TrimSpace(s.String())
}

// inlineInto writes inline content: text escaped, strong, em and links
// kept (b and i as strong and em), other elements reduced to their text.
func (b *blocks) inlineInto(s *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		t := collapse(n.Data)
		s.WriteString(html.EscapeString(t))
		b.text.WriteString(t)
		return
	case html.ElementNode:
	default:
		return
	}
	tag := ""
	switch n.DataAtom {
	case atom.Strong, atom.B:
		tag = "strong"
	case atom.Em, atom.I:
		tag = "em"
	case atom.A:
		tag = "a"
	case atom.Br:
		s.WriteString(" ")
		return
	case atom.Img, atom.Picture, atom.Svg:
		return
	}
	if tag == "a" {
		href := attr(n, "href")
		if href == "" {
			tag = ""
		} else {
			s.WriteString(`<a href="` + html.EscapeString(href) + `">`)
		}
	} else if tag != "" {
		s.WriteString("<" + tag + ">")
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.inlineInto(s, c)
	}
	if tag != "" {
		s.WriteString("</" + tag + ">")
	}
}

// isInline reports the elements that live inside a paragraph.
func isInline(n *html.Node) bool {
	switch n.DataAtom {
	case atom.A, atom.Strong, atom.B, atom.Em, atom.I, atom.Span, atom.Del, atom.S, atom.U, atom.Code, atom.Sub, atom.Sup,
		atom.Small, atom.Mark, atom.Abbr, atom.Cite, atom.Q, atom.Kbd, atom.Samp, atom.Var, atom.Time, atom.Img, atom.Font, atom.Ins:
		return true
	}
	return false
}

// collapse turns runs of white space (no-break spaces included, which
// editors use for trailing spaces) into one space, as a browser shows them.
func collapse(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\u00a0' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
