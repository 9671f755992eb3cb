package handlers

import (
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// tzCookie is where static/app.js keeps the browser's time zone (an IANA
// name), for users who leave their time zone to the browser.
const tzCookie = "autopress_tz"

// loadZone loads an IANA zone name; "" and "Local" (the server's zone) are
// not names a person chooses.
func loadZone(name string) (*time.Location, bool) {
	if name == "" || name == "Local" || len(name) > 64 {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}

// userZone is the zone of the account and admin pages: the user's choice,
// else the browser's (the cookie static/app.js sets), else UTC. It also
// says where the zone comes from, in words.
func userZone(c echo.Context, u db.User) (*time.Location, string) {
	if loc, ok := loadZone(u.Timezone); ok {
		return loc, u.Timezone
	}
	if ck, err := c.Cookie(tzCookie); err == nil {
		if name, err := url.QueryUnescape(ck.Value); err == nil {
			if loc, ok := loadZone(name); ok {
				return loc, name + " (your browser's)"
			}
		}
	}
	return time.UTC, "UTC (your browser has not told its zone yet)"
}
