package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/publishing"
)

// apiPublishingSettings is a site's publishing settings in the API. Lists
// are arrays. Secrets are write-only: webhook_secret and wp_app_password are
// accepted on PUT (blank or absent keeps the stored one) and never
// returned; *_set tell whether one is stored. Read-only fields (site_id,
// the *_set flags, updated_at) may be sent back as read and are ignored.
type apiPublishingSettings struct {
	SiteID                 int64     `json:"site_id"`
	AutoApprovalEnabled    bool      `json:"auto_approval_enabled"`
	AutoPublishEnabled     bool      `json:"auto_publish_enabled"`
	SchedulingMode         string    `json:"scheduling_mode"`
	PublishDays            []string  `json:"publish_days"`
	PublishTimeSlots       []string  `json:"publish_time_slots"`
	StaggerStartTime       string    `json:"stagger_start_time"`
	StaggerEndTime         string    `json:"stagger_end_time"`
	StaggerIntervalMinutes int       `json:"stagger_interval_minutes"`
	DailyTarget            int       `json:"daily_target"`
	WeeklyTarget           int       `json:"weekly_target"`
	MonthlyTarget          int       `json:"monthly_target"`
	MaxScheduledQueue      int       `json:"max_scheduled_queue"`
	TargetKind             string    `json:"target_kind"`
	WebhookURL             string    `json:"webhook_url"`
	WebhookSecret          string    `json:"webhook_secret,omitempty"`
	WebhookSecretSet       bool      `json:"webhook_secret_set"`
	WPURL                  string    `json:"wp_url"`
	WPUsername             string    `json:"wp_username"`
	WPAppPassword          string    `json:"wp_app_password,omitempty"`
	WPAppPasswordSet       bool      `json:"wp_app_password_set"`
	WPCategories           []string  `json:"wp_categories"`
	WPTags                 []string  `json:"wp_tags"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// apiSettingsRefused is the 422 body: the first field's error, and all.
type apiSettingsRefused struct {
	apiError
	Errors map[string]string `json:"errors"`
}

func apiPublishingOf(p db.PublishingSettings) apiPublishingSettings {
	return apiPublishingSettings{
		SiteID: p.SiteID, AutoApprovalEnabled: p.AutoApprovalEnabled, AutoPublishEnabled: p.AutoPublishEnabled,
		SchedulingMode: p.SchedulingMode, PublishDays: nonNilList(p.Days()), PublishTimeSlots: nonNilList(p.Slots()),
		StaggerStartTime: p.StaggerStartTime, StaggerEndTime: p.StaggerEndTime, StaggerIntervalMinutes: p.StaggerIntervalMinutes,
		DailyTarget: p.DailyTarget, WeeklyTarget: p.WeeklyTarget, MonthlyTarget: p.MonthlyTarget, MaxScheduledQueue: p.MaxScheduledQueue,
		TargetKind: p.TargetKind, WebhookURL: p.WebhookURL, WebhookSecretSet: p.WebhookSecretEnc != "",
		WPURL: p.WPURL, WPUsername: p.WPUsername, WPAppPasswordSet: p.WPAppPasswordEnc != "",
		WPCategories: nonNilList(p.Categories()), WPTags: nonNilList(p.Tags()), UpdatedAt: p.UpdatedAt,
	}
}

// apiPublishing returns a site's publishing settings (never its secrets).
func (h *app) apiPublishing(c echo.Context) error {
	_, p, err := h.sitePublishing(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiPublishingOf(p))
}

// apiPublishingUpdate changes a site's publishing settings. Fields left out
// keep their values, so a client may send only what changes or the whole
// object it read. Validation is the settings form's: 422 with the first
// field's error and all of them under "errors". On success the queue is
// refilled and the new settings are returned.
func (h *app) apiPublishingUpdate(c echo.Context) error {
	s, saved, err := h.sitePublishing(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	req := apiPublishingOf(saved)
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := saved
	p.AutoApprovalEnabled, p.AutoPublishEnabled = req.AutoApprovalEnabled, req.AutoPublishEnabled
	p.SchedulingMode = strings.TrimSpace(req.SchedulingMode)
	p.PublishDays = strings.Join(publishing.NormalizeDays(req.PublishDays), ",")
	p.PublishTimeSlots = strings.Join(trimAll(req.PublishTimeSlots), ",")
	p.StaggerStartTime, p.StaggerEndTime = strings.TrimSpace(req.StaggerStartTime), strings.TrimSpace(req.StaggerEndTime)
	p.StaggerIntervalMinutes = req.StaggerIntervalMinutes
	p.DailyTarget, p.WeeklyTarget, p.MonthlyTarget = req.DailyTarget, req.WeeklyTarget, req.MonthlyTarget
	p.MaxScheduledQueue = req.MaxScheduledQueue
	p.TargetKind = strings.TrimSpace(req.TargetKind)
	p.WebhookURL = strings.TrimSpace(req.WebhookURL)
	p.WPURL, p.WPUsername = strings.TrimSpace(req.WPURL), strings.TrimSpace(req.WPUsername)
	p.WPCategories = strings.Join(trimAll(req.WPCategories), ", ")
	p.WPTags = strings.Join(trimAll(req.WPTags), ", ")
	parseErrs := map[string]string{}
	sec := newSecrets{WebhookSecret: strings.TrimSpace(req.WebhookSecret), WPAppPassword: strings.TrimSpace(req.WPAppPassword)}
	if err := h.sealSecrets(&p, sec, parseErrs); err != nil {
		return err
	}
	if errs := validatePublishing(p, parseErrs); errs != nil {
		field, msg := firstError(errs)
		return c.JSON(http.StatusUnprocessableEntity, apiSettingsRefused{apiError{Error: field + ": " + msg, Field: field}, errs})
	}
	if err := h.DB.SavePublishingSettings(ctx, p, h.Clock.Now()); err != nil {
		return err
	}
	h.fillQueue(ctx, s.ID)
	p, err = h.DB.GetPublishingSettings(ctx, s.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiPublishingOf(p))
}

// trimAll trims each value and drops empty ones.
func trimAll(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// nonNilList makes an empty list encode as [] rather than null.
func nonNilList(vs []string) []string {
	if vs == nil {
		return []string{}
	}
	return vs
}
