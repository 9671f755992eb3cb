package handlers

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/publishing"
	"autopress/views"
)

// Sizes of the publishing page's lists.
const (
	timelineDays  = 7   // published articles shown back to this many days
	timelineLimit = 200 // articles in the queue view at most
	waitingLimit  = 20  // unscheduled and failed articles listed
)

// sitePublishing loads the account's site named in the path and its
// publishing settings.
func (h *app) sitePublishing(c echo.Context) (db.Site, db.PublishingSettings, error) {
	s, err := h.site(c)
	if err != nil {
		return s, db.PublishingSettings{}, err
	}
	p, err := h.DB.GetPublishingSettings(c.Request().Context(), s.ID)
	return s, p, err
}

// publishingPage shows a site's publishing settings with the queue, the
// next slots and what waits or failed.
func (h *app) publishingPage(c echo.Context) error {
	s, saved, err := h.sitePublishing(c)
	if err != nil {
		return err
	}
	f := formFromSettings(saved)
	k, err := h.publishingData(c.Request().Context(), s, saved, saved, f.view(saved, nil), nil)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.Publishing(h.page(c, "Publishing · "+s.Name, "sites"), k))
}

// publishingSave saves the settings form. Bad input comes back (422) with
// each field's error and the user's values (secrets excepted: they are
// never sent back). On success the queue is refilled at once, so it
// follows the new settings.
func (h *app) publishingSave(c echo.Context) error {
	s, saved, err := h.sitePublishing(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := parsePublishingForm(c)
	if err != nil {
		return err
	}
	p, parseErrs := f.settings(saved)
	sec := f.secrets()
	if err := h.sealSecrets(&p, sec, parseErrs); err != nil {
		return err
	}
	if errs := validatePublishing(p, parseErrs); errs != nil {
		k, err := h.publishingData(ctx, s, saved, p, f.view(saved, errs), errs)
		if err != nil {
			return err
		}
		return h.render(c, http.StatusUnprocessableEntity, views.Publishing(h.page(c, "Publishing · "+s.Name, "sites"), k))
	}
	if err := h.DB.SavePublishingSettings(ctx, p, h.Clock.Now()); err != nil {
		return err
	}
	h.fillQueue(ctx, s.ID)
	if sec.Generated {
		return h.publishingSecretOnce(c, s, p, sec.WebhookSecret)
	}
	h.flash(c, "Publishing settings saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/sites/%d/publishing", s.ID))
}

// publishingSecretOnce answers a save that generated a webhook secret with
// the page itself, showing the secret: like a new API token it is never
// kept in plain text, not even in the session, so there is no redirect to
// carry it across, and the page is marked not to be cached.
func (h *app) publishingSecretOnce(c echo.Context, s db.Site, p db.PublishingSettings, secret string) error {
	k, err := h.publishingData(c.Request().Context(), s, p, p, formFromSettings(p).view(p, nil), nil)
	if err != nil {
		return err
	}
	k.NewWebhookSecret = secret
	pg := h.page(c, "Publishing · "+s.Name, "sites")
	pg.Flash = views.Flash{Message: "Publishing settings saved with a new webhook secret."}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return h.render(c, http.StatusOK, views.Publishing(pg, k))
}

// publishingData gathers the page: the form (saved or as sent), the slot
// preview of draft (the settings being edited), the queue and the lists.
func (h *app) publishingData(ctx context.Context, s db.Site, saved, draft db.PublishingSettings, form views.PublishingForm, errs map[string]string) (views.PublishingPage, error) {
	now := h.Clock.Now()
	loc := s.Location()
	taken, err := h.DB.QueuedSlots(ctx, s.ID)
	if err != nil {
		return views.PublishingPage{}, err
	}
	k := views.PublishingPage{Site: siteInfo(s), Form: form,
		Queued: len(taken), QueueLimit: saved.MaxScheduledQueue}
	if k.Preview, err = slotPreview(s, draft, errs, taken, now); err != nil {
		return k, err
	}
	timeline, err := h.DB.ContentTimeline(ctx, s.ID, now.Add(-timelineDays*24*time.Hour), timelineLimit)
	if err != nil {
		return k, err
	}
	k.Timeline = timelineDaysOf(timeline, loc, now)
	waiting, total, err := h.DB.ListContent(ctx, s.ID, db.ContentApproved, waitingLimit, 0)
	if err != nil {
		return k, err
	}
	k.UnscheduledTotal = total
	for _, c := range waiting {
		k.Unscheduled = append(k.Unscheduled, contentRow(c, loc, now))
	}
	failed, total, err := h.DB.ListContent(ctx, s.ID, db.ContentFailed, waitingLimit, 0)
	if err != nil {
		return k, err
	}
	k.FailedTotal = total
	for _, c := range failed {
		k.Failed = append(k.Failed, contentRow(c, loc, now))
	}
	return k, nil
}

// timelineDaysOf groups the queue by day in the site's time zone.
func timelineDaysOf(items []db.TimelineEntry, loc *time.Location, now time.Time) []views.TimelineDay {
	var days []views.TimelineDay
	for _, c := range items {
		at := c.ScheduledAt.In(loc)
		date := at.Format("Monday 2 January 2006")
		if len(days) == 0 || days[len(days)-1].Date != date {
			days = append(days, views.TimelineDay{Date: date})
		}
		d := &days[len(days)-1]
		d.Items = append(d.Items, views.TimelineItem{ContentID: c.ID, Time: at.Format("15:04 MST"), Title: c.Title,
			Status: c.Status, Late: publishing.EntryIsLate(c, now), RemoteURL: c.RemoteURL})
	}
	return days
}

// fillQueue refills a site's queue after a person's change, so immediate
// mode and freed slots react at once. The change itself has succeeded, so
// a failure here is only logged: the filler job tries again within a minute.
func (h *app) fillQueue(ctx context.Context, siteID int64) {
	if h.Filler == nil {
		return
	}
	if _, err := h.Filler.FillSite(ctx, siteID); err != nil {
		h.Log.WarnContext(ctx, "filling the publishing queue failed", "site_id", siteID, "error", err)
	}
}
