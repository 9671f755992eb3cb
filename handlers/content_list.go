package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/publishing"
	"autopress/jobs/publishing/targets"
	"autopress/views"
)

// contentPerPage is the content list's page size.
const contentPerPage = 25

// datetimeLocal is the value format of <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

// contentList shows a site's articles: status tabs with counts and a paged
// list (?status=&page=) with each article's actions. htmx tab and page
// links get the list alone.
func (h *app) contentList(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	if status != "" && !slices.Contains(contentStatuses, status) {
		return badRequest("status", "Unknown content status "+strconv.Quote(status)+".")
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	k, err := h.contentPage(c.Request().Context(), s, status, page)
	if err != nil {
		return err
	}
	p := h.page(c, "Articles · "+s.Name, "sites")
	return h.renderPage(c, http.StatusOK, views.Content(p, k), views.ContentList(p.CSRF, k))
}

// contentPage gathers the list's data; page numbers out of range are
// brought back into it.
func (h *app) contentPage(ctx context.Context, s db.Site, status string, page int) (views.ContentPage, error) {
	pc, err := h.DB.Pipeline(ctx, s.ID)
	if err != nil {
		return views.ContentPage{}, err
	}
	loc := s.Location()
	k := views.ContentPage{Site: siteInfo(s), Location: loc, Status: status, Now: h.Clock.Now()}
	all := 0
	for _, st := range contentStatuses {
		all += pc.Content[st]
	}
	k.Tabs = append(k.Tabs, views.StatusTab{Label: "all", Count: all})
	for _, st := range contentStatuses {
		k.Tabs = append(k.Tabs, views.StatusTab{Status: st, Label: st, Count: pc.Content[st]})
	}
	k.Total = all
	if status != "" {
		k.Total = pc.Content[status]
	}
	k.Pages = max(1, (k.Total+contentPerPage-1)/contentPerPage)
	k.Page = min(max(page, 1), k.Pages)
	rows, _, err := h.DB.ListContent(ctx, s.ID, status, contentPerPage, (k.Page-1)*contentPerPage)
	if err != nil {
		return views.ContentPage{}, err
	}
	settings, err := h.DB.GetPublishingSettings(ctx, s.ID)
	if err != nil {
		return views.ContentPage{}, err
	}
	now := h.Clock.Now()
	for _, r := range rows {
		row := contentRow(r, loc, now)
		row.Publishing = publishingState(r, loc, now, settings.TargetKind)
		k.Rows = append(k.Rows, row)
	}
	return k, nil
}

// publishingState describes an article the publisher holds: since when and
// which attempt, or, after an interruption (a crash, a lost claim), that
// the target is checked before the article is sent again — what that check
// is depends on the target.
func publishingState(c db.Content, loc *time.Location, now time.Time, targetKind string) string {
	if c.Status != db.ContentPublishing {
		return ""
	}
	check := map[string]string{
		targets.KindWordPress: "checking whether WordPress already has it",
		targets.KindWebhook:   "sending it again with the same Idempotency-Key, so the receiver can drop a duplicate",
	}[targetKind]
	if check == "" {
		check = "checking whether its page was already written"
	}
	attempt := "attempt " + strconv.Itoa(c.PublishAttempts)
	switch {
	case c.ClaimExpiresAt != nil && !c.ClaimExpiresAt.After(now):
		return fmt.Sprintf("Interrupted during %s (the server stopped or lost its claim); the next try starts by %s.", attempt, check)
	case c.OutcomeUnknown:
		return fmt.Sprintf("An earlier attempt was interrupted: %s (%s, since %s).", check, attempt, views.FormatTimePtr(c.ClaimedAt, loc))
	case c.ClaimedAt != nil:
		return fmt.Sprintf("Publishing since %s, %s.", views.FormatTime(*c.ClaimedAt, loc), attempt)
	}
	return "Publishing, " + attempt + "."
}

// contentRow is an article as the lists show it, with the actions its
// status allows.
func contentRow(c db.Content, loc *time.Location, now time.Time) views.ContentRow {
	r := views.ContentRow{ID: c.ID, Title: c.Title, Status: c.Status, ApprovedAt: c.ApprovedAt, ScheduledAt: c.ScheduledAt,
		PublishedAt: c.PublishedAt, LastError: c.LastError, RemoteURL: c.RemoteURL, Late: publishing.IsLate(c, now),
		ScheduleMin: now.In(loc).Format(datetimeLocal)}
	if c.Status == db.ContentApproved {
		r.Reason = c.UnscheduledReason
	}
	if c.ScheduledAt != nil && c.Status == db.ContentScheduled {
		r.ScheduleValue = c.ScheduledAt.In(loc).Format(datetimeLocal)
	}
	for _, a := range publishing.ActionsFor(c.Status) {
		r.Actions = append(r.Actions, string(a))
	}
	return r
}
