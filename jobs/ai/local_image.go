package ai

import (
	"context"
	"strings"

	"golang.org/x/net/html"
)

// ExtractImagePrompts makes one prompt per h2 heading of the article, in
// order, up to max ("Illustration for: <heading> — <title>"); an article
// without headings gets one prompt for its title. The alt texts are the
// headings (or the title), so they are in the article's language. max <= 0
// gives none.
func (l *Local) ExtractImagePrompts(ctx context.Context, _ Site, a Article, max int) ([]ImagePrompt, error) {
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	if max <= 0 {
		return nil, nil
	}
	title := plainText(a.Title)
	hs := headings(a.HTML)
	if len(hs) == 0 && title != "" {
		return []ImagePrompt{{Prompt: "Illustration for: " + title, Alt: title}}, nil
	}
	var out []ImagePrompt
	for _, h := range hs[:min(len(hs), max)] {
		p := ImagePrompt{Prompt: "Illustration for: " + h, Alt: h}
		if title != "" {
			p.Prompt += " — " + title
		}
		out = append(out, p)
	}
	return out, nil
}

// headings returns the text of the h2 elements of an HTML fragment.
func headings(fragment string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(fragment))
	depth := 0 // > 0 while inside an h2
	var text strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken:
			if name, _ := z.TagName(); string(name) == "h2" {
				if depth == 0 {
					text.Reset()
				}
				depth++
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "h2" && depth > 0 {
				depth--
				if depth == 0 {
					if h := plainText(html.EscapeString(text.String())); h != "" {
						out = append(out, h)
					}
				}
			}
		case html.TextToken:
			if depth > 0 {
				text.Write(z.Text())
			}
		}
	}
}
