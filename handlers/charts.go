package handlers

import (
	"context"
	"fmt"
	"time"

	"autopress/db"
	"autopress/views"
)

// Colours of the budget charts' two series.
const (
	budgetColor = "#9aa5b1"
	spentColor  = "#4e79a7"
)

// budgetChart draws each AI function's budget against its spend in a run
// (nil when the run has no budget rows). A function without a budget of
// its own has no budget bar; its table cell says so.
func budgetChart(id, title string, spend []db.OperationSpend) (*views.Chart, error) {
	if len(spend) == 0 {
		return nil, nil
	}
	b := views.BarChart{ID: id, Title: title, Unit: "credits", Horizontal: true,
		Series: []views.Series{{Name: "Budget", Color: budgetColor}, {Name: "Spent", Color: spentColor}}}
	for _, s := range spend {
		b.Categories = append(b.Categories, views.OperationLabel(s.Operation))
		budget, text := float64(s.Budget), ""
		if s.Budget < 0 {
			budget, text = 0, "no budget of its own"
		}
		b.Series[0].Values = append(b.Series[0].Values, budget)
		b.Series[0].Texts = append(b.Series[0].Texts, text)
		b.Series[1].Values = append(b.Series[1].Values, float64(s.Spent))
	}
	c, err := views.RenderBars(b)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// dayBuckets are the last n days in loc up to the one of now: their
// labels and where each starts.
type dayBuckets struct {
	loc    *time.Location
	starts []time.Time
	labels []string
}

func lastDays(now time.Time, loc *time.Location, n int) dayBuckets {
	today := now.In(loc)
	b := dayBuckets{loc: loc}
	for i := n - 1; i >= 0; i-- {
		d := time.Date(today.Year(), today.Month(), today.Day()-i, 0, 0, 0, 0, loc)
		b.starts = append(b.starts, d)
		b.labels = append(b.labels, d.Format("2 Jan"))
	}
	return b
}

// since is when the first day starts.
func (b dayBuckets) since() time.Time { return b.starts[0] }

// index is the day a time falls in (ok false outside the days).
func (b dayBuckets) index(t time.Time) (int, bool) {
	local := t.In(b.loc)
	d := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, b.loc)
	for i, s := range b.starts {
		if s.Equal(d) {
			return i, true
		}
	}
	return 0, false
}

// perDay folds time buckets into the days, one series of values per kind.
func (b dayBuckets) perDay(counts []db.TimeCount, kinds []string) map[string][]float64 {
	out := make(map[string][]float64, len(kinds))
	for _, k := range kinds {
		out[k] = make([]float64, len(b.starts))
	}
	for _, c := range counts {
		i, ok := b.index(c.At)
		if v, known := out[c.Kind]; ok && known {
			v[i] += float64(c.N)
		}
	}
	return out
}

// Days the charts of activity cover.
const (
	articleChartDays = 14
	creditChartDays  = 30
)

// articlesChart counts a site's articles approved and published per day
// over the last two weeks, in the site's time zone (nil when there were
// none). Counting and drawing it is most of the dashboard's work, and it
// changes only when an article moves (the site's content counters' mark)
// or the days do: it is drawn once per mark and set of days.
func (h *app) articlesChart(ctx context.Context, s db.Site) (*views.Chart, error) {
	days := lastDays(h.Clock.Now(), s.Location(), articleChartDays)
	mark, err := h.DB.ContentCountsMark(ctx, s.ID)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("articles:%d:%d:%s:%d", s.ID, days.since().Unix(), s.Location(), mark)
	return h.charts.get(key, func() (*views.Chart, error) {
		counts, err := h.DB.ContentActivity(ctx, s.ID, days.since())
		if err != nil {
			return nil, err
		}
		byKind := days.perDay(counts, []string{db.ActivityApproved, db.ActivityPublished})
		if sum(byKind[db.ActivityApproved])+sum(byKind[db.ActivityPublished]) == 0 {
			return nil, nil
		}
		c, err := views.RenderBars(views.BarChart{ID: "articles-chart", Title: "Articles approved and published per day", Unit: "articles",
			Categories: days.labels, Series: []views.Series{
				{Name: "Approved", Color: approvedColor, Values: byKind[db.ActivityApproved]},
				{Name: "Published", Color: spentColor, Values: byKind[db.ActivityPublished]},
			}})
		if err != nil {
			return nil, err
		}
		return &c, nil
	})
}

const approvedColor = "#59a14f"

func sum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}
