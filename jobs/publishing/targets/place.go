package targets

import (
	"html"
	"strings"

	nethtml "golang.org/x/net/html"
)

// Figure is an image placed in an article's body.
type Figure struct {
	// Section and Alt decide the place: after the h2 heading whose text is
	// Alt, else after the Section-th h2 (0 for the first); with no such
	// heading, at the end.
	Section int
	Alt     string
	// HTML is the markup inserted (a <figure>).
	HTML string
}

// FigureHTML is the markup of an image in a body: a <figure> with the image
// and its alt text; class, when not empty, goes on the <img> (WordPress's
// "wp-image-<id>" lets it add responsive sizes).
func FigureHTML(src, alt, class string) string {
	var b strings.Builder
	b.WriteString(`<figure class="wp-block-image"><img src="`)
	b.WriteString(html.EscapeString(src))
	b.WriteString(`" alt="`)
	b.WriteString(html.EscapeString(alt))
	b.WriteString(`"`)
	if class != "" {
		b.WriteString(` class="`)
		b.WriteString(html.EscapeString(class))
		b.WriteString(`"`)
	}
	b.WriteString(`/></figure>`)
	return b.String()
}

// PlaceImages inserts each figure into body after the heading of the
// section it illustrates, keeping their order; the rest of body is copied
// byte for byte.
func PlaceImages(body string, figs []Figure) string {
	if len(figs) == 0 {
		return body
	}
	heads := headingTexts(body)
	at := make(map[int][]string) // h2 index → figures after it
	var end []string
	for _, f := range figs {
		i := -1
		want := normText(f.Alt)
		for j, h := range heads {
			if want != "" && h == want {
				i = j
				break
			}
		}
		if i < 0 && f.Section >= 0 && f.Section < len(heads) {
			i = f.Section
		}
		if i < 0 {
			end = append(end, f.HTML)
			continue
		}
		at[i] = append(at[i], f.HTML)
	}
	var b strings.Builder
	z := nethtml.NewTokenizer(strings.NewReader(body))
	n, depth := 0, 0
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			break
		}
		b.Write(z.Raw())
		name, _ := z.TagName()
		switch {
		case tt == nethtml.StartTagToken && string(name) == "h2":
			depth++
		case tt == nethtml.EndTagToken && string(name) == "h2" && depth > 0:
			depth--
			if depth == 0 {
				for _, f := range at[n] {
					b.WriteString(f)
				}
				n++
			}
		}
	}
	for _, f := range end {
		b.WriteString(f)
	}
	return b.String()
}

// headingTexts returns the normalised text of body's h2 headings, in order.
func headingTexts(body string) []string {
	var out []string
	z := nethtml.NewTokenizer(strings.NewReader(body))
	depth := 0
	var text strings.Builder
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			return out
		}
		name, _ := z.TagName()
		switch {
		case tt == nethtml.StartTagToken && string(name) == "h2":
			if depth == 0 {
				text.Reset()
			}
			depth++
		case tt == nethtml.EndTagToken && string(name) == "h2" && depth > 0:
			depth--
			if depth == 0 {
				out = append(out, normText(text.String()))
			}
		case tt == nethtml.TextToken && depth > 0:
			text.Write(z.Text())
		}
	}
}

func normText(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
