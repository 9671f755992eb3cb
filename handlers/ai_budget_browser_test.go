package handlers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// TestAIBudgetLiveSumInBrowser drives the AI budget page in Chromium:
// typing a share or moving a slider updates the sum and the pie through
// htmx without reloading the page, and a slider and its number input
// follow each other (static/app.js; the CSP allows no inline script).
func TestAIBudgetLiveSumInBrowser(t *testing.T) {
	bctx := browserTab(t)
	d := dbtest.New(t, db.SQLite)
	app := handlertest.New(t, d)
	ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
	site := app.NewSite(t, ann, "Coffee")

	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	defer cancel()

	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	// waitText waits until the element's text is want (htmx answers after
	// its 150 ms delay).
	waitText := func(sel, want string) {
		t.Helper()
		got := ""
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			var err error
			if got, err = chromedp.Run(ctx, chromedp.Text(sel)); err == nil && got == want {
				return
			}
		}
		t.Fatalf("%s: %q, want %q", sel, got, want)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}

	do(chromedp.Navigate(app.URL+"/login"),
		chromedp.SendKeys(`input[name=email]`, ann.Email),
		chromedp.SendKeys(`input[name=password]`, handlertest.Password),
		chromedp.Submit(`input[name=password]`),
		chromedp.WaitVisible(`[data-testid=logout]`),
		chromedp.Navigate(fmt.Sprintf("%s/sites/%d/ai-budget", app.URL, site.ID)),
		chromedp.WaitVisible(`[data-testid=shares-unused]`))
	// In global mode the shares are locked; choosing Custom unlocks them.
	if got := eval(`String(document.querySelector("[data-testid=custom-shares]").disabled)`); got != "true" {
		t.Errorf("custom shares in global mode: disabled=%s", got)
	}
	do(chromedp.Click(`[data-testid=mode-custom]`))
	waitText(`[data-testid=budget-sum]`, "Sum: 100% ✓")
	if got := eval(`String(document.querySelector("[data-testid=custom-shares]").disabled)`); got != "false" {
		t.Errorf("custom shares in custom mode: disabled=%s", got)
	}
	// A marker that a reload would wipe.
	eval(`window.noReload = "still here"; ""`)

	// Typing in a number: the sum and the pie follow, the slider too.
	do(chromedp.SetValue(`#share-content_generation`, ""),
		chromedp.SendKeys(`#share-content_generation`, "39.99"))
	waitText(`[data-testid=budget-sum]`, "Sum: 99.99% — must be exactly 100%")
	waitText(`[data-testid=split-title]`, "This site's split")
	if got := eval(`document.getElementById("range-content_generation").value`); got != "39.99" {
		t.Errorf("the slider did not follow the number: %q", got)
	}
	if got := eval(`document.querySelector("#budget-preview svg title").textContent`); got != "Clustering: 15%" {
		t.Errorf("pie's first slice %q", got)
	}

	// Moving a slider: the number follows and the sum updates.
	eval(`(function () { var r = document.getElementById("range-clustering"); r.value = "15.01";
		r.dispatchEvent(new Event("input", {bubbles: true})); return ""; })()`)
	waitText(`[data-testid=budget-sum]`, "Sum: 100% ✓")
	if got := eval(`document.getElementById("share-clustering").value`); got != "15.01" {
		t.Errorf("the number did not follow the slider: %q", got)
	}
	if got := eval(`String(window.noReload)`); got != "still here" {
		t.Fatal("the page reloaded")
	}

	// Saving stores the split.
	do(chromedp.Click(`[data-testid=budget-save]`), chromedp.WaitVisible(`[data-testid=flash]`))
	b, err := d.GetAIBudget(context.Background(), site.ID)
	if err != nil || b.Mode != "custom" || b.ClusteringBP != 1501 || b.ContentGenerationBP != 3999 {
		t.Fatalf("stored %+v %v", b, err)
	}
}
