// Package views holds autopress's templ components: the layout, the pages
// and their htmx partials. Components receive plain data structs built by
// the handlers; nothing here touches the database or the request.
package views

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Page is what the layout needs on every page.
type Page struct {
	Title string
	// CSRF is the token forms send as _csrf and htmx sends as X-CSRF-Token.
	CSRF string
	// User is nil on pages seen without a session (login, errors).
	User *User
	// Nav names the active top-level section: "sites", "account", "admin".
	Nav   string
	Flash Flash
	// Sites are the account's sites, for the site switcher (site pages only).
	Sites []SiteInfo
	// Location is the signed-in user's time zone, for the account and
	// admin pages (site pages use the site's); Zone names it in words.
	Location *time.Location
	Zone     string
	// Now is when the page was made, for relative times ("in 3 h").
	Now time.Time
}

// User is the signed-in person, as the navigation shows them.
type User struct {
	Email string
	Admin bool
}

// Flash is a one-time message carried across a redirect, optionally with a
// link to what it is about.
type Flash struct {
	Message  string
	Error    bool
	Link     string
	LinkText string
}

// TimeLayout is how times are shown everywhere.
const TimeLayout = "2006-01-02 15:04 MST"

// FormatTime shows t in loc (UTC when loc is nil); the zero time is "—".
func FormatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(TimeLayout)
}

// FormatTimePtr is FormatTime for optional times.
func FormatTimePtr(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "—"
	}
	return FormatTime(*t, loc)
}

// csrfHeaders is the hx-headers value that makes every htmx request carry
// the CSRF token.
func csrfHeaders(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

func itoa[T ~int | ~int64](n T) string { return fmt.Sprint(int64(n)) }

// thousands shows an integer with comma separators ("12,345").
func thousands[T ~int | ~int64](n T) string {
	s := fmt.Sprint(int64(n))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// budgetModeWords names an AI budget mode.
func budgetModeWords(mode string) string {
	switch mode {
	case "global":
		return "the instance's default split"
	case "custom":
		return "this site's own split"
	case "off":
		return "off"
	}
	return mode
}
