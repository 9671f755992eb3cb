package handlers

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/publishing"
	"autopress/views"
)

// maxScheduleYears is how far ahead an article may be scheduled by hand.
const maxScheduleYears = 2

// scheduleContent puts an approved or scheduled article in the slot the
// person chose (a date and a time, or one datetime-local value "at") read
// in the site's time zone (with
// the planner's DST rules), which must be in the future and not another
// article's slot. Input problems come back as *actionRefused.
func (h *app) scheduleContent(c echo.Context, ct db.Content, s db.Site) error {
	loc := s.Location()
	raw := strings.TrimSpace(c.FormValue("at"))
	if date, clock := strings.TrimSpace(c.FormValue("date")), strings.TrimSpace(c.FormValue("time")); raw == "" && date != "" && clock != "" {
		// The page's form: a date picker and a 24-hour time field.
		raw = date + "T" + clock
	}
	if raw == "" {
		return &actionRefused{"Choose the date and time to publish “" + ct.Title + "”."}
	}
	at, ok := parseLocalMinute(raw, loc)
	if !ok {
		return &actionRefused{fmt.Sprintf("%q is not a date and time like 2026-03-05T14:30.", raw)}
	}
	now := h.Clock.Now()
	if at.After(now.AddDate(maxScheduleYears, 0, 0)) {
		return &actionRefused{fmt.Sprintf("%s is more than %d years ahead: choose a nearer time.", views.FormatTime(at, loc), maxScheduleYears)}
	}
	u := userOf(c)
	err := h.DB.ScheduleContentAt(c.Request().Context(), u.AccountID, ct.ID, at, now)
	switch {
	case errors.Is(err, db.ErrSlotInPast):
		return &actionRefused{fmt.Sprintf("%s has already passed: choose a time in the future.", views.FormatTime(at, loc))}
	case errors.Is(err, db.ErrSlotTaken):
		return &actionRefused{fmt.Sprintf("Another article is already scheduled at %s: choose another time.", views.FormatTime(at, loc))}
	}
	return err
}

// parseLocalMinute reads "2006-01-02T15:04" (seconds, if any, are dropped:
// slots are whole minutes) as a wall-clock time in loc.
func parseLocalMinute(s string, loc *time.Location) (time.Time, bool) {
	t, err := time.Parse(datetimeLocal, s)
	if err != nil {
		if t, err = time.Parse(datetimeLocal+":05", s); err != nil {
			return time.Time{}, false
		}
	}
	return publishing.WallClock(loc, t.Year(), t.Month(), t.Day(), t.Hour()*60+t.Minute()), true
}
