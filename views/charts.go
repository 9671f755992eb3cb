package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-analyze/charts"
)

// BarChart is what a bar chart shows: categories along one axis, one or
// more series of values, stacked or side by side.
type BarChart struct {
	// ID is the chart's test id.
	ID string
	// Title captions the chart; Unit names what its values count
	// ("credits", "articles").
	Title string
	Unit  string
	// Categories label the bars (days, runs, AI functions).
	Categories []string
	Series     []Series
	// Stacked stacks the series in one bar; Horizontal lays the bars
	// along the page (long category names read better).
	Stacked    bool
	Horizontal bool
}

// Series is one named set of values, one per category, in one colour.
type Series struct {
	Name   string
	Color  string
	Values []float64
	// Texts, where set, say a value in words in the table instead of its
	// number ("no budget of its own").
	Texts []string
}

// Chart is a bar chart rendered on the server: the same chart at a laptop's
// and a phone's size (CSS shows one), with the page's colours for text and
// axes (CSS variables, so it follows dark mode), a legend, a summary for
// screen readers and the numbers as a table (its text alternative).
type Chart struct {
	ID      string
	Title   string
	Summary string
	// Wide and Narrow are SVG documents made by go-analyze/charts from
	// escaped labels.
	Wide   string
	Narrow string
	Legend []LegendItem
	Table  ChartTable
}

// LegendItem is one series in a chart's legend.
type LegendItem struct {
	Name  string
	Color string
}

// ChartTable is a chart's numbers as a table: one row per category.
type ChartTable struct {
	Columns []string
	Rows    []ChartRow
}

// ChartRow is one category's values, formatted.
type ChartRow struct {
	Label  string
	Values []string
}

// maxBarWidth is the widest a single bar gets, in px.
const maxBarWidth = 48

// Chart sizes in px: a laptop's, and a phone's (375 px less the margins).
const (
	chartWideW, chartWideH     = 760, 300
	chartNarrowW, chartNarrowH = 360, 300
)

// The theme's stand-in colours, replaced in the SVG by CSS variables so the
// page's light or dark scheme colours the text, the axes and the grid.
var (
	chartTextStandIn = charts.Color{R: 1, G: 2, B: 3, A: 255}
	chartAxisStandIn = charts.Color{R: 4, G: 5, B: 6, A: 255}
	chartGridStandIn = charts.Color{R: 7, G: 8, B: 9, A: 255}
	chartColorVars   = strings.NewReplacer(
		"rgb(1,2,3)", "var(--ap-chart-text)",
		"rgb(4,5,6)", "var(--ap-chart-axis)",
		"rgb(7,8,9)", "var(--ap-chart-grid)",
	)
)

// RenderBars draws a bar chart at both sizes.
func RenderBars(b BarChart) (Chart, error) {
	c := Chart{ID: b.ID, Title: b.Title, Summary: barSummary(b), Table: barTable(b)}
	colors := make([]charts.Color, len(b.Series))
	for i, s := range b.Series {
		colors[i] = charts.ParseColor(s.Color)
		c.Legend = append(c.Legend, LegendItem{Name: s.Name, Color: s.Color})
	}
	theme := charts.MakeTheme(charts.ThemeOption{
		BackgroundColor:    charts.ColorTransparent,
		TextColor:          chartTextStandIn,
		AxisStrokeColor:    chartAxisStandIn,
		AxisSplitLineColor: chartGridStandIn,
		SeriesColors:       colors,
	})
	var err error
	// Font sizes are in points: 10.5 pt is 14 px, 9 pt 12 px.
	// A phone's chart has room for fewer value labels.
	if c.Wide, err = renderBars(b, theme, chartWideW, chartWideH, 10.5, 5); err != nil {
		return Chart{}, err
	}
	if c.Narrow, err = renderBars(b, theme, chartNarrowW, chartNarrowH, 9, 3); err != nil {
		return Chart{}, err
	}
	return c, nil
}

func renderBars(b BarChart, theme charts.ColorPalette, width, height int, font float64, steps int) (string, error) {
	values := make([][]float64, len(b.Series))
	for i, s := range b.Series {
		values[i] = s.Values
	}
	categories := b.Categories
	if b.Horizontal {
		// The library draws the first category at the bottom; people read
		// from the top.
		categories = reversed(categories)
		for i := range values {
			values[i] = reversed(values[i])
		}
	}
	opt := charts.NewBarChartOptionWithData(values)
	opt.Theme = theme
	opt.Padding = charts.Box{Top: 12, Right: 16, Bottom: 8, Left: 8, IsSet: true}
	opt.Horizontal = b.Horizontal
	opt.StackSeries = charts.Ptr(b.Stacked)
	if !b.Horizontal && (b.Stacked || len(b.Series) == 1) && len(categories) > 0 {
		// A few categories would make very wide bars: keep them slim.
		slot := float64(width-60) / float64(len(categories))
		opt.BarSize = min(0.8, maxBarWidth/slot)
	}
	opt.Legend = charts.LegendOption{Show: charts.Ptr(false)}
	style := charts.FontStyle{FontSize: font}
	opt.CategoryAxis.Labels = categories
	if !b.Horizontal && len(categories) > 2*steps {
		// Fewer labels than bars where they would collide.
		opt.CategoryAxis.LabelCount = steps + 1
	}
	opt.CategoryAxis.LabelFontStyle = style
	top, step := niceScale(barMax(b), steps)
	opt.ValueFormatter = func(f float64) string { return thousands(int64(math.Round(f))) }
	for i := range opt.ValueAxis {
		opt.ValueAxis[i].Min = charts.Ptr(0.0)
		opt.ValueAxis[i].Max = charts.Ptr(top)
		opt.ValueAxis[i].LabelCount = int(top/step) + 1
		opt.ValueAxis[i].LabelFontStyle = style
	}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: width, Height: height})
	if err := p.BarChart(opt); err != nil {
		return "", fmt.Errorf("views: %s chart: %w", b.ID, err)
	}
	svg, err := p.Bytes()
	if err != nil {
		return "", fmt.Errorf("views: %s chart: %w", b.ID, err)
	}
	out := chartColorVars.Replace(string(svg))
	// Sized by CSS: the chart scales down with the page, never up.
	out = strings.Replace(out, "<svg ", fmt.Sprintf(`<svg width="%d" height="%d" aria-hidden="true" focusable="false" `, width, height), 1)
	return out, nil
}

// barMax is the largest bar: the tallest stack, or the largest value.
func barMax(b BarChart) float64 {
	top := 0.0
	for i := range b.Categories {
		sum := 0.0
		for _, s := range b.Series {
			if i >= len(s.Values) {
				continue
			}
			if b.Stacked {
				sum += s.Values[i]
			} else {
				sum = max(sum, s.Values[i])
			}
		}
		top = max(top, sum)
	}
	return top
}

// niceScale is the top of a value axis that starts at 0 and its step: whole
// numbers of 1, 2 or 5 × 10^k, at most about steps steps, so the labels are
// round and never repeat.
func niceScale(maxValue float64, steps int) (top, step float64) {
	if maxValue <= 0 || math.IsNaN(maxValue) || math.IsInf(maxValue, 0) {
		return float64(steps), 1
	}
	raw := maxValue / float64(max(steps, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = mag * 10
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	step = max(step, 1)
	top = math.Ceil(maxValue/step) * step
	return top, step
}

// barSummary says what the chart shows in a sentence: each series' total
// (and, stacked, the sum) over the categories it spans.
func barSummary(b BarChart) string {
	total := 0.0
	parts := make([]string, 0, len(b.Series))
	for _, s := range b.Series {
		sum := 0.0
		for _, v := range s.Values {
			sum += v
		}
		total += sum
		parts = append(parts, fmt.Sprintf("%s %s", s.Name, thousands(int64(math.Round(sum)))))
	}
	span := ""
	if n := len(b.Categories); n > 0 {
		span = fmt.Sprintf(" (%s to %s)", b.Categories[0], b.Categories[n-1])
	}
	what := strings.Join(parts, ", ") + " " + b.Unit
	if b.Stacked || len(b.Series) == 1 {
		what = fmt.Sprintf("%s %s in all", thousands(int64(math.Round(total))), b.Unit)
		if len(b.Series) > 1 {
			what += ": " + strings.Join(parts, ", ")
		}
	}
	return fmt.Sprintf("%s%s: %s. The numbers are in the table below the chart.", b.Title, span, what)
}

// barTable is the chart's numbers, one row per category.
func barTable(b BarChart) ChartTable {
	t := ChartTable{Columns: make([]string, 0, len(b.Series)+1)}
	for _, s := range b.Series {
		t.Columns = append(t.Columns, s.Name)
	}
	if b.Stacked && len(b.Series) > 1 {
		t.Columns = append(t.Columns, "Total")
	}
	for i, cat := range b.Categories {
		row := ChartRow{Label: cat}
		sum := 0.0
		for _, s := range b.Series {
			v := 0.0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			sum += v
			text := thousands(int64(math.Round(v)))
			if i < len(s.Texts) && s.Texts[i] != "" {
				text = s.Texts[i]
			}
			row.Values = append(row.Values, text)
		}
		if b.Stacked && len(b.Series) > 1 {
			row.Values = append(row.Values, thousands(int64(math.Round(sum))))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// chartCellID is a chart table cell's test id.
func chartCellID(c Chart, row, col int) string {
	return c.ID + "-cell-" + strconv.Itoa(row) + "-" + strconv.Itoa(col)
}

func reversed[T any](in []T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[len(in)-1-i] = v
	}
	return out
}
