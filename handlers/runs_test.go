package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// importDemo gives the site the demo keywords.
func importDemo(t *testing.T, app *handlertest.App, site db.Site) {
	t.Helper()
	var kws []db.NewKeyword
	for _, k := range db.DemoKeywords {
		kws = append(kws, db.NewKeyword{Text: k, Norm: k})
	}
	if _, err := app.DB.ImportKeywords(context.Background(), site.ID, kws, app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
}

// waitingSQL counts what waits in front of each stage with plain SQL, to
// compare with the dashboard.
var waitingSQL = [8]string{"",
	`SELECT COUNT(*) FROM keywords WHERE site_id = ? AND status = 'new'`,
	`SELECT COUNT(*) FROM clusters WHERE site_id = ? AND status = 'new'`,
	`SELECT COUNT(*) FROM ideas WHERE site_id = ? AND status = 'new'`,
	`SELECT COUNT(*) FROM tasks WHERE site_id = ? AND status = 'queued'`,
	`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'draft' AND prompts_extracted_at IS NULL`,
	`SELECT COUNT(*) FROM image_prompts WHERE site_id = ? AND status = 'pending'`,
	`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'review'`,
}

// checkWaiting compares the dashboard's counts with SQL and
// db.PendingCounts; it returns the SQL counts.
func checkWaiting(t *testing.T, d *db.DB, dash *handlertest.Response, siteID int64) [8]int {
	t.Helper()
	ctx := context.Background()
	pending, err := d.PendingCounts(ctx, siteID)
	if err != nil {
		t.Fatal(err)
	}
	var out [8]int
	for st := 1; st <= 7; st++ {
		if err := d.GetContext(ctx, &out[st], d.Rebind(waitingSQL[st]), siteID); err != nil {
			t.Fatal(err)
		}
		if got := dash.TestID(t, fmt.Sprintf("stage-%d-waiting", st)); got != fmt.Sprint(out[st]) || pending[st] != out[st] {
			t.Errorf("stage %d waiting: dashboard %s, PendingCounts %d, SQL %d", st, got, pending[st], out[st])
		}
	}
	return out
}

var runPathRE = regexp.MustCompile(`^/runs/(\d+)$`)

// runIDOf reads the run id from a redirect to a run page.
func runIDOf(t testing.TB, res *handlertest.Response) int64 {
	t.Helper()
	m := runPathRE.FindStringSubmatch(res.Location())
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("want a 303 to a run page, got %d %q\n%s", res.Status, res.Location(), res.Body)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

func TestRunFromTheDashboard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		importDemo(t, app, site)
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		dashPath := fmt.Sprintf("/sites/%d", site.ID)

		dash := c.Get(t, dashPath)
		if !dash.Has("start-run") || dash.Has("active-run") || !dash.Has("schedule-off") {
			t.Fatalf("idle dashboard: start %v, active %v\n%s", dash.Has("start-run"), dash.Has("active-run"), dash.Body)
		}
		if w := checkWaiting(t, d, dash, site.ID); w[1] != len(db.DemoKeywords) {
			t.Fatalf("waiting keywords %d, want %d", w[1], len(db.DemoKeywords))
		}

		// Start: 303 to the run page, which polls while the run is active.
		res := c.PostForm(t, dashPath+"/runs", nil)
		runID := runIDOf(t, res)
		page := c.Follow(t, res)
		if got := page.TestID(t, "flash"); got != fmt.Sprintf("Run #%d started.", runID) {
			t.Errorf("flash %q", got)
		}
		if page.TestID(t, "run-status") != "Running" || page.TestID(t, "run-percent") != "0%" {
			t.Errorf("new run: status %q, %q", page.TestID(t, "run-status"), page.TestID(t, "run-percent"))
		}
		if page.TestID(t, "run-eta") != "estimating the time left…" || page.TestID(t, "run-worked") != "Working for 0 s" {
			t.Errorf("new run's clock: %q, %q", page.TestID(t, "run-worked"), page.TestID(t, "run-eta"))
		}
		wantPolling(t, page, runID, true)
		part := c.GetHTMX(t, fmt.Sprintf("/runs/%d/progress", runID))
		if part.Status != http.StatusOK || strings.Contains(part.Body, "<html") || !part.Has("run-progress") {
			t.Fatalf("progress partial: %d\n%.400s", part.Status, part.Body)
		}
		wantPolling(t, part, runID, true)
		// A filtered log keeps its filter through the polling.
		if get, _ := c.Get(t, fmt.Sprintf("/runs/%d?log=problems&order=newest", runID)).Attr("run-progress", "hx-get"); get != fmt.Sprintf("/runs/%d/progress?log=problems&order=newest", runID) {
			t.Errorf("the filtered page polls %q", get)
		}

		// The dashboard shows the active run with its buttons; Cancel asks first.
		dash = c.Get(t, dashPath)
		if dash.Has("start-run") || !dash.Has("active-run") || !dash.Has("pause-run") || dash.Has("resume-run") {
			t.Fatalf("dashboard with an active run:\n%s", dash.Body)
		}
		if href, _ := dash.Attr("active-run-link", "href"); href != fmt.Sprintf("/runs/%d", runID) {
			t.Errorf("active run link %q", href)
		}
		if !strings.Contains(dash.Body, `data-confirm="Cancel run #`) {
			t.Error("the cancel form does not ask for confirmation")
		}
		// While the run is active the live part polls itself; an htmx poll
		// gets only that part.
		if trig, _ := dash.Attr("dashboard-live", "hx-trigger"); trig != "every 3s" {
			t.Errorf("dashboard polling trigger %q while a run is active", trig)
		}
		live := c.GetHTMX(t, dashPath)
		if live.Status != http.StatusOK || strings.Contains(live.Body, "<html") || !live.Has("active-run") || !live.Has("pipeline") {
			t.Errorf("dashboard partial: %d\n%s", live.Status, live.Body)
		}

		// A second start names the active run, with a link to it.
		res = c.PostForm(t, dashPath+"/runs", nil)
		if res.Status != http.StatusSeeOther || res.Location() != dashPath {
			t.Fatalf("second start: %d %q", res.Status, res.Location())
		}
		dash = c.Follow(t, res)
		if got, want := dash.TestID(t, "flash"), fmt.Sprintf("A run is already running for this site (run #%d)", runID); got != want {
			t.Errorf("flash %q, want %q", got, want)
		}
		if href, _ := dash.Attr("flash-link", "href"); href != fmt.Sprintf("/runs/%d", runID) {
			t.Errorf("flash link %q", href)
		}

		// Pause and resume from the run page; a refused transition is a message.
		runPath := fmt.Sprintf("/runs/%d", runID)
		for _, step := range []struct{ verb, flash, status string }{
			{"pause", fmt.Sprintf("Run #%d paused.", runID), "Paused"},
			{"pause", "Cannot pause a paused run", "Paused"},
			{"resume", fmt.Sprintf("Run #%d resumed.", runID), "Running"},
			{"resume", "Cannot resume a running run", "Running"},
		} {
			res := c.PostForm(t, runPath+"/"+step.verb, nil)
			if res.Status != http.StatusSeeOther || res.Location() != runPath {
				t.Fatalf("%s: %d %q", step.verb, res.Status, res.Location())
			}
			// A poll of the partial in between leaves the message for the page.
			if poll := c.GetHTMX(t, runPath+"/progress"); poll.Has("flash") || poll.Status != http.StatusOK {
				t.Errorf("the progress partial took the flash (%d)", poll.Status)
			}
			page := c.Follow(t, res)
			if page.TestID(t, "flash") != step.flash || page.TestID(t, "run-status") != step.status {
				t.Errorf("%s: flash %q, status %q; want %q, %q", step.verb, page.TestID(t, "flash"), page.TestID(t, "run-status"), step.flash, step.status)
			}
		}

		// Execute it: completed, 100%, the stage results, no more polling.
		app.ExecuteRun(t, runID)
		page = c.Get(t, runPath)
		if page.TestID(t, "run-status") != "Completed" || page.TestID(t, "run-percent") != "100%" || page.Has("pause-run") || page.Has("cancel-run") {
			t.Fatalf("completed run page:\n%s", page.Body)
		}
		// The dashboard's next poll returns the live part without a trigger:
		// polling stops.
		if live := c.GetHTMX(t, dashPath); !live.Has("start-run") || strings.Contains(live.Body, "hx-trigger") {
			t.Errorf("dashboard partial after the run still polls:\n%s", live.Body)
		}
		if got := page.TestID(t, "run-outcome-summary"); !strings.Contains(got, "Every stage took all its waiting items") {
			t.Errorf("outcome %q", got)
		}
		results, err := d.StageResults(ctx, runID)
		if err != nil {
			t.Fatal(err)
		}
		for _, sr := range results {
			n := fmt.Sprint(sr.Stage)
			if page.TestID(t, "result-"+n+"-processed") != fmt.Sprint(sr.Processed) || page.TestID(t, "result-"+n+"-credits") != fmt.Sprint(sr.CreditsUsed) ||
				page.TestID(t, "result-"+n+"-state") != "done" {
				t.Errorf("stage %d row: processed %s, credits %s, state %s; want %+v", sr.Stage, page.TestID(t, "result-"+n+"-processed"),
					page.TestID(t, "result-"+n+"-credits"), page.TestID(t, "result-"+n+"-state"), sr)
			}
			if sr.Processed == 0 {
				t.Errorf("stage %d processed nothing", sr.Stage)
			}
		}
		run, _ := d.GetRun(ctx, ann.AccountID, runID)
		if page.TestID(t, "run-credits") != fmt.Sprint(run.CreditsUsed) || run.CreditsUsed == 0 {
			t.Errorf("credits %s, run row %d", page.TestID(t, "run-credits"), run.CreditsUsed)
		}
		spend, _ := d.RunSpend(ctx, runID)
		for _, s := range spend {
			if got := page.TestID(t, "spend-"+s.Operation+"-spent"); got != fmt.Sprint(s.Spent) {
				t.Errorf("%s spent %s, want %d", s.Operation, got, s.Spent)
			}
		}
		if msgs := page.TestIDs("log-message"); len(msgs) < 10 || !strings.HasPrefix(msgs[len(msgs)-1], "Run completed") {
			t.Errorf("log (newest last): %d events, last %q", len(msgs), msgs[len(msgs)-1])
		}
		wantPolling(t, page, runID, false)
		wantPolling(t, c.GetHTMX(t, runPath+"/progress"), runID, false)
		for verb, want := range map[string]string{"pause": "Cannot pause a completed run", "resume": "Cannot resume a completed run", "cancel": "Cannot cancel a completed run"} {
			if got := c.Follow(t, c.PostForm(t, runPath+"/"+verb, nil)).TestID(t, "flash"); got != want {
				t.Errorf("%s a completed run: %q, want %q", verb, got, want)
			}
		}

		// The dashboard's counts still equal SQL; the run is in the recent runs.
		dash = c.Get(t, dashPath)
		w := checkWaiting(t, d, dash, site.ID)
		if w[1] != 0 || w[7] != 0 || !dash.Has("start-run") {
			t.Errorf("after the run: waiting %v, start %v", w, dash.Has("start-run"))
		}
		if links := dash.TestIDs("run-link"); len(links) != 1 || links[0] != fmt.Sprintf("#%d", runID) {
			t.Errorf("recent runs %v", links)
		}
		var approved int
		d.GetContext(ctx, &approved, d.Rebind(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'approved'`), site.ID)
		if got := dash.TestID(t, "content-approved"); got != fmt.Sprint(approved) || approved == 0 {
			t.Errorf("approved: dashboard %s, SQL %d", got, approved)
		}
	})
}

// wantPolling checks whether the progress section asks for itself again.
func wantPolling(t *testing.T, page *handlertest.Response, runID int64, want bool) {
	t.Helper()
	trigger, has := page.Attr("run-progress", "hx-trigger")
	get, _ := page.Attr("run-progress", "hx-get")
	swap, _ := page.Attr("run-progress", "hx-swap")
	if want && (trigger != "every 2s" || get != fmt.Sprintf("/runs/%d/progress", runID) || swap != "outerHTML") {
		t.Errorf("an active run's progress must poll: hx-trigger %q, hx-get %q, hx-swap %q", trigger, get, swap)
	}
	if !want && has {
		t.Errorf("an ended run's progress still polls (hx-trigger %q)", trigger)
	}
}

func TestRunPausingCancelAndLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		importDemo(t, app, site)
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		runID := runIDOf(t, c.PostForm(t, fmt.Sprintf("/sites/%d/runs", site.ID), nil))
		runPath := fmt.Sprintf("/runs/%d", runID)

		// An executor holds the lease when the pause comes: "pausing…"
		// until it lets go, then "paused".
		if _, _, err := d.ClaimRun(ctx, runID, "executor-1", app.Clock.Now(), 30*time.Second); err != nil {
			t.Fatal(err)
		}
		if res := c.PostForm(t, runPath+"/pause", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("pause: %d", res.Status)
		}
		if got := c.Get(t, runPath).TestID(t, "run-status"); got != "Pausing…" {
			t.Errorf("paused run with a lease holder: %q, want Pausing…", got)
		}
		if got := c.Get(t, fmt.Sprintf("/sites/%d", site.ID)).TestID(t, "run-status"); got != "Pausing…" {
			t.Errorf("dashboard: %q, want Pausing…", got)
		}
		if ok, err := d.ReleaseIfPaused(ctx, runID, "executor-1", app.Clock.Now()); !ok || err != nil {
			t.Fatalf("release: %v %v", ok, err)
		}
		page := c.Get(t, runPath)
		if page.TestID(t, "run-status") != "Paused" || !page.Has("resume-run") || page.Has("pause-run") {
			t.Errorf("paused run: %q, resume %v, pause %v", page.TestID(t, "run-status"), page.Has("resume-run"), page.Has("pause-run"))
		}
		wantPolling(t, page, runID, true)

		// Cancel frees the site at once.
		page = c.Follow(t, c.PostForm(t, runPath+"/cancel", nil))
		if page.TestID(t, "flash") != fmt.Sprintf("Run #%d cancelled.", runID) || page.TestID(t, "run-status") != "Cancelled" {
			t.Fatalf("after cancel: %q %q", page.TestID(t, "flash"), page.TestID(t, "run-status"))
		}
		if got := page.TestID(t, "run-outcome-summary"); got != "Cancelled before any item was processed." {
			t.Errorf("outcome %q", got)
		}
		if !page.Has("remaining") || page.TestID(t, "remaining-1") != fmt.Sprint(len(db.DemoKeywords)) {
			t.Errorf("a cancelled run shows what is still pending:\n%s", page.Body)
		}
		wantPolling(t, page, runID, false)
		second := runIDOf(t, c.PostForm(t, fmt.Sprintf("/sites/%d/runs", site.ID), nil))
		if second == runID {
			t.Fatal("the second run has the first one's id")
		}

		// The log as a file: one line per event, times in the site's zone.
		events, err := d.ListEvents(ctx, runID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		res := c.Get(t, runPath+"/log.txt")
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
			res.Header.Get("Content-Disposition") != fmt.Sprintf(`attachment; filename="run-%d.log"`, runID) {
			t.Fatalf("log download: %d %q %q", res.Status, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
		}
		lines := strings.Split(strings.TrimSuffix(res.Body, "\n"), "\n")
		if len(lines) != len(events) || len(events) < 3 {
			t.Fatalf("%d log lines for %d events:\n%s", len(lines), len(events), res.Body)
		}
		want := "2026-03-01T13:00:00+01:00\tinfo\t-\tann@example.com\tRun started by ann@example.com"
		if lines[0] != want {
			t.Errorf("first line %q, want %q", lines[0], want)
		}
		if !strings.Contains(res.Body, "\tCancelled by ann@example.com\n") {
			t.Errorf("the log lacks the cancel:\n%s", res.Body)
		}

		// The runs list: newest first.
		list := c.Get(t, fmt.Sprintf("/sites/%d/runs", site.ID))
		if links := list.TestIDs("run-link"); len(links) != 2 || links[0] != fmt.Sprintf("#%d", second) || links[1] != fmt.Sprintf("#%d", runID) {
			t.Errorf("runs list %v", links)
		}
	})
}

func TestDashboardScheduleAndDisabledStages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)

		cfg, err := d.GetAutomationConfig(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		next := time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)
		cfg.Enabled, cfg.NextRunAt, cfg.Stage5Enabled = true, &next, false
		if err := d.SaveAutomationConfig(ctx, cfg, app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		ps, _ := d.GetPublishingSettings(ctx, site.ID)
		ps.AutoApprovalEnabled = false
		if err := d.SavePublishingSettings(ctx, ps, app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		due := time.Date(2026, 3, 1, 5, 0, 0, 0, time.UTC)
		if _, err := dbtest.Exec(ctx, d, d.Rebind(`UPDATE automation_configs SET next_run_at = ? WHERE site_id = ?`), due, site.ID); err != nil {
			t.Fatal(err)
		}
		if ok, err := d.AdvanceSchedule(ctx, db.ScheduleOutcome{SiteID: site.ID, Due: due, Next: &next, At: due.Add(time.Minute),
			Outcome: "skipped", Detail: "Skipped the run due Sun 2026-03-01 06:00 CET: run #7 is running."}); !ok || err != nil {
			t.Fatalf("advance: %v %v", ok, err)
		}

		dash := c.Get(t, fmt.Sprintf("/sites/%d", site.ID))
		if got := dash.TestID(t, "next-run"); got != "2026-03-02 06:00 CET" {
			t.Errorf("next run %q", got)
		}
		if dash.TestID(t, "last-scheduled-outcome") != "skipped" || !strings.Contains(dash.TestID(t, "last-scheduled-detail"), "run #7 is running") ||
			!strings.Contains(dash.TestID(t, "last-scheduled"), "2026-03-01 06:01 CET") {
			t.Errorf("last scheduled attempt: %q", dash.TestID(t, "last-scheduled"))
		}
		for st, want := range map[int]bool{4: false, 5: true, 6: false, 7: true} {
			if got := dash.Has(fmt.Sprintf("stage-%d-disabled", st)); got != want {
				t.Errorf("stage %d marked disabled: %v, want %v", st, got, want)
			}
		}
		if got := dash.TestID(t, "stage-7-disabled"); !strings.Contains(got, "auto-approval off") {
			t.Errorf("stage 7: %q", got)
		}
	})
}
