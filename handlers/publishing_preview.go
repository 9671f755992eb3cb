package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/publishing"
	"autopress/views"
)

// previewSlots is how many upcoming slots the settings page shows.
const previewSlots = 10

// publishingPreview answers the settings form's live preview: the next
// slots of the submitted, unsaved schedule (given the slots already taken),
// or its field errors. It always answers 200 so htmx swaps it in.
func (h *app) publishingPreview(c echo.Context) error {
	s, saved, err := h.sitePublishing(c)
	if err != nil {
		return err
	}
	f, err := parsePublishingForm(c)
	if err != nil {
		return err
	}
	p, parseErrs := f.settings(saved)
	taken, err := h.DB.QueuedSlots(c.Request().Context(), s.ID)
	if err != nil {
		return err
	}
	v, err := slotPreview(s, p, validatePublishing(p, parseErrs), taken, h.Clock.Now())
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.SlotPreviewPartial(v))
}

// slotPreview computes the preview of settings p whose errors are errs
// (only the preview's fields are shown): the next slots when the schedule
// is valid, with the capacity beside the informational targets.
func slotPreview(s db.Site, p db.PublishingSettings, errs map[string]string, taken []time.Time, now time.Time) (views.SlotPreview, error) {
	loc := s.Location()
	v := views.SlotPreview{Timezone: s.Timezone, Location: loc}
	for _, f := range previewFields {
		if msg, ok := errs[f]; ok {
			v.Errors = append(v.Errors, views.FieldMessage{Field: f, Label: publishingLabels[f], Message: msg})
		}
	}
	for _, f := range scheduleFields {
		if _, bad := errs[f]; bad {
			return v, nil
		}
	}
	slots, err := publishing.NextSlots(p, loc, now, taken, previewSlots)
	if err != nil {
		return v, err
	}
	v.Slots = slots
	if capa, err := publishing.ScheduleCapacity(publishing.Plan(p)); err == nil {
		v.Capacity = &views.Capacity{Unlimited: capa.Unlimited, PerDay: capa.PerDay, Days: capa.Days, PerWeek: capa.PerWeek, PerMonth: capa.PerMonth}
	}
	_, d := errs["daily_target"]
	_, w := errs["weekly_target"]
	_, m := errs["monthly_target"]
	if !d && !w && !m {
		v.Targets = &views.Targets{Daily: p.DailyTarget, Weekly: p.WeeklyTarget, Monthly: p.MonthlyTarget}
	}
	return v, nil
}
