package regenerate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai"
)

// TestRegenerationChargesOnce: an article regenerated with a note is a new
// revision by "regeneration" with the note, charged once (a repeated
// request is the same job), and restoring revision 1 brings the old text
// back byte for byte.
func TestRegenerationChargesOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		before := e.balance()
		j := e.request(db.RegenArticle, "shorter", "key-1", 0)
		if j.Status != db.RegenQueued || j.Operation != db.OpContentGeneration || j.Cost != 20 || j.BaseVersion != e.art.Version {
			t.Fatalf("job %+v", j)
		}
		// The same key is the same job; another request under it is refused;
		// a second regeneration of the article waits for the first.
		again, created, err := e.svc.Request(e.ctx, Request{AccountID: e.user.AccountID, ContentID: e.art.ID, Kind: db.RegenArticle, Note: "shorter", Key: "key-1"})
		if err != nil || created || again.ID != j.ID {
			t.Errorf("repeated request: job %d, created %v, %v", again.ID, created, err)
		}
		if _, _, err := e.svc.Request(e.ctx, Request{AccountID: e.user.AccountID, ContentID: e.art.ID, Kind: db.RegenSEO, Key: "key-1"}); !errors.Is(err, db.ErrKeyReused) {
			t.Errorf("another request under the key: %v", err)
		}
		if _, _, err := e.svc.Request(e.ctx, Request{AccountID: e.user.AccountID, ContentID: e.art.ID, Kind: db.RegenSEO, Key: "key-2"}); !errors.Is(err, db.ErrRegenActive) {
			t.Errorf("a second regeneration while one is queued: %v", err)
		}

		e.work(e.svc, j.ID)
		done := e.job(j.ID)
		if done.Status != db.RegenDone || done.Revision == nil || *done.Revision != 2 || done.LeaseOwner != "" {
			t.Fatalf("after the run: %+v", done)
		}
		c := e.content(e.art.ID)
		if c.HTML == e.art.HTML || c.Slug != e.art.Slug || c.EditedBy != db.RevisionActorRegeneration || c.Version != e.art.Version+1 {
			t.Errorf("regenerated article: slug %q, by %q, version %d; html %q", c.Slug, c.EditedBy, c.Version, c.HTML)
		}
		// The default profile's range, halved by the note.
		if c.WordCount < 300 || c.WordCount > 600 {
			t.Errorf("a shorter article has %d words, want 300–600", c.WordCount)
		}
		revs, err := d.Revisions(e.ctx, e.art.ID)
		if err != nil || len(revs) != 2 {
			t.Fatalf("revisions %+v, %v", revs, err)
		}
		if revs[0].Actor != db.RevisionActorRegeneration || revs[0].Note != "shorter" || revs[1].Actor != "automation" || revs[1].HTML != e.art.HTML {
			t.Errorf("revisions: %q (%q), %q", revs[0].Actor, revs[0].Note, revs[1].Actor)
		}
		charges, settled, refunds := e.charges(j)
		if charges != 1 || settled != 1 || refunds != 0 || e.balance() != before-20 {
			t.Errorf("%d charge(s), %d settled, %d refund(s), balance %d (was %d): want one settled charge of 20", charges, settled, refunds, e.balance(), before)
		}
		// Asking again with the key of a finished job changes nothing.
		if again, created, err := e.svc.Request(e.ctx, Request{AccountID: e.user.AccountID, ContentID: e.art.ID, Kind: db.RegenArticle,
			Note: "shorter", Key: "key-1"}); err != nil || created || again.Status != db.RegenDone {
			t.Errorf("request of a finished job: %+v, created %v, %v", again, created, err)
		}
		if n, _ := e.svc.Poll(e.ctx); n != 0 || e.ai.count("article") != 1 {
			t.Errorf("a finished job was worked again: %d started, %d calls", n, e.ai.count("article"))
		}

		// Restore revision 1: the pipeline's text, byte for byte.
		r1, err := d.GetRevision(e.ctx, e.art.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.SaveArticle(e.ctx, db.ArticleEdit{AccountID: e.user.AccountID, ContentID: e.art.ID, Version: c.Version, Text: r1.Text(),
			WordCount: e.art.WordCount, Actor: "ann@example.com", Now: e.clock.Now(), RestoredFrom: 1}); err != nil {
			t.Fatal(err)
		}
		back := e.content(e.art.ID)
		if back.HTML != e.art.HTML || back.Title != e.art.Title || back.Excerpt != e.art.Excerpt || back.SEOTitle != e.art.SEOTitle ||
			back.MetaDescription != e.art.MetaDescription || back.Slug != e.art.Slug {
			t.Errorf("restored %q / %q / %q, want %q / %q / %q", back.Title, back.SEOTitle, back.HTML, e.art.Title, e.art.SEOTitle, e.art.HTML)
		}
		e.assertLedger()
	})
}

// TestRegenerateSEOAndImage: the SEO fields are a revision of their own;
// an image keeps its id, alt text and place with new bytes, and the old
// bytes are gone.
func TestRegenerateSEOAndImage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		im := dbtest.InsertImage(t, d, e.art, "cover.svg", "image/svg+xml", []byte("<svg/>"))
		before := e.balance()

		seo := e.request(db.RegenSEO, "", "seo-1", 0)
		e.work(e.svc, seo.ID)
		c := e.content(e.art.ID)
		if j := e.job(seo.ID); j.Status != db.RegenDone || j.Cost != 20 {
			t.Fatalf("SEO job %+v", j)
		}
		if c.SEOTitle != "Cold brew at home – Coffee" || c.MetaDescription != "One to eight." || c.HTML != e.art.HTML || c.Title != e.art.Title {
			t.Errorf("after the SEO regeneration: %q, %q; html %q", c.SEOTitle, c.MetaDescription, c.HTML)
		}
		if n := e.count(`SELECT COUNT(*) FROM content_revisions WHERE content_id = ? AND number = 2 AND changed = 'seo_title,meta_description' AND actor = 'regeneration'`, e.art.ID); n != 1 {
			t.Error("the SEO regeneration is not revision 2 changing the SEO fields")
		}

		img := e.request(db.RegenImage, "warmer colours", "img-1", im.ID)
		if img.Operation != db.OpImageGeneration || img.Cost != 8 {
			t.Fatalf("image job %+v", img)
		}
		e.work(e.svc, img.ID)
		if j := e.job(img.ID); j.Status != db.RegenDone {
			t.Fatalf("image job %+v", j)
		}
		now, err := d.ContentImage(e.ctx, e.art.ID, im.ID)
		if err != nil {
			t.Fatal(err)
		}
		data, err := d.Blobs().Get(e.ctx, now.Path)
		if err != nil || now.Path == im.Path || now.Alt != im.Alt || bytes.Equal(data, []byte("<svg/>")) || now.Bytes != int64(len(data)) {
			t.Errorf("regenerated image %+v (%d bytes, %v)", now, len(data), err)
		}
		// Drawn from its prompt with the note and the job as the variation.
		want, err := e.ai.Provider.GenerateImage(e.ctx, ai.Site{}, ai.ImagePrompt{Prompt: "a picture", Note: "warmer colours", Variation: img.ID})
		if err != nil || !bytes.Equal(data, want.Data) || now.MIME != want.MIME {
			t.Errorf("the new image is not the prompt's with the note and the variation (%v)", err)
		}
		if _, err := d.Blobs().Get(e.ctx, im.Path); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the old bytes are still stored: %v", err)
		}
		if e.balance() != before-28 {
			t.Errorf("balance %d, want %d", e.balance(), before-28)
		}
		if c2 := e.content(e.art.ID); c2.Version != c.Version {
			t.Errorf("an image regeneration changed the article's version %d → %d", c.Version, c2.Version)
		}
		e.assertLedger()
	})
}

// TestRegenerationRefundsOnFailure: a failed AI call fails the job with
// its reason and refunds the hold; nothing of the article changes.
func TestRegenerationRefundsOnFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		before := e.balance()
		e.ai.set(func(context.Context, string) error { return errors.New("the model is down") }, nil)
		j := e.request(db.RegenArticle, "", "k", 0)
		e.work(e.svc, j.ID)
		got := e.job(j.ID)
		if got.Status != db.RegenFailed || !strings.Contains(got.Error, "the model is down") {
			t.Errorf("job %s: %q", got.Status, got.Error)
		}
		charges, settled, refunds := e.charges(j)
		if charges != 1 || settled != 0 || refunds != 1 || e.balance() != before {
			t.Errorf("%d charge(s), %d settled, %d refund(s), balance %d (was %d)", charges, settled, refunds, e.balance(), before)
		}
		if c := e.content(e.art.ID); c.HTML != e.art.HTML || c.Version != e.art.Version {
			t.Error("a failed regeneration changed the article")
		}
		if n := e.count(`SELECT COUNT(*) FROM content_revisions WHERE content_id = ?`, e.art.ID); n != 0 {
			t.Errorf("%d revisions after a failed regeneration", n)
		}
		e.assertLedger()
	})
}

// TestRegenerationSurvivesACrash: the executor dies after the AI call and
// before the commit; once its lease expires another instance takes the job
// over, reuses the hold and commits: one charge, settled.
func TestRegenerationSurvivesACrash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		before := e.balance()
		j := e.request(db.RegenArticle, "longer", "k", 0)
		if j.Cost != 40 {
			t.Errorf("a longer article (up to 2,400 words) costs %d, want 2 units: 40", j.Cost)
		}
		e.ai.set(nil, func(context.Context, string) {
			e.ai.set(nil, nil)
			e.svc.crash(j.ID)
		})
		e.work(e.svc, j.ID)
		if got := e.job(j.ID); got.Status != db.RegenRunning || got.LeaseOwner != e.svc.owner {
			t.Fatalf("after the crash: %s, owner %q", got.Status, got.LeaseOwner)
		}
		if charges, settled, _ := e.charges(j); charges != 1 || settled != 0 {
			t.Fatalf("after the crash: %d charge(s), %d settled", charges, settled)
		}
		if c := e.content(e.art.ID); c.HTML != e.art.HTML {
			t.Fatal("the crashed executor committed")
		}

		other := e.newService()
		if n, _ := other.Poll(e.ctx); n != 0 {
			t.Fatal("another instance took the job while its lease was live")
		}
		e.clock.Advance(other.cfg.LeaseTTL + time.Second)
		e.work(other, j.ID)
		got := e.job(j.ID)
		if got.Status != db.RegenDone || got.Claims != 2 || e.ai.count("article") != 2 {
			t.Fatalf("after the takeover: %s, %d claims, %d calls", got.Status, got.Claims, e.ai.count("article"))
		}
		charges, settled, refunds := e.charges(j)
		if charges != 1 || settled != 1 || refunds != 0 || e.balance() != before-j.Cost {
			t.Errorf("%d charge(s), %d settled, %d refund(s), balance %d (was %d): want the one hold reused", charges, settled, refunds, e.balance(), before)
		}
		if c := e.content(e.art.ID); c.WordCount < 1200 || c.WordCount > 2400 {
			t.Errorf("a longer article has %d words, want 1,200–2,400", c.WordCount)
		}
		e.assertLedger()
	})
}

// TestRegenerationCancel: a cancel refunds the hold and nothing of the job
// commits after it — whether the call in flight is interrupted (same
// instance) or comes back with an answer (another instance cancelled).
func TestRegenerationCancel(t *testing.T) {
	for _, tc := range []struct {
		name string
		// elsewhere: the cancel comes from another instance, so the call
		// in flight is not interrupted and answers.
		elsewhere bool
	}{{"interrupted", false}, {"answered after the cancel", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				e := newEnv(t, d)
				before := e.balance()
				j := e.request(db.RegenArticle, "", "k", 0)
				canceller := e.svc
				if tc.elsewhere {
					canceller = e.newService()
				}
				e.ai.set(func(ctx context.Context, _ string) error {
					if _, err := canceller.Cancel(ctx, e.user.AccountID, j.ID, "bob@example.com"); err != nil {
						t.Errorf("cancel: %v", err)
					}
					if !tc.elsewhere && ctx.Err() == nil {
						t.Error("a cancel on this instance did not interrupt the call")
					}
					return ctx.Err()
				}, nil)
				e.work(e.svc, j.ID)
				got := e.job(j.ID)
				if got.Status != db.RegenCancelled || got.CancelledBy != "bob@example.com" || got.Revision != nil {
					t.Errorf("job %+v", got)
				}
				if c := e.content(e.art.ID); c.HTML != e.art.HTML || c.Version != e.art.Version {
					t.Error("the article changed after the cancel")
				}
				charges, settled, refunds := e.charges(j)
				if charges != 1 || settled != 0 || refunds != 1 || e.balance() != before {
					t.Errorf("%d charge(s), %d settled, %d refund(s), balance %d (was %d)", charges, settled, refunds, e.balance(), before)
				}
				var na *db.NotAllowedError
				if _, err := e.svc.Cancel(e.ctx, e.user.AccountID, j.ID, "bob@example.com"); !errors.As(err, &na) {
					t.Errorf("cancel a cancelled job: %v", err)
				}
				e.assertLedger()
			})
		})
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// A queued job cancelled before any executor took it costs nothing.
		e := newEnv(t, d)
		j := e.request(db.RegenSEO, "", "k", 0)
		if _, err := e.svc.Cancel(e.ctx, e.user.AccountID, j.ID, "bob@example.com"); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.svc.Poll(e.ctx); n != 0 {
			t.Error("a cancelled job was claimed")
		}
		if charges, _, _ := e.charges(j); charges != 0 {
			t.Errorf("%d charge(s) for a job cancelled while queued", charges)
		}
	})
}

// TestRegenerationAndAPersonNeverBothWin: a person's save during the AI
// call wins (the regeneration fails, refunded, and replaces nothing); a
// save between the request and its executor fails it before any charge;
// an article being published is not regenerated.
func TestRegenerationAndAPersonNeverBothWin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		before := e.balance()
		edit := func(ctx context.Context) {
			c := e.content(e.art.ID)
			if _, err := d.SaveArticle(ctx, db.ArticleEdit{AccountID: e.user.AccountID, ContentID: c.ID, Version: c.Version,
				Text:      db.ArticleText{Title: c.Title, Slug: c.Slug, HTML: "<p>A person’s text " + c.HTML + "</p>", SEOTitle: c.SEOTitle},
				WordCount: 9, Actor: "ann@example.com", Now: e.clock.Now()}); err != nil {
				t.Errorf("edit: %v", err)
			}
		}
		j := e.request(db.RegenArticle, "", "k1", 0)
		e.ai.set(func(ctx context.Context, _ string) error { edit(ctx); return nil }, nil)
		e.work(e.svc, j.ID)
		if got := e.job(j.ID); got.Status != db.RegenFailed || !strings.Contains(got.Error, "changed while it was being regenerated") {
			t.Errorf("job %s: %q", got.Status, got.Error)
		}
		if c := e.content(e.art.ID); c.EditedBy != "ann@example.com" || !strings.HasPrefix(c.HTML, "<p>A person’s text") {
			t.Errorf("the person's edit lost: %q by %q", c.HTML, c.EditedBy)
		}
		if _, settled, refunds := e.charges(j); settled != 0 || refunds != 1 {
			t.Errorf("%d settled, %d refunds", settled, refunds)
		}

		e.ai.set(nil, nil)
		j2 := e.request(db.RegenSEO, "", "k2", 0)
		edit(e.ctx)
		e.work(e.svc, j2.ID)
		if got := e.job(j2.ID); got.Status != db.RegenFailed || !strings.Contains(got.Error, "changed since the regeneration was asked for") || e.ai.count("seo") != 0 {
			t.Errorf("job %s: %q; %d SEO calls", got.Status, got.Error, e.ai.count("seo"))
		}
		if charges, _, _ := e.charges(j2); charges != 0 {
			t.Error("a regeneration that could not commit was charged")
		}
		if e.balance() != before {
			t.Errorf("balance %d, want %d", e.balance(), before)
		}

		pub := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentPublished})
		var na *db.NotAllowedError
		if _, _, err := e.svc.Request(e.ctx, Request{AccountID: e.user.AccountID, ContentID: pub.ID, Kind: db.RegenArticle, Key: "k3"}); !errors.As(err, &na) {
			t.Errorf("regenerate a published article: %v", err)
		}
		other, err := d.CreateAccountWithUser(e.ctx, "Other", "other@example.com", "x", false, t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Request(e.ctx, Request{AccountID: other.AccountID, ContentID: e.art.ID, Kind: db.RegenArticle, Key: "k4"}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another account's article: %v", err)
		}
		e.assertLedger()
	})
}

// TestRegenerationNeedsCredits: an account that cannot pay is refused at
// the request, and a job whose hold the balance no longer covers fails
// without a charge.
func TestRegenerationNeedsCredits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		j := e.request(db.RegenArticle, "", "k1", 0)
		drain := e.balance() - 5
		if _, err := dbtest.Exec(e.ctx, d, `UPDATE accounts SET credits = credits - ? WHERE id = ?`, drain, e.user.AccountID); err != nil {
			t.Fatal(err)
		}
		e.work(e.svc, j.ID)
		if got := e.job(j.ID); got.Status != db.RegenFailed || !strings.Contains(got.Error, "Not enough credits: the balance is 5") {
			t.Errorf("job %s: %q", got.Status, got.Error)
		}
		if charges, _, _ := e.charges(j); charges != 0 || e.ai.count("article") != 0 {
			t.Errorf("%d charges, %d calls", charges, e.ai.count("article"))
		}
		if _, _, err := e.svc.Request(e.ctx, Request{AccountID: e.user.AccountID, ContentID: e.art.ID, Kind: db.RegenArticle, Key: "k2"}); !errors.Is(err, db.ErrInsufficientCredits) {
			t.Errorf("request without the credits: %v", err)
		}
	})
}

// TestRegenerationSendsApprovedArticlesBackToReview: a new version of an
// approved or scheduled article is not what a person approved: it goes
// back to review, its slot freed, in the commit.
func TestRegenerationSendsApprovedArticlesBackToReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		slot := t0.Add(48 * time.Hour)
		for i, kind := range []string{db.RegenSEO, db.RegenArticle, db.RegenImage} {
			approved := t0
			art := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Title: "Scheduled", HTML: "<p>Approved text.</p>\n<h2>Part</h2>\n<p>More.</p>",
				Status: db.ContentScheduled, ApprovedAt: &approved, ScheduledAt: &slot})
			slot = slot.Add(time.Hour)
			e.art = art
			var image int64
			if kind == db.RegenImage {
				image = dbtest.InsertImage(t, d, art, "x.svg", "image/svg+xml", []byte("<svg/>")).ID
			}
			j := e.request(kind, "", fmt.Sprint("k", i), image)
			e.work(e.svc, j.ID)
			got := e.job(j.ID)
			c := e.content(art.ID)
			if got.Status != db.RegenDone || !got.BackToReview || c.Status != db.ContentReview || c.ApprovedAt != nil || c.ScheduledAt != nil {
				t.Errorf("%s of a scheduled article: job %s (back to review %v), article %s approved %v slot %v",
					kind, got.Status, got.BackToReview, c.Status, c.ApprovedAt, c.ScheduledAt)
			}
		}
		// An article in review stays in review, and says nothing.
		e.art = dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, HTML: "<p>x</p>"})
		j := e.request(db.RegenSEO, "", "review", 0)
		e.work(e.svc, j.ID)
		if got := e.job(j.ID); got.BackToReview || e.content(e.art.ID).Status != db.ContentReview {
			t.Errorf("an article in review: back to review %v, status %s", got.BackToReview, e.content(e.art.ID).Status)
		}
	})
}

// TestCancelOnAnotherInstanceStopsTheCall: the executor learns of a cancel
// made on another instance at its next lease renewal and interrupts the
// call in flight.
func TestCancelOnAnotherInstanceStopsTheCall(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		j := e.request(db.RegenArticle, "", "k", 0)
		inCall := make(chan struct{})
		e.ai.set(func(ctx context.Context, _ string) error {
			close(inCall)
			<-ctx.Done() // only the executor stopping ends the call
			return ctx.Err()
		}, nil)
		if n, err := e.svc.Poll(e.ctx); n != 1 || err != nil {
			t.Fatalf("poll: %d, %v", n, err)
		}
		<-inCall
		if _, err := e.newService().Cancel(e.ctx, e.user.AccountID, j.ID, "bob@example.com"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
		defer cancel()
		if err := e.clock.BlockUntilContext(ctx, 1); err != nil { // the heartbeat's ticker
			t.Fatal(err)
		}
		e.clock.Advance(e.svc.cfg.RenewEvery)
		e.waitStop(j.ID)
		if got := e.job(j.ID); got.Status != db.RegenCancelled {
			t.Errorf("job %s", got.Status)
		}
		if c := e.content(e.art.ID); c.Version != e.art.Version {
			t.Error("the article changed after the cancel")
		}
		e.assertLedger()
	})
}
