package views

import (
	"regexp"
	"strings"
	"testing"
)

// TestRenderBars: both sizes are SVG whose text, axes and grid take the
// page's colours (CSS variables) and whose bars take the series' colours —
// nothing else — and the table holds the numbers.
func TestRenderBars(t *testing.T) {
	b := BarChart{ID: "spend", Title: "Credits per day", Unit: "credits", Stacked: true,
		Categories: []string{"1 Mar", "2 Mar", "<3 Mar>"},
		Series: []Series{
			{Name: "Clustering", Color: "#4e79a7", Values: []float64{10, 0, 1200}},
			{Name: "Content generation", Color: "#59a14f", Values: []float64{5, 7, 300}},
		}}
	c, err := RenderBars(b)
	if err != nil {
		t.Fatal(err)
	}
	colour := regexp.MustCompile(`(?:fill|stroke):([^;"]+)`)
	for name, svg := range map[string]string{"wide": c.Wide, "narrow": c.Narrow} {
		if !strings.HasPrefix(svg, "<svg ") || !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") {
			t.Fatalf("%s: not an SVG document: %.80s", name, svg)
		}
		if !strings.Contains(svg, `aria-hidden="true"`) {
			t.Errorf("%s: the picture is not hidden from screen readers (the figure's label speaks for it)", name)
		}
		used := map[string]bool{}
		for _, m := range colour.FindAllStringSubmatch(svg, -1) {
			used[m[1]] = true
		}
		allowed := map[string]bool{"none": true, "var(--ap-chart-text)": true, "var(--ap-chart-axis)": true, "var(--ap-chart-grid)": true,
			"rgb(78,121,167)": true, "rgb(89,161,79)": true}
		for c := range used {
			if !allowed[c] {
				t.Errorf("%s: colour %q is neither the page's nor a series'", name, c)
			}
		}
		for _, want := range []string{"var(--ap-chart-text)", "rgb(78,121,167)", "rgb(89,161,79)"} {
			if !used[want] {
				t.Errorf("%s: %s unused (%v)", name, want, used)
			}
		}
		if strings.Contains(svg, "<3 Mar>") || !strings.Contains(svg, "&lt;3 Mar&gt;") {
			t.Errorf("%s: a label is not escaped", name)
		}
		if !strings.Contains(svg, ">1,500<") {
			t.Errorf("%s: the value axis does not reach 1,500 with separators", name)
		}
	}
	if top, step := niceScale(1501, 3); top != 2000 || step != 1000 {
		t.Errorf("a phone's scale of 1,501: %v by %v, want 2,000 by 1,000", top, step)
	}
	if got := c.Table.Columns; strings.Join(got, "|") != "Clustering|Content generation|Total" {
		t.Errorf("columns %v", got)
	}
	if got := c.Table.Rows[2]; got.Label != "<3 Mar>" || strings.Join(got.Values, "|") != "1,200|300|1,500" {
		t.Errorf("row %+v", got)
	}
	if !strings.Contains(c.Summary, "Credits per day (1 Mar to <3 Mar>): 1,522 credits in all: Clustering 1,210, Content generation 312.") {
		t.Errorf("summary %q", c.Summary)
	}
	if len(c.Legend) != 2 || c.Legend[1].Color != "#59a14f" {
		t.Errorf("legend %+v", c.Legend)
	}
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct{ max, top, step float64 }{
		{0, 5, 1}, {-3, 5, 1}, {1, 1, 1}, {3, 3, 1}, {7, 8, 2}, {12, 15, 5}, {23, 25, 5}, {99, 100, 20}, {1501, 2000, 500}, {0.4, 1, 1},
	} {
		top, step := niceScale(tc.max, 5)
		if top != tc.top || step != tc.step {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tc.max, top, step, tc.top, tc.step)
		}
		if tc.max > 0 && top < tc.max {
			t.Errorf("niceScale(%v): top %v below the largest value", tc.max, top)
		}
	}
}
