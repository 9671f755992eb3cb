package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

var grantFormRE = regexp.MustCompile(`(?s)action="/admin/accounts/(\d+)/grant".*?name="key" value="([^"]*)"`)

// grantKeys reads each account's grant form key from the admin accounts page.
func grantKeys(t *testing.T, page *handlertest.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range grantFormRE.FindAllStringSubmatch(page.Body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

var grantKeyRE = regexp.MustCompile(`^grant:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestAdminGrant(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		root := app.NewUser(t, "root@example.com", handlertest.Password, true)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		ca := app.Client(t)
		ca.Login(t, root.Email, handlertest.Password)
		path := fmt.Sprintf("/admin/accounts/%d/grant", ann.AccountID)
		balance := func() int64 {
			t.Helper()
			acc, err := d.AccountByID(ctx, ann.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			return acc.Credits
		}

		page := ca.Get(t, "/admin/accounts")
		keys := grantKeys(t, page)
		key := keys[fmt.Sprint(ann.AccountID)]
		if len(keys) != 2 || !grantKeyRE.MatchString(key) || keys[fmt.Sprint(root.AccountID)] == key {
			t.Fatalf("grant form keys %v", keys)
		}
		if again := grantKeys(t, ca.Get(t, "/admin/accounts")); again[fmt.Sprint(ann.AccountID)] == key {
			t.Fatal("each rendering must give a new key")
		}

		form := url.Values{"amount": {"500"}, "note": {"Support ticket 42"}, "key": {key}}
		res := ca.PostForm(t, path, form)
		if res.Status != http.StatusSeeOther || res.Location() != "/admin/accounts" {
			t.Fatalf("grant: %d\n%s", res.Status, res.Body)
		}
		page = ca.Follow(t, res)
		if got := page.TestID(t, "flash"); !strings.Contains(got, "Granted 500 credits") || !strings.Contains(got, "New balance: 10500 credits") {
			t.Fatalf("flash %q", got)
		}
		if b := balance(); b != 10500 {
			t.Fatalf("balance %d, want 10500", b)
		}

		// The same form again (double click, reload): nothing more.
		res = ca.PostForm(t, path, form)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("second submit: %d", res.Status)
		}
		if got := ca.Follow(t, res).TestID(t, "flash"); !strings.Contains(got, "already made") || !strings.Contains(got, "10500") {
			t.Errorf("second flash %q", got)
		}
		if b := balance(); b != 10500 {
			t.Fatalf("double submit granted twice: balance %d", b)
		}
		rows, total, err := d.ListLedger(ctx, ann.AccountID, 10, 0)
		if err != nil || total != 2 || rows[0].Kind != db.KindGrant || rows[0].Amount != 500 || rows[0].BalanceAfter != 10500 ||
			rows[0].IdempotencyKey != key || rows[0].Note != "Support ticket 42" {
			t.Fatalf("ledger %d %+v %v", total, rows, err)
		}
		if sum := dbtest.LedgerSum(t, d, ann.AccountID); sum != 10500 {
			t.Fatalf("ledger sums to %d, balance is 10500", sum)
		}
		// The account sees it in its history.
		cn := app.Client(t)
		cn.Login(t, ann.Email, handlertest.Password)
		if got := cn.Get(t, "/account/credits").TestIDs("ledger-note"); len(got) != 2 || got[0] != "Support ticket 42" {
			t.Errorf("account ledger notes %v", got)
		}

		fresh := grantKeys(t, ca.Get(t, "/admin/accounts"))[fmt.Sprint(ann.AccountID)]
		for _, tc := range []struct {
			name  string
			form  url.Values
			field string
			want  string
		}{
			{"zero", url.Values{"amount": {"0"}, "note": {"x"}, "key": {fresh}}, "amount", "from 1 to 1000000"},
			{"too much", url.Values{"amount": {"1000001"}, "note": {"x"}, "key": {fresh}}, "amount", "from 1 to 1000000"},
			{"not a number", url.Values{"amount": {"lots"}, "note": {"x"}, "key": {fresh}}, "amount", "whole number"},
			{"negative", url.Values{"amount": {"-5"}, "note": {"x"}, "key": {fresh}}, "amount", "whole number"},
			{"empty", url.Values{"amount": {""}, "note": {"x"}, "key": {fresh}}, "amount", "Enter the credits"},
			{"no note", url.Values{"amount": {"5"}, "note": {"  "}, "key": {fresh}}, "note", "Say why"},
			{"long note", url.Values{"amount": {"5"}, "note": {strings.Repeat("n", 201)}, "key": {fresh}}, "note", "at most 200"},
			{"no key", url.Values{"amount": {"5"}, "note": {"x"}}, "grant", "out of date"},
			{"bad key", url.Values{"amount": {"5"}, "note": {"x"}, "key": {"signup:1"}}, "grant", "out of date"},
		} {
			res := ca.PostForm(t, path, tc.form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d, want 422\n%s", tc.name, res.Status, res.Body)
			}
			if got := res.TestID(t, "error-"+tc.field); !strings.Contains(got, tc.want) {
				t.Errorf("%s: error %q, want %q", tc.name, got, tc.want)
			}
			if b := balance(); b != 10500 {
				t.Fatalf("%s: balance moved to %d", tc.name, b)
			}
		}
		// The refused form keeps the input and its key, so fixing it and
		// sending it twice still grants once.
		res = ca.PostForm(t, path, url.Values{"amount": {"250"}, "note": {""}, "key": {fresh}})
		if k := grantKeys(t, res)[fmt.Sprint(ann.AccountID)]; k != fresh || !strings.Contains(res.Body, `value="250"`) {
			t.Fatalf("refused form: key %q\n%s", k, res.Body)
		}
		for i := 0; i < 2; i++ {
			ca.PostForm(t, path, url.Values{"amount": {"250"}, "note": {"Fixed"}, "key": {fresh}})
		}
		if b := balance(); b != 10750 {
			t.Fatalf("balance %d, want 10750", b)
		}

		// Non-admins get 404 and grant nothing; unknown accounts are 404.
		if res := cn.PostForm(t, path, url.Values{"amount": {"5"}, "note": {"x"}, "key": {"grant:9b2f7c1e-5d1a-4f7e-9a53-0c9e1b7d2a44"}}); res.Status != http.StatusNotFound {
			t.Errorf("non-admin grant: %d", res.Status)
		}
		if res := ca.PostForm(t, "/admin/accounts/999999/grant", url.Values{"amount": {"5"}, "note": {"x"}, "key": {"grant:9b2f7c1e-5d1a-4f7e-9a53-0c9e1b7d2a44"}}); res.Status != http.StatusNotFound {
			t.Errorf("unknown account: %d", res.Status)
		}
		if b := balance(); b != 10750 {
			t.Fatalf("balance %d after refused grants", b)
		}
	})
}
