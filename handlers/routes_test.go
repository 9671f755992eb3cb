package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
	"autopress/jobs/regenerate"
)

// routeClass says who may call a route.
type routeClass int

const (
	public    routeClass = iota // anyone
	page                        // a signed-in user; ids must be their account's
	adminPage                   // an instance admin; 404 to everyone else
	api                         // a bearer token; ids must be its account's
)

// routeTable lists every route of the app with its class. A route missing
// here fails TestEveryRouteIsScoped: add new routes (and, for a new path
// parameter, a way to fill it in routeParams).
var routeTable = map[string]routeClass{
	"GET /":           public,
	"GET /login":      public,
	"POST /login":     public,
	"GET /healthz":    public,
	"GET /readyz":     public,
	"GET /metrics":    public,
	"GET /static/*":   public,
	"GET /p/*":        public,
	"POST /logout":    page,
	"GET /sites":      page,
	"GET /sites/new":  page,
	"POST /sites/new": page,

	"GET /sites/:site":                       page,
	"GET /sites/:site/edit":                  page,
	"POST /sites/:site/edit":                 page,
	"GET /sites/:site/keywords":              page,
	"POST /sites/:site/keywords":             page,
	"POST /sites/:site/keywords/requeue":     page,
	"GET /sites/:site/runs":                  page,
	"POST /sites/:site/runs":                 page,
	"GET /sites/:site/automation":            page,
	"POST /sites/:site/automation":           page,
	"GET /runs/:run":                         page,
	"GET /runs/:run/progress":                page,
	"GET /runs/:run/log.txt":                 page,
	"POST /runs/:run/pause":                  page,
	"POST /runs/:run/resume":                 page,
	"POST /runs/:run/cancel":                 page,
	"GET /sites/:site/content":               page,
	"POST /sites/:site/content/retry-failed": page,
	"GET /sites/:site/publishing":            page,
	"POST /sites/:site/publishing":           page,
	"POST /sites/:site/publishing/preview":   page,
	"POST /sites/:site/publishing/test":      page,
	"GET /sites/:site/calendar":              page,
	"GET /content/:content":                  page,
	"GET /content/:content/images/:image":    page,
	"POST /content/:content/:action":         page,

	"GET /account":                       page,
	"POST /account/tokens":               page,
	"POST /account/tokens/:token/revoke": page,
	"POST /account/password":             page,
	"POST /account/timezone":             page,
	"GET /admin/accounts":                adminPage,
	"GET /api/v1/sites":                  api,
	"POST /api/v1/sites/:site/keywords":  api,
	"GET /api/v1/sites/:site/pipeline":   api,

	// Credits and AI budgets.
	"GET /sites/:site/ai-budget":                    page,
	"POST /sites/:site/ai-budget":                   page,
	"POST /sites/:site/ai-budget/preview":           page,
	"GET /account/credits":                          page,
	"GET /admin/credit-costs":                       adminPage,
	"POST /admin/credit-costs":                      adminPage,
	"POST /admin/accounts/:account/grant":           adminPage,
	"GET /api/v1/sites/:site/ai-budget":             api,
	"PUT /api/v1/sites/:site/ai-budget":             api,
	"POST /api/v1/sites/:site/runs":                 api,
	"GET /api/v1/sites/:site/automation/config":     api,
	"PUT /api/v1/sites/:site/automation/config":     api,
	"GET /api/v1/runs/:run":                         api,
	"POST /api/v1/runs/:run/pause":                  api,
	"POST /api/v1/runs/:run/resume":                 api,
	"POST /api/v1/runs/:run/cancel":                 api,
	"GET /api/v1/sites/:site/publishing":            api,
	"PUT /api/v1/sites/:site/publishing":            api,
	"POST /api/v1/sites/:site/content/retry-failed": api,

	// Writing profile.
	"GET /sites/:site/writing":        page,
	"POST /sites/:site/writing":       page,
	"GET /api/v1/sites/:site/writing": api,
	"PUT /api/v1/sites/:site/writing": api,
	// Editorial: the pipeline tables, the editor, revisions, bulk review.
	"GET /sites/:site/clusters":                        page,
	"GET /sites/:site/clusters/:cluster":               page,
	"POST /sites/:site/clusters/:cluster":              page,
	"POST /sites/:site/clusters/:cluster/move":         page,
	"GET /sites/:site/ideas":                           page,
	"GET /sites/:site/ideas/:idea":                     page,
	"POST /sites/:site/ideas/:idea":                    page,
	"POST /sites/:site/ideas/:idea/delete":             page,
	"GET /sites/:site/tasks":                           page,
	"POST /sites/:site/tasks/:task/skip":               page,
	"POST /sites/:site/tasks/:task/requeue":            page,
	"GET /sites/:site/image-prompts":                   page,
	"GET /sites/:site/image-prompts/:prompt":           page,
	"POST /sites/:site/image-prompts/:prompt":          page,
	"GET /sites/:site/review":                          page,
	"POST /sites/:site/content/bulk":                   page,
	"GET /content/:content/edit":                       page,
	"POST /content/:content/edit":                      page,
	"GET /content/:content/revisions":                  page,
	"POST /content/:content/revisions/:number/restore": page,
	"GET /api/v1/content/:content":                     api,
	"PUT /api/v1/content/:content":                     api,
	"POST /api/v1/sites/:site/content/bulk":            api,
	// Regeneration.
	"POST /content/:content/regenerate":                page,
	"GET /content/:content/regenerations":              page,
	"POST /content/:content/regenerations/:job/cancel": page,
	"POST /api/v1/content/:content/regenerate":         api,
	"GET /api/v1/regenerations/:job":                   api,
	"POST /api/v1/regenerations/:job/cancel":           api,
}

// publicStatus is what an anonymous visitor gets from each public route.
var publicStatus = map[string]int{
	"GET /":         http.StatusSeeOther,
	"GET /login":    http.StatusOK,
	"POST /login":   http.StatusUnprocessableEntity,
	"GET /healthz":  http.StatusOK,
	"GET /readyz":   http.StatusOK,
	"GET /metrics":  http.StatusUnauthorized, // a bearer token is required
	"GET /static/*": http.StatusOK,
	// No page has been published under that name.
	"GET /p/*": http.StatusNotFound,
}

// owner is the first account, whose ids every check uses.
type owner struct {
	user  db.User
	site  db.Site
	token db.APIToken
}

// routeParams fills a path parameter with an id of the first account.
// A new parameter creates its row here.
//
// :run is an active run of the owner's site, so the other account's POSTs
// (pause, resume, cancel, start) would succeed if scoping were missing; the
// walk checks afterwards that the run is untouched.
func routeParams(t *testing.T, app *handlertest.App, o owner) map[string]string {
	t.Helper()
	run, err := app.Deps.Runs.Start(context.Background(), o.site, o.user.Email)
	if err != nil {
		t.Fatalf("start the owner's run: %v", err)
	}
	content := dbtest.InsertContent(t, app.DB, dbtest.Content{SiteID: o.site.ID, Now: app.Clock.Now()})
	image := dbtest.InsertImage(t, app.DB, content, "cover.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))
	items := dbtest.InsertPipelineItems(t, app.DB, o.site.ID)
	// A queued regeneration: another account's cancel would succeed if
	// scoping were missing (the walk checks it stays queued).
	job, _, err := app.Deps.Regenerations.Request(context.Background(), regenerate.Request{AccountID: o.user.AccountID, ContentID: content.ID,
		Kind: db.RegenSEO, Key: "routes", Actor: o.user.Email})
	if err != nil {
		t.Fatalf("the owner's regeneration: %v", err)
	}
	return map[string]string{
		"job":     fmt.Sprint(job.ID),
		"cluster": fmt.Sprint(items.Cluster),
		"idea":    fmt.Sprint(items.Idea),
		"task":    fmt.Sprint(items.Task),
		"prompt":  fmt.Sprint(image.ImagePromptID),
		"number":  "1",
		"site":    fmt.Sprint(o.site.ID),
		"token":   fmt.Sprint(o.token.ID),
		"run":     fmt.Sprint(run.ID),
		"content": fmt.Sprint(content.ID),
		"image":   fmt.Sprint(image.ID),
		"action":  "approve",
		"*":       "app.css",

		// An admin route, but the walk still checks another (non-admin)
		// account cannot reach the first account's grant form.
		"account": fmt.Sprint(o.user.AccountID),
	}
}

var paramRE = regexp.MustCompile(`:(\w+)|\*$`)

func fillPath(t *testing.T, path string, params map[string]string) string {
	t.Helper()
	return paramRE.ReplaceAllStringFunc(path, func(m string) string {
		v, ok := params[strings.TrimPrefix(m, ":")]
		if !ok {
			t.Fatalf("route %s: no value for %s: add one to routeParams", path, m)
		}
		return v
	})
}

// TestEveryRouteIsScoped walks every registered route: other accounts get
// 404 for the first account's ids, anonymous visitors are sent to log in
// (pages) or get 401 (API), non-admins get 404 from admin pages, and public
// routes answer.
func TestEveryRouteIsScoped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		bob := app.NewUser(t, "bob@example.com", handlertest.Password, false)
		root := app.NewUser(t, "root@example.com", handlertest.Password, true)
		o := owner{user: ann, site: app.NewSite(t, ann, "Ann's")}
		annToken, tok := app.NewTokenRow(t, ann)
		o.token = tok
		app.NewSite(t, bob, "Bob's")
		bobToken := app.NewToken(t, bob)
		params := routeParams(t, app, o)

		type route struct{ key, method, path string }
		var routes []route
		seen := map[string]bool{}
		for _, r := range app.Echo.Routes() {
			if r.Method == echo.RouteNotFound {
				continue
			}
			key := r.Method + " " + r.Path
			if seen[key] {
				continue
			}
			seen[key] = true
			if _, ok := routeTable[key]; !ok {
				t.Errorf("route %s is not covered by the authorization test: add it to routeTable", key)
				continue
			}
			routes = append(routes, route{key, r.Method, fillPath(t, r.Path, params)})
		}
		for key := range routeTable {
			if !seen[key] {
				t.Errorf("routeTable lists %s, which is not a route (any more)", key)
			}
		}
		sort.Slice(routes, func(i, j int) bool { return routes[i].key < routes[j].key })

		anon := app.Client(t)
		annC := app.Client(t)
		annC.Login(t, ann.Email, handlertest.Password)
		bobC := app.Client(t)
		bobC.Login(t, bob.Email, handlertest.Password)
		rootC := app.Client(t)
		rootC.Login(t, root.Email, handlertest.Password)

		for _, r := range routes {
			class := routeTable[r.key]
			hasIDs := strings.Contains(r.key, ":")
			switch class {
			case public:
				res := send(t, app, anon, "", r.method, r.path, class)
				if want := publicStatus[r.key]; res.Status != want {
					t.Errorf("(d) anonymous %s: %d, want %d", r.key, res.Status, want)
				}
			case page, adminPage:
				res := send(t, app, anon, "", r.method, r.path, class)
				if (res.Status != http.StatusSeeOther && res.Status != http.StatusFound) || !strings.HasPrefix(res.Location(), "/login") {
					t.Errorf("(b) anonymous %s: %d %q, want a redirect to /login", r.key, res.Status, res.Location())
				}
				if class == adminPage {
					if res := send(t, app, annC, "", r.method, r.path, class); res.Status != http.StatusNotFound {
						t.Errorf("(c) non-admin %s: %d, want 404", r.key, res.Status)
					}
					if r.method == http.MethodGet {
						if res := send(t, app, rootC, "", r.method, r.path, class); res.Status != http.StatusOK {
							t.Errorf("admin %s: %d, want 200", r.key, res.Status)
						}
					}
				}
				if hasIDs {
					if res := send(t, app, bobC, "", r.method, r.path, class); res.Status != http.StatusNotFound {
						t.Errorf("(a) other account %s %s: %d, want 404", r.method, r.path, res.Status)
					}
					if r.method == http.MethodGet {
						if res := send(t, app, annC, "", r.method, r.path, class); res.Status != http.StatusOK {
							t.Errorf("owner %s %s: %d, want 200", r.method, r.path, res.Status)
						}
					}
				}
			case api:
				if res := send(t, app, nil, "", r.method, r.path, class); res.Status != http.StatusUnauthorized {
					t.Errorf("(b) no token %s: %d, want 401", r.key, res.Status)
				}
				if hasIDs {
					if res := send(t, app, nil, bobToken, r.method, r.path, class); res.Status != http.StatusNotFound {
						t.Errorf("(a) other account's token %s %s: %d, want 404", r.method, r.path, res.Status)
					}
				}
				if r.method == http.MethodGet {
					if res := send(t, app, nil, annToken, r.method, r.path, class); res.Status != http.StatusOK {
						t.Errorf("owner's token %s %s: %d, want 200", r.method, r.path, res.Status)
					}
				}
			}
		}
		// Nobody but the owner may have paused, cancelled or replaced the run.
		var runID int64
		fmt.Sscan(params["run"], &runID)
		if run, err := d.GetRun(context.Background(), ann.AccountID, runID); err != nil || run.Status != db.RunRunning || run.PausedAt != nil {
			t.Errorf("the owner's run after the walk: %+v, %v; want it untouched and running", run, err)
		}
		if runs, _ := d.ListRuns(context.Background(), o.site.ID, 10); len(runs) != 1 {
			t.Errorf("the owner's site has %d runs after the walk, want 1", len(runs))
		}
		var jobID int64
		fmt.Sscan(params["job"], &jobID)
		if j, err := d.GetRegeneration(context.Background(), ann.AccountID, jobID); err != nil || j.Status != db.RegenQueued {
			t.Errorf("the owner's regeneration after the walk: %+v, %v; want it untouched and queued", j, err)
		}
		if n := dbtest.Count(t, d, `SELECT COUNT(*) FROM regeneration_jobs`); n != 1 {
			t.Errorf("%d regenerations after the walk, want the owner's one", n)
		}
	})
}

// send calls a route as a browser client (pages: unsafe methods carry a
// valid CSRF token, so a refusal comes from scoping, not CSRF) or with a
// bearer token (API: unsafe methods send an empty JSON object).
func send(t *testing.T, app *handlertest.App, c *handlertest.Client, token, method, path string, class routeClass) *handlertest.Response {
	t.Helper()
	if class == api {
		var body any
		if method != http.MethodGet {
			body = map[string]any{}
		}
		return app.API(t, token, method, path, body)
	}
	if method == http.MethodGet {
		return c.Get(t, path)
	}
	form := url.Values{"_csrf": {c.CSRFToken(t)}, "name": {"x"}, "status": {"failed"}, "text": {"x"}}
	req := c.NewRequest(t, method, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.CSRFToken(t))
	return c.Do(t, req)
}
