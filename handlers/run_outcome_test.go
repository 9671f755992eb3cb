package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
	"autopress/jobs/ai"
)

// scriptedAI is the local provider with a hook before each article: the
// test decides, call by call, to fail it or to act on the run.
type scriptedAI struct {
	ai.Provider
	mu     sync.Mutex
	calls  int
	before func(n int) error
}

func (s *scriptedAI) WriteArticle(ctx context.Context, site ai.Site, req ai.ArticleRequest) (ai.Article, error) {
	s.mu.Lock()
	s.calls++
	n, before := s.calls, s.before
	s.mu.Unlock()
	if before != nil {
		if err := before(n); err != nil {
			return ai.Article{}, err
		}
	}
	return s.Provider.WriteArticle(ctx, site, req)
}

func (s *scriptedAI) script(f func(n int) error) {
	s.mu.Lock()
	s.calls, s.before = 0, f
	s.mu.Unlock()
}

// TestRunOutcomesAreDistinct: a run stopped by a limit, one with failed
// items, one cancelled in the middle and one with nothing to do each end
// with their own outcome, and the run page, the dashboard, the runs list
// and the API agree on it.
func TestRunOutcomesAreDistinct(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		provider := &scriptedAI{Provider: ai.NewLocal(0)}
		app := handlertest.New(t, d, handlertest.WithAI(provider))
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		token := app.NewToken(t, ann)
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)

		type want struct {
			code, title string
			summary     []string
		}
		cases := []struct {
			name  string
			setup func(site db.Site) // before the run starts
			run   func(run db.Run)   // works the run
			want  want
		}{
			{"limit", func(site db.Site) {
				importDemo(t, app, site)
				cfg, _ := d.GetAutomationConfig(ctx, site.ID)
				cfg.MaxKeywordsPerRun = 10
				if err := d.SaveAutomationConfig(ctx, cfg, app.Clock.Now()); err != nil {
					t.Fatal(err)
				}
			}, nil, want{"completed_with_limits", "Completed, limits reached", []string{"The per-run limit stopped Clustering (10 keywords)"}}},
			{"failures", func(site db.Site) {
				importDemo(t, app, site)
				provider.script(func(n int) error {
					if n%3 == 0 {
						return errors.New("the provider refused the call")
					}
					return nil
				})
			}, nil, want{"completed_with_failures", "Completed with failures", []string{"failed: Writing ", "tried again by the next run"}}},
			{"cancelled", func(site db.Site) { importDemo(t, app, site) }, func(run db.Run) {
				provider.script(func(n int) error {
					if n == 2 {
						if _, err := app.Deps.Runs.Cancel(ctx, ann.AccountID, run.ID, ann.Email); err != nil {
							t.Error(err)
						}
					}
					return nil
				})
			}, want{"cancelled", "Cancelled", []string{"Cancelled during Writing (stage 4 of 7), at ", "what was done stays done"}}},
			{"nothing", func(db.Site) {}, nil, want{"nothing_to_do", "Nothing to do", []string{"No enabled stage had anything waiting"}}},
		}
		seen := map[string]string{}
		for _, tc := range cases {
			site := app.NewSite(t, ann, "Site "+tc.name)
			provider.script(nil)
			tc.setup(site)
			run, err := app.Deps.Runs.Start(ctx, site, ann.Email)
			if err != nil {
				t.Fatal(err)
			}
			if tc.run != nil {
				tc.run(run)
			}
			app.ExecuteRun(t, run.ID)
			provider.script(nil)

			page := c.Get(t, fmt.Sprintf("/runs/%d", run.ID))
			code, _ := page.Attr("run-status", "data-outcome")
			box, _ := page.Attr("run-outcome", "data-outcome")
			if code != tc.want.code || box != tc.want.code || page.TestID(t, "run-status") != tc.want.title {
				t.Errorf("%s: run page says %q / %q (%q), want %q", tc.name, code, box, page.TestID(t, "run-status"), tc.want.code)
			}
			summary := page.TestID(t, "run-outcome-summary")
			for _, w := range tc.want.summary {
				if !strings.Contains(summary, w) {
					t.Errorf("%s: run page summary %q lacks %q", tc.name, summary, w)
				}
			}
			dash := c.Get(t, fmt.Sprintf("/sites/%d", site.ID))
			if got, _ := dash.Attr("run-status", "data-outcome"); got != tc.want.code || !dash.Has("last-run") ||
				dash.TestID(t, "last-run-summary") != summary {
				t.Errorf("%s: dashboard says %q (%q), want %q", tc.name, got, dash.TestID(t, "last-run-summary"), tc.want.code)
			}
			list := c.Get(t, fmt.Sprintf("/sites/%d/runs", site.ID))
			if got, _ := list.Attr("run-status", "data-outcome"); got != tc.want.code || list.TestID(t, "run-summary") != summary {
				t.Errorf("%s: runs list says %q", tc.name, got)
			}
			var api struct {
				Outcome      string `json:"outcome"`
				OutcomeTitle string `json:"outcome_title"`
				OutcomeText  string `json:"outcome_text"`
				Failures     []struct {
					Stage int    `json:"stage"`
					Name  string `json:"name"`
					Count int    `json:"count"`
				} `json:"failures"`
				LimitsReached []struct {
					Stage int `json:"stage"`
				} `json:"limits_reached"`
				Progress int `json:"progress"`
			}
			res := app.API(t, token, http.MethodGet, fmt.Sprintf("/api/v1/runs/%d", run.ID), nil)
			res.JSON(t, &api)
			if res.Status != http.StatusOK || api.Outcome != tc.want.code || api.OutcomeTitle != tc.want.title || api.OutcomeText != summary {
				t.Errorf("%s: API says %d %+v", tc.name, res.Status, api)
			}
			switch tc.name {
			case "failures":
				results, _ := d.StageResults(ctx, run.ID)
				if len(api.Failures) != 1 || api.Failures[0].Name != "Writing" || api.Failures[0].Count != results[3].Failed || results[3].Failed == 0 {
					t.Errorf("failures %+v, stage 4 failed %d", api.Failures, results[3].Failed)
				}
				if got := page.TestID(t, "run-failures-4"); got != fmt.Sprintf("Writing: %d items failed", results[3].Failed) {
					t.Errorf("failures on the page %q", got)
				}
				if href, _ := page.Attr("run-failures-log", "href"); href != fmt.Sprintf("/runs/%d?log=errors#log", run.ID) {
					t.Errorf("link to the errors %q", href)
				}
				// The log filtered to its errors, newest first: one per
				// failed item.
				errs := c.Get(t, fmt.Sprintf("/runs/%d?log=errors&order=newest", run.ID))
				levels, msgs := errs.TestIDs("log-level"), errs.TestIDs("log-message")
				if len(levels) != results[3].Failed || strings.Join(levels, " ") != strings.TrimSpace(strings.Repeat("error ", results[3].Failed)) {
					t.Errorf("errors in the log: %v, want %d", levels, results[3].Failed)
				}
				all := c.Get(t, fmt.Sprintf("/runs/%d?order=newest", run.ID)).TestIDs("log-message")
				if len(msgs) == 0 || !strings.Contains(msgs[0], "the provider refused the call") || !strings.HasPrefix(all[0], "Run completed") {
					t.Errorf("newest first: errors %v, all from %q", msgs, all[0])
				}
				if got := errs.TestID(t, "log-filter-errors"); got != fmt.Sprintf("Errors (%d)", results[3].Failed) {
					t.Errorf("filter tab %q", got)
				}
			case "limit":
				if len(api.LimitsReached) != 1 || api.LimitsReached[0].Stage != 1 || page.TestID(t, "run-stage-1-limit") != "Limit reached" {
					t.Errorf("limits %+v", api.LimitsReached)
				}
			case "cancelled":
				// The bar stays where the run stopped, and says so.
				if api.Progress <= 0 || api.Progress >= 100 || page.TestID(t, "run-percent") != fmt.Sprintf("%d%%", api.Progress) ||
					!strings.HasPrefix(page.TestID(t, "run-progress-note"), fmt.Sprintf("Stopped at %d%%", api.Progress)) {
					t.Errorf("cancelled at %d%%: page %q, note %q", api.Progress, page.TestID(t, "run-percent"), page.TestID(t, "run-progress-note"))
				}
				if got := page.TestID(t, "run-stage-4-state"); got != "stopped here" || page.TestID(t, "run-stage-5-state") != "not reached" {
					t.Errorf("the picture of a cancelled run: stage 4 %q, stage 5 %q", got, page.TestID(t, "run-stage-5-state"))
				}
			case "nothing":
				// No "Completed 100%" for a run that did nothing.
				if page.Has("run-percent") || api.Progress != 100 {
					t.Errorf("nothing to do shows a percentage (%q), API progress %d", page.TestID(t, "run-percent"), api.Progress)
				}
			}
			if prev, dup := seen[tc.want.title]; dup {
				t.Errorf("%s and %s read the same", prev, tc.name)
			}
			seen[tc.want.title] = tc.name
		}
	})
}
