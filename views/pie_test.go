package views

import (
	"encoding/xml"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var defaultSplit = []PieSlice{
	{"Clustering", 1500, "#4e79a7"}, {"Idea generation", 1000, "#f28e2b"}, {"Content generation", 4000, "#59a14f"},
	{"Image prompt extraction", 500, "#e15759"}, {"Image generation", 3000, "#76b7b2"},
}

func sweep(arcs []pieArc) float64 {
	total := 0.0
	for _, a := range arcs {
		total += a.End - a.Start
	}
	return total
}

func TestPieArcsSumTo360(t *testing.T) {
	arcs := pieArcs(defaultSplit)
	if len(arcs) != 5 || math.Abs(sweep(arcs)-360) > 1e-9 {
		t.Fatalf("arcs %+v sweep %v", arcs, sweep(arcs))
	}
	// Each slice's angle is its share of 360°: 15% = 54°, 40% = 144°.
	if got := arcs[0].End - arcs[0].Start; math.Abs(got-54) > 1e-9 {
		t.Errorf("clustering sweeps %v°, want 54°", got)
	}
	if got := arcs[2].End - arcs[2].Start; math.Abs(got-144) > 1e-9 {
		t.Errorf("content sweeps %v°, want 144°", got)
	}
	// Contiguous: each slice starts where the previous ended, from 0 to 360.
	for i := 1; i < len(arcs); i++ {
		if arcs[i].Start != arcs[i-1].End {
			t.Fatalf("gap between slices %d and %d: %v → %v", i-1, i, arcs[i-1].End, arcs[i].Start)
		}
	}
	if arcs[0].Start != 0 || arcs[len(arcs)-1].End != 360 {
		t.Fatalf("arcs span %v–%v", arcs[0].Start, arcs[len(arcs)-1].End)
	}

	// Any mix of shares (including ones that do not make 100%) fills the circle.
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 2000; i++ {
		var s []PieSlice
		for j := 0; j < 1+r.IntN(6); j++ {
			s = append(s, PieSlice{Label: "x", BP: r.IntN(10001) - 100})
		}
		arcs := pieArcs(s)
		if arcs == nil {
			continue
		}
		if math.Abs(sweep(arcs)-360) > 1e-9 || arcs[len(arcs)-1].End != 360 {
			t.Fatalf("%v: sweep %v", s, sweep(arcs))
		}
	}
}

func TestPieZeroSlicesOmitted(t *testing.T) {
	arcs := pieArcs([]PieSlice{{"a", 0, "red"}, {"b", 5000, "red"}, {"c", 0, "red"}, {"d", 5000, "red"}})
	if len(arcs) != 2 || arcs[0].Label != "b" || arcs[1].Label != "d" || arcs[0].End != 180 {
		t.Fatalf("arcs %+v", arcs)
	}
	svg := PieSVG([]PieSlice{{"a", 0, "red"}, {"b", 5000, "red"}, {"c", 0, "red"}, {"d", 5000, "red"}}, 100, "t")
	if n := strings.Count(svg, `data-testid="pie-slice"`); n != 2 {
		t.Fatalf("%d slices drawn, want 2:\n%s", n, svg)
	}
	if strings.Contains(svg, "<title>a:") || strings.Contains(svg, "<title>c:") {
		t.Fatal("a 0% slice was drawn")
	}
	if pieArcs(nil) != nil || pieArcs([]PieSlice{{"a", 0, "red"}}) != nil {
		t.Fatal("nothing to draw should give no arcs")
	}
	if svg := PieSVG(nil, 100, "t"); !strings.Contains(svg, `data-testid="pie-empty"`) || strings.Contains(svg, "pie-slice") {
		t.Fatalf("empty pie: %s", svg)
	}
}

func TestPieFullSliceIsACircle(t *testing.T) {
	svg := PieSVG([]PieSlice{{"Clustering", 0, "#111"}, {"Content generation", 10000, "#222"}}, 120, "All on content")
	if strings.Count(svg, "<circle") != 1 || strings.Contains(svg, "<path") {
		t.Fatalf("a 100%% slice should be one circle (an arc from a point to itself draws nothing):\n%s", svg)
	}
	if !strings.Contains(svg, `cx="60" cy="60" r="59" fill="#222"`) || !strings.Contains(svg, "<title>Content generation: 100%</title>") {
		t.Fatalf("circle: %s", svg)
	}
}

var pathRE = regexp.MustCompile(`d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)A([\d.]+) ([\d.]+) 0 ([01]) 1 ([\d.]+) ([\d.]+)Z"`)

// The drawn paths agree with the arcs: every slice starts where the last
// one ended, the large-arc flag is set exactly for slices over 180°, and
// the last slice closes at 12 o'clock.
func TestPieSVGPaths(t *testing.T) {
	split := []PieSlice{{"a", 7000, "#111"}, {"b", 2000, "#222"}, {"c", 1000, "#333"}}
	svg := PieSVG(split, 200, "t")
	m := pathRE.FindAllStringSubmatch(svg, -1)
	if len(m) != 3 {
		t.Fatalf("%d paths:\n%s", len(m), svg)
	}
	f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	if m[0][3] != "100" || m[0][4] != "1" {
		t.Errorf("first slice starts at (%s,%s), want 12 o'clock (100,1)", m[0][3], m[0][4])
	}
	if m[0][7] != "1" || m[1][7] != "0" || m[2][7] != "0" {
		t.Errorf("large-arc flags %s %s %s, want 1 0 0", m[0][7], m[1][7], m[2][7])
	}
	for i := 1; i < len(m); i++ {
		if math.Abs(f(m[i][3])-f(m[i-1][8])) > 0.002 || math.Abs(f(m[i][4])-f(m[i-1][9])) > 0.002 {
			t.Errorf("slice %d starts at (%s,%s), the previous ended at (%s,%s)", i, m[i][3], m[i][4], m[i-1][8], m[i-1][9])
		}
	}
	if last := m[2]; last[8] != "100" || last[9] != "1" {
		t.Errorf("last slice ends at (%s,%s), want (100,1)", last[8], last[9])
	}
}

func TestPieLabelsEscaped(t *testing.T) {
	svg := PieSVG([]PieSlice{{`<script>alert("x")</script> & co`, 6000, `red" onload="x`}, {"ok", 4000, "blue"}}, 100, `a "quoted" <title>`)
	if strings.Contains(svg, "<script") || strings.Contains(svg, `"x")`) || strings.Contains(svg, `red" onload`) {
		t.Fatalf("unescaped label or colour:\n%s", svg)
	}
	if !strings.Contains(svg, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co: 60%") {
		t.Fatalf("label not escaped as expected:\n%s", svg)
	}
	// The whole chart is well-formed XML.
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
	}
}

func TestPercentText(t *testing.T) {
	for bp, want := range map[int]string{1500: "15%", 1525: "15.25%", 1550: "15.5%", 0: "0%", 10000: "100%", 1: "0.01%"} {
		if got := percentText(bp); got != want {
			t.Errorf("percentText(%d) = %q, want %q", bp, got, want)
		}
	}
}
