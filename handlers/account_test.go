package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

func TestAccountTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)

		page := c.Get(t, "/account")
		if page.TestID(t, "account-email") != ann.Email || page.TestID(t, "credits") != "10,000" || !page.Has("tokens-empty") {
			t.Fatalf("account page:\n%s", page.Body)
		}
		if page.Has("nav-admin") {
			t.Error("a non-admin sees the Admin link")
		}

		if res := c.PostForm(t, "/account/tokens", url.Values{"name": {"  "}}); res.Status != http.StatusUnprocessableEntity || !res.Has("error-name") {
			t.Fatalf("token without a name: %d", res.Status)
		}

		// The plaintext is in the creating response only.
		res := c.PostForm(t, "/account/tokens", url.Values{"name": {"CI import"}})
		if res.Status != http.StatusOK {
			t.Fatalf("create token: %d\n%s", res.Status, res.Body)
		}
		token := res.TestID(t, "new-token")
		if !strings.HasPrefix(token, "ap_") || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("new token %q, Cache-Control %q", token, res.Header.Get("Cache-Control"))
		}
		page = c.Get(t, "/account")
		if page.Has("new-token") || strings.Contains(page.Body, token) {
			t.Fatal("the token's plaintext is shown again")
		}
		if got := page.TestIDs("token-status"); len(got) != 1 || got[0] != "active" {
			t.Fatalf("token statuses %v", got)
		}

		// It works on the API, and stops working once revoked.
		app.Clock.Advance(time.Hour)
		if res := app.API(t, token, http.MethodGet, "/api/v1/sites", nil); res.Status != http.StatusOK {
			t.Fatalf("API with the new token: %d %s", res.Status, res.Body)
		}
		tokens, err := d.ListTokens(ctx, ann.AccountID)
		if err != nil || len(tokens) != 1 || tokens[0].LastUsedAt == nil || !tokens[0].LastUsedAt.Equal(app.Clock.Now()) {
			t.Fatalf("last used should be the fake clock's now: %+v %v", tokens, err)
		}
		res = c.PostForm(t, fmt.Sprintf("/account/tokens/%d/revoke", tokens[0].ID), nil)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.Status)
		}
		page = c.Follow(t, res)
		if got := page.TestID(t, "token-status"); !strings.HasPrefix(got, "revoked 2026-03-01 13:00 UTC") {
			t.Errorf("revoked token status %q", got)
		}
		if res := app.API(t, token, http.MethodGet, "/api/v1/sites", nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("API with a revoked token: %d", res.Status)
		}
		// Revoking twice is a 404 like any token that is not (or no longer) revocable.
		if res := c.PostForm(t, fmt.Sprintf("/account/tokens/%d/revoke", tokens[0].ID), nil); res.Status != http.StatusNotFound {
			t.Errorf("second revoke: %d, want 404", res.Status)
		}
	})
}

func TestAdminAccounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		admin := app.NewUser(t, "root@example.com", handlertest.Password, true)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		app.NewSite(t, ann, "Coffee")

		ca := app.Client(t)
		ca.Login(t, admin.Email, handlertest.Password)
		page := ca.Get(t, "/admin/accounts")
		if page.Status != http.StatusOK || len(page.TestIDs("account-row")) != 2 || !page.Has("nav-admin") {
			t.Fatalf("admin accounts: %d\n%s", page.Status, page.Body)
		}

		cn := app.Client(t)
		cn.Login(t, ann.Email, handlertest.Password)
		for _, path := range []string{"/admin/accounts", "/admin/nothing-here"} {
			res := cn.Get(t, path)
			if res.Status != http.StatusNotFound || res.TestID(t, "error-message") != "Not found" {
				t.Errorf("non-admin GET %s: %d, want the 404 page", path, res.Status)
			}
		}
	})
}

func TestChangePassword(t *testing.T) {
	app := handlertest.New(t, dbtest.New(t, db.SQLite))
	ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
	// The first start's password file, holding the current password.
	file := filepath.Join(app.Deps.DataDir, "initial-admin-password")
	if err := os.WriteFile(file, []byte(handlertest.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := app.Client(t)
	c.Login(t, ann.Email, handlertest.Password)
	c.Get(t, "/account")

	bad := c.PostForm(t, "/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"short"}, "confirm_password": {"other"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad input: %d", bad.Status)
	}
	for _, want := range []string{"not your current password", "at least 10 characters", "two new passwords differ"} {
		if !strings.Contains(bad.Body, want) {
			t.Errorf("no %q on the page", want)
		}
	}
	if strings.Contains(bad.Body, handlertest.Password) {
		t.Fatal("a password was rendered back")
	}

	const next = "a much better password"
	res := c.PostForm(t, "/account/password", url.Values{"current_password": {handlertest.Password}, "new_password": {next}, "confirm_password": {next}})
	if res.Status != http.StatusSeeOther || res.Location() != "/account" {
		t.Fatalf("change: %d %q", res.Status, res.Location())
	}
	if got := c.Follow(t, res).TestID(t, "flash"); got != "Your password was changed." {
		t.Errorf("flash %q", got)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the initial password file still exists (%v)", err)
	}
	fresh := app.Client(t)
	token := fresh.Get(t, "/login").FormValue(t, "_csrf")
	if old := fresh.Post(t, "/login", url.Values{"_csrf": {token}, "email": {ann.Email}, "password": {handlertest.Password}}); old.Status != http.StatusUnprocessableEntity {
		t.Fatalf("the old password still logs in: %d", old.Status)
	}
	fresh.Login(t, ann.Email, next)
}

// TestAccountTimezone: the account and admin pages show times in the user's
// zone: the one chosen, else the browser's (the cookie static/app.js
// sets), else UTC; a name that is no zone is refused with the input kept.
func TestAccountTimezone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		app.NewToken(t, ann)
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		created := func(page *handlertest.Response) string {
			t.Helper()
			m := regexp.MustCompile(`<td>(2026-03-01 [^<]+)</td>`).FindStringSubmatch(page.Body)
			if m == nil {
				t.Fatalf("no token creation time on the page:\n%s", page.Body)
			}
			return m[1]
		}

		page := c.Get(t, "/account")
		if got := page.TestID(t, "user-zone"); !strings.Contains(got, "UTC") || created(page) != "2026-03-01 12:00 UTC" {
			t.Errorf("without a zone: %q, token created %q", got, created(page))
		}
		// The browser's zone, as static/app.js reports it.
		u, _ := url.Parse(app.URL)
		c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "autopress_tz", Value: url.QueryEscape("America/New_York"), Path: "/"}})
		page = c.Get(t, "/account")
		if got := page.TestID(t, "user-zone"); got != "Times on your account and admin pages are in America/New_York (your browser's). A site's pages use the site's own time zone." {
			t.Errorf("browser's zone: %q", got)
		}
		if got := created(page); got != "2026-03-01 07:00 EST" {
			t.Errorf("token created %q in the browser's zone", got)
		}

		// A chosen zone wins over the browser's.
		res := c.PostForm(t, "/account/timezone", url.Values{"timezone": {"Asia/Tokyo"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", res.Status, res.Body)
		}
		page = c.Follow(t, res)
		if got := created(page); got != "2026-03-01 21:00 JST" || page.FormValue(t, "timezone") != "Asia/Tokyo" {
			t.Errorf("chosen zone: created %q, field %q", got, page.FormValue(t, "timezone"))
		}
		if got, _ := d.UserByID(context.Background(), ann.ID); got.Timezone != "Asia/Tokyo" {
			t.Errorf("stored zone %q", got.Timezone)
		}

		for _, bad := range []string{"Mars/Olympus", "Local", "../../etc/passwd"} {
			res = c.PostForm(t, "/account/timezone", url.Values{"timezone": {bad}})
			if res.Status != http.StatusUnprocessableEntity || !res.Has("error-timezone") || res.FormValue(t, "timezone") != bad {
				t.Errorf("%q: %d, error %v, kept %q", bad, res.Status, res.Has("error-timezone"), res.FormValue(t, "timezone"))
			}
		}
		if got, _ := d.UserByID(context.Background(), ann.ID); got.Timezone != "Asia/Tokyo" {
			t.Errorf("a refused zone changed the stored one: %q", got.Timezone)
		}
		// Empty: back to the browser's zone.
		c.Follow(t, c.PostForm(t, "/account/timezone", url.Values{"timezone": {""}}))
		if got := created(c.Get(t, "/account")); got != "2026-03-01 07:00 EST" {
			t.Errorf("back to the browser's zone: %q", got)
		}
	})
}
