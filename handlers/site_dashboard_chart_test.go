package handlers_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

var articlesChartSummary = regexp.MustCompile(`aria-label="([^"]*)" data-testid="articles-chart-picture"`)

// The dashboard's chart of approvals and publications is drawn once per
// state of the site's articles and drawn again as soon as one moves: an
// approval, an article deleted.
func TestDashboardChartFollowsArticles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		a := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Now: app.Clock.Now()})
		b := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Now: app.Clock.Now()})
		summary := func() string {
			t.Helper()
			res := c.Get(t, fmt.Sprintf("/sites/%d", site.ID))
			m := articlesChartSummary.FindStringSubmatch(res.Body)
			if m == nil {
				return ""
			}
			return m[1]
		}
		if s := summary(); s != "" {
			t.Fatalf("a chart before any approval: %q", s)
		}
		approve := func(id int64) {
			t.Helper()
			if err := d.ApplyContentAction(ctx, ann.AccountID, id, db.ActionApprove, ann.Email, app.Clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		approve(a.ID)
		one := summary()
		if !regexp.MustCompile(`Approved 1\b`).MatchString(one) {
			t.Fatalf("after one approval: %q", one)
		}
		if again := summary(); again != one {
			t.Errorf("nothing moved, yet the chart changed: %q, then %q", one, again)
		}
		approve(b.ID)
		if s := summary(); !regexp.MustCompile(`Approved 2\b`).MatchString(s) {
			t.Fatalf("after two approvals: %q", s)
		}
		if _, err := dbtest.Exec(ctx, d, `DELETE FROM content WHERE id = ?`, b.ID); err != nil {
			t.Fatal(err)
		}
		if s := summary(); s != one {
			t.Errorf("after the second article was deleted: %q, want %q", s, one)
		}
	})
}
