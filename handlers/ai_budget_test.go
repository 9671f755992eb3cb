package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

var budgetOps = []string{"clustering", "idea_generation", "content_generation", "image_prompt_extraction", "image_generation"}

// budgetForm is the AI budget form with a mode and the five shares in
// pipeline order.
func budgetForm(mode string, shares ...string) url.Values {
	v := url.Values{"mode": {mode}}
	for i, op := range budgetOps {
		if i < len(shares) {
			v.Set("shares."+op, shares[i])
		}
	}
	return v
}

// postHTMX posts a form as htmx does (HX-Request, CSRF token).
func postHTMX(t *testing.T, c *handlertest.Client, path string, form url.Values) *handlertest.Response {
	t.Helper()
	form.Set("_csrf", c.CSRFToken(t))
	req := c.NewRequest(t, http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	return c.Do(t, req)
}

// startRunBudgets starts a run of the site, returns its base and budgets
// by operation, and cancels it so the next run can start.
func startRunBudgets(t *testing.T, app *handlertest.App, u db.User, site db.Site) (int64, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	r, err := app.Deps.Runs.Start(ctx, site, "test")
	if err != nil {
		t.Fatalf("start run: %v", err)
	}
	spend, err := app.DB.RunSpend(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, s := range spend {
		out[s.Operation] = s.Budget
	}
	if _, err := app.Deps.Runs.Cancel(ctx, u.AccountID, r.ID, "test"); err != nil {
		t.Fatal(err)
	}
	return r.BudgetBase, out
}

func setCreditCap(t *testing.T, d *db.DB, site db.Site, cap int64) {
	t.Helper()
	ctx := context.Background()
	cfg, err := d.GetAutomationConfig(ctx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxCreditsPerRun = cap
	if err := d.SaveAutomationConfig(ctx, cfg, handlertest.Start); err != nil {
		t.Fatal(err)
	}
}

func TestAIBudgetPageShowsTheSplit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)

		page := c.Get(t, fmt.Sprintf("/sites/%d/ai-budget", site.ID))
		if page.Status != http.StatusOK || page.FormValue(t, "shares.content_generation") != "40" || !page.Has("shares-unused") || page.Has("budget-sum") {
			t.Fatalf("AI budget page: %d\n%s", page.Status, page.Body)
		}
		if !strings.Contains(page.Body, `value="global" checked`) {
			t.Error("global mode is not checked for a new site")
		}
		// Outside custom mode the shares cannot be edited.
		if _, disabled := page.Attr("custom-shares", "disabled"); !disabled {
			t.Error("the custom shares can be edited in global mode")
		}
		// The live preview is wired to the form; sliders are bound to numbers
		// by static/app.js, never inline script.
		for _, want := range []string{
			fmt.Sprintf(`hx-post="/sites/%d/ai-budget/preview"`, site.ID),
			`hx-trigger="input changed delay:150ms from:closest form"`, `hx-target="#budget-preview"`,
			`type="range" id="range-clustering" min="0" max="100" step="0.01"`, `data-mirror="share-clustering"`,
		} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		if strings.Contains(page.Body, "<script>") || strings.Contains(page.Body, "oninput") {
			t.Error("inline script on the page")
		}
		if got := page.TestID(t, "split-title"); !strings.Contains(got, "global default") {
			t.Errorf("split title %q", got)
		}
		if got := page.TestIDs("pie-slice"); len(got) != 5 || got[2] != "Content generation: 40%" {
			t.Errorf("pie slices %q", got)
		}
		if page.TestID(t, "budget-base") != "10,000" || page.TestIDs("next-run-budget")[2] != "4,000" {
			t.Errorf("next run: base %s budgets %v", page.TestID(t, "budget-base"), page.TestIDs("next-run-budget"))
		}
		if !page.Has("runs-empty") {
			t.Error("no empty state for the runs")
		}
	})
}

func TestAIBudgetSaveValidates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		path := fmt.Sprintf("/sites/%d/ai-budget", site.ID)
		stored := func() db.AIBudget {
			t.Helper()
			b, err := d.GetAIBudget(ctx, site.ID)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}

		for _, tc := range []struct {
			name   string
			form   url.Values
			field  string
			want   string
			keep   string // the value shares.content_generation must keep
			noSave bool
		}{
			{"99.99", budgetForm("custom", "15", "10", "39.99", "5", "30"), "shares", "The shares add up to 99.99%; they must add up to exactly 100%", "39.99", true},
			{"100.01", budgetForm("custom", "15", "10", "40.01", "5", "30"), "shares", "The shares add up to 100.01%; they must add up to exactly 100%", "40.01", true},
			{"three decimals", budgetForm("custom", "15.255", "10", "40", "5", "29.745"), "shares.clustering", "at most two decimals", "40", true},
			{"not a number", budgetForm("custom", "15", "10", "lots", "5", "30"), "shares.content_generation", "not a percentage", "lots", true},
			{"over 100", budgetForm("custom", "0", "0", "101", "0", "0"), "shares.content_generation", "more than 100%", "101", true},
			{"empty", budgetForm("custom", "15", "", "40", "5", "30"), "shares.idea_generation", "Enter a percentage", "40", true},
			{"bad mode", budgetForm("most", "15", "10", "40", "5", "30"), "mode", "global, custom or off", "40", true},
		} {
			res := c.PostForm(t, path, tc.form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d, want 422\n%s", tc.name, res.Status, res.Body)
			}
			if got := res.TestID(t, "error-"+tc.field); !strings.Contains(got, tc.want) {
				t.Errorf("%s: error %q, want %q", tc.name, got, tc.want)
			}
			if got := res.FormValue(t, "shares.content_generation"); got != tc.keep {
				t.Errorf("%s: the input was not kept: %q", tc.name, got)
			}
			if b := stored(); b.Mode != "global" || b.ContentGenerationBP != 4000 {
				t.Fatalf("%s: a refused form changed the budget: %+v", tc.name, b)
			}
		}
		// The refused page's preview shows the wrong sum too.
		res := c.PostForm(t, path, budgetForm("custom", "15", "10", "39.99", "5", "30"))
		if got := res.TestID(t, "budget-sum"); got != "Sum: 99.99% — must be exactly 100%" {
			t.Errorf("sum on the refused page: %q", got)
		}

		// Exactly 100 (with decimals) is accepted.
		res = c.PostForm(t, path, budgetForm("custom", "12.34", "10", "40", "7.66", "30"))
		if res.Status != http.StatusSeeOther || res.Location() != path {
			t.Fatalf("good split: %d %s\n%s", res.Status, res.Location(), res.Body)
		}
		page := c.Follow(t, res)
		if !strings.Contains(page.TestID(t, "flash"), "own split") || page.FormValue(t, "shares.clustering") != "12.34" {
			t.Fatalf("after saving: flash %q\n%s", page.TestID(t, "flash"), page.Body)
		}
		if b := stored(); b.Mode != "custom" || b.ClusteringBP != 1234 || b.ImagePromptExtractionBP != 766 {
			t.Fatalf("stored %+v", b)
		}

		// Global and off keep the stored custom split, whatever was typed.
		for _, mode := range []string{"global", "off"} {
			res := c.PostForm(t, path, budgetForm(mode, "junk", "1", "1", "1", "1"))
			if res.Status != http.StatusSeeOther {
				t.Fatalf("%s with junk shares: %d\n%s", mode, res.Status, res.Body)
			}
			if b := stored(); b.Mode != mode || b.ClusteringBP != 1234 || b.ContentGenerationBP != 4000 {
				t.Fatalf("%s: stored %+v", mode, b)
			}
		}
	})
}

// The split in force reaches the run: a run's budget of an operation is
// floor(base × share / 10000) with the global defaults in global mode, the
// site's own shares in custom mode, and none when off.
func TestAIBudgetAppliesToRuns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		root := app.NewUser(t, "root@example.com", handlertest.Password, true)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		other := app.NewSite(t, ann, "Tea")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)

		// No cap: the base is the balance when the run starts.
		base, got := startRunBudgets(t, app, ann, site)
		if base != db.SignupGrant || got["content_generation"] != 4000 || got["clustering"] != 1500 {
			t.Fatalf("global, no cap: base %d budgets %v", base, got)
		}

		// A cap of 999: floor(999 × 15%) = 149, floor(999 × 40%) = 399.
		setCreditCap(t, d, site, 999)
		setCreditCap(t, d, other, 999)
		base, got = startRunBudgets(t, app, ann, site)
		want := map[string]int64{"clustering": 149, "idea_generation": 99, "content_generation": 399, "image_prompt_extraction": 49, "image_generation": 299}
		if base != 999 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("global defaults: base %d budgets %v, want %v", base, got, want)
		}

		// The site's own split overrides them.
		if res := c.PostForm(t, fmt.Sprintf("/sites/%d/ai-budget", site.ID), budgetForm("custom", "12.34", "10", "40", "7.66", "30")); res.Status != http.StatusSeeOther {
			t.Fatalf("save custom: %d", res.Status)
		}
		_, got = startRunBudgets(t, app, ann, site)
		// floor(999 × 0.1234) = 123, floor(999 × 0.0766) = 76.
		want = map[string]int64{"clustering": 123, "idea_generation": 99, "content_generation": 399, "image_prompt_extraction": 76, "image_generation": 299}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("custom: budgets %v, want %v", got, want)
		}

		// The admin changes the defaults: a site in global mode follows,
		// the custom site does not.
		ca := app.Client(t)
		ca.Login(t, root.Email, handlertest.Password)
		if res := ca.PostForm(t, "/admin/credit-costs", costsForm(nil, map[string]string{"clustering": "20", "content_generation": "35"})); res.Status != http.StatusSeeOther {
			t.Fatalf("save costs: %d\n%s", res.Status, res.Body)
		}
		_, got = startRunBudgets(t, app, ann, other)
		if got["clustering"] != 199 || got["content_generation"] != 349 {
			t.Fatalf("global site after the admin's change: %v", got)
		}
		_, got = startRunBudgets(t, app, ann, site)
		if got["clustering"] != 123 {
			t.Fatalf("custom site after the admin's change: %v", got)
		}

		// Off: no per-operation budget.
		if res := c.PostForm(t, fmt.Sprintf("/sites/%d/ai-budget", site.ID), budgetForm("off")); res.Status != http.StatusSeeOther {
			t.Fatalf("save off: %d", res.Status)
		}
		_, got = startRunBudgets(t, app, ann, site)
		for _, op := range budgetOps {
			if got[op] != -1 {
				t.Fatalf("off: budgets %v, want all unlimited", got)
			}
		}

		// The page lists the last five runs with spent / budget per operation.
		page := c.Get(t, fmt.Sprintf("/sites/%d/ai-budget", site.ID))
		rows := page.TestIDs("run-spend-row")
		if len(rows) != 5 {
			t.Fatalf("%d run rows, want the last 5\n%s", len(rows), page.Body)
		}
		cells := page.TestIDs("run-spend-cell")
		if cells[0] != "0 / unlimited" || cells[5] != "0 / 123" || !strings.Contains(page.Body, `href="/runs/`) {
			t.Errorf("spend cells %v", cells)
		}
		// The newest run's budgets against its spend, as bars with their
		// numbers: off mode gave it no budget of its own.
		if !strings.HasPrefix(page.TestID(t, "budget-chart"), "Last run (#") || page.TestID(t, "budget-chart-cell-0-0") != "no budget of its own" ||
			page.TestID(t, "budget-chart-cell-0-1") != "0" {
			t.Errorf("budget chart: %q, clustering %q / %q", page.TestID(t, "budget-chart"), page.TestID(t, "budget-chart-cell-0-0"), page.TestID(t, "budget-chart-cell-0-1"))
		}
		if lbl, _ := page.Attr("budget-chart-picture", "aria-label"); !strings.Contains(lbl, "Budget 0, Spent 0 credits") {
			t.Errorf("budget chart label %q", lbl)
		}
	})
}

func TestAIBudgetPreview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		path := fmt.Sprintf("/sites/%d/ai-budget/preview", site.ID)

		res := postHTMX(t, c, path, budgetForm("custom", "15", "10", "39.99", "5", "30"))
		if res.Status != http.StatusOK || res.TestID(t, "budget-sum") != "Sum: 99.99% — must be exactly 100%" {
			t.Fatalf("preview: %d\n%s", res.Status, res.Body)
		}
		if strings.Contains(res.Body, "<html") || strings.Contains(res.Body, "<nav") {
			t.Fatal("the preview is a partial, not a page")
		}
		if !strings.Contains(res.Body, "<svg") || !res.Has("pie-svg") {
			t.Fatalf("no SVG pie:\n%s", res.Body)
		}
		// The missing 0.01% shows as an unassigned slice.
		if got := res.TestIDs("pie-slice"); len(got) != 6 || got[2] != "Content generation: 39.99%" || got[5] != "Unassigned: 0.01%" {
			t.Errorf("slices %q", got)
		}

		// Over 100%: the budgets previewed exceed the base, and the page says so.
		res = postHTMX(t, c, path, budgetForm("custom", "50", "10", "40", "5", "30"))
		if got := res.TestID(t, "budget-over"); !strings.Contains(got, "more than 100%") {
			t.Errorf("a 135%% split is not explained: %q", got)
		}
		res = postHTMX(t, c, path, budgetForm("custom", "0", "0", "100", "0", "0"))
		if res.Has("budget-over") {
			t.Error("a 100% split is explained as over 100%")
		}
		if res.TestID(t, "budget-sum") != "Sum: 100% ✓" || len(res.TestIDs("pie-slice")) != 1 || !strings.Contains(res.Body, "<circle") {
			t.Errorf("all on one: %s", res.Body)
		}
		res = postHTMX(t, c, path, budgetForm("custom", "15.255", "10", "40", "5", "30"))
		if got := res.TestID(t, "budget-invalid"); !strings.Contains(got, "Clustering") {
			t.Errorf("invalid share: %q", got)
		}
		if got := res.TestID(t, "budget-sum"); got != "Sum: 85% — must be exactly 100%" {
			t.Errorf("sum without the invalid share: %q", got)
		}
		// Global mode draws the defaults whatever the shares say.
		res = postHTMX(t, c, path, budgetForm("global", "50", "50", "0", "0", "0"))
		if got := res.TestIDs("pie-slice"); len(got) != 5 || got[0] != "Clustering: 15%" {
			t.Errorf("global preview slices %q", got)
		}
		res = postHTMX(t, c, path, budgetForm("off", "15", "10", "40", "5", "30"))
		if !res.Has("budget-off") || res.Has("pie-svg") || res.TestIDs("next-run-budget")[0] != "unlimited" {
			t.Errorf("off preview:\n%s", res.Body)
		}
		// Nothing was stored.
		if b, _ := d.GetAIBudget(context.Background(), site.ID); b.Mode != "global" {
			t.Fatalf("the preview stored %+v", b)
		}
	})
}
