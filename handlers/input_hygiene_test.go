package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// hostile are values no text field accepts: as typed into a form, as
// written inside a JSON string (JSON has no raw control characters; raw
// invalid UTF-8 and raw U+202E it carries as they are), and what the
// refusal names.
var hostile = []struct{ name, value, json, says string }{
	{"NUL", "a\x00b", `a\u0000b`, "U+0000"},
	{"invalid UTF-8", "caf\xe9", "caf\xe9", "not valid UTF-8"},
	{"right-to-left override", "invoice\u202Etxt.exe", "invoice\u202Etxt.exe", "U+202E"},
	{"escaped right-to-left isolate", "a\u2067b", `a\u2067b`, "U+2067"},
	{"control character", "a\x1bb", `a\u001bb`, "U+001B"},
}

// Every form route refuses a hostile value in any field before its
// handler runs (422 naming the field), and every API route with a body
// does the same for any string of its JSON, keys included, and answers
// 415 to a body that is not declared as JSON.
func TestEveryRouteRefusesHostileText(t *testing.T) {
	// The checks run before any handler: one database is enough.
	d := dbtest.New(t, db.SQLite)
	app := handlertest.New(t, d)
	ann := app.NewUser(t, "ann@example.com", handlertest.Password, true)
	o := owner{user: ann, site: app.NewSite(t, ann, "Ann's")}
	token, tok := app.NewTokenRow(t, ann)
	o.token = tok
	params := routeParams(t, app, o)
	c := app.Client(t)
	c.Login(t, ann.Email, handlertest.Password)

	var keys []string
	routes := map[string]string{}
	for _, r := range app.Echo.Routes() {
		if r.Method == http.MethodGet || r.Method == echo.RouteNotFound {
			continue
		}
		key := r.Method + " " + r.Path
		keys = append(keys, key)
		routes[key] = fillPath(t, r.Path, params)
	}
	sort.Strings(keys)
	if len(keys) < 30 {
		t.Fatalf("only %d routes with a body: the walk is broken", len(keys))
	}
	for _, key := range keys {
		method, path := strings.Split(key, " ")[0], routes[key]
		for _, h := range hostile {
			if strings.HasPrefix(path, "/api/") {
				body := fmt.Sprintf(`{"probe": "%s"}`, h.json)
				res := app.API(t, token, method, path, body)
				if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"probe"`) || !strings.Contains(res.Body, h.says) {
					t.Errorf("%s, %s in a value: %d %s", key, h.name, res.Status, res.Body)
				}
				res = app.API(t, token, method, path, fmt.Sprintf(`{"pro%sbe": 1}`, h.json))
				if res.Status != http.StatusUnprocessableEntity {
					t.Errorf("%s, %s in a key: %d %s", key, h.name, res.Status, res.Body)
				}
				continue
			}
			form := url.Values{"_csrf": {c.CSRFToken(t)}, "probe": {h.value}}
			req := c.NewRequest(t, method, path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res := c.Do(t, req)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.TestID(t, "error-message"), `"probe"`) ||
				!strings.Contains(res.TestID(t, "error-message"), h.says) {
				t.Errorf("%s, %s: %d %q", key, h.name, res.Status, res.Body)
			}
			// Handlers read the query like the form: it is checked too.
			req = c.NewRequest(t, method, path+"?probe="+url.QueryEscape(h.value), nil)
			req.Header.Set("X-CSRF-Token", c.CSRFToken(t))
			if res := c.Do(t, req); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s, %s in the query: %d", key, h.name, res.Status)
			}
		}
		if strings.HasPrefix(path, "/api/") {
			for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", ""} {
				req, _ := http.NewRequest(method, app.URL+path, strings.NewReader(`{}`))
				req.Header.Set("Authorization", "Bearer "+token)
				if ct != "" {
					req.Header.Set("Content-Type", ct)
				}
				res, err := app.Server.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusUnsupportedMediaType {
					t.Errorf("%s with Content-Type %q: %d, want 415", key, ct, res.StatusCode)
				}
			}
		}
	}
}

// Invalid UTF-8, NUL and direction overrides typed into real fields of
// forms and the API never reach the database, on either dialect (on
// PostgreSQL a NUL used to be a 500; on SQLite it was stored).
func TestHostileTextNeverStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		token := app.NewToken(t, ann)
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		sitePath := fmt.Sprintf("/sites/%d", site.ID)
		before, err := d.GetPublishingSettings(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}

		for _, h := range hostile {
			// Forms: the field is named on the page.
			for _, f := range []struct {
				path  string
				form  url.Values
				field string
			}{
				{"/sites/new", url.Values{"name": {h.value}, "url": {"https://a.example"}, "timezone": {"UTC"}}, "name"},
				{"/sites/new", url.Values{"name": {"Fine"}, "url": {"https://a.example/" + h.value}, "timezone": {"UTC"}}, "url"},
				{sitePath + "/edit", url.Values{"name": {h.value}, "url": {"https://a.example"}, "timezone": {"UTC"}}, "name"},
				{sitePath + "/keywords", url.Values{"text": {"fine keyword\n" + h.value}}, "text"},
				{sitePath + "/publishing", url.Values{"target_kind": {"wordpress"}, "wp_url": {"https://wp.example"}, "wp_username": {h.value}, "wp_app_password": {"app pass"}}, "wp_username"},
				{"/account/tokens", url.Values{"name": {h.value}}, "name"},
			} {
				res := c.PostForm(t, f.path, f.form)
				if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, f.field) || !strings.Contains(res.Body, h.says) {
					t.Errorf("%s, %s in %s: %d", f.path, h.name, f.field, res.Status)
				}
			}
			// A CSV upload: the row is refused.
			res := c.PostMultipart(t, sitePath+"/keywords", nil, handlertest.File{Field: "csv", Name: "k.csv",
				Content: []byte("keyword\nfine keyword\n" + h.value + "\n")})
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(strings.Join(res.TestIDs("row-message"), " "), h.says) {
				t.Errorf("CSV, %s: %d %v", h.name, res.Status, res.TestIDs("row-message"))
			}
			// The API.
			for _, a := range []struct {
				method, path, body, field string
			}{
				{http.MethodPut, "/api/v1/sites/" + itoa(site.ID) + "/publishing", `{"wp_username": "HOSTILE"}`, "wp_username"},
				{http.MethodPut, "/api/v1/sites/" + itoa(site.ID) + "/publishing", `{"wp_tags": ["fine", "HOSTILE"]}`, "wp_tags"},
				{http.MethodPost, "/api/v1/sites/" + itoa(site.ID) + "/keywords", `{"text": "fine keyword\nHOSTILE"}`, "text"},
				{http.MethodPost, "/api/v1/sites/" + itoa(site.ID) + "/keywords", `{"keywords": [{"keyword": "HOSTILE"}]}`, "keywords"},
				{http.MethodPut, "/api/v1/sites/" + itoa(site.ID) + "/ai-budget", `{"mode": "HOSTILE"}`, "mode"},
				{http.MethodPut, "/api/v1/sites/" + itoa(site.ID) + "/automation/config", `{"scheduled_time": "HOSTILE"}`, "scheduled_time"},
			} {
				res := app.API(t, token, a.method, a.path, strings.ReplaceAll(a.body, "HOSTILE", h.json))
				if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"`+a.field+`"`) || !strings.Contains(res.Body, h.says) {
					t.Errorf("API %s %s, %s: %d %s", a.method, a.path, h.name, res.Status, res.Body)
				}
			}
		}

		// Nothing of it was stored.
		sites, err := d.ListSites(ctx, ann.AccountID)
		if err != nil || len(sites) != 1 || sites[0].Name != "Coffee" {
			t.Errorf("sites %+v, %v: want only the untouched Coffee", sites, err)
		}
		if n, err := d.CountKeywords(ctx, site.ID, db.KeywordFilter{}); err != nil || n != 0 {
			t.Errorf("%d keywords stored (%v), want none", n, err)
		}
		after, err := d.GetPublishingSettings(ctx, site.ID)
		if err != nil || after.WPUsername != before.WPUsername || after.WPTags != before.WPTags || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("publishing settings changed: %+v, %v", after, err)
		}
		var tokens int
		if err := d.GetContext(ctx, &tokens, d.Rebind(`SELECT COUNT(*) FROM api_tokens WHERE account_id = ?`), ann.AccountID); err != nil || tokens != 1 {
			t.Errorf("%d tokens (%v), want only the test's", tokens, err)
		}
	})
}
