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
	"autopress/handlers/auth"
	"autopress/handlers/handlertest"
)

func TestLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		// One user the way the product creates them (default bcrypt cost).
		u, err := auth.CreateUser(context.Background(), d, "Ann's", "ann@example.com", handlertest.Password, false, app.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		c := app.Client(t)

		// Without a session, pages redirect to the login page, remembering where to go.
		res := c.Get(t, "/sites/new?x=1")
		if res.Status != http.StatusSeeOther || res.Location() != "/login?next="+url.QueryEscape("/sites/new?x=1") {
			t.Fatalf("anonymous /sites/new: %d %q", res.Status, res.Location())
		}
		// htmx requests get HX-Redirect instead.
		res = c.GetHTMX(t, "/sites")
		if res.Header.Get("HX-Redirect") == "" || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/login") {
			t.Fatalf("anonymous htmx request: %d, HX-Redirect %q", res.Status, res.Header.Get("HX-Redirect"))
		}

		// A wrong password and an unknown email get the same message.
		page := c.Get(t, "/login")
		token := page.FormValue(t, "_csrf")
		wrongPw := c.Post(t, "/login", url.Values{"_csrf": {token}, "email": {u.Email}, "password": {"not the password"}})
		unknown := c.Post(t, "/login", url.Values{"_csrf": {token}, "email": {"nobody@example.com"}, "password": {handlertest.Password}})
		if wrongPw.Status != http.StatusUnprocessableEntity || unknown.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad logins: %d and %d, want 422", wrongPw.Status, unknown.Status)
		}
		if a, b := wrongPw.TestID(t, "login-error"), unknown.TestID(t, "login-error"); a != b || a == "" {
			t.Fatalf("wrong password says %q, unknown email says %q: want the same message", a, b)
		}
		if got := wrongPw.FormValue(t, "email"); got != u.Email {
			t.Errorf("the form should keep the email, got %q", got)
		}

		// The real form, with next: back to where the user was going.
		res = c.Post(t, "/login", url.Values{"_csrf": {token}, "email": {"ANN@example.com "}, "password": {handlertest.Password}, "next": {"/account"}})
		if res.Status != http.StatusSeeOther || res.Location() != "/account" {
			t.Fatalf("login: %d %q, want 303 /account", res.Status, res.Location())
		}
		if got := c.Follow(t, res).TestID(t, "account-email"); got != u.Email {
			t.Fatalf("account page shows %q", got)
		}

		// Logout is a POST with the token; afterwards pages redirect again.
		res = c.PostForm(t, "/logout", nil)
		if res.Status != http.StatusSeeOther || res.Location() != "/login" {
			t.Fatalf("logout: %d %q", res.Status, res.Location())
		}
		if got := c.Follow(t, res).TestID(t, "flash"); !strings.Contains(got, "logged out") {
			t.Errorf("after logout the flash says %q", got)
		}
		if res := c.Get(t, "/sites"); res.Status != http.StatusSeeOther {
			t.Fatalf("after logout /sites answered %d", res.Status)
		}
	})
}

func TestDeletedUserIsLoggedOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		u := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		c := app.Client(t)
		c.Login(t, u.Email, handlertest.Password)
		if _, err := d.ExecContext(context.Background(), d.Rebind(`DELETE FROM users WHERE id = ?`), u.ID); err != nil {
			t.Fatal(err)
		}
		if res := c.Get(t, "/sites"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/login") {
			t.Fatalf("deleted user: /sites answered %d %q", res.Status, res.Location())
		}
	})
}

func TestCSRFRequired(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		u := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		c := app.Client(t)
		c.Login(t, u.Email, handlertest.Password)
		form := url.Values{"name": {"Blog"}, "url": {"https://blog.example"}, "timezone": {"UTC"}}

		for name, res := range map[string]*handlertest.Response{
			"no token":    c.Post(t, "/sites/new", form),
			"wrong token": c.Post(t, "/sites/new", url.Values{"_csrf": {"forged"}, "name": form["name"], "url": form["url"], "timezone": form["timezone"]}),
		} {
			if res.Status != http.StatusForbidden && res.Status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 403 or 400", name, res.Status)
			}
		}
		sites, err := d.ListSites(context.Background(), u.AccountID)
		if err != nil || len(sites) != 0 {
			t.Fatalf("requests without a valid CSRF token created sites: %v %v", sites, err)
		}
		// The same form with the token works.
		if res := c.PostForm(t, "/sites/new", form); res.Status != http.StatusSeeOther {
			t.Fatalf("with token: %d\n%s", res.Status, res.Body)
		}
	})
}

func TestLoginThrottled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		u := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		c := app.Client(t)
		token := c.Get(t, "/login").FormValue(t, "_csrf")
		try := func(pw string) *handlertest.Response {
			return c.Post(t, "/login", url.Values{"_csrf": {token}, "email": {u.Email}, "password": {pw}})
		}
		for i := 0; i < 10; i++ {
			if res := try("guess"); res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("failure %d: %d", i+1, res.Status)
			}
		}
		// Even the right password is refused while the email is throttled.
		res := try(handlertest.Password)
		if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "Too many failed attempts") {
			t.Fatalf("11th attempt: %d\n%s", res.Status, res.Body)
		}
		app.Clock.Advance(16 * time.Minute)
		if res := try(handlertest.Password); res.Status != http.StatusSeeOther {
			t.Fatalf("after the window: %d", res.Status)
		}
	})
}

func TestLoginThrottleIgnoresForgedForwardedFor(t *testing.T) {
	// Only the HTTP layer is under test here: one database is enough.
	app := handlertest.New(t, dbtest.New(t, db.SQLite))
	var emails []string
	for i := 0; i < 6; i++ {
		emails = append(emails, app.NewUser(t, fmt.Sprintf("u%d@example.com", i), handlertest.Password, false).Email)
	}
	c := app.Client(t)
	token := c.Get(t, "/login").FormValue(t, "_csrf")
	// 50 failures from one address, spread over users (under the per-email
	// limit) and each with a different forged X-Forwarded-For: the address
	// is throttled all the same.
	for i := 0; i <= 50; i++ {
		form := url.Values{"_csrf": {token}, "email": {emails[i%len(emails)]}, "password": {"guess"}}
		req := c.NewRequest(t, http.MethodPost, "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i))
		res := c.Do(t, req)
		want := http.StatusUnprocessableEntity
		if i == 50 {
			want = http.StatusTooManyRequests
		}
		if res.Status != want {
			t.Fatalf("attempt %d: %d, want %d", i+1, res.Status, want)
		}
	}
}
