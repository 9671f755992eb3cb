package ai

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strconv"
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

// Image geometry of the local provider's SVGs.
const (
	svgWidth   = 640
	svgHeight  = 360
	captionLen = 64
)

// GenerateImage draws an SVG from the prompt: a two-colour gradient and a few
// translucent circles, rectangles and triangles whose colours, places and
// sizes come from a hash of the prompt (with a person's note and the
// variation, when drawn again), with the prompt as the SVG's <title> and a
// caption. The same prompt always gives the same bytes; the profile does
// not change the drawing (an image carries no words to translate).
func (l *Local) GenerateImage(ctx context.Context, _ Site, p ImagePrompt) (Image, error) {
	if err := l.wait(ctx); err != nil {
		return Image{}, err
	}
	prompt := withNote(p)
	h := hashOf(prompt)
	if p.Variation != 0 {
		h = hashOf(prompt, strconv.FormatInt(p.Variation, 10))
	}
	rng := rand.New(rand.NewPCG(h, h>>17|1))
	hue := float64(h % 360)

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="t">`+"\n",
		svgWidth, svgHeight, svgWidth, svgHeight)
	b.WriteString(`<title id="t">`)
	xmlText(&b, prompt)
	b.WriteString("</title>\n")
	fmt.Fprintf(&b, `<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="%s"/><stop offset="1" stop-color="%s"/></linearGradient></defs>`+"\n",
		hsl(hue, 0.55, 0.85), hsl(hue+40, 0.55, 0.6))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="url(#bg)"/>`+"\n", svgWidth, svgHeight)

	shapes := 5 + rng.IntN(5)
	for i := range shapes {
		color := hsl(hue+float64(60+rng.IntN(240)), 0.5+rng.Float64()*0.3, 0.35+rng.Float64()*0.3)
		x, y := rng.IntN(svgWidth), rng.IntN(svgHeight-60)
		s := 20 + rng.IntN(90)
		opacity := 0.35 + rng.Float64()*0.4
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="%d" fill="%s" fill-opacity="%.2f"/>`+"\n", x, y, s, color, opacity)
		case 1:
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="%d" fill="%s" fill-opacity="%.2f" transform="rotate(%d %d %d)"/>`+"\n",
				x-s, y-s/2, 2*s, s, s/6, color, opacity, rng.IntN(90)-45, x, y)
		default:
			fmt.Fprintf(&b, `<polygon points="%d,%d %d,%d %d,%d" fill="%s" fill-opacity="%.2f"/>`+"\n",
				x, y-s, x+s, y+s, x-s, y+s, color, opacity)
		}
	}

	caption := excerpt(prompt, captionLen)
	fmt.Fprintf(&b, `<rect x="0" y="%d" width="%d" height="60" fill="#000" fill-opacity="0.45"/>`+"\n", svgHeight-60, svgWidth)
	fmt.Fprintf(&b, `<text x="20" y="%d" font-family="sans-serif" font-size="18" fill="#fff">`, svgHeight-23)
	xmlText(&b, caption)
	b.WriteString("</text>\n</svg>\n")
	return Image{Data: b.Bytes(), MIME: "image/svg+xml", Ext: ".svg"}, nil
}

// xmlText writes s escaped for XML character data (invalid characters become
// U+FFFD, so the document always parses).
func xmlText(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // a bytes.Buffer never fails to write
}

// hsl converts a hue in degrees and saturation/lightness in [0,1] to #rrggbb,
// which every SVG renderer understands.
func hsl(h, s, l float64) string {
	h = float64(int(h)%360) / 360
	f := func(n float64) float64 {
		k := n + h*12
		for k >= 12 {
			k -= 12
		}
		a := s * min(l, 1-l)
		return l - a*max(-1, min(k-3, 9-k, 1))
	}
	return fmt.Sprintf("#%02x%02x%02x", int(f(0)*255+0.5), int(f(8)*255+0.5), int(f(4)*255+0.5))
}
