package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// apiBudget is the API's AI budget body.
type apiBudget struct {
	Mode      string            `json:"mode"`
	Shares    map[string]string `json:"shares"`
	Effective map[string]string `json:"effective"`
	Sum       string            `json:"sum"`
}

type apiBudgetError struct {
	Error  string            `json:"error"`
	Field  string            `json:"field"`
	Errors map[string]string `json:"errors"`
}

func TestAPIAIBudget(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		token := app.NewToken(t, ann)
		path := fmt.Sprintf("/api/v1/sites/%d/ai-budget", site.ID)
		defaults := map[string]string{"clustering": "15", "idea_generation": "10", "content_generation": "40", "image_prompt_extraction": "5", "image_generation": "30"}

		get := func() apiBudget {
			t.Helper()
			var b apiBudget
			res := app.API(t, token, http.MethodGet, path, nil)
			res.JSON(t, &b)
			if res.Status != http.StatusOK {
				t.Fatalf("GET: %d %s", res.Status, res.Body)
			}
			return b
		}
		put := func(body any) (*handlertest.Response, apiBudget) {
			t.Helper()
			res := app.API(t, token, http.MethodPut, path, body)
			var b apiBudget
			if res.Status == http.StatusOK {
				res.JSON(t, &b)
			}
			return res, b
		}

		b := get()
		if b.Mode != "global" || fmt.Sprint(b.Shares) != fmt.Sprint(defaults) || fmt.Sprint(b.Effective) != fmt.Sprint(defaults) || b.Sum != "100" {
			t.Fatalf("new site: %+v", b)
		}

		// Strings and numbers, up to two decimals.
		res, b := put(map[string]any{"mode": "custom", "shares": map[string]any{
			"clustering": "12.5", "idea_generation": 10, "content_generation": 42.5, "image_prompt_extraction": "5%", "image_generation": "30.00"}})
		want := map[string]string{"clustering": "12.5", "idea_generation": "10", "content_generation": "42.5", "image_prompt_extraction": "5", "image_generation": "30"}
		if res.Status != http.StatusOK || b.Mode != "custom" || fmt.Sprint(b.Shares) != fmt.Sprint(want) || fmt.Sprint(b.Effective) != fmt.Sprint(want) || b.Sum != "100" {
			t.Fatalf("PUT custom: %d %+v %s", res.Status, b, res.Body)
		}
		if stored, _ := d.GetAIBudget(ctx, site.ID); stored.ClusteringBP != 1250 || stored.ContentGenerationBP != 4250 {
			t.Fatalf("stored %+v", stored)
		}

		shares := func(content any) map[string]any {
			return map[string]any{"clustering": "15", "idea_generation": "10", "content_generation": content, "image_prompt_extraction": "5", "image_generation": "30"}
		}
		for _, tc := range []struct {
			name  string
			body  any
			field string
			want  string
		}{
			{"99.99", map[string]any{"mode": "custom", "shares": shares("39.99")}, "shares", "The shares add up to 99.99%; they must add up to exactly 100%"},
			{"100.01", map[string]any{"mode": "custom", "shares": shares(40.01)}, "shares", "The shares add up to 100.01%"},
			{"three decimals", map[string]any{"mode": "custom", "shares": shares("15.255")}, "shares.content_generation", "at most two decimals"},
			{"three decimals as a number", `{"mode": "custom", "shares": {"clustering": 15.255, "idea_generation": "10", "content_generation": "40", "image_prompt_extraction": "5", "image_generation": "29.745"}}`, "shares.clustering", "at most two decimals"},
			{"exponent", map[string]any{"mode": "custom", "shares": shares(json1e1{})}, "shares.content_generation", "not a percentage"},
			{"negative", map[string]any{"mode": "custom", "shares": shares(-40)}, "shares.content_generation", "not a percentage"},
			{"boolean", map[string]any{"mode": "custom", "shares": shares(true)}, "shares.content_generation", "a string like"},
			{"null share", map[string]any{"mode": "custom", "shares": shares(nil)}, "shares.content_generation", "a string like"},
			{"unknown operation", map[string]any{"mode": "custom", "shares": map[string]any{"clustering": "100", "idea_generation": "0", "content_generation": "0",
				"image_prompt_extraction": "0", "image_generation": "0", "writing": "0"}}, "shares.writing", "Unknown operation"},
			{"missing share", map[string]any{"mode": "custom", "shares": map[string]any{"clustering": "100"}}, "shares.idea_generation", "Missing"},
			{"no mode", map[string]any{"shares": shares("40")}, "mode", "mode is required"},
			{"bad mode", map[string]any{"mode": "half"}, "mode", "global, custom or off"},
		} {
			res := app.API(t, token, http.MethodPut, path, tc.body)
			var e apiBudgetError
			res.JSON(t, &e)
			if res.Status != http.StatusUnprocessableEntity || e.Field != tc.field || !strings.Contains(e.Error, tc.want) {
				t.Errorf("%s: %d %+v, want 422 on %s containing %q", tc.name, res.Status, e, tc.field, tc.want)
			}
		}
		if got := get(); got.Shares["content_generation"] != "42.5" {
			t.Fatalf("a refused PUT changed the budget: %+v", got)
		}
		// Errors lists every field.
		res = app.API(t, token, http.MethodPut, path, map[string]any{"mode": "custom", "shares": map[string]any{
			"clustering": "x", "idea_generation": "10", "content_generation": "40", "image_prompt_extraction": "5", "image_generation": "101"}})
		var e apiBudgetError
		res.JSON(t, &e)
		if e.Field != "shares.clustering" || len(e.Errors) != 2 || e.Errors["shares.image_generation"] == "" {
			t.Errorf("several errors: %+v", e)
		}
		// Bad JSON is a 400 like everywhere in the API.
		if res := app.API(t, token, http.MethodPut, path, `{"mode": "custom", "sharez": {}}`); res.Status != http.StatusBadRequest {
			t.Errorf("unknown field: %d", res.Status)
		}

		// Global keeps the stored split (shares sent with it are ignored);
		// the split in force is the defaults.
		res, b = put(map[string]any{"mode": "global", "shares": shares("99")})
		if res.Status != http.StatusOK || b.Mode != "global" || b.Shares["content_generation"] != "42.5" || fmt.Sprint(b.Effective) != fmt.Sprint(defaults) {
			t.Fatalf("PUT global: %d %+v", res.Status, b)
		}
		// Off: nothing in force.
		res, b = put(map[string]any{"mode": "off"})
		if res.Status != http.StatusOK || b.Mode != "off" || len(b.Effective) != 0 || b.Sum != "100" {
			t.Fatalf("PUT off: %d %+v", res.Status, b)
		}
		// Custom without shares switches back to the stored split.
		res, b = put(map[string]any{"mode": "custom"})
		if res.Status != http.StatusOK || b.Mode != "custom" || b.Effective["clustering"] != "12.5" {
			t.Fatalf("PUT custom without shares: %d %+v", res.Status, b)
		}
		// A GET body can be sent back as it is.
		res, b = put(get())
		if res.Status != http.StatusOK || b.Shares["content_generation"] != "42.5" {
			t.Fatalf("round trip: %d %s", res.Status, res.Body)
		}

		// The page and the API refuse the same input with the same message.
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		page := c.PostForm(t, fmt.Sprintf("/sites/%d/ai-budget", site.ID), budgetForm("custom", "15", "10", "39.99", "5", "30"))
		res = app.API(t, token, http.MethodPut, path, map[string]any{"mode": "custom", "shares": shares("39.99")})
		res.JSON(t, &e)
		if page.TestID(t, "error-shares") != e.Error {
			t.Errorf("page says %q, API says %q", page.TestID(t, "error-shares"), e.Error)
		}
	})
}

// json1e1 marshals as the JSON number 1e1.
type json1e1 struct{}

func (json1e1) MarshalJSON() ([]byte, error) { return []byte("1e1"), nil }
