package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// ctxUser holds the db.User of the request (session or bearer token).
const ctxUser = "user"

// requireUser loads the session's user on every request, so a deleted user
// is logged out at once. Without one, pages redirect to the login page and
// htmx requests get HX-Redirect.
func (h *app) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id := h.Sessions.GetInt64(ctx, sessUserID)
		if id == 0 {
			return h.toLogin(c)
		}
		u, err := h.DB.UserByID(ctx, id)
		if errors.Is(err, db.ErrNotFound) {
			if err := h.Sessions.Destroy(ctx); err != nil {
				return err
			}
			return h.toLogin(c)
		}
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

// requireAdmin answers 404 to anyone but an instance admin, so the admin
// pages do not reveal that they exist. It runs after requireUser.
func (h *app) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !userOf(c).IsAdmin {
			return errNotFound
		}
		return next(c)
	}
}

// toLogin sends the visitor to the login page, remembering where they were
// going (GET requests only; an htmx request returns to the page it came from).
func (h *app) toLogin(c echo.Context) error {
	target := "/login"
	next := ""
	if c.Request().Method == http.MethodGet {
		next = c.Request().URL.RequestURI()
	}
	if isHTMX(c) {
		next = ""
		if u, err := url.Parse(c.Request().Header.Get(hxCurrentURL)); err == nil {
			next = localPath(u.RequestURI())
		}
	}
	if next != "" && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	if isHTMX(c) {
		c.Response().Header().Set(hxRedirect, target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// userOf is the request's user; only routes behind requireUser or
// requireToken may call it.
func userOf(c echo.Context) db.User {
	u, ok := c.Get(ctxUser).(db.User)
	if !ok {
		panic("handlers: userOf on a route without requireUser or requireToken")
	}
	return u
}
