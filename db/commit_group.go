package db

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// CommitGroup commits together the item commits of one run's workers that
// arrive while another is committing (group commit): the first to arrive
// leads and commits everything queued behind it in one transaction — the
// run row locked once, then each item's compare-and-set, outputs, counters,
// hold and log lines in turn — so a busy run pays one BEGIN, one lock and
// one COMMIT (one WAL flush) for several items instead of one each.
//
// Each item's outcome stays what it would be alone. A batch commits all of
// its items or none; when one item refuses (a person changed it, a slug
// clash, any statement error of its own) the batch is rolled back and each
// of its items is committed alone, so the others commit and the refusing
// one gets its own error. A refusal of the whole run (its lease lost) or of
// the database (unreachable, the context ended) is every item's answer, as
// it would be alone.
//
// A group serves the commits made with a context carrying it (WithGroup);
// all of them must belong to one run and owner, as an executor's do.
type CommitGroup struct {
	mu      sync.Mutex
	queue   []*queuedCommit
	leading bool

	// Test hooks (export_test.go): told when a commit joins the queue and
	// before a batch is committed.
	onQueued    func(queued int)
	beforeBatch func(size int)
	batches     int64
	items       int64
}

// maxGroup bounds the items in one transaction, so a batch's locks are
// held briefly and its retry after a refusal stays short.
const maxGroup = 32

type queuedCommit struct {
	c    *ItemCommit
	body func(tx *sqlx.Tx) error
	err  error
	done chan struct{}
}

type groupKey struct{}

// WithGroup returns ctx carrying g: the item commits made with it are
// grouped.
func WithGroup(ctx context.Context, g *CommitGroup) context.Context {
	return context.WithValue(ctx, groupKey{}, g)
}

func groupOf(ctx context.Context) *CommitGroup {
	g, _ := ctx.Value(groupKey{}).(*CommitGroup)
	return g
}

// commit queues one item commit and returns its outcome. With no batch
// being committed the caller leads: it commits the queue, batch after
// batch, until the queue is empty (its own commit is in the first batch).
// Otherwise it waits for the leader to commit it.
func (g *CommitGroup) commit(ctx context.Context, d *DB, c *ItemCommit, body func(tx *sqlx.Tx) error) error {
	q := &queuedCommit{c: c, body: body, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, q)
	if g.onQueued != nil {
		g.onQueued(len(g.queue))
	}
	if g.leading {
		g.mu.Unlock()
		<-q.done
		return q.err
	}
	g.leading = true
	for len(g.queue) > 0 {
		n := min(len(g.queue), maxGroup)
		batch := append([]*queuedCommit(nil), g.queue[:n]...)
		g.queue = append(g.queue[:0], g.queue[n:]...)
		g.batches++
		g.items += int64(n)
		hook := g.beforeBatch
		g.mu.Unlock()
		if hook != nil {
			hook(n)
		}
		d.commitBatch(ctx, batch)
		for _, b := range batch {
			close(b.done)
		}
		g.mu.Lock()
	}
	g.leading = false
	g.mu.Unlock()
	return q.err
}

// commitBatch commits a batch in one transaction, or each of its items
// alone when one of them refuses.
func (d *DB) commitBatch(ctx context.Context, batch []*queuedCommit) {
	first := batch[0].c
	if len(batch) == 1 || !oneRun(batch) {
		for _, b := range batch {
			b.err = d.commitAlone(ctx, b.c, b.body)
		}
		return
	}
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var now time.Time
		for _, b := range batch {
			if b.c.Now.After(now) {
				now = b.c.Now
			}
		}
		if err := d.lockRun(ctx, tx, first.RunID, first.Owner, now, activeStatuses); err != nil {
			return err
		}
		for _, b := range batch {
			if err := d.itemTx(ctx, tx, b.c, b.body); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || ctx.Err() != nil || errors.Is(err, ErrLeaseLost) || Unreachable(err) {
		for _, b := range batch {
			b.err = err
		}
		return
	}
	for _, b := range batch {
		b.err = d.commitAlone(ctx, b.c, b.body)
	}
}

// oneRun reports whether a batch's commits all belong to one run and owner.
func oneRun(batch []*queuedCommit) bool {
	for _, b := range batch[1:] {
		if b.c.RunID != batch[0].c.RunID || b.c.Owner != batch[0].c.Owner {
			return false
		}
	}
	return true
}
