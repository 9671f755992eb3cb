package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/publishing"
	"autopress/views"
)

// Bounds of what one calendar page shows.
const (
	calendarItems     = 1000 // articles in one view
	calendarSlots     = 3000 // free slots in one view
	calendarSlotsDay  = 6    // free slots one day shows in the month view
	calendarWaiting   = 20   // approved articles without a slot listed
	calendarWeekDays  = 7
	calendarDateParam = "2006-01-02"
)

// calendarQuery is what a calendar page shows: the month or the week of a
// date, and the article being moved (0: none).
type calendarQuery struct {
	week bool
	date time.Time // midnight in the site's zone
	move int64
}

// url is the calendar's path for q.
func (q calendarQuery) url(siteID int64) string {
	v := url.Values{}
	if q.week {
		v.Set("view", "week")
	}
	v.Set("date", q.date.Format(calendarDateParam))
	if q.move > 0 {
		v.Set("move", strconv.FormatInt(q.move, 10))
	}
	return fmt.Sprintf("/sites/%d/calendar?%s", siteID, v.Encode())
}

func parseCalendarQuery(c echo.Context, loc *time.Location, now time.Time) calendarQuery {
	q := calendarQuery{week: c.QueryParam("view") == "week"}
	today := now.In(loc)
	q.date = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	if d, err := time.ParseInLocation(calendarDateParam, c.QueryParam("date"), loc); err == nil && d.Year() >= 2000 && d.Year() <= 9999 {
		q.date = d
	}
	q.move, _ = strconv.ParseInt(c.QueryParam("move"), 10, 64)
	return q
}

// days are the calendar's days: the week (Monday first) of the date, or
// the weeks that cover its month.
func (q calendarQuery) days() (first time.Time, n int) {
	monday := func(t time.Time) time.Time {
		back := (int(t.Weekday()) + 6) % 7
		return time.Date(t.Year(), t.Month(), t.Day()-back, 0, 0, 0, 0, t.Location())
	}
	if q.week {
		return monday(q.date), calendarWeekDays
	}
	start := monday(time.Date(q.date.Year(), q.date.Month(), 1, 0, 0, 0, 0, q.date.Location()))
	end := time.Date(q.date.Year(), q.date.Month()+1, 1, 0, 0, 0, 0, q.date.Location())
	n = 0
	for d := start; d.Before(end); d = d.AddDate(0, 0, calendarWeekDays) {
		n += calendarWeekDays
	}
	return start, n
}

// calendar is a site's publishing calendar (GET /sites/:site/calendar): a
// month or a week of scheduled and published articles in the site's time
// zone, with the free slots of the slot planner. With ?move=ID the free
// slots become buttons that move that article there (the article's
// schedule action, back to this page).
func (h *app) calendar(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, err := h.calendarView(ctx, s, parseCalendarQuery(c, s.Location(), h.Clock.Now()), csrfToken(c))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.Calendar(h.page(c, "Calendar · "+s.Name, "sites"), v))
}

func (h *app) calendarView(ctx context.Context, s db.Site, q calendarQuery, csrf string) (views.CalendarPage, error) {
	loc, now := s.Location(), h.Clock.Now()
	settings, err := h.DB.GetPublishingSettings(ctx, s.ID)
	if err != nil {
		return views.CalendarPage{}, err
	}
	first, n := q.days()
	end := first.AddDate(0, 0, n)
	v := views.CalendarPage{Site: siteInfo(s), CSRF: csrf, Week: q.week, Timezone: s.Timezone, Back: q.url(s.ID)}
	if q.week {
		v.Title = "Week of " + first.Format("Monday 2 January 2006")
	} else {
		v.Title = q.date.Format("January 2006")
	}
	nav := q // the neighbours keep the view and the article being moved
	step := func(sign int) calendarQuery {
		o := nav
		if q.week {
			o.date = q.date.AddDate(0, 0, sign*calendarWeekDays)
		} else {
			o.date = time.Date(q.date.Year(), q.date.Month()+time.Month(sign), 1, 0, 0, 0, 0, loc)
		}
		return o
	}
	v.Prev, v.Next = step(-1).url(s.ID), step(1).url(s.ID)
	today := nav
	today.date = time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	v.Today = today.url(s.ID)
	month, week := nav, nav
	month.week, week.week = false, true
	v.MonthURL, v.WeekURL = month.url(s.ID), week.url(s.ID)
	nomove := q
	nomove.move = 0
	v.CancelMove = nomove.url(s.ID)

	if q.move > 0 {
		ct, err := h.DB.GetContent(ctx, s.AccountID, q.move)
		switch {
		case errors.Is(err, db.ErrNotFound):
		case err != nil:
			return v, err
		case ct.SiteID == s.ID && (ct.Status == db.ContentScheduled || ct.Status == db.ContentApproved):
			item := calendarItem(ct, loc, now, s.ID, nomove)
			v.Moving = &item
		}
	}

	items, err := h.DB.CalendarContent(ctx, s.ID, first, end, calendarItems)
	if err != nil {
		return v, err
	}
	taken, err := h.DB.QueuedSlots(ctx, s.ID)
	if err != nil {
		return v, err
	}
	free, err := publishing.FreeSlots(settings, loc, now, first, end, taken, calendarSlots)
	switch {
	case errors.Is(err, publishing.ErrInvalidSettings):
		v.SlotsNote = "The publishing settings give no slots (no publishing day is chosen, or a time is wrong): fix them on the Publishing page."
	case err != nil:
		return v, err
	case publishing.Mode(settings.SchedulingMode) == publishing.ModeImmediate:
		v.Immediate = true
		v.SlotsNote = "Immediate publishing: approved articles go out within a minute, so there are no slots to choose. Switch to time slots or a stagger window on the Publishing page to plan ahead."
	}

	byDay := map[string]*views.CalendarDay{}
	todayKey := now.In(loc).Format(calendarDateParam)
	for i := 0; i < n; i++ {
		d := first.AddDate(0, 0, i)
		key := d.Format(calendarDateParam)
		wk := nav
		wk.week, wk.date = true, d
		v.Days = append(v.Days, views.CalendarDay{Date: key, Weekday: d.Format("Mon"), Day: d.Day(), Month: d.Format("Jan"),
			Label: d.Format("Monday 2 January"), InMonth: q.week || d.Month() == q.date.Month(), Today: key == todayKey,
			Past: key < todayKey, WeekURL: wk.url(s.ID)})
	}
	for i := range v.Days {
		byDay[v.Days[i].Date] = &v.Days[i]
	}
	for _, ct := range items {
		it := calendarItem(ct, loc, now, s.ID, nomove)
		if day := byDay[it.Date]; day != nil {
			day.Items = append(day.Items, it)
		}
	}
	for _, f := range free {
		local := f.In(loc)
		day := byDay[local.Format(calendarDateParam)]
		if day == nil {
			continue
		}
		day.FreeCount++
		v.FreeInView++
		if q.week || len(day.Free) < calendarSlotsDay {
			day.Free = append(day.Free, views.CalendarSlot{Date: day.Date, Time: local.Format("15:04"), Label: local.Format("Monday 2 January 15:04")})
		}
	}

	waiting, total, err := h.DB.ListContent(ctx, s.ID, db.ContentApproved, calendarWaiting, 0)
	if err != nil {
		return v, err
	}
	v.WaitingTotal = total
	for _, ct := range waiting {
		v.Waiting = append(v.Waiting, calendarItem(ct, loc, now, s.ID, nomove))
	}
	return v, nil
}

// calendarItem is an article as the calendar shows it: at its slot, or
// when it was published; with a link that moves it (from q's view).
func calendarItem(ct db.Content, loc *time.Location, now time.Time, siteID int64, q calendarQuery) views.CalendarItem {
	it := views.CalendarItem{ID: ct.ID, Title: ct.Title, Status: ct.Status, Late: publishing.IsLate(ct, now)}
	at := ct.ScheduledAt
	if ct.Status == db.ContentPublished && ct.PublishedAt != nil {
		at = ct.PublishedAt
	}
	if at != nil {
		local := at.In(loc)
		it.Date, it.Time, it.When = local.Format(calendarDateParam), local.Format("15:04"), local.Format("Monday 2 January 15:04")
	}
	switch ct.Status {
	case db.ContentScheduled:
		it.StatusText = "scheduled"
	case db.ContentPublishing:
		it.StatusText = "publishing now"
	case db.ContentPublished:
		it.StatusText = "published"
	case db.ContentApproved:
		it.StatusText = "waiting for a slot"
	}
	if ct.Status == db.ContentScheduled || ct.Status == db.ContentApproved {
		m := q
		m.move = ct.ID
		it.MoveURL = m.url(siteID)
	}
	return it
}
