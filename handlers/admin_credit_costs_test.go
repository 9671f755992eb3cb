package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// costsForm is the credit costs form with the seeded values, the default
// shares changed by shares (operation → percentage) and any field set by
// extra (an empty value removes the field, like an unticked checkbox).
func costsForm(extra url.Values, shares map[string]string) url.Values {
	seed := map[string][3]string{
		"clustering":              {"5", "batch of up to 50 keywords", "15"},
		"idea_generation":         {"3", "cluster", "10"},
		"content_generation":      {"20", "article", "40"},
		"image_prompt_extraction": {"2", "article", "5"},
		"image_generation":        {"8", "image", "30"},
	}
	v := url.Values{}
	for op, s := range seed {
		v.Set("credits_per_unit."+op, s[0])
		v.Set("unit."+op, s[1])
		v.Set("default_share."+op, s[2])
		v.Set("active."+op, "on")
		if p, ok := shares[op]; ok {
			v.Set("default_share."+op, p)
		}
	}
	for k, vals := range extra {
		if len(vals) == 0 || vals[0] == "" {
			v.Del(k)
			continue
		}
		v[k] = vals
	}
	return v
}

func TestAdminCreditCosts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		root := app.NewUser(t, "root@example.com", handlertest.Password, true)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		ca := app.Client(t)
		ca.Login(t, root.Email, handlertest.Password)
		before, _ := d.CreditCosts(ctx)

		page := ca.Get(t, "/admin/credit-costs")
		if page.Status != http.StatusOK || page.TestID(t, "costs-sum") != "100%" || page.FormValue(t, "default_share.content_generation") != "40" ||
			page.FormValue(t, "unit.image_generation") != "image" || page.FormValue(t, "credits_per_unit.clustering") != "5" {
			t.Fatalf("costs page: %d\n%s", page.Status, page.Body)
		}
		if !ca.Get(t, "/admin/accounts").Has("nav-credit-costs") {
			t.Error("the admin pages do not link the costs page")
		}

		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
			want  string
		}{
			{"sum 99.99", costsForm(nil, map[string]string{"content_generation": "39.99"}), "default_share", "The shares add up to 99.99%; they must add up to exactly 100%"},
			{"sum 100.01", costsForm(nil, map[string]string{"content_generation": "40.01"}), "default_share", "add up to 100.01%"},
			{"three decimals", costsForm(nil, map[string]string{"clustering": "15.255"}), "default_share.clustering", "at most two decimals"},
			{"negative credits", costsForm(url.Values{"credits_per_unit.clustering": {"-1"}}, nil), "credits_per_unit.clustering", "whole number from 0"},
			{"fractional credits", costsForm(url.Values{"credits_per_unit.clustering": {"1.5"}}, nil), "credits_per_unit.clustering", "whole number"},
			{"no credits", costsForm(url.Values{"credits_per_unit.clustering": {" "}}, nil), "credits_per_unit.clustering", "Enter the credits"},
			{"no unit", costsForm(url.Values{"unit.image_generation": {"  "}}, nil), "unit.image_generation", "Name the unit"},
			{"long unit", costsForm(url.Values{"unit.image_generation": {strings.Repeat("é", 61)}}, nil), "unit.image_generation", "at most 60"},
		} {
			res := ca.PostForm(t, "/admin/credit-costs", tc.form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d, want 422\n%s", tc.name, res.Status, res.Body)
			}
			if got := res.TestID(t, "error-"+tc.field); !strings.Contains(got, tc.want) {
				t.Errorf("%s: error %q, want %q", tc.name, got, tc.want)
			}
			if after, _ := d.CreditCosts(ctx); !after[0].UpdatedAt.Equal(before[0].UpdatedAt) || after[2].DefaultShareBP != 4000 {
				t.Fatalf("%s: a refused form saved", tc.name)
			}
		}
		// A refused form keeps what was typed and shows its sum.
		res := ca.PostForm(t, "/admin/credit-costs", costsForm(nil, map[string]string{"content_generation": "39.99"}))
		if res.FormValue(t, "default_share.content_generation") != "39.99" || res.TestID(t, "costs-sum") != "99.99%" {
			t.Errorf("refused form: %s", res.Body)
		}
		// 60 characters (not bytes) is fine.
		unit := strings.Repeat("é", 60)

		app.Clock.Advance(time.Minute)
		res = ca.PostForm(t, "/admin/credit-costs", costsForm(url.Values{
			"credits_per_unit.content_generation": {"25"}, "unit.content_generation": {unit}, "active.image_prompt_extraction": {""},
		}, map[string]string{"clustering": "12.5", "content_generation": "42.5"}))
		if res.Status != http.StatusSeeOther || res.Location() != "/admin/credit-costs" {
			t.Fatalf("good save: %d\n%s", res.Status, res.Body)
		}
		if page := ca.Follow(t, res); !strings.Contains(page.TestID(t, "flash"), "Credit costs saved") || page.FormValue(t, "default_share.clustering") != "12.5" {
			t.Fatalf("after saving:\n%s", page.Body)
		}
		after, _ := d.CreditCosts(ctx)
		byOp := map[string]db.CreditCost{}
		for _, c := range after {
			byOp[c.Operation] = c
		}
		if c := byOp["content_generation"]; c.CreditsPerUnit != 25 || c.Unit != unit || c.DefaultShareBP != 4250 || !c.UpdatedAt.Equal(app.Clock.Now()) {
			t.Errorf("content_generation saved as %+v", c)
		}
		if byOp["clustering"].DefaultShareBP != 1250 || byOp["image_prompt_extraction"].Active || !byOp["image_generation"].Active {
			t.Errorf("saved %+v", after)
		}

		// Non-admins see nothing.
		cn := app.Client(t)
		cn.Login(t, ann.Email, handlertest.Password)
		if res := cn.Get(t, "/admin/credit-costs"); res.Status != http.StatusNotFound {
			t.Errorf("non-admin GET: %d", res.Status)
		}
		if res := cn.PostForm(t, "/admin/credit-costs", costsForm(nil, map[string]string{"clustering": "10", "idea_generation": "15"})); res.Status != http.StatusNotFound {
			t.Errorf("non-admin POST: %d", res.Status)
		}
		if now, _ := d.CreditCosts(ctx); now[1].DefaultShareBP != 1000 {
			t.Fatal("a non-admin changed the costs")
		}
	})
}
