package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/auth"
	"autopress/views"
)

// msgBadLogin is the one message for an unknown email and a wrong password.
const msgBadLogin = "Wrong email or password."

// Failed logins allowed per email and per client address within loginWindow,
// before further attempts are refused until the window moves on.
const (
	loginFailuresPerEmail = 10
	loginFailuresPerIP    = 50
	loginWindow           = 15 * time.Minute
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
	emailKey, ipKey := db.NormEmail(email), c.RealIP()
	if wait, blocked := h.loginBlocked(emailKey, ipKey); blocked {
		form.Error = fmt.Sprintf("Too many failed attempts. Try again in %d minute(s).", int(wait.Minutes())+1)
		return h.render(c, http.StatusTooManyRequests, views.Login(h.page(c, "Log in", ""), form))
	}
	u, err := h.authenticate(c.Request().Context(), email, password)
	if errors.Is(err, auth.ErrBadCredentials) {
		h.loginsByEmail.Fail(emailKey)
		h.loginsByIP.Fail(ipKey)
		form.Error = msgBadLogin
		return h.render(c, http.StatusUnprocessableEntity, views.Login(h.page(c, "Log in", ""), form))
	}
	if err != nil {
		return err
	}
	h.loginsByEmail.Reset(emailKey)

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

// loginBlocked reports whether the email or the client address has too many
// recent failures, and how long until the next attempt is allowed.
func (h *app) loginBlocked(emailKey, ipKey string) (time.Duration, bool) {
	if blocked, wait := h.loginsByEmail.Blocked(emailKey); blocked {
		return wait, true
	}
	if blocked, wait := h.loginsByIP.Blocked(ipKey); blocked {
		return wait, true
	}
	return 0, false
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
