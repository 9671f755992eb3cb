package handlers_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// TestCalendarByKeyboard moves an article to another slot with the
// keyboard alone: Tab to its Move link, Enter, Tab to a free slot, Enter.
func TestCalendarByKeyboard(t *testing.T) {
	tab := browserTab(t)
	d := dbtest.New(t, db.SQLite)
	app := handlertest.New(t, d)
	ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
	site := app.NewSite(t, ann, "Coffee")
	berlin := site.Location()
	mon9 := time.Date(2026, 3, 2, 9, 0, 0, 0, berlin)
	article := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Title: "Cold brew at home", Status: db.ContentScheduled,
		ApprovedAt: ptrTime(app.Clock.Now()), ScheduledAt: &mon9, Now: app.Clock.Now()})

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\napp log:\n%s", what, err, app.Logs())
		}
	}
	// tabTo presses Tab until the focused element matches sel.
	tabTo := func(sel string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 20*time.Second)
		defer cancel()
		for i := 0; i < 150; i++ {
			on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.activeElement && document.activeElement.matches(`+strconv.Quote(sel)+`)`))
			if err != nil {
				t.Fatal(err)
			}
			if on {
				return
			}
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatalf("150 presses of Tab never reached %s", sel)
	}
	do("log in",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(app.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), ann.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), handlertest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="logout"]`)),
		chromedp.Navigate(fmt.Sprintf("%s/sites/%d/calendar?view=week&date=2026-03-02", app.URL, site.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="calendar"]`)),
	)
	tabTo(`[data-testid="calendar-move"]`)
	do("choose Move", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`[data-testid="calendar-moving"]`)))
	tabTo(`[data-testid="calendar-slot"][data-slot="2026-03-03T14:00"]`)
	do("choose Tuesday 14:00", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`[data-testid="flash"]`)))
	got, err := d.ContentByID(context.Background(), article.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 3, 14, 0, 0, 0, berlin); got.ScheduledAt == nil || !got.ScheduledAt.Equal(want) {
		t.Fatalf("the article is at %v, want %v", got.ScheduledAt, want)
	}
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	moving, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid="calendar-moving"]')`))
	if err != nil || moving {
		t.Errorf("still moving after the move (%v)", err)
	}
}
