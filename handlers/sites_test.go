package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

func TestSites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)

		if page := c.Get(t, "/sites"); !page.Has("sites-empty") {
			t.Fatalf("no sites: want the empty state\n%s", page.Body)
		}

		// Bad input: 422, a message per field, the input kept.
		bad := c.PostForm(t, "/sites/new", url.Values{"name": {""}, "url": {"example.com"}, "timezone": {"Mars/Olympus"}})
		if bad.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad site: %d, want 422", bad.Status)
		}
		for _, field := range []string{"name", "url", "timezone"} {
			if bad.TestID(t, "error-"+field) == "" {
				t.Errorf("no message for %s", field)
			}
		}
		if got := bad.FormValue(t, "timezone"); got != "Mars/Olympus" {
			t.Errorf("timezone field lost the input: %q", got)
		}
		for _, tc := range []struct{ field, name, url, tz string }{
			{"name", strings.Repeat("x", 101), "https://a.example", "UTC"},
			{"url", "Blog", "ftp://a.example", "UTC"},
			{"url", "Blog", "https://", "UTC"},
			{"timezone", "Blog", "https://a.example", "Local"},
		} {
			res := c.PostForm(t, "/sites/new", url.Values{"name": {tc.name}, "url": {tc.url}, "timezone": {tc.tz}})
			if res.Status != http.StatusUnprocessableEntity || !res.Has("error-"+tc.field) {
				t.Errorf("%+v: %d, want 422 with an error on %s", tc, res.Status, tc.field)
			}
		}
		if sites, _ := d.ListSites(ctx, ann.AccountID); len(sites) != 0 {
			t.Fatalf("refused forms created %d sites", len(sites))
		}

		// Good input: 303 to the dashboard, with a flash.
		res := c.PostForm(t, "/sites/new", url.Values{"name": {"Coffee"}, "url": {"https://coffee.example"}, "timezone": {"America/New_York"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", res.Status, res.Body)
		}
		sites, err := d.ListSites(ctx, ann.AccountID)
		if err != nil || len(sites) != 1 {
			t.Fatalf("sites after create: %v %v", sites, err)
		}
		site := sites[0]
		if want := fmt.Sprintf("/sites/%d", site.ID); res.Location() != want {
			t.Fatalf("create redirected to %q, want %q", res.Location(), want)
		}
		dash := c.Follow(t, res)
		if !strings.Contains(dash.TestID(t, "flash"), "Coffee") || dash.TestID(t, "site-title") != "Coffee" {
			t.Fatalf("dashboard after create:\n%s", dash.Body)
		}
		for stage := 1; stage <= 7; stage++ {
			if got := dash.TestID(t, fmt.Sprintf("stage-%d-waiting", stage)); got != "0" {
				t.Errorf("stage %d waiting = %s on a new site", stage, got)
			}
		}

		// Edit: bad input re-renders, good input saves.
		edit := fmt.Sprintf("/sites/%d/edit", site.ID)
		if got := c.Get(t, edit).FormValue(t, "timezone"); got != "America/New_York" {
			t.Fatalf("edit form timezone %q", got)
		}
		res = c.PostForm(t, edit, url.Values{"name": {"Coffee"}, "url": {"https://coffee.example"}, "timezone": {"Nowhere/City"}})
		if res.Status != http.StatusUnprocessableEntity || !res.Has("error-timezone") {
			t.Fatalf("bad edit: %d", res.Status)
		}
		res = c.PostForm(t, edit, url.Values{"name": {"Tea"}, "url": {"http://tea.example/blog"}, "timezone": {"Asia/Tokyo"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d\n%s", res.Status, res.Body)
		}
		got, err := d.GetSite(ctx, ann.AccountID, site.ID)
		if err != nil || got.Name != "Tea" || got.URL != "http://tea.example/blog" || got.Timezone != "Asia/Tokyo" {
			t.Fatalf("after edit: %+v %v", got, err)
		}
		list := c.Get(t, "/sites")
		if names := list.TestIDs("site-name"); len(names) != 1 || names[0] != "Tea" {
			t.Fatalf("site list names: %v", names)
		}

		// Another account sees none of it.
		bob := app.NewUser(t, "bob@example.com", handlertest.Password, false)
		cb := app.Client(t)
		cb.Login(t, bob.Email, handlertest.Password)
		for _, path := range []string{fmt.Sprintf("/sites/%d", site.ID), edit, fmt.Sprintf("/sites/%d/keywords", site.ID)} {
			if res := cb.Get(t, path); res.Status != http.StatusNotFound {
				t.Errorf("bob GET %s: %d, want 404", path, res.Status)
			}
		}
		if res := cb.PostForm(t, edit, url.Values{"name": {"Mine"}, "url": {"https://x.example"}, "timezone": {"UTC"}}); res.Status != http.StatusNotFound {
			t.Errorf("bob edits ann's site: %d, want 404", res.Status)
		}
		if got, _ := d.GetSite(ctx, ann.AccountID, site.ID); got.Name != "Tea" {
			t.Errorf("bob renamed ann's site to %q", got.Name)
		}
		if cb.Get(t, "/sites").Has("site-row") {
			t.Error("bob's site list shows ann's site")
		}
	})
}

// TestFirstUseChecklist: a new site's dashboard lists what is set up and
// what is missing, each with a link, until the site's first run.
func TestFirstUseChecklist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		dash := fmt.Sprintf("/sites/%d", site.ID)
		done := func(page *handlertest.Response) map[string]bool {
			t.Helper()
			out := map[string]bool{}
			for _, key := range []string{"keywords", "budget", "publishing", "run"} {
				out[key] = strings.Contains(page.TestID(t, "checklist-"+key), "done")
			}
			return out
		}

		page := c.Get(t, dash)
		if got := done(page); got["keywords"] || got["budget"] || got["publishing"] || got["run"] {
			t.Errorf("a new site has steps done: %v", got)
		}
		if href, _ := page.Attr("checklist-keywords-link", "href"); href != dash+"/keywords" {
			t.Errorf("keywords link %q", href)
		}

		app.Clock.Advance(time.Minute)
		importDemo(t, app, site)
		res := c.PostForm(t, dash+"/ai-budget", url.Values{"mode": {"off"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save the AI budget: %d\n%s", res.Status, res.Body)
		}
		if got := done(c.Get(t, dash)); !got["keywords"] || !got["budget"] || got["publishing"] {
			t.Errorf("after keywords and budget: %v", got)
		}

		// The first run ends the checklist.
		c.PostForm(t, dash+"/runs", nil)
		if page := c.Get(t, dash); page.Has("checklist") {
			t.Error("the checklist stays after the first run")
		}
	})
}
