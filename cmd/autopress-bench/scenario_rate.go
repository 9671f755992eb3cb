package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"autopress/jobs/ai/aitest"
)

// The rate scenarios run a server against the fake provider enforcing a
// limit autopress is not told (no AI_REQUESTS_PER_MINUTE, no
// AI_IMAGES_PER_MINUTE, no x-ratelimit headers): it must find it from the
// 429 answers.
const (
	rpmLimit = 300 // chat requests a minute, as in issue 12
	ipmLimit = 60  // images a minute
	ipmCount = 120 // images the measured run draws
)

var rateRPMScenario = scenario{
	Name:  "rate-rpm",
	Title: "rate adherence: requests per minute, the limit not told",
	About: fmt.Sprintf("The fake provider lets %d chat requests a minute through per model (a token bucket "+
		"with one second of burst) and answers the others 429 with Retry-After and retry-after-ms, without "+
		"x-ratelimit headers; autopress is not told the limit. One run of the demo site with 81 more "+
		"keywords (121 in all) through every stage, default concurrency (4) and attempts (4). The figures "+
		"cover the text model's requests, from the first to the last: served per minute over the limit, "+
		"the share answered 429, and the items the run failed.", rpmLimit),
	Run: func(ctx context.Context, b *bench) ([]row, error) {
		fake := aitest.NewFakeOpenAI()
		defer fake.Close()
		fake.SetLimits(aitest.Limits{RequestsPerMinute: rpmLimit})
		var r run
		err := b.withServer(ctx, serverOptions{Env: openAIEnv(fake, nil)}, func(s *server) error {
			if err := s.importKeywords(ctx, keywords("topic", 27)); err != nil {
				return err
			}
			if err := s.configure(ctx, map[string]any{}); err != nil {
				return err
			}
			var err error
			r, err = s.runToEnd(ctx)
			return err
		})
		if err != nil {
			return nil, err
		}
		return adherence(fake, aitest.PathChat, rpmLimit, "requests", r), nil
	},
}

var rateIPMScenario = scenario{
	Name:  "rate-ipm",
	Title: "rate adherence: images per minute, the limit not told",
	About: fmt.Sprintf("The fake provider lets %d image requests a minute through (one second of burst: a "+
		"single image) and answers the others 429 like OpenAI, without x-ratelimit headers; autopress is not "+
		"told the limit. A first run (stages 1–5, no limit) writes articles and their image prompts; the "+
		"measured run draws %d images (stage 6 alone, max_images_per_run). Figures over the image requests, "+
		"first to last.", ipmLimit, ipmCount),
	Run: func(ctx context.Context, b *bench) ([]row, error) {
		fake := aitest.NewFakeOpenAI()
		defer fake.Close()
		fake.SetLimits(aitest.Limits{ImagesPerMinute: ipmLimit})
		var r run
		err := b.withServer(ctx, serverOptions{Env: openAIEnv(fake, nil)}, func(s *server) error {
			if err := s.importKeywords(ctx, keywords("image", 15)); err != nil {
				return err
			}
			if err := s.configure(ctx, stagesOnly(1, 2, 3, 4, 5)); err != nil {
				return err
			}
			if _, err := s.runToEnd(ctx); err != nil {
				return fmt.Errorf("preparing the prompts: %w", err)
			}
			cfg := stagesOnly(6)
			cfg["max_images_per_run"] = ipmCount
			if err := s.configure(ctx, cfg); err != nil {
				return err
			}
			var err error
			r, err = s.runToEnd(ctx)
			return err
		})
		if err != nil {
			return nil, err
		}
		return adherence(fake, aitest.PathImages, ipmLimit, "images", r), nil
	},
}

// openAIEnv points a server at the fake provider; extra adds variables.
func openAIEnv(fake *aitest.Fake, extra map[string]string) map[string]string {
	env := map[string]string{"AI_PROVIDER": "openai", "OPENAI_BASE_URL": fake.BaseURL(), "OPENAI_API_KEY": "bench",
		"AI_TEXT_MODEL": "gpt-bench", "AI_IMAGE_MODEL": "gpt-image-bench"}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// adherence reads the requests of path the fake saw and the run's failed
// items.
func adherence(fake *aitest.Fake, path string, limit int, unit string, r run) []row {
	var served, throttled int
	var first, last time.Time
	var when []string // seconds from the first request of each 429
	for _, q := range fake.Requests() {
		if q.Path != path {
			continue
		}
		if first.IsZero() {
			first = q.At
		}
		last = q.At
		if q.Throttled {
			throttled++
			when = append(when, fmt.Sprintf("%.1f", q.At.Sub(first).Seconds()))
		} else {
			served++
		}
	}
	span := last.Sub(first)
	perMinute := float64(served-1) / span.Minutes()
	_, failed := r.items()
	total := served + throttled
	share := 100 * float64(throttled) / float64(total)
	floor := time.Duration(float64(served-1) / float64(limit) * float64(time.Minute))
	return []row{
		against(unit+" served per minute ÷ limit", perMinute, "/min", float64(limit), "/min limit").
			goal("≥ 0.9", perMinute >= 0.9*float64(limit)).
			note(fmt.Sprintf("%d %s served in %s (at the limit exactly: %s), %d answered 429.", served, unit, span.Round(100*time.Millisecond), floor.Round(100*time.Millisecond), throttled)),
		against("answers 429", share, "%", 2, "% goal").goal("≤ 2 %", share <= 2).
			note(fmt.Sprintf("%d of %d, at %s s from the first request.", throttled, total, strings.Join(when, ", "))),
		against("items failed", float64(failed), "", 0, "").goal("0", failed == 0).
			note(fmt.Sprintf("run #%d %s", r.ID, r.Status)),
	}
}
