package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// groupRace commits ideas for n clusters through one commit group: the
// first commit leads and waits, before its transaction, until the other
// n-1 have queued behind it, so they arrive while a commit is under way.
// It returns each commit's error, by cluster.
func groupRace(t *testing.T, e *editorialEnv, g *db.CommitGroup, clusters []db.Cluster, owner string) []error {
	t.Helper()
	leaderIn, allQueued := make(chan struct{}), make(chan struct{})
	var once sync.Once
	g.BeforeBatch(func(int) {
		once.Do(func() {
			close(leaderIn)
			<-allQueued
		})
	})
	g.OnQueued(func(queued int) {
		if queued == len(clusters)-1 {
			close(allQueued)
		}
	})
	ctx := db.WithGroup(context.Background(), g)
	errs := make([]error, len(clusters))
	var wg sync.WaitGroup
	commit := func(i int) {
		defer wg.Done()
		c := e.commit(2)
		c.Owner = owner
		c.Events = []db.Event{{Message: fmt.Sprintf("ideas for cluster %d", clusters[i].ID)}}
		errs[i] = e.d.CommitIdeas(ctx, c, clusters[i], []db.NewIdea{{Title: fmt.Sprintf("Idea %d", i)}})
	}
	wg.Add(1)
	go commit(0)
	<-leaderIn
	for i := 1; i < len(clusters); i++ {
		wg.Add(1)
		go commit(i)
	}
	wg.Wait()
	return errs
}

func (e *editorialEnv) clusters(t *testing.T, n int) []db.Cluster {
	t.Helper()
	var out []db.Cluster
	for range n {
		c, _, err := e.d.ClusterWithKeywords(context.Background(), e.cluster(t))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func (e *editorialEnv) processed(t *testing.T, stage int) int {
	t.Helper()
	return e.count(t, `SELECT processed FROM run_stage_results WHERE run_id = ? AND stage = ?`, e.run.ID, stage)
}

// assertCommitted checks that the clusters that committed (committed
// true) have their idea, their stage counter and their log line, and the
// others none; and that the site's counters match its rows.
func (e *editorialEnv) assertCommitted(t *testing.T, cls []db.Cluster, committed func(id int64) bool) {
	t.Helper()
	n := 0
	for _, c := range cls {
		want := 0
		if committed(c.ID) {
			want = 1
			n++
		}
		if got := e.count(t, `SELECT COUNT(*) FROM ideas WHERE cluster_id = ?`, c.ID); got != want {
			t.Errorf("cluster %d has %d ideas, want %d", c.ID, got, want)
		}
	}
	if got := e.processed(t, 2); got != n {
		t.Errorf("stage 2 processed = %d, want %d", got, n)
	}
	if got := e.count(t, `SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE 'ideas for cluster %'`, e.run.ID); got != n {
		t.Errorf("%d log lines, want %d", got, n)
	}
	dbtest.CheckItemCounts(t, e.d, e.site.ID)
}

func TestCommitGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Run("commits arriving during a commit share one transaction", func(t *testing.T) {
			e := newEditorialEnv(t, d)
			cls := e.clusters(t, 9)
			g := &db.CommitGroup{}
			before := d.Commits()
			for i, err := range groupRace(t, e, g, cls, e.owner) {
				if err != nil {
					t.Fatalf("commit %d: %v", i, err)
				}
			}
			if n := d.Commits() - before; n != 2 {
				t.Errorf("%d transactions committed, want 2", n)
			}
			if batches, items := g.Batches(); batches != 2 || items != 9 {
				t.Fatalf("batches, items = %d, %d; want 2, 9 (the leader alone, then the 8 queued behind it)", batches, items)
			}
			e.assertCommitted(t, cls, func(int64) bool { return true })
		})

		t.Run("an item that refuses is committed alone, the others still commit", func(t *testing.T) {
			e := newEditorialEnv(t, d)
			cls := e.clusters(t, 9)
			refused := cls[4].ID // in the second batch
			if _, err := dbtest.Exec(context.Background(), d, `UPDATE clusters SET version = version + 1 WHERE id = ?`, refused); err != nil {
				t.Fatal(err)
			}
			g := &db.CommitGroup{}
			before := d.Commits()
			errs := groupRace(t, e, g, cls, e.owner)
			if n := d.Commits() - before; n != 8 {
				t.Errorf("%d transactions committed, want 8 (the leader, then the 7 others alone)", n)
			}
			for i, err := range errs {
				want := cls[i].ID == refused
				if got := errors.Is(err, db.ErrChangedByPerson); got != want || (!want && err != nil) {
					t.Errorf("cluster %d: err = %v, want changed by a person: %v", cls[i].ID, err, want)
				}
			}
			e.assertCommitted(t, cls, func(id int64) bool { return id != refused })
		})

		t.Run("a lost lease refuses every item", func(t *testing.T) {
			e := newEditorialEnv(t, d)
			cls := e.clusters(t, 5)
			g := &db.CommitGroup{}
			for i, err := range groupRace(t, e, g, cls, "someone-else") {
				if !errors.Is(err, db.ErrLeaseLost) {
					t.Errorf("commit %d: err = %v, want the lease lost", i, err)
				}
			}
			e.assertCommitted(t, cls, func(int64) bool { return false })
		})
	})
}
