package publishing_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/publishing"
	"autopress/jobs/publishing/targets"
)

// blockingTarget's Publish reports each call on started and returns when
// released or when its attempt's context ends (reported on stopped).
type blockingTarget struct {
	started chan int64
	stopped chan error
	release chan struct{}
}

func newBlockingTarget() *blockingTarget {
	return &blockingTarget{started: make(chan int64, 10), stopped: make(chan error, 10), release: make(chan struct{})}
}

func (b *blockingTarget) Kind() string { return "blocking" }
func (b *blockingTarget) Publish(ctx context.Context, p targets.Post) (targets.Result, error) {
	b.started <- p.ContentID
	select {
	case <-b.release:
		return targets.Result{RemoteID: p.Slug}, nil
	case <-ctx.Done():
		b.stopped <- ctx.Err()
		return targets.Result{}, ctx.Err()
	}
}
func (b *blockingTarget) Lookup(context.Context, targets.Post) (targets.Result, bool, error) {
	return targets.Result{}, false, nil
}
func (b *blockingTarget) Test(context.Context) []targets.Check { return nil }

// waitFor waits until cond holds (it reads rows another goroutine writes).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClaimsAreRenewedWhileAnAttemptRuns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.settings(func(p *db.PublishingSettings) { p.SchedulingMode = "immediate" })
		target := newBlockingTarget()
		pub := publishing.NewPublisher(d, e.clock, quiet, func(db.PublishingSettings) (targets.Target, error) { return target, nil },
			publishing.PublisherConfig{ClaimTTL: 2 * time.Minute})
		ids := e.approve(2)
		e.fill()
		e.clock.Advance(2 * time.Minute) // both slots due

		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			pub.Tick(e.ctx)
		}()
		for range ids {
			<-target.started
		}
		expiry := func(id int64) time.Time {
			var at time.Time
			e.d.GetContext(e.ctx, &at, e.d.Rebind(`SELECT claim_expires_at FROM content WHERE id = ?`), id)
			return at
		}
		claimedAt := e.clock.Now()
		if got := expiry(ids[0]); !got.Equal(claimedAt.Add(2 * time.Minute)) {
			t.Fatalf("claim expires at %v, want claimed + 2m", got)
		}
		var since time.Time
		e.d.GetContext(e.ctx, &since, e.d.Rebind(`SELECT claimed_at FROM content WHERE id = ?`), ids[0])
		if !since.Equal(claimedAt) {
			t.Errorf("claimed_at = %v, want %v", since, claimedAt)
		}

		// Every 30 s the claims move on, for as long as the attempts run.
		other := publishing.NewPublisher(d, e.clock, quiet, e.targets.For, publishing.PublisherConfig{})
		for step := 1; step <= 6; step++ {
			if err := e.clock.BlockUntilContext(e.ctx, 1); err != nil { // the renewal ticker
				t.Fatal(err)
			}
			e.clock.Advance(30 * time.Second)
			want := e.clock.Now().Add(2 * time.Minute)
			waitFor(t, "the claims to be renewed", func() bool { return expiry(ids[0]).Equal(want) && expiry(ids[1]).Equal(want) })
		}
		// 3 minutes after the claim: without renewal it would have expired.
		if n, err := other.Tick(e.ctx); err != nil || n != 0 {
			t.Fatalf("another instance published %d (%v) of articles whose claims are held", n, err)
		}

		// The claim on one article is lost (taken over): its attempt stops.
		dbtest.Exec(e.ctx, e.d, `UPDATE content SET claim_owner = 'thief' WHERE id = ?`, ids[1])
		e.clock.BlockUntilContext(e.ctx, 1)
		e.clock.Advance(30 * time.Second)
		if err := <-target.stopped; !errors.Is(err, context.Canceled) {
			t.Fatalf("the attempt on the lost article ended with %v, want canceled", err)
		}
		close(target.release)
		wg.Wait()
		if c, _ := e.d.ContentByID(e.ctx, ids[0]); c.Status != db.ContentPublished || c.ClaimedAt != nil {
			t.Errorf("the held article: %s, claimed_at %v; want published, no claim", c.Status, c.ClaimedAt)
		}
		if c, _ := e.d.ContentByID(e.ctx, ids[1]); c.Status != db.ContentPublishing || c.ClaimOwner != "thief" {
			t.Errorf("the lost article: %s owned by %q; want the thief's", c.Status, c.ClaimOwner)
		}
	})
}

func TestTakeBackClaimsAfterACrash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		pub := publishing.NewPublisher(d, e.clock, log, e.targets.For, publishing.PublisherConfig{})

		// Two articles a crashed server was publishing; its page for the
		// first had been written, the second had not gone out.
		slot := e.clock.Now().Add(-time.Minute)
		var ids []int64
		for range 2 {
			c := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentScheduled, ApprovedAt: &slot, ScheduledAt: &slot, Now: slot})
			until := e.clock.Now().Add(2 * time.Minute)
			dbtest.Exec(e.ctx, e.d, `UPDATE content SET status = 'publishing', claim_owner = 'dead', claim_expires_at = ?, claimed_at = ?, publish_attempts = 1 WHERE id = ?`,
				db.T(until), db.T(slot), c.ID)
			ids = append(ids, c.ID)
			slot = slot.Add(time.Microsecond)
		}
		first, _ := e.d.ContentByID(e.ctx, ids[0])
		local := targets.NewLocal(e.dir, "http://autopress.test")
		if _, err := local.Publish(e.ctx, targets.Post{SiteID: e.site.ID, Slug: first.Slug, Title: first.Title, HTML: first.HTML}); err != nil {
			t.Fatal(err)
		}

		// Without taking the claims back nothing is due for two minutes.
		if n, _ := pub.Tick(e.ctx); n != 0 {
			t.Fatalf("published %d under live claims", n)
		}
		if err := pub.TakeBackClaims(e.ctx); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "taking back articles left publishing by the previous run") || !strings.Contains(logs.String(), "count=2") {
			t.Errorf("no log of the claims taken back:\n%s", logs.String())
		}
		e.clock.Advance(time.Second)
		if n, err := pub.Tick(e.ctx); n != 2 || err != nil {
			t.Fatalf("published %d (%v), want both at once", n, err)
		}
		for _, id := range ids {
			if c, _ := e.d.ContentByID(e.ctx, id); c.Status != db.ContentPublished || c.PublishAttempts != 2 {
				t.Errorf("article %d: %s after %d attempts", id, c.Status, c.PublishAttempts)
			}
		}
		if strings.Count(logs.String(), "checking whether the target already has the article") != 2 ||
			strings.Count(logs.String(), "adopted an existing post") != 1 {
			t.Errorf("want two checks and one adoption logged:\n%s", logs.String())
		}
	})
}

func TestRetryAllFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var acc int64
		d.GetContext(e.ctx, &acc, d.Rebind(`SELECT account_id FROM sites WHERE id = ?`), e.site.ID)
		slot := t0.Add(-time.Hour)
		var ids []int64
		for i := range 3 {
			c := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentFailed, ApprovedAt: &slot, ScheduledAt: &slot, LastError: "failed after 5 attempt(s): x", Now: t0})
			dbtest.Exec(e.ctx, d, `UPDATE content SET publish_attempts = 5, scheduled_at = ? WHERE id = ?`, db.T(slot.Add(time.Duration(i)*time.Minute)), c.ID)
			ids = append(ids, c.ID)
		}
		pipeline := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentFailed, LastError: "model down", Now: t0})
		review := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentReview, Now: t0})
		otherSite, _ := d.CreateSite(e.ctx, db.Site{AccountID: acc, Name: "Other", URL: "https://o.example", Timezone: "UTC"}, t0)
		elsewhere := dbtest.InsertContent(t, d, dbtest.Content{SiteID: otherSite.ID, Status: db.ContentFailed, Now: t0})

		n, err := d.RetryFailed(e.ctx, acc, e.site.ID, e.clock.Now())
		if err != nil || n != 4 {
			t.Fatalf("RetryFailed = %d, %v; want 4", n, err)
		}
		for _, id := range ids {
			if c, _ := d.ContentByID(e.ctx, id); c.Status != db.ContentScheduled || c.PublishAttempts != 0 || c.ScheduledAt.After(e.clock.Now().Add(time.Millisecond)) {
				t.Errorf("publishing failure %d: %s, %d attempts, slot %v; want due now", id, c.Status, c.PublishAttempts, c.ScheduledAt)
			}
		}
		if c, _ := d.ContentByID(e.ctx, pipeline.ID); c.Status != db.ContentDraft {
			t.Errorf("pipeline failure: %s, want draft", c.Status)
		}
		for _, id := range []int64{review.ID, elsewhere.ID} {
			if c, _ := d.ContentByID(e.ctx, id); c.Status == db.ContentScheduled || c.Status == db.ContentDraft {
				t.Errorf("article %d moved to %s", id, c.Status)
			}
		}
		if n, err := d.RetryFailed(e.ctx, acc+1000, otherSite.ID, e.clock.Now()); err != nil || n != 0 {
			t.Errorf("another account retried %d (%v)", n, err)
		}
		e.clock.Advance(time.Second)
		if n := e.publish(); n != 3 {
			t.Errorf("published %d after the retry, want 3", n)
		}
	})
}
