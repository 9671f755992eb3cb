package handlers_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
	"autopress/jobs/publishing/targets/wpfake"
)

// TestPublishingPageInBrowser checks what only a browser shows: fields
// hidden by the chosen mode and target (CSS :has, no script), and the slot
// preview that htmx refreshes as the form changes, all under the page's
// Content-Security-Policy.
func TestPublishingPageInBrowser(t *testing.T) {
	ctx := browserTab(t)
	d := dbtest.New(t, db.SQLite)
	app := handlertest.New(t, d)
	ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
	site := app.NewSite(t, ann, "Coffee")

	run := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(c, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// displayed polls until the element's display is (or is not) "none".
	displayed := func(sel string, shown bool) chromedp.Action[chromedp.Void] {
		op := "!=="
		if !shown {
			op = "==="
		}
		return chromedp.Poll[chromedp.Void](`getComputedStyle(document.querySelector(`+strconv.Quote(sel)+`)).display `+op+` "none"`,
			chromedp.WithPollingTimeout(5*time.Second))
	}
	// slot polls until the i-th previewed slot reads want.
	slot := func(i int, want string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](`(document.querySelectorAll('[data-testid="preview-slot"]')[`+strconv.Itoa(i)+`] || {}).textContent === `+strconv.Quote(want),
			chromedp.WithPollingTimeout(5*time.Second))
	}

	// typeInto replaces a field's text and lets the page know, as typing does.
	typeInto := func(sel, text string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Focus(chromedp.CSS(sel)),
			chromedp.Evaluate[chromedp.Void](`document.execCommand("selectAll")`),
			chromedp.SendKeys(chromedp.CSS(sel), text),
		)
	}

	run("log in",
		chromedp.Navigate(app.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), ann.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), handlertest.Password),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="logout"]`)),
	)
	run("open the publishing page",
		chromedp.Navigate(app.URL+"/sites/"+strconv.FormatInt(site.ID, 10)+"/publishing"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="slot-preview"]`)),
		chromedp.Evaluate[chromedp.Void](`window.cspViolations = []; document.addEventListener("securitypolicyviolation", e => cspViolations.push(e.violatedDirective))`),
		displayed(".for-time-slots", true), displayed(".for-stagger", false), displayed(".for-days", true),
		displayed(".for-local", true), displayed(".for-webhook", false), displayed(".for-wordpress", false),
		slot(0, "Mon 2026-03-02 09:00 CET"), slot(1, "Mon 2026-03-02 14:00 CET"),
	)
	run("switch to stagger",
		chromedp.Click(chromedp.CSS(`[data-testid="mode-stagger"]`)),
		displayed(".for-stagger", true), displayed(".for-time-slots", false),
		slot(1, "Mon 2026-03-02 09:15 CET"),
	)
	run("type an interval",
		typeInto(`input[name="stagger_interval_minutes"]`, "45"),
		slot(1, "Mon 2026-03-02 09:45 CET"),
	)
	run("an invalid interval shows its error",
		typeInto(`input[name="stagger_interval_minutes"]`, "0"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="preview-error-stagger_interval_minutes"]`)),
	)
	run("immediate hides the days",
		chromedp.Click(chromedp.CSS(`[data-testid="mode-immediate"]`)),
		displayed(".for-days", false), displayed(".for-stagger", false),
	)
	run("WordPress shows its fields",
		chromedp.Click(chromedp.CSS(`[data-testid="target-wordpress"]`)),
		displayed(".for-wordpress", true), displayed(".for-local", false), displayed(".for-webhook", false),
		displayed(".for-remote", true),
	)
	// Test connection tries the values typed in the form, before saving,
	// and answers in place (htmx), without leaving the page.
	wp := wpfake.New()
	defer wp.Close()
	run("test the unsaved WordPress settings",
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
		chromedp.SendKeys(chromedp.CSS(`input[name="wp_url"]`), wp.URL),
		chromedp.SendKeys(chromedp.CSS(`input[name="wp_username"]`), wpfake.DefaultUsername),
		chromedp.SendKeys(chromedp.CSS(`input[name="wp_app_password"]`), wpfake.DefaultPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="test-connection"]`)),
		chromedp.Poll[chromedp.Void](`(document.querySelector('[data-testid="test-result"]') || {}).textContent?.startsWith("Connected: WordPress passed every step") && window.notReloaded === true`,
			chromedp.WithPollingTimeout(10*time.Second)),
	)
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	violations, err := chromedp.Run(c, chromedp.Evaluate[[]string](`cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) > 0 {
		t.Errorf("Content-Security-Policy violations: %v", violations)
	}
	if p, _ := d.GetPublishingSettings(context.Background(), site.ID); p.SchedulingMode != "time_slots" || p.TargetKind != "local" {
		t.Error("editing the form saved it")
	}
}
