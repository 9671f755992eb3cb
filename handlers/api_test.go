package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

type apiErrorBody struct {
	Error string `json:"error"`
	Field string `json:"field"`
	Rows  []struct {
		Line  int    `json:"line"`
		Input string `json:"input"`
		Error string `json:"error"`
	} `json:"rows"`
}

func TestAPISitesAndAuth(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		bob := app.NewUser(t, "bob@example.com", handlertest.Password, false)
		a1 := app.NewSite(t, ann, "Alpha")
		a2 := app.NewSite(t, ann, "Beta")
		app.NewSite(t, bob, "Bob's")
		token := app.NewToken(t, ann)

		var body struct {
			Sites []struct {
				ID       int64  `json:"id"`
				Name     string `json:"name"`
				URL      string `json:"url"`
				Timezone string `json:"timezone"`
			} `json:"sites"`
		}
		res := app.API(t, token, http.MethodGet, "/api/v1/sites", nil)
		res.JSON(t, &body)
		if res.Status != http.StatusOK || len(body.Sites) != 2 || body.Sites[0].ID != a1.ID || body.Sites[1].ID != a2.ID ||
			body.Sites[0].Timezone != "Europe/Berlin" || body.Sites[0].URL != "https://example.com" {
			t.Fatalf("sites: %d %+v", res.Status, body)
		}

		for name, auth := range map[string]string{"no token": "", "unknown token": "Bearer ap_nope", "not bearer": "Basic " + token, "empty bearer": "Bearer "} {
			req, _ := http.NewRequest(http.MethodGet, app.URL+"/api/v1/sites", nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			res := app.Client(t).Do(t, req)
			var e apiErrorBody
			res.JSON(t, &e)
			if res.Status != http.StatusUnauthorized || e.Error == "" || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: %d %+v", name, res.Status, e)
			}
		}
		// Unknown API paths answer JSON too.
		res = app.API(t, token, http.MethodGet, "/api/v1/nothing", nil)
		var e apiErrorBody
		res.JSON(t, &e)
		if res.Status != http.StatusNotFound || e.Error != "Not found" {
			t.Errorf("unknown API path: %d %+v", res.Status, e)
		}
	})
}

func TestAPIKeywordsImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		bob := app.NewUser(t, "bob@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Alpha")
		bobSite := app.NewSite(t, bob, "Bob's")
		token := app.NewToken(t, ann)
		path := fmt.Sprintf("/api/v1/sites/%d/keywords", site.ID)

		type counts struct {
			Imported       int `json:"imported"`
			AlreadyPresent int `json:"already_present"`
			Duplicates     int `json:"duplicates"`
		}
		post := func(body any) (*handlertest.Response, counts) {
			t.Helper()
			res := app.API(t, token, http.MethodPost, path, body)
			var c counts
			if res.Status < 300 {
				res.JSON(t, &c)
			}
			return res, c
		}

		res, got := post(map[string]any{"keywords": []map[string]any{
			{"keyword": "cold brew", "volume": 100, "difficulty": 20},
			{"keyword": "Cold  Brew"},
			{"keyword": "keyword", "volume": "7"},
		}})
		if res.Status != http.StatusCreated || got != (counts{2, 0, 1}) {
			t.Fatalf("import list: %d %+v %s", res.Status, got, res.Body)
		}
		res, got = post(map[string]any{"text": "cold brew\nespresso\n"})
		if res.Status != http.StatusCreated || got != (counts{1, 1, 0}) {
			t.Fatalf("import text: %d %+v", res.Status, got)
		}
		res, got = post(map[string]any{"text": "espresso"})
		if res.Status != http.StatusOK || got != (counts{0, 1, 0}) {
			t.Fatalf("import nothing new: %d %+v", res.Status, got)
		}
		page, err := d.KeywordsPage(ctx, site.ID, db.KeywordFilter{}, nil, nil, 10)
		kws, total := page.Rows, len(page.Rows)
		if err != nil || total != 3 || kws[0].Keyword != "cold brew" || kws[0].Volume != 100 || kws[0].Difficulty != 20 || kws[1].Keyword != "keyword" || kws[1].Volume != 7 {
			t.Fatalf("stored keywords: %d %+v %v", total, kws, err)
		}

		// Any bad row: nothing imported, every bad row named by its position.
		res = app.API(t, token, http.MethodPost, path, map[string]any{"keywords": []map[string]any{
			{"keyword": "fine"},
			{"keyword": ""},
			{"keyword": "mocha", "difficulty": 101},
			{"keyword": "latte", "volume": 1.5},
		}})
		var e apiErrorBody
		res.JSON(t, &e)
		if res.Status != http.StatusUnprocessableEntity || e.Error != "3 rows have errors" || e.Field != "keywords" || len(e.Rows) != 3 {
			t.Fatalf("bad rows: %d %+v", res.Status, e)
		}
		if e.Rows[0].Line != 2 || e.Rows[1].Line != 3 || e.Rows[1].Input != "mocha" || !strings.Contains(e.Rows[1].Error, "difficulty") ||
			e.Rows[2].Line != 4 || !strings.Contains(e.Rows[2].Error, "volume") {
			t.Errorf("row errors: %+v", e.Rows)
		}
		if total, _ := d.CountKeywords(ctx, site.ID, db.KeywordFilter{}); total != 3 {
			t.Fatalf("a refused batch stored keywords: %d", total)
		}

		for _, tc := range []struct {
			name   string
			body   string
			status int
			want   string
		}{
			{"bad JSON", `{"keywords": [`, http.StatusBadRequest, "invalid JSON"},
			{"syntax", `{"text": "a",}`, http.StatusBadRequest, "invalid JSON at byte"},
			{"wrong type", `{"keywords": "a"}`, http.StatusBadRequest, "keywords must be a list"},
			{"unknown field", `{"keyword": "a"}`, http.StatusBadRequest, `unknown field "keyword"`},
			{"two objects", `{"text": "a"} {}`, http.StatusBadRequest, "single JSON object"},
			{"empty body", ``, http.StatusBadRequest, "empty"},
			{"nothing", `{}`, http.StatusUnprocessableEntity, "no keywords"},
			{"both", `{"text": "a", "keywords": [{"keyword": "b"}]}`, http.StatusUnprocessableEntity, "not both"},
		} {
			res := app.API(t, token, http.MethodPost, path, []byte(tc.body))
			var e apiErrorBody
			res.JSON(t, &e)
			if res.Status != tc.status || !strings.Contains(e.Error, tc.want) {
				t.Errorf("%s: %d %q, want %d containing %q", tc.name, res.Status, e.Error, tc.status, tc.want)
			}
		}

		// Bodies are capped.
		huge := `{"text": "` + strings.Repeat("k", 11<<20) + `"}`
		res = app.API(t, token, http.MethodPost, path, huge)
		if res.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("11 MB body: %d, want 413", res.Status)
		}

		// Another account's site does not exist for this token.
		res = app.API(t, token, http.MethodPost, fmt.Sprintf("/api/v1/sites/%d/keywords", bobSite.ID), map[string]any{"text": "x"})
		if res.Status != http.StatusNotFound {
			t.Fatalf("bob's site: %d", res.Status)
		}
		if total, _ := d.CountKeywords(ctx, bobSite.ID, db.KeywordFilter{}); total != 0 {
			t.Fatal("keywords landed on another account's site")
		}
	})
}

func TestAPIPipeline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Alpha")
		token := app.NewToken(t, ann)
		if _, err := d.ImportKeywords(ctx, site.ID, []db.NewKeyword{{Text: "a", Norm: "a"}, {Text: "b", Norm: "b"}}, app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		want, err := d.Pipeline(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			SiteID int64 `json:"site_id"`
			db.PipelineCounts
		}
		res := app.API(t, token, http.MethodGet, fmt.Sprintf("/api/v1/sites/%d/pipeline", site.ID), nil)
		res.JSON(t, &got)
		if res.Status != http.StatusOK || got.SiteID != site.ID || !reflect.DeepEqual(got.PipelineCounts, want) || got.Keywords["new"] != 2 {
			t.Fatalf("pipeline: %d %+v, want %+v", res.Status, got, want)
		}
	})
}
