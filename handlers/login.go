package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/auth"
	"autopress/views"
)

// msgBadLogin is the one message for an unknown email and a wrong password.
const msgBadLogin = "Wrong email or password."

// Failed logins are slowed down per (email, client address) pair, so an
// attacker elsewhere cannot lock the owner out, and per client address
// across emails (the ceiling on one address guessing many accounts).
// Beyond the free failures each one doubles the wait before the next
// attempt.
var (
	loginPairPolicy    = auth.Policy{Free: 5, Base: 2 * time.Second, Max: 15 * time.Minute, Window: time.Hour}
	loginAddressPolicy = auth.Policy{Free: 50, Base: 2 * time.Second, Max: 15 * time.Minute, Window: time.Hour}
)

// loginPage shows the login form (also to a signed-in visitor, who may want
// to switch users).
func (h *app) loginPage(c echo.Context) error {
	f := views.LoginForm{Next: localPath(c.QueryParam("next"))}
	if id := h.Sessions.GetInt64(c.Request().Context(), sessUserID); id != 0 {
		if u, err := h.DB.UserByID(c.Request().Context(), id); err == nil {
			f.SignedInAs = u.Email
		}
	}
	return h.render(c, http.StatusOK, views.Login(h.page(c, "Log in", ""), f))
}

// login checks the credentials, starts a fresh session (a new token, so a
// planted session id is worthless) and goes on to next or the sites.
func (h *app) login(c echo.Context) error {
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	next := localPath(c.FormValue("next"))
	form := views.LoginForm{Email: email, Next: next}

	if email == "" || password == "" {
		form.Error = "Enter your email and password."
		return h.render(c, http.StatusUnprocessableEntity, views.Login(h.page(c, "Log in", ""), form))
	}
	addrKey := auth.AddressKey(c.RealIP())
	pairKey := db.NormEmail(email) + "\x00" + addrKey
	if wait := max(h.loginsByPair.Wait(pairKey), h.loginsByAddress.Wait(addrKey)); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(secs))
		form.Error = "Too many failed attempts. Try again in " + waitText(secs) + "."
		return h.render(c, http.StatusTooManyRequests, views.Login(h.page(c, "Log in", ""), form))
	}
	u, err := h.authenticate(c.Request().Context(), email, password)
	if errors.Is(err, auth.ErrBadCredentials) {
		h.loginsByPair.Fail(pairKey)
		h.loginsByAddress.Fail(addrKey)
		form.Error = msgBadLogin
		return h.render(c, http.StatusUnprocessableEntity, views.Login(h.page(c, "Log in", ""), form))
	}
	if err != nil {
		return err
	}
	// The address keeps its failures: logging into an account of one's
	// own must not lift the ceiling on guessing others.
	h.loginsByPair.Reset(pairKey)

	ctx := c.Request().Context()
	if err := h.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.Sessions.Put(ctx, sessUserID, u.ID)
	now := h.Clock.Now()
	db.BestEffort(ctx, h.Log, "record the login", func(ctx context.Context) error { return h.DB.TouchLogin(ctx, u.ID, now) })
	if next == "" {
		next = "/sites"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// waitText says a wait of secs seconds in words: seconds under two
// minutes, whole minutes (rounded up) above.
func waitText(secs int) string {
	switch {
	case secs == 1:
		return "1 second"
	case secs < 120:
		return strconv.Itoa(secs) + " seconds"
	}
	return strconv.Itoa((secs+59)/60) + " minutes"
}

// authenticate returns the user with this email and password, or
// auth.ErrBadCredentials. An unknown email costs one bcrypt comparison
// too, so timing does not tell which emails exist.
func (h *app) authenticate(ctx context.Context, email, password string) (db.User, error) {
	u, err := h.DB.UserByEmail(ctx, email)
	if errors.Is(err, db.ErrNotFound) {
		auth.BurnPasswordCheck(password)
		return db.User{}, auth.ErrBadCredentials
	}
	if err != nil {
		return db.User{}, err
	}
	if !auth.CheckPassword(u.PasswordHash, password) {
		return db.User{}, auth.ErrBadCredentials
	}
	return u, nil
}

// localPath returns s when it is a path on this server ("/sites?x=1"), and
// "" for anything that could lead elsewhere ("//evil.example", "https://…").
func localPath(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return s
}
