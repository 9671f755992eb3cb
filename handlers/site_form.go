package handlers

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// siteForm is the new-site and edit-site form.
type siteForm struct {
	Name     string
	URL      string
	Timezone string
}

const maxSiteName = 100

func parseSiteForm(c echo.Context) siteForm {
	return siteForm{
		Name:     strings.TrimSpace(c.FormValue("name")),
		URL:      strings.TrimSpace(c.FormValue("url")),
		Timezone: strings.TrimSpace(c.FormValue("timezone")),
	}
}

// validate returns a message per invalid field (empty when all are fine).
func (f siteForm) validate() map[string]string {
	errs := map[string]string{}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		errs["name"] = "Enter a name."
	case n > maxSiteName:
		errs["name"] = "Use at most 100 characters."
	}
	if u, err := url.Parse(f.URL); f.URL == "" {
		errs["url"] = "Enter the site's address."
	} else if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(f.URL) > 2000 {
		errs["url"] = "Enter a full http:// or https:// address, like https://example.com."
	}
	if f.Timezone == "" {
		errs["timezone"] = "Enter a time zone, like Europe/Berlin or UTC."
	} else if _, err := time.LoadLocation(f.Timezone); err != nil || f.Timezone == "Local" {
		errs["timezone"] = "Unknown time zone: use an IANA name, like Europe/Berlin or UTC."
	}
	return errs
}

// apply copies the form onto a site (its ID and account stay).
func (f siteForm) apply(s db.Site) db.Site {
	s.Name, s.URL, s.Timezone = f.Name, f.URL, f.Timezone
	return s
}

func (f siteForm) view(id int64, errs map[string]string) views.SiteForm {
	return views.SiteForm{ID: id, Name: f.Name, URL: f.URL, Timezone: f.Timezone, Errors: errs}
}
