package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AutoApprovalEnabled reads the site's auto-approval switch (publishing
// settings), which gates stage 7.
func (d *DB) AutoApprovalEnabled(ctx context.Context, siteID int64) (bool, error) {
	var on bool
	err := d.GetContext(ctx, &on, d.q(`SELECT auto_approval_enabled FROM publishing_settings WHERE site_id = ?`), siteID)
	return on, notFound(err)
}

// PublishingSettings is a site's publishing configuration (docs/publishing.md).
type PublishingSettings struct {
	SiteID                 int64     `db:"site_id" json:"-"`
	AutoApprovalEnabled    bool      `db:"auto_approval_enabled" json:"auto_approval_enabled"`
	AutoPublishEnabled     bool      `db:"auto_publish_enabled" json:"auto_publish_enabled"`
	SchedulingMode         string    `db:"scheduling_mode" json:"scheduling_mode"`
	PublishDays            string    `db:"publish_days" json:"-"`
	PublishTimeSlots       string    `db:"publish_time_slots" json:"-"`
	StaggerStartTime       string    `db:"stagger_start_time" json:"stagger_start_time"`
	StaggerEndTime         string    `db:"stagger_end_time" json:"stagger_end_time"`
	StaggerIntervalMinutes int       `db:"stagger_interval_minutes" json:"stagger_interval_minutes"`
	DailyTarget            int       `db:"daily_target" json:"daily_target"`
	WeeklyTarget           int       `db:"weekly_target" json:"weekly_target"`
	MonthlyTarget          int       `db:"monthly_target" json:"monthly_target"`
	MaxScheduledQueue      int       `db:"max_scheduled_queue" json:"max_scheduled_queue"`
	TargetKind             string    `db:"target_kind" json:"target_kind"`
	WebhookURL             string    `db:"webhook_url" json:"webhook_url"`
	WebhookSecretEnc       string    `db:"webhook_secret_enc" json:"-"`
	WPURL                  string    `db:"wp_url" json:"wp_url"`
	WPUsername             string    `db:"wp_username" json:"wp_username"`
	WPAppPasswordEnc       string    `db:"wp_app_password_enc" json:"-"`
	WPCategories           string    `db:"wp_categories" json:"wp_categories"`
	WPTags                 string    `db:"wp_tags" json:"wp_tags"`
	UpdatedAt              time.Time `db:"updated_at" json:"updated_at"`
}

// Days returns the allowed weekdays as their three-letter names.
func (p PublishingSettings) Days() []string { return splitList(p.PublishDays) }

// Slots returns the HH:MM time slots.
func (p PublishingSettings) Slots() []string { return splitList(p.PublishTimeSlots) }

// Categories returns the category names sent with every article.
func (p PublishingSettings) Categories() []string { return splitList(p.WPCategories) }

// Tags returns the tag names sent with every article.
func (p PublishingSettings) Tags() []string { return splitList(p.WPTags) }

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// GetPublishingSettings loads a site's publishing settings.
func (d *DB) GetPublishingSettings(ctx context.Context, siteID int64) (PublishingSettings, error) {
	var p PublishingSettings
	err := d.GetContext(ctx, &p, d.q(`SELECT * FROM publishing_settings WHERE site_id = ?`), siteID)
	return p, notFound(err)
}

// SavePublishingSettings writes every field.
func (d *DB) SavePublishingSettings(ctx context.Context, p PublishingSettings, now time.Time) error {
	res, err := d.exec(ctx, d.q(`UPDATE publishing_settings SET auto_approval_enabled = ?, auto_publish_enabled = ?, scheduling_mode = ?,
		publish_days = ?, publish_time_slots = ?, stagger_start_time = ?, stagger_end_time = ?, stagger_interval_minutes = ?,
		daily_target = ?, weekly_target = ?, monthly_target = ?, max_scheduled_queue = ?, target_kind = ?, webhook_url = ?, webhook_secret_enc = ?,
		wp_url = ?, wp_username = ?, wp_app_password_enc = ?, wp_categories = ?, wp_tags = ?, updated_at = ? WHERE site_id = ?`),
		p.AutoApprovalEnabled, p.AutoPublishEnabled, p.SchedulingMode, p.PublishDays, p.PublishTimeSlots, p.StaggerStartTime, p.StaggerEndTime,
		p.StaggerIntervalMinutes, p.DailyTarget, p.WeeklyTarget, p.MonthlyTarget, p.MaxScheduledQueue, p.TargetKind, p.WebhookURL, p.WebhookSecretEnc,
		p.WPURL, p.WPUsername, p.WPAppPasswordEnc, p.WPCategories, p.WPTags, T(now), p.SiteID)
	if err != nil {
		return fmt.Errorf("db: save publishing settings: %w", err)
	}
	return oneRow(res, ErrNotFound)
}
