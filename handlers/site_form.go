package handlers

import (
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/input"
	"autopress/views"
)

// siteForm is the new-site and edit-site form.
type siteForm struct {
	Name     string
	URL      string
	Timezone string
}

// Limits of the site form's fields, in characters.
const (
	maxSiteName = 100
	maxURL      = 2000
	maxTimezone = 64
)

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
	if f.Name == "" {
		errs["name"] = "Enter a name."
	}
	input.Line(maxSiteName).CheckField(errs, "name", f.Name)
	if f.URL == "" {
		errs["url"] = "Enter the site's address."
	}
	input.Line(maxURL).CheckField(errs, "url", f.URL)
	if u, err := url.Parse(f.URL); errs["url"] == "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		errs["url"] = "Enter a full http:// or https:// address, like https://example.com."
	}
	if f.Timezone == "" {
		errs["timezone"] = "Enter a time zone, like Europe/Berlin or UTC."
	}
	input.Line(maxTimezone).CheckField(errs, "timezone", f.Timezone)
	if _, err := time.LoadLocation(f.Timezone); errs["timezone"] == "" && (err != nil || f.Timezone == "Local") {
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
