package handlers_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers"
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
		if _, err := dbtest.Exec(context.Background(), d, d.Rebind(`DELETE FROM users WHERE id = ?`), u.ID); err != nil {
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

// loginFrom posts the login form as a browser at addr would (the app
// trusts the test's proxy, 127.0.0.1, for X-Forwarded-For).
func loginFrom(t *testing.T, c *handlertest.Client, token, addr, email, password string) *handlertest.Response {
	t.Helper()
	form := url.Values{"_csrf": {token}, "email": {email}, "password": {password}}
	req := c.NewRequest(t, http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	return c.Do(t, req)
}

func trustLoopbackProxy(d *handlers.Deps) {
	d.TrustedProxies = []*net.IPNet{{IP: net.IPv4(127, 0, 0, 1), Mask: net.CIDRMask(32, 32)}}
}

// An attacker guessing the owner's password from one address waits longer
// after each failure, while the owner, elsewhere, logs in at once.
func TestLoginThrottlePerEmailAndAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d, handlertest.WithDeps(trustLoopbackProxy))
		u := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		attacker := app.Client(t)
		token := attacker.Get(t, "/login").FormValue(t, "_csrf")
		const attackerAddr, ownerAddr = "203.0.113.5", "198.51.100.9"

		// Five free failures, then each one doubles the wait: 2 s, 4 s, 8 s…
		for i, wait := range []int{0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 64} {
			if res := loginFrom(t, attacker, token, attackerAddr, u.Email, "guess"); res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("failure %d: %d", i+1, res.Status)
			}
			if wait == 0 {
				continue
			}
			// Even the right password is refused from there until the wait is over.
			res := loginFrom(t, attacker, token, attackerAddr, u.Email, handlertest.Password)
			if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") != fmt.Sprint(wait) ||
				!strings.Contains(res.TestID(t, "login-error"), fmt.Sprintf("Try again in %d seconds", wait)) {
				t.Fatalf("after failure %d: %d, Retry-After %q, %q; want 429 and a %d s wait",
					i+1, res.Status, res.Header.Get("Retry-After"), res.TestID(t, "login-error"), wait)
			}
			app.Clock.Advance(time.Duration(wait) * time.Second)
		}

		// One more failure: the attacker's address now waits 128 s…
		loginFrom(t, attacker, token, attackerAddr, u.Email, "guess")
		if res := loginFrom(t, attacker, token, attackerAddr, u.Email, handlertest.Password); res.Status != http.StatusTooManyRequests {
			t.Fatalf("during the wait: %d", res.Status)
		}
		// …while the owner, at another address, logs in at once (12
		// failures: a limit per email would have locked the account).
		owner := app.Client(t)
		ownerToken := owner.Get(t, "/login").FormValue(t, "_csrf")
		if res := loginFrom(t, owner, ownerToken, ownerAddr, u.Email, handlertest.Password); res.Status != http.StatusSeeOther {
			t.Fatalf("the owner at another address: %d, want 303\n%s", res.Status, res.Body)
		}

		// The attacker's address may try again once its wait is over, and
		// a success forgets the pair's failures.
		app.Clock.Advance(128 * time.Second)
		if res := loginFrom(t, attacker, token, attackerAddr, u.Email, handlertest.Password); res.Status != http.StatusSeeOther {
			t.Fatalf("after the wait: %d", res.Status)
		}
		if res := loginFrom(t, app.Client(t), token, attackerAddr, u.Email, "guess"); res.Status == http.StatusTooManyRequests {
			t.Fatalf("a failure after a success is waited on: the pair was not reset")
		}
	})
}

// One address guessing many accounts meets the per-address ceiling, below
// every account's own limit; other addresses are not affected.
func TestLoginThrottleAddressCeiling(t *testing.T) {
	// Only the HTTP layer is under test here: one database is enough.
	app := handlertest.New(t, dbtest.New(t, db.SQLite), handlertest.WithDeps(trustLoopbackProxy))
	var emails []string
	for i := 0; i < 11; i++ {
		emails = append(emails, app.NewUser(t, fmt.Sprintf("u%d@example.com", i), handlertest.Password, false).Email)
	}
	c := app.Client(t)
	token := c.Get(t, "/login").FormValue(t, "_csrf")
	// 51 failures, at most 5 per account (each account's free ones); then
	// the address waits, whatever account it tries.
	for i := 0; i < 51; i++ {
		if res := loginFrom(t, c, token, "203.0.113.5", emails[i%10], "guess"); res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d, want 422", i+1, res.Status)
		}
	}
	if res := loginFrom(t, c, token, "203.0.113.5", emails[10], handlertest.Password); res.Status != http.StatusTooManyRequests {
		t.Fatalf("after 51 failures from one address: %d, want 429", res.Status)
	}
	if res := loginFrom(t, c, token, "203.0.113.6", emails[10], handlertest.Password); res.Status != http.StatusSeeOther {
		t.Fatalf("another address: %d, want 303", res.Status)
	}
}

// Without trusted proxies a forged X-Forwarded-For changes nothing: the
// connection's address meets the ceiling.
func TestLoginThrottleIgnoresForgedForwardedFor(t *testing.T) {
	app := handlertest.New(t, dbtest.New(t, db.SQLite))
	var emails []string
	for i := 0; i < 11; i++ {
		emails = append(emails, app.NewUser(t, fmt.Sprintf("u%d@example.com", i), handlertest.Password, false).Email)
	}
	c := app.Client(t)
	token := c.Get(t, "/login").FormValue(t, "_csrf")
	for i := 0; i <= 51; i++ {
		email, pw := emails[i%10], "guess"
		want := http.StatusUnprocessableEntity
		if i == 51 {
			email, pw, want = emails[10], handlertest.Password, http.StatusTooManyRequests
		}
		if res := loginFrom(t, c, token, fmt.Sprintf("10.0.0.%d", i), email, pw); res.Status != want {
			t.Fatalf("attempt %d: %d, want %d", i+1, res.Status, want)
		}
	}
}
