package regenerate

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/automation"
)

// articleText is what no stage may write once a person edited an article
// or asked for a regeneration.
type articleText struct {
	Title, Slug, HTML, Excerpt, SEOTitle, MetaDescription string
}

func textOf(c db.Content) articleText {
	return articleText{c.Title, c.Slug, c.HTML, c.Excerpt, c.SEOTitle, c.MetaDescription}
}

// TestRunNeverOverwritesEditedOrRegeneratedArticles goes through every
// stage's write path after a person's edit, an article regenerated, SEO
// fields regenerated, and a regeneration that commits while the image
// prompts stage reads the old text (the stage's work is dropped and
// refunded; the next run extracts the prompts from the new text): the
// runs illustrate and approve all four, and their text stays as the
// person and the regenerations left it.
func TestRunNeverOverwritesEditedOrRegeneratedArticles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := e.ctx
		var kws []db.NewKeyword
		for _, k := range []string{"cold brew", "cold brew ratio", "french press", "french press grind", "pour over", "pour over kettle"} {
			kws = append(kws, db.NewKeyword{Text: k, Norm: k})
		}
		if _, err := d.ImportKeywords(ctx, e.site.ID, kws, t0); err != nil {
			t.Fatal(err)
		}
		runStops := make(chan int64, 16)
		auto := automation.New(d, e.ai, e.clock, quiet, automation.Config{OnStop: func(id int64) { runStops <- id }})
		config := func(f func(c *db.AutomationConfig)) {
			c, err := d.GetAutomationConfig(ctx, e.site.ID)
			if err != nil {
				t.Fatal(err)
			}
			f(&c)
			if err := d.SaveAutomationConfig(ctx, c, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		run := func() db.Run {
			t.Helper()
			r, err := auto.Start(ctx, e.site, "tester")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := auto.Poll(ctx); err != nil {
				t.Fatal(err)
			}
			for {
				select {
				case id := <-runStops:
					if id == r.ID {
						return r
					}
				case <-time.After(time.Minute):
					t.Fatalf("run %d did not stop within a minute", r.ID)
				}
			}
		}
		// Run 1 writes four drafts and stops before their image prompts.
		config(func(c *db.AutomationConfig) {
			c.MaxTasksPerRun, c.Concurrency = 4, 1
			c.Stage5Enabled, c.Stage6Enabled, c.Stage7Enabled = false, false, false
		})
		run()
		var drafts []db.Content
		if err := d.SelectContext(ctx, &drafts, d.Rebind(`SELECT * FROM content WHERE site_id = ? AND status = 'draft' ORDER BY id`), e.site.ID); err != nil {
			t.Fatal(err)
		}
		if len(drafts) != 4 {
			t.Fatalf("%d drafts, want 4", len(drafts))
		}
		edited, regenerated, seo, racing := drafts[0], drafts[1], drafts[2], drafts[3]

		// A person edits one; another is regenerated, shorter; the SEO
		// fields of a third are regenerated.
		if _, err := d.SaveArticle(ctx, db.ArticleEdit{AccountID: e.user.AccountID, ContentID: edited.ID, Version: edited.Version,
			Text: db.ArticleText{Title: "A person’s title", Slug: edited.Slug, Excerpt: "Theirs.", HTML: "<p>A person wrote this.</p>\n<h2>Their heading</h2>",
				SEOTitle: "Their SEO title", MetaDescription: "Their description."}, WordCount: 6, Actor: "ann@example.com", Now: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		regen := func(c db.Content, kind, note, key string) {
			t.Helper()
			j, _, err := e.svc.Request(ctx, Request{AccountID: e.user.AccountID, ContentID: c.ID, Kind: kind, Note: note, Key: key, Actor: "ann@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			e.work(e.svc, j.ID)
			if got := e.job(j.ID); got.Status != db.RegenDone {
				t.Fatalf("regeneration of %d: %s %q", c.ID, got.Status, got.Error)
			}
		}
		regen(regenerated, db.RegenArticle, "shorter", "r1")
		regen(seo, db.RegenSEO, "", "r2")

		// Runs 2 and 3 do every stage; while run 2 extracts the image
		// prompts of the last draft, that draft is regenerated.
		config(func(c *db.AutomationConfig) { c.Stage5Enabled, c.Stage6Enabled, c.Stage7Enabled = true, true, true })
		e.ai.set(func(ctx context.Context, fn string) error {
			if fn == "prompts" && e.ai.count("prompts") == 4 {
				regen(racing, db.RegenArticle, "more examples", "r3")
			}
			return nil
		}, nil)
		want := map[int64]articleText{}
		for _, c := range drafts[:3] {
			want[c.ID] = textOf(e.content(c.ID))
		}
		r2 := run()
		e.ai.set(nil, nil)
		want[racing.ID] = textOf(e.content(racing.ID))
		if want[racing.ID].HTML == racing.HTML {
			t.Fatal("the racing regeneration did not happen")
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE '%changed by a person while it was being processed%'`, r2.ID); n != 1 {
			t.Errorf("%d log lines say an article changed while its prompts were extracted, want 1", n)
		}
		run()
		for _, c := range drafts {
			now := e.content(c.ID)
			if got := textOf(now); got != want[c.ID] {
				t.Errorf("article %d after the runs:\n got %+v\nwant %+v", c.ID, got, want[c.ID])
			}
			if now.Status != db.ContentApproved || now.PromptsExtractedAt == nil {
				t.Errorf("article %d is %s (prompts at %v), want illustrated and approved", c.ID, now.Status, now.PromptsExtractedAt)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM image_prompts WHERE content_id = ? AND prompt LIKE ?`, racing.ID, "%"+firstHeading(want[racing.ID].HTML)+"%"); n == 0 {
			t.Error("the racing article's prompts were not extracted from its regenerated text")
		}
		e.assertLedger()
	})
}

// firstHeading is the text of a body's first h2 ("\x00", which no prompt
// has, when there is none).
func firstHeading(body string) string {
	_, rest, ok := strings.Cut(body, "<h2")
	if !ok {
		return "\x00"
	}
	_, rest, _ = strings.Cut(rest, ">")
	h, _, _ := strings.Cut(rest, "</h2>")
	return html.UnescapeString(h)
}
