package automation

import (
	"fmt"
	"slices"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// TestPickPagesPastItemsTakenEarlier: the stage loop takes the oldest
// pending items that are neither in flight nor taken earlier in the stage,
// however many taken items are still pending ahead of them (left for a
// later run), by paging past them; and with only such items left it ends
// the stage instead of taking one twice.
func TestPickPagesPastItemsTakenEarlier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var kws []db.NewKeyword
		for i := range 400 {
			k := fmt.Sprintf("pick keyword %03d", i)
			kws = append(kws, db.NewKeyword{Text: k, Norm: k})
		}
		if _, err := d.ImportKeywords(e.ctx, e.site.ID, kws, t0); err != nil {
			t.Fatal(err)
		}
		var pending []int64
		if err := d.SelectContext(e.ctx, &pending, d.Rebind(`SELECT id FROM keywords WHERE site_id = ? AND status = 'new' ORDER BY created_at, id`), e.site.ID); err != nil {
			t.Fatal(err)
		}
		if len(pending) != 440 {
			t.Fatalf("%d pending keywords, want 440", len(pending))
		}
		r := e.start()
		x, err := e.svc.claim(e.ctx, r.ID)
		if err != nil || x == nil {
			t.Fatalf("claim: %v", err)
		}
		defer e.release(x)
		sr, err := x.beginStage(Stages[0])
		if err != nil {
			t.Fatal(err)
		}
		// 300 taken earlier and still pending (more than a page of five
		// batches), then 4 in flight.
		for _, id := range pending[:300] {
			sr.finished[id] = true
		}
		for _, id := range pending[300:304] {
			sr.inflight[id] = true
		}
		// A pick that found nothing would wait for an item in flight to
		// finish: one has, so such a pick fails the test at once.
		sr.done <- struct{}{}
		its, s := sr.pick(2)
		var got []int64
		for _, it := range its {
			got = append(got, it.ids...)
		}
		if want := pending[304:404]; s != stepNext || !slices.Equal(got, want) {
			t.Fatalf("picked %v (step %v), want the 100 oldest after those taken and in flight %v", got, s, want)
		}
		if len(its) != 2 || len(its[0].ids) != batchSize {
			t.Fatalf("%d work items, want 2 of %d", len(its), batchSize)
		}
		// Only items taken earlier left: the stage ends.
		for _, id := range pending[300:] {
			sr.finished[id] = true
		}
		clear(sr.inflight)
		if its, s := sr.pick(1); len(its) != 0 || s != stepEnd {
			t.Fatalf("with every pending item taken: %d work items, step %v; want none and the stage's end", len(its), s)
		}
	})
}
