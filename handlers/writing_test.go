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

// writingForm is a valid writing profile form.
func writingForm() url.Values {
	return url.Values{
		"language": {"de"}, "tone": {"professional"}, "point_of_view": {"first_plural"}, "audience": {"  Baristas in Berlin  "},
		"min_words": {"1400"}, "max_words": {"3100"}, "brand_voice": {"Wir duzen nie.\nKurze Sätze."}, "avoid": {"billig\ngarantiert"},
		"faq": {"on"}, "table_of_contents": {"on"}, "max_internal_links": {"5"},
	}
}

func TestWritingPageSavesTheProfile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		path := fmt.Sprintf("/sites/%d/writing", site.ID)

		page := c.Get(t, path)
		if page.Status != http.StatusOK || page.Selected(t, "language") != "en" || page.Selected(t, "tone") != "friendly" ||
			page.FormValue(t, "min_words") != "600" || page.FormValue(t, "max_words") != "1200" || !page.Checked("conclusion") ||
			page.Checked("faq") || page.FormValue(t, "max_internal_links") != "3" {
			t.Fatalf("a new site's profile is not the default: %d\n%s", page.Status, page.Body)
		}
		if !strings.Contains(page.Body, `href="`+path+`" aria-current="page" data-testid="sitenav-writing">Writing</a>`) {
			t.Error("no Writing tab marked current")
		}
		if got := page.TestID(t, "length-price"); !strings.Contains(got, "1 unit(s)") {
			t.Errorf("length price %q", got)
		}

		res := c.PostForm(t, path, writingForm())
		if res.Status != http.StatusSeeOther || res.Location() != path {
			t.Fatalf("save: %d %s\n%s", res.Status, res.Location(), res.Body)
		}
		page = c.Follow(t, res)
		if !strings.Contains(page.TestID(t, "flash"), "Writing profile saved") {
			t.Errorf("flash %q", page.TestID(t, "flash"))
		}
		w, err := d.GetWritingProfile(context.Background(), site.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := db.WritingProfile{SiteID: site.ID, Language: "de", Tone: "professional", PointOfView: "first_plural", Audience: "Baristas in Berlin",
			MinWords: 1400, MaxWords: 3100, BrandVoice: "Wir duzen nie.\nKurze Sätze.", Avoid: "billig\ngarantiert",
			FAQ: true, TableOfContents: true, Conclusion: false, MaxLinks: 5, UpdatedAt: w.UpdatedAt}
		if w != want {
			t.Errorf("saved\n%+v\nwant\n%+v", w, want)
		}
		if page.Selected(t, "language") != "de" || page.Checked("conclusion") || !page.Checked("faq") ||
			!strings.Contains(page.TestID(t, "length-price"), "3 unit(s)") {
			t.Errorf("the page does not show the saved profile\n%s", page.Body)
		}
	})
}

func TestWritingPageRefusesBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		path := fmt.Sprintf("/sites/%d/writing", site.ID)
		tests := []struct {
			name  string
			edit  func(v url.Values)
			field string
		}{
			{"unknown language", func(v url.Values) { v.Set("language", "klingon") }, "language"},
			{"unknown tone", func(v url.Values) { v.Set("tone", "shouting") }, "tone"},
			{"unknown point of view", func(v url.Values) { v.Set("point_of_view", "ours") }, "point_of_view"},
			{"min not a number", func(v url.Values) { v.Set("min_words", "many") }, "min_words"},
			{"min too small", func(v url.Values) { v.Set("min_words", "50") }, "min_words"},
			{"max below min", func(v url.Values) { v.Set("min_words", "2000"); v.Set("max_words", "1500") }, "max_words"},
			{"range too narrow", func(v url.Values) { v.Set("min_words", "2000"); v.Set("max_words", "2050") }, "max_words"},
			{"max too large", func(v url.Values) { v.Set("max_words", "9000") }, "max_words"},
			{"too many links", func(v url.Values) { v.Set("max_internal_links", "11") }, "max_internal_links"},
			{"audience too long", func(v url.Values) { v.Set("audience", strings.Repeat("a", 201)) }, "audience"},
			{"brand voice too long", func(v url.Values) { v.Set("brand_voice", strings.Repeat("a", 2001)) }, "brand_voice"},
			{"avoid too long", func(v url.Values) { v.Set("avoid", strings.Repeat("a", 1001)) }, "avoid"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				form := writingForm()
				tt.edit(form)
				res := c.PostForm(t, path, form)
				if res.Status != http.StatusUnprocessableEntity || !res.Has("error-"+tt.field) {
					t.Fatalf("%d, want 422 with error-%s\n%s", res.Status, tt.field, res.Body)
				}
				// What was typed comes back as typed.
				if tt.field == "min_words" && res.FormValue(t, "min_words") != form.Get("min_words") {
					t.Errorf("min_words came back as %q", res.FormValue(t, "min_words"))
				}
				if !res.Checked("faq") {
					t.Error("the ticked FAQ box came back unticked")
				}
			})
		}
		w, _ := d.GetWritingProfile(context.Background(), site.ID)
		if w.Language != "en" || w.MinWords != 600 {
			t.Errorf("a refused form changed the profile: %+v", w)
		}
	})
}

// apiWritingBody is the API's writing profile.
type apiWritingBody struct {
	Language        string `json:"language"`
	Tone            string `json:"tone"`
	PointOfView     string `json:"point_of_view"`
	Audience        string `json:"audience"`
	MinWords        int    `json:"min_words"`
	MaxWords        int    `json:"max_words"`
	BrandVoice      string `json:"brand_voice"`
	Avoid           string `json:"avoid"`
	FAQ             bool   `json:"faq"`
	TableOfContents bool   `json:"table_of_contents"`
	Conclusion      bool   `json:"conclusion"`
	MaxLinks        int    `json:"max_internal_links"`
	Units           int    `json:"content_generation_units"`
	UpdatedAt       string `json:"updated_at"`
}

func TestWritingAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		token := app.NewToken(t, ann)
		path := fmt.Sprintf("/api/v1/sites/%d/writing", site.ID)

		res := app.API(t, token, http.MethodGet, path, nil)
		var got apiWritingBody
		res.JSON(t, &got)
		if res.Status != http.StatusOK || got.Language != "en" || got.MinWords != 600 || got.MaxWords != 1200 || !got.Conclusion ||
			got.MaxLinks != 3 || got.Units != 1 || got.UpdatedAt == "" {
			t.Fatalf("GET %d %s", res.Status, res.Body)
		}
		// A GET body sent back as it is changes nothing and is accepted.
		if res := app.API(t, token, http.MethodPut, path, res.Body); res.Status != http.StatusOK {
			t.Fatalf("PUT of the GET body: %d %s", res.Status, res.Body)
		}

		// The fields sent change; the others keep their values.
		res = app.API(t, token, http.MethodPut, path, `{"language": "pt-br", "max_words": 3000, "brand_voice": "Line one.\nLine two.", "faq": true}`)
		got = apiWritingBody{}
		res.JSON(t, &got)
		if res.Status != http.StatusOK || got.Language != "pt-BR" || got.MaxWords != 3000 || got.MinWords != 600 || got.Units != 2 ||
			got.BrandVoice != "Line one.\nLine two." || !got.FAQ || !got.Conclusion || got.Tone != "friendly" {
			t.Fatalf("PUT %d %s", res.Status, res.Body)
		}

		for _, tt := range []struct {
			name, body string
			status     int
			field      string
		}{
			{"range too narrow", `{"min_words": 2950}`, 422, "max_words"},
			{"two refused fields", `{"tone": "grumpy", "max_internal_links": -1}`, 422, "tone"},
			{"unknown language", `{"language": "xx-YY"}`, 422, "language"},
			{"audience over its limit", `{"audience": "` + strings.Repeat("a", 201) + `"}`, 422, "audience"},
			{"control character in house rules", `{"brand_voice": "a\u0007b"}`, 422, "brand_voice"},
			{"line break in a single-line field", `{"audience": "a\nb"}`, 422, "audience"},
			{"wrong type", `{"faq": "yes"}`, 400, "faq"},
			{"number as text", `{"min_words": "800"}`, 400, "min_words"},
			{"unknown field", `{"language": "de", "voice": "x"}`, 400, "voice"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				res := app.API(t, token, http.MethodPut, path, tt.body)
				var e struct {
					Error  string            `json:"error"`
					Field  string            `json:"field"`
					Errors map[string]string `json:"errors"`
				}
				res.JSON(t, &e)
				if res.Status != tt.status || e.Field != tt.field || e.Error == "" {
					t.Fatalf("%d %s, want %d naming %s", res.Status, res.Body, tt.status, tt.field)
				}
				if tt.name == "two refused fields" && (e.Errors["tone"] == "" || e.Errors["max_internal_links"] == "") {
					t.Errorf("errors %v, want both fields", e.Errors)
				}
			})
		}
		w, _ := d.GetWritingProfile(context.Background(), site.ID)
		if w.Language != "pt-BR" || w.MinWords != 600 || w.Tone != "friendly" || w.Audience != "" {
			t.Errorf("a refused request changed the profile: %+v", w)
		}
	})
}

// The automation page prices writing by the profile's maximum length.
func TestAutomationEstimateFollowsArticleLength(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		auto := fmt.Sprintf("/sites/%d/automation", site.ID)
		if note := c.Get(t, auto).TestID(t, "estimate-4-cost-note"); !strings.HasPrefix(note, "20 credits each: 1 unit(s)") {
			t.Errorf("default note %q", note)
		}
		form := writingForm()
		form.Set("max_words", "4000")
		if res := c.PostForm(t, fmt.Sprintf("/sites/%d/writing", site.ID), form); res.Status != http.StatusSeeOther {
			t.Fatalf("save %d", res.Status)
		}
		page := c.Get(t, auto)
		if note := page.TestID(t, "estimate-4-cost-note"); !strings.HasPrefix(note, "60 credits each: 3 unit(s)") {
			t.Errorf("note after a 4,000-word maximum: %q", note)
		}
	})
}
