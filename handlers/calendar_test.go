package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// TestCalendar: the month and the week show the queue and what was
// published on their days in the site's zone, with the planner's free
// slots; choosing Move and then a free slot moves the article there, and
// an approved article without a slot gets one the same way.
func TestCalendar(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d) // Sunday 1 March 2026, 13:00 in Berlin
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee") // Europe/Berlin
		berlin := site.Location()
		ps, _ := d.GetPublishingSettings(ctx, site.ID)
		ps.SchedulingMode, ps.PublishDays, ps.PublishTimeSlots, ps.AutoPublishEnabled = "time_slots", "mon,tue,wed,thu,fri", "09:00,14:00,18:00", false
		if err := d.SavePublishingSettings(ctx, ps, app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		mon9 := time.Date(2026, 3, 2, 9, 0, 0, 0, berlin)
		queued := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Title: "Cold brew at home", Status: db.ContentScheduled,
			ApprovedAt: ptrTime(app.Clock.Now()), ScheduledAt: &mon9, Now: app.Clock.Now()})
		published := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Title: "Moka pot basics", Status: db.ContentScheduled, Now: app.Clock.Now()})
		if _, err := dbtest.Exec(ctx, d, (`UPDATE content SET status = 'published', published_at = ? WHERE id = ?`),
			db.T(time.Date(2026, 2, 27, 18, 2, 0, 0, berlin)), published.ID); err != nil {
			t.Fatal(err)
		}
		waiting := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Title: "Latte art", Status: db.ContentApproved,
			ApprovedAt: ptrTime(app.Clock.Now()), Now: app.Clock.Now()})
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		base := fmt.Sprintf("/sites/%d/calendar", site.ID)

		month := c.Get(t, base)
		if month.Status != http.StatusOK || month.TestID(t, "calendar-title") != "March 2026" || month.TestID(t, "sitenav-calendar") != "Calendar" {
			t.Fatalf("calendar: %d %q", month.Status, month.TestID(t, "calendar-title"))
		}
		if got := month.TestID(t, "day-2026-03-02"); !strings.Contains(got, "09:00 Cold brew at home") || !strings.Contains(got, "2 free slots") {
			t.Errorf("Monday 2 March: %q", got)
		}
		// The grid starts on the Monday before the 1st: Friday 27 February
		// shows what went out then.
		if got := month.TestID(t, "day-2026-02-27"); !strings.Contains(got, "18:02 Moka pot basics") || !strings.Contains(got, "published") {
			t.Errorf("Friday 27 February: %q", got)
		}
		if got := month.TestID(t, "day-2026-03-01"); strings.Contains(got, "free") {
			t.Errorf("a Sunday has no slots: %q", got)
		}
		if month.TestID(t, "calendar-waiting-count") != "1" || !strings.Contains(month.TestID(t, "calendar-waiting"), "Latte art") {
			t.Errorf("waiting: %q", month.TestID(t, "calendar-waiting"))
		}
		if next, _ := month.Attr("calendar-next", "href"); !strings.Contains(next, "date=2026-04-01") {
			t.Errorf("next month %q", next)
		}

		week := c.Get(t, base+"?view=week&date=2026-03-04")
		if week.TestID(t, "calendar-title") != "Week of Monday 2 March 2026" || len(week.TestIDs("calendar-item")) != 1 {
			t.Fatalf("week: %q, %d items", week.TestID(t, "calendar-title"), len(week.TestIDs("calendar-item")))
		}
		if got := week.TestID(t, "day-2026-03-02"); !strings.Contains(got, "2 free slots: 14:00, 18:00") {
			t.Errorf("the week's Monday: %q", got)
		}

		// Move: the free slots become buttons; the first one moves the
		// article to Monday 14:00 and comes back to the calendar.
		moveURL, _ := week.Attr("calendar-move", "href")
		moving := c.Get(t, moveURL)
		if !strings.Contains(moving.TestID(t, "calendar-moving"), "Moving Cold brew at home (now Monday 2 March 09:00)") {
			t.Fatalf("move mode: %q", moving.TestID(t, "calendar-moving"))
		}
		slots := moving.TestIDs("calendar-slot")
		if len(slots) != 14 || slots[0] != "14:00" {
			t.Fatalf("free slots of the week: %v", slots)
		}
		if label, _ := moving.Attr("calendar-slot", "aria-label"); label != "Move “Cold brew at home” to Monday 2 March 14:00" {
			t.Errorf("slot button label %q", label)
		}
		form := url.Values{"date": {moving.FormValue(t, "date")}, "time": {moving.FormValue(t, "time")}, "back": {moving.FormValue(t, "back")}}
		res := c.PostForm(t, fmt.Sprintf("/content/%d/schedule", queued.ID), form)
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), base+"?") || strings.Contains(res.Location(), "move=") {
			t.Fatalf("move: %d %q", res.Status, res.Location())
		}
		after := c.Follow(t, res)
		if got := after.TestID(t, "flash"); got != "Scheduled “Cold brew at home” for 2026-03-02 14:00 CET." {
			t.Errorf("flash %q", got)
		}
		if got, _ := d.ContentByID(ctx, queued.ID); got.ScheduledAt == nil || !got.ScheduledAt.Equal(mon9.Add(5*time.Hour)) {
			t.Errorf("moved to %v", got.ScheduledAt)
		}
		if got := after.TestID(t, "day-2026-03-02"); !strings.Contains(got, "14:00 Cold brew at home") || !strings.Contains(got, "2 free slots: 09:00, 18:00") {
			t.Errorf("after the move: %q", got)
		}

		// An approved article without a slot gets one the same way.
		choose, _ := after.Attr("calendar-schedule", "href")
		moving = c.Get(t, choose)
		res = c.PostForm(t, fmt.Sprintf("/content/%d/schedule", waiting.ID),
			url.Values{"date": {moving.FormValue(t, "date")}, "time": {moving.FormValue(t, "time")}, "back": {moving.FormValue(t, "back")}})
		if got, _ := d.ContentByID(ctx, waiting.ID); res.Status != http.StatusSeeOther || got.Status != db.ContentScheduled ||
			!got.ScheduledAt.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, berlin)) {
			t.Errorf("scheduling the waiting article: %d %s %v", res.Status, got.Status, got.ScheduledAt)
		}

		// Immediate publishing has no slots, and says so.
		ps.SchedulingMode = "immediate"
		if err := d.SavePublishingSettings(ctx, ps, app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		page := c.Get(t, base+"?view=week&date=2026-03-02")
		if page.Has("calendar-free") || !strings.HasPrefix(page.TestID(t, "calendar-slots-note"), "Immediate publishing") {
			t.Errorf("immediate: free %v, note %q", page.Has("calendar-free"), page.TestID(t, "calendar-slots-note"))
		}
	})
}

func ptrTime(t time.Time) *time.Time { return &t }
