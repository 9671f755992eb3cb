package views

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// PieSlice is one slice of a pie chart: a label, its size in basis points
// and its fill colour.
type PieSlice struct {
	Label string
	BP    int
	Color string
}

// pieArc is a slice placed on the circle: degrees clockwise from 12 o'clock.
type pieArc struct {
	PieSlice
	Start, End float64
}

// pieArcs places the slices on the circle in order. Angles are taken from
// the running total, so they add up to exactly 360° whatever the rounding;
// the whole is the sum of the slices (callers add an "unassigned" slice
// when the shares fall short of 100%). Slices of 0 (or less) are omitted.
func pieArcs(slices []PieSlice) []pieArc {
	total := 0
	for _, s := range slices {
		if s.BP > 0 {
			total += s.BP
		}
	}
	if total == 0 {
		return nil
	}
	var out []pieArc
	cum := 0
	for _, s := range slices {
		if s.BP <= 0 {
			continue
		}
		start := 360 * float64(cum) / float64(total)
		cum += s.BP
		end := 360 * float64(cum) / float64(total)
		out = append(out, pieArc{PieSlice: s, Start: start, End: end})
	}
	out[len(out)-1].End = 360
	return out
}

// PieSVG draws the slices as an SVG pie chart of size×size pixels, built
// on the server so the page needs no chart script. Each slice carries a
// <title> ("Clustering: 15%") for a tooltip; labels and colours are
// escaped. A slice of the whole is a full circle; with nothing to draw
// the chart is an empty ring.
func PieSVG(slices []PieSlice, size int, title string) string {
	c := float64(size) / 2
	r := c - 1
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" data-testid="pie-svg">`,
		size, size, size, size, html.EscapeString(title))
	arcs := pieArcs(slices)
	if len(arcs) == 0 {
		fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="none" stroke="#999" stroke-dasharray="4 3" data-testid="pie-empty"><title>Nothing allocated</title></circle>`,
			num(c), num(c), num(r))
	}
	for _, a := range arcs {
		tip := html.EscapeString(a.Label + ": " + percentText(a.BP))
		fill := html.EscapeString(a.Color)
		if a.End-a.Start >= 360 {
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="%s" data-testid="pie-slice"><title>%s</title></circle>`,
				num(c), num(c), num(r), fill, tip)
			continue
		}
		x0, y0 := pointAt(c, r, a.Start)
		x1, y1 := pointAt(c, r, a.End)
		large := 0
		if a.End-a.Start > 180 {
			large = 1
		}
		fmt.Fprintf(&b, `<path d="M%s %sL%s %sA%s %s 0 %d 1 %s %sZ" fill="%s" stroke="#fff" stroke-width="1" data-testid="pie-slice"><title>%s</title></path>`,
			num(c), num(c), num(x0), num(y0), num(r), num(r), large, num(x1), num(y1), fill, tip)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// pointAt is the point of the circle at deg degrees clockwise from 12 o'clock.
func pointAt(c, r, deg float64) (float64, float64) {
	rad := deg * math.Pi / 180
	return c + r*math.Sin(rad), c - r*math.Cos(rad)
}

// num writes a coordinate with three decimals at most, without "-0".
func num(v float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// percentText shows basis points as a percentage: 1500 → "15%", 1525 → "15.25%".
func percentText(bp int) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".") + "%"
}
