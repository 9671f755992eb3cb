package db_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

func TestScheduleContentAt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ann, site := seedSite(t, d, "ann@example.com")
		bob, _ := seedSite(t, d, "bob@example.com")
		approved := func() db.Content {
			return dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentApproved, ApprovedAt: &t0, Now: t0,
				Reason: "Auto-publish is off"})
		}
		a, b := approved(), approved()
		at := t0.Add(26 * time.Hour)

		if err := d.ScheduleContentAt(ctx, ann.AccountID, a.ID, at, t0); err != nil {
			t.Fatal(err)
		}
		got, _ := d.ContentByID(ctx, a.ID)
		if got.Status != db.ContentScheduled || got.ScheduledAt == nil || !got.ScheduledAt.Equal(at) || got.UnscheduledReason != "" {
			t.Fatalf("after scheduling: %s %v %q", got.Status, got.ScheduledAt, got.UnscheduledReason)
		}
		// Rescheduling to its own slot is fine; another article there is not.
		if err := d.ScheduleContentAt(ctx, ann.AccountID, a.ID, at, t0); err != nil {
			t.Fatalf("same slot again: %v", err)
		}
		err := d.ScheduleContentAt(ctx, ann.AccountID, b.ID, at, t0)
		if !errors.Is(err, db.ErrSlotTaken) || !errors.Is(err, db.ErrConflict) {
			t.Fatalf("taken slot: %v, want ErrSlotTaken (an ErrConflict)", err)
		}
		if got, _ := d.ContentByID(ctx, b.ID); got.Status != db.ContentApproved || got.ScheduledAt != nil {
			t.Fatalf("a refused schedule changed the article: %s %v", got.Status, got.ScheduledAt)
		}
		// Moving a scheduled article frees its old slot.
		if err := d.ScheduleContentAt(ctx, ann.AccountID, a.ID, at.Add(time.Hour), t0); err != nil {
			t.Fatal(err)
		}
		if err := d.ScheduleContentAt(ctx, ann.AccountID, b.ID, at, t0); err != nil {
			t.Fatalf("freed slot: %v", err)
		}
		slots, err := d.QueuedSlots(ctx, site.ID)
		if err != nil || len(slots) != 2 || !slots[0].Equal(at) || !slots[1].Equal(at.Add(time.Hour)) {
			t.Fatalf("queued slots %v %v", slots, err)
		}

		if err := d.ScheduleContentAt(ctx, ann.AccountID, b.ID, t0, t0); !errors.Is(err, db.ErrSlotInPast) {
			t.Errorf("slot = now: %v, want ErrSlotInPast", err)
		}
		if err := d.ScheduleContentAt(ctx, bob.AccountID, b.ID, at.Add(2*time.Hour), t0); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another account: %v, want ErrNotFound", err)
		}
		review := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentReview, Now: t0})
		err = d.ScheduleContentAt(ctx, ann.AccountID, review.ID, at.Add(3*time.Hour), t0)
		var te *db.TransitionError
		if !errors.As(err, &te) || te.Status != db.ContentReview || !errors.Is(err, db.ErrBadTransition) {
			t.Errorf("review article: %v, want a transition error from review", err)
		}
	})
}

func TestContentTimelineAndImage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, site := seedSite(t, d, "ann@example.com")
		at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
		old := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentPublished, ScheduledAt: at(-200), Now: t0})
		recent := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentPublished, ScheduledAt: at(-2), Now: t0})
		later := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentScheduled, ScheduledAt: at(5), Now: t0})
		sooner := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentScheduled, ScheduledAt: at(1), Now: t0})
		dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentApproved, Now: t0})
		got, err := d.ContentTimeline(ctx, site.ID, t0.Add(-7*24*time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		if want := []int64{recent.ID, sooner.ID, later.ID}; len(ids) != 3 || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] {
			t.Fatalf("timeline %v, want %v (not %d, published too long ago)", ids, want, old.ID)
		}
		// The limit cuts the merged order, whatever the status.
		going := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentPublishing, ScheduledAt: at(-1), Now: t0})
		got, err = d.ContentTimeline(ctx, site.ID, t0.Add(-7*24*time.Hour), 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].ID != recent.ID || got[1].ID != going.ID || got[2].ID != sooner.ID {
			t.Fatalf("timeline of 3: %v, want %d, %d, %d", got, recent.ID, going.ID, sooner.ID)
		}

		im := dbtest.InsertImage(t, d, later, "a.svg", "image/svg+xml", []byte("<svg/>"))
		if g, err := d.ContentImage(ctx, later.ID, im.ID); err != nil || g.Path != im.Path {
			t.Fatalf("content image: %+v %v", g, err)
		}
		if _, err := d.ContentImage(ctx, sooner.ID, im.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("image of another article: %v, want ErrNotFound", err)
		}
	})
}

// Lists of articles read every column but the body: each row equals the
// article read alone, its html left out; the timeline reads its entry's.
func TestContentListsLeaveOutOnlyTheBody(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEditorialEnv(t, d)
		at := t0.Add(time.Hour)
		id := e.insert(t, `INSERT INTO content (site_id, run_id, title, slug, html, excerpt, seo_title, meta_description, keywords, word_count,
			status, approved_at, approved_by, scheduled_at, remote_url, created_at, updated_at)
			VALUES (?, ?, 'Title', 'title', '<p>The body</p>', 'Excerpt', 'SEO', 'Meta', 'kw', 3, 'scheduled', ?, 'automation', ?, 'https://x.example/p', ?, ?)`,
			e.site.ID, e.run.ID, t0, at, t0, t0)
		whole, err := d.ContentByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if whole.HTML == "" {
			t.Fatal("the article's body was not stored")
		}
		want := whole
		want.HTML = ""
		list, _, err := d.ListContent(ctx, e.site.ID, "", 10, 0)
		if err != nil || len(list) != 1 {
			t.Fatalf("ListContent: %d rows, %v", len(list), err)
		}
		timeline, err := d.ContentTimeline(ctx, e.site.ID, t0, 10)
		if err != nil || len(timeline) != 1 {
			t.Fatalf("ContentTimeline: %d rows, %v", len(timeline), err)
		}
		if !reflect.DeepEqual(list[0], want) {
			t.Errorf("ListContent read\n%+v\nwant\n%+v", list[0], want)
		}
		entry := db.TimelineEntry{ID: whole.ID, Title: whole.Title, Status: whole.Status, ScheduledAt: *whole.ScheduledAt, Late: whole.Late, RemoteURL: whole.RemoteURL}
		if !reflect.DeepEqual(timeline[0], entry) {
			t.Errorf("ContentTimeline read\n%+v\nwant\n%+v", timeline[0], entry)
		}
	})
}
