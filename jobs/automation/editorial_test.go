package automation

import (
	"context"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// TestPersonSkipsTheTaskBeingWritten: a person skips the writing task whose
// article the AI is writing; the person wins, the stage's work is dropped
// with its reason in the log, and the hold is refunded.
func TestPersonSkipsTheTaskBeingWritten(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.config(func(c *db.AutomationConfig) { c.Concurrency = 1; c.MaxTasksPerRun = 3 })
		r := e.start()
		var skipped int64
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn != "article" || n != 1 {
				return nil
			}
			// With one call at a time, the call is for the oldest task.
			var task db.Task
			if err := d.GetContext(ctx, &task, d.Rebind(`SELECT * FROM tasks WHERE site_id = ? AND status = 'queued' ORDER BY created_at, id LIMIT 1`), e.site.ID); err != nil {
				t.Error(err)
				return nil
			}
			skipped = task.ID
			if err := d.SkipTask(ctx, e.site.ID, db.ItemRef{ID: task.ID, Version: task.Version}, e.clock.Now()); err != nil {
				t.Errorf("skip: %v", err)
			}
			return nil
		})
		e.execute(e.svc, r.ID)
		if n := e.count(`SELECT COUNT(*) FROM tasks WHERE id = ? AND status = 'skipped'`, skipped); n != 1 {
			t.Error("the skipped task is not skipped after the run")
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE task_id = ?`, skipped); n != 0 {
			t.Error("the stage wrote the article of a task skipped meanwhile")
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE '%changed by a person while it was being processed%'`, r.ID); n != 1 {
			t.Errorf("%d log lines say the task was changed by a person, want 1", n)
		}
		e.assertLedger()
		if n := e.count(`SELECT COUNT(*) FROM credit_transactions WHERE run_id = ? AND kind = 'refund'`, r.ID); n != 1 {
			t.Errorf("%d refunds, want 1 (the dropped article's hold)", n)
		}
	})
}

// TestRunNeverOverwritesAnEditedArticle: a person edits a draft while its
// image prompts are being extracted (that extraction is dropped, it read
// the old text) and the runs after it illustrate and approve the article
// without touching its text.
func TestRunNeverOverwritesAnEditedArticle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.config(func(c *db.AutomationConfig) {
			c.Concurrency = 1
			c.MaxTasksPerRun = 2
		})
		const edited = "<p>A person wrote this.</p>\n<h2>Their heading</h2>"
		var article int64
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn != "prompts" || n != 1 {
				return nil
			}
			var c db.Content
			if err := d.GetContext(ctx, &c, d.Rebind(`SELECT * FROM content WHERE site_id = ? AND status = 'draft' AND prompts_extracted_at IS NULL ORDER BY created_at, id LIMIT 1`), e.site.ID); err != nil {
				t.Error(err)
				return nil
			}
			article = c.ID
			if _, err := d.SaveArticle(ctx, db.ArticleEdit{AccountID: e.user.AccountID, ContentID: c.ID, Version: c.Version,
				Text: db.ArticleText{Title: c.Title, Slug: c.Slug, Excerpt: c.Excerpt, HTML: edited}, WordCount: 7, Actor: "ann@example.com", Now: e.clock.Now()}); err != nil {
				t.Errorf("edit: %v", err)
			}
			return nil
		})
		r := e.start()
		e.execute(e.svc, r.ID)
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE '%changed by a person while it was being processed%'`, r.ID); n != 1 {
			t.Errorf("%d log lines say the article was changed by a person, want 1", n)
		}
		e.ai.setBefore(nil)
		for range 2 { // the next run extracts its prompts from the edited text and finishes it
			r = e.start()
			e.execute(e.svc, r.ID)
		}
		c, err := d.ContentByID(e.ctx, article)
		if err != nil {
			t.Fatal(err)
		}
		if c.HTML != edited || c.EditedBy != "ann@example.com" || c.EditedAt == nil {
			t.Errorf("after the runs: html %q, edited by %q at %v; want the person's text untouched", c.HTML, c.EditedBy, c.EditedAt)
		}
		if c.Status != db.ContentApproved || c.PromptsExtractedAt == nil {
			t.Errorf("the edited article is %s (prompts at %v), want illustrated and approved", c.Status, c.PromptsExtractedAt)
		}
		e.assertLedger()
	})
}
