package handlers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"autopress/db"
	"autopress/views"
)

// creditChartRuns is how many of the account's last runs the credits page
// charts.
const creditChartRuns = 15

// creditSummary charts an account's spend: per day of the last 30 in loc
// by AI function, and per run of its last runs, with the totals. One query
// each.
func (h *app) creditSummary(ctx context.Context, accountID int64, loc *time.Location) (views.CreditSummary, error) {
	days := lastDays(h.Clock.Now(), loc, creditChartDays)
	counts, err := h.DB.SpendActivity(ctx, accountID, days.since())
	if err != nil {
		return views.CreditSummary{}, err
	}
	perOp := days.perDay(counts, db.Operations)
	sum := views.CreditSummary{Days: creditChartDays}
	daily := views.BarChart{ID: "credits-per-day", Title: fmt.Sprintf("Credits spent per day, last %d days", creditChartDays), Unit: "credits",
		Categories: days.labels, Stacked: true}
	top, topOp := 0.0, ""
	for _, op := range db.Operations {
		v := perOp[op]
		spent := 0.0
		for i := range v {
			spent += v[i]
			v[i] = max(v[i], 0) // a refund landing on a later day than its charge
		}
		sum.Spent += int64(spent)
		if spent > top {
			top, topOp = spent, op
		}
		daily.Series = append(daily.Series, views.Series{Name: views.OperationLabel(op), Color: views.OperationColor(op), Values: v})
	}
	sum.TopFunction = views.OperationLabel(topOp)
	if sum.Spent > 0 {
		c, err := views.RenderBars(daily)
		if err != nil {
			return sum, err
		}
		sum.PerDay = &c
	}

	spend, err := h.DB.RecentRunSpend(ctx, accountID, creditChartRuns)
	if err != nil {
		return sum, err
	}
	var runs []int64
	byRun := map[int64]map[string]int64{}
	for _, s := range spend {
		if byRun[s.RunID] == nil {
			byRun[s.RunID] = map[string]int64{}
			runs = append(runs, s.RunID)
		}
		byRun[s.RunID][s.Operation] += s.Spent
	}
	if len(runs) == 0 {
		return sum, nil
	}
	slices.Sort(runs) // oldest on the left
	title := "Credits spent per run, the last run"
	if len(runs) > 1 {
		title = fmt.Sprintf("Credits spent per run, last %d runs", len(runs))
	}
	perRun := views.BarChart{ID: "credits-per-run", Title: title, Unit: "credits", Stacked: true}
	for _, id := range runs {
		perRun.Categories = append(perRun.Categories, fmt.Sprintf("#%d", id))
	}
	for _, op := range db.Operations {
		s := views.Series{Name: views.OperationLabel(op), Color: views.OperationColor(op)}
		for _, id := range runs {
			s.Values = append(s.Values, float64(max(byRun[id][op], 0)))
		}
		perRun.Series = append(perRun.Series, s)
	}
	c, err := views.RenderBars(perRun)
	if err != nil {
		return sum, err
	}
	sum.PerRun = &c
	sum.Runs = len(runs)
	return sum, nil
}
