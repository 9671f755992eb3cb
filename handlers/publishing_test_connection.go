package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/db/secretbox"
	"autopress/jobs/publishing"
	"autopress/jobs/publishing/targets"
	"autopress/views"
)

// testConnectionTimeout bounds a connection test, so the button answers
// even when the target hangs.
const testConnectionTimeout = 20 * time.Second

// publishingTest tests a target and shows the outcome: the partial for
// htmx, else the whole page. A request with the settings form tests the
// values in the form, before they are saved (a blank secret means the
// stored one); a request without it tests the saved settings. Nothing is
// stored either way.
func (h *app) publishingTest(c echo.Context) error {
	s, saved, err := h.sitePublishing(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	draft, form := saved, formFromSettings(saved)
	if c.FormValue("target_kind") != "" {
		if form, err = parsePublishingForm(c); err != nil {
			return err
		}
		draft, _ = form.settings(saved)
		sec := form.secrets()
		sec.Generated, sec.WebhookSecret = false, form.WebhookSecret
		if err := h.sealSecrets(&draft, sec, map[string]string{}); err != nil {
			return err
		}
	}
	res := h.testConnection(ctx, draft)
	if wantsPartial(c) {
		return h.render(c, http.StatusOK, views.TestResultPartial(res))
	}
	k, err := h.publishingData(ctx, s, saved, draft, form.view(saved, nil), nil)
	if err != nil {
		return err
	}
	k.Test = &res
	return h.render(c, http.StatusOK, views.Publishing(h.page(c, "Publishing · "+s.Name, "sites"), k))
}

// testConnection runs the target's own check; its errors are written for
// the person configuring the site.
func (h *app) testConnection(ctx context.Context, p db.PublishingSettings) views.TestResult {
	t, err := h.Targets.For(p)
	switch {
	case errors.Is(err, secretbox.ErrOpen):
		return views.TestResult{Message: "The stored secret cannot be decrypted: APP_SECRET has changed since it was saved. Enter the secret again and save."}
	case errors.Is(err, publishing.ErrNoSecret):
		return views.TestResult{Message: "The server has no APP_SECRET, so it cannot use the stored secret."}
	case err != nil:
		h.Log.ErrorContext(ctx, "building the publishing target failed", "site_id", p.SiteID, "error", err)
		return views.TestResult{Message: "The target could not be set up; check the settings and save them again."}
	}
	ctx, cancel := context.WithTimeout(ctx, testConnectionTimeout)
	defer cancel()
	checks := t.Test(ctx)
	res := views.TestResult{OK: targets.Passed(checks)}
	for _, c := range checks {
		res.Steps = append(res.Steps, views.TestStep{Name: c.Name, Status: string(c.Status), Detail: c.Detail})
		if c.Status == targets.CheckFailed && res.Message == "" {
			res.Message = c.Name + " failed: " + c.Detail
			if len(checks) == 1 {
				res.Message = c.Detail
			}
		}
	}
	switch {
	case !res.OK && res.Message == "":
		res.Message = "The test found nothing to check."
	case res.OK && t.Kind() == targets.KindWordPress:
		res.Message = "Connected: WordPress passed every step publishing will take."
	case res.OK && t.Kind() == targets.KindWebhook:
		res.Message = "Connected: the webhook accepted a signed ping."
	case res.OK:
		res.Message = "The publishing directory is writable."
	}
	if len(res.Steps) == 1 {
		res.Steps = nil // one step says no more than the summary
	}
	return res
}
