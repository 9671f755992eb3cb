package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"autopress/db"
	"autopress/db/dbtest"
)

// editorialEnv is a site with a running run leased to an executor, so
// stage commits can be made directly.
type editorialEnv struct {
	d     *db.DB
	user  db.User
	site  db.Site
	run   db.Run
	owner string
}

func newEditorialEnv(t *testing.T, d *db.DB) *editorialEnv {
	t.Helper()
	ctx := context.Background()
	u, s := seedSite(t, d, fmt.Sprintf("ed%d@example.com", time.Now().UnixNano()))
	r, err := d.InsertRun(ctx, db.Run{SiteID: s.ID, AccountID: u.AccountID, TriggerType: "manual", Status: db.RunRunning, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.ClaimRun(ctx, r.ID, "exec-1", t0, time.Hour); err != nil {
		t.Fatalf("claim run: %v", err)
	}
	return &editorialEnv{d: d, user: u, site: s, run: r, owner: "exec-1"}
}

func (e *editorialEnv) commit(stage int) db.ItemCommit {
	return db.ItemCommit{RunID: e.run.ID, Owner: e.owner, SiteID: e.site.ID, Stage: stage, Processed: 1, Now: t0}
}

func (e *editorialEnv) insert(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := dbtest.Get(context.Background(), e.d, &id, query+" RETURNING id", args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

func (e *editorialEnv) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.d.GetContext(context.Background(), &n, e.d.Rebind(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// race is one kind of item a person and a stage both want: setup makes a
// fresh item; person changes it as a person would, from the version they
// loaded; stage commits the stage's work on it, from the item it loaded;
// stageWon says afterwards whether the stage's commit took effect.
type race struct {
	name     string
	setup    func(t *testing.T, e *editorialEnv) (id int64)
	person   func(e *editorialEnv, id, version int64) error
	stage    func(e *editorialEnv, id int64, loaded any) error
	load     func(t *testing.T, e *editorialEnv, id int64) (loaded any, version int64)
	stageWon func(t *testing.T, e *editorialEnv, id int64) bool
}

func (e *editorialEnv) cluster(t *testing.T) int64 {
	return e.insert(t, `INSERT INTO clusters (site_id, name, status, created_at, updated_at) VALUES (?, 'Brewing', 'new', ?, ?)`, e.site.ID, t0, t0)
}

func (e *editorialEnv) idea(t *testing.T) int64 {
	return e.insert(t, `INSERT INTO ideas (site_id, title, status, created_at, updated_at) VALUES (?, 'An idea', 'new', ?, ?)`, e.site.ID, t0, t0)
}

var races = []race{
	{
		name:  "edit an idea / queue it as a task",
		setup: func(t *testing.T, e *editorialEnv) int64 { return e.idea(t) },
		load: func(t *testing.T, e *editorialEnv, id int64) (any, int64) {
			ideas, err := e.d.IdeasByIDs(context.Background(), []int64{id})
			if err != nil || len(ideas) != 1 {
				t.Fatalf("load idea: %v", err)
			}
			return ideas[0], ideas[0].Version
		},
		person: func(e *editorialEnv, id, v int64) error {
			return e.d.EditIdea(context.Background(), e.site.ID, db.ItemRef{ID: id, Version: v}, "Edited", "by a person", t0)
		},
		stage: func(e *editorialEnv, _ int64, loaded any) error {
			return e.d.CommitTasks(context.Background(), e.commit(3), []db.Idea{loaded.(db.Idea)})
		},
		stageWon: func(t *testing.T, e *editorialEnv, id int64) bool {
			return e.count(t, `SELECT COUNT(*) FROM tasks WHERE idea_id = ?`, id) == 1
		},
	},
	{
		name:  "delete an idea / queue it as a task",
		setup: func(t *testing.T, e *editorialEnv) int64 { return e.idea(t) },
		load: func(t *testing.T, e *editorialEnv, id int64) (any, int64) {
			ideas, _ := e.d.IdeasByIDs(context.Background(), []int64{id})
			return ideas[0], ideas[0].Version
		},
		person: func(e *editorialEnv, id, v int64) error {
			return e.d.DeleteIdea(context.Background(), e.site.ID, db.ItemRef{ID: id, Version: v})
		},
		stage: func(e *editorialEnv, _ int64, loaded any) error {
			return e.d.CommitTasks(context.Background(), e.commit(3), []db.Idea{loaded.(db.Idea)})
		},
		stageWon: func(t *testing.T, e *editorialEnv, id int64) bool {
			return e.count(t, `SELECT COUNT(*) FROM tasks WHERE idea_id = ?`, id) == 1
		},
	},
	{
		name:  "rename a cluster / generate its ideas",
		setup: func(t *testing.T, e *editorialEnv) int64 { return e.cluster(t) },
		load: func(t *testing.T, e *editorialEnv, id int64) (any, int64) {
			c, _, err := e.d.ClusterWithKeywords(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			return c, c.Version
		},
		person: func(e *editorialEnv, id, v int64) error {
			return e.d.RenameCluster(context.Background(), e.site.ID, db.ItemRef{ID: id, Version: v}, "Renamed", t0)
		},
		stage: func(e *editorialEnv, _ int64, loaded any) error {
			return e.d.CommitIdeas(context.Background(), e.commit(2), loaded.(db.Cluster), []db.NewIdea{{Title: "Idea"}})
		},
		stageWon: func(t *testing.T, e *editorialEnv, id int64) bool {
			return e.count(t, `SELECT COUNT(*) FROM ideas WHERE cluster_id = ?`, id) == 1
		},
	},
	{
		name: "skip a task / write its article",
		setup: func(t *testing.T, e *editorialEnv) int64 {
			idea := e.insert(t, `INSERT INTO ideas (site_id, title, status, created_at, updated_at) VALUES (?, 'Idea', 'queued', ?, ?)`, e.site.ID, t0, t0)
			return e.insert(t, `INSERT INTO tasks (site_id, idea_id, title, status, created_at, updated_at) VALUES (?, ?, 'Task', 'queued', ?, ?)`, e.site.ID, idea, t0, t0)
		},
		load: func(t *testing.T, e *editorialEnv, id int64) (any, int64) {
			task, _, err := e.d.TaskWithIdea(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			return task, task.Version
		},
		person: func(e *editorialEnv, id, v int64) error {
			return e.d.SkipTask(context.Background(), e.site.ID, db.ItemRef{ID: id, Version: v}, t0)
		},
		stage: func(e *editorialEnv, id int64, loaded any) error {
			_, err := e.d.CommitArticle(context.Background(), e.commit(4), loaded.(db.Task),
				db.NewArticle{Title: "T", Slug: fmt.Sprintf("t-%d", id), HTML: "<p>x</p>", WordCount: 1})
			return err
		},
		stageWon: func(t *testing.T, e *editorialEnv, id int64) bool {
			return e.count(t, `SELECT COUNT(*) FROM content WHERE task_id = ?`, id) == 1
		},
	},
	{
		name: "edit an image prompt / draw its image",
		setup: func(t *testing.T, e *editorialEnv) int64 {
			c := dbtest.InsertContent(t, e.d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentDraft})
			if _, err := dbtest.Exec(context.Background(), e.d, `UPDATE content SET images_pending = 1, prompts_extracted_at = ? WHERE id = ?`, t0, c.ID); err != nil {
				t.Fatal(err)
			}
			return e.insert(t, `INSERT INTO image_prompts (site_id, content_id, prompt, status, created_at, updated_at) VALUES (?, ?, 'a cup', 'pending', ?, ?)`, e.site.ID, c.ID, t0, t0)
		},
		load: func(t *testing.T, e *editorialEnv, id int64) (any, int64) {
			p, err := e.d.ImagePromptByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			return p, p.Version
		},
		person: func(e *editorialEnv, id, v int64) error {
			return e.d.EditImagePrompt(context.Background(), e.site.ID, db.ItemRef{ID: id, Version: v}, "a mug", "A mug", t0)
		},
		stage: func(e *editorialEnv, _ int64, loaded any) error {
			return e.d.CommitImage(context.Background(), e.commit(6), loaded.(db.ImagePrompt), db.NewImage{Path: "x.png", MIME: "image/png"})
		},
		stageWon: func(t *testing.T, e *editorialEnv, id int64) bool {
			return e.count(t, `SELECT COUNT(*) FROM images WHERE image_prompt_id = ?`, id) == 1
		},
	},
	{
		name: "edit an article / extract its image prompts",
		setup: func(t *testing.T, e *editorialEnv) int64 {
			return dbtest.InsertContent(t, e.d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentDraft}).ID
		},
		load: func(t *testing.T, e *editorialEnv, id int64) (any, int64) {
			c, err := e.d.ContentByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			return c, c.Version
		},
		person: func(e *editorialEnv, id, v int64) error {
			c, _ := e.d.ContentByID(context.Background(), id)
			_, err := e.d.SaveArticle(context.Background(), db.ArticleEdit{AccountID: e.user.AccountID, ContentID: id, Version: v,
				Text: db.ArticleText{Title: "Edited", Slug: c.Slug, HTML: "<p>edited</p>"}, WordCount: 1, Actor: "ann@example.com", Now: t0})
			return err
		},
		stage: func(e *editorialEnv, _ int64, loaded any) error {
			return e.d.CommitImagePrompts(context.Background(), e.commit(5), loaded.(db.Content), []db.NewPrompt{{Prompt: "p"}})
		},
		stageWon: func(t *testing.T, e *editorialEnv, id int64) bool {
			return e.count(t, `SELECT COUNT(*) FROM image_prompts WHERE content_id = ?`, id) == 1
		},
	},
}

// TestPersonAndStageNeverBothWin races people's changes against a stage's
// commit of the same item, all from the version they loaded, many times
// over on both databases: exactly one of them wins every time, and every
// loser is told so (ErrStale for a person; ErrChangedByPerson, or a skip
// for the free stage 3, for the stage).
func TestPersonAndStageNeverBothWin(t *testing.T) {
	const rounds, people, stages = 10, 3, 3
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEditorialEnv(t, d)
		for _, rc := range races {
			t.Run(rc.name, func(t *testing.T) {
				wins := map[string]int{}
				for range rounds {
					id := rc.setup(t, e)
					loaded, version := rc.load(t, e, id)
					start := make(chan struct{})
					var wg sync.WaitGroup
					var mu sync.Mutex
					personWins := 0
					var unexpected []error
					for range people {
						wg.Go(func() {
							<-start
							err := rc.person(e, id, version)
							mu.Lock()
							defer mu.Unlock()
							switch {
							case err == nil:
								personWins++
							case !errors.Is(err, db.ErrStale) && !errors.Is(err, db.ErrNotFound): // another person deleted it
								unexpected = append(unexpected, fmt.Errorf("person: %w", err))
							}
						})
					}
					for range stages {
						wg.Go(func() {
							<-start
							err := rc.stage(e, id, loaded)
							if err != nil && !errors.Is(err, db.ErrChangedByPerson) {
								mu.Lock()
								unexpected = append(unexpected, fmt.Errorf("stage: %w", err))
								mu.Unlock()
							}
						})
					}
					close(start)
					wg.Wait()
					if len(unexpected) > 0 {
						t.Fatalf("item %d: %v", id, errors.Join(unexpected...))
					}
					stageWon := rc.stageWon(t, e, id)
					total := personWins
					if stageWon {
						total++
						wins["stage"]++
					} else {
						wins["person"]++
					}
					if total != 1 {
						t.Fatalf("item %d: %d people and the stage (%v) won; exactly one must", id, personWins, stageWon)
					}
				}
				t.Logf("winners over %d rounds: %v", rounds, wins)
			})
		}
	})
}

// TestStageCommitAfterAPersonsEdit is the sequential case: a stage that
// loaded an item before a person's edit cannot commit after it, and a
// person who loaded it before a stage's commit cannot save after it.
func TestStageCommitAfterAPersonsEdit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEditorialEnv(t, d)
		id := e.idea(t)
		ideas, _ := d.IdeasByIDs(ctx, []int64{id})
		if err := d.EditIdea(ctx, e.site.ID, db.ItemRef{ID: id, Version: ideas[0].Version}, "Better", "s", t0); err != nil {
			t.Fatal(err)
		}
		if err := d.CommitTasks(ctx, e.commit(3), ideas); err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM tasks WHERE idea_id = ?`, id); n != 0 {
			t.Error("the stage queued an idea a person edited after it was loaded")
		}
		fresh, _ := d.IdeasByIDs(ctx, []int64{id})
		if err := d.CommitTasks(ctx, e.commit(3), fresh); err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM tasks WHERE idea_id = ? AND title = 'Better'`, id); n != 1 {
			t.Error("the reloaded idea was not queued with the person's title")
		}
		err := d.EditIdea(ctx, e.site.ID, db.ItemRef{ID: id, Version: fresh[0].Version}, "Late", "s", t0)
		var na *db.NotAllowedError
		if !errors.Is(err, db.ErrStale) {
			t.Errorf("edit after the stage took it: %v, want ErrStale", err)
		}
		now, _ := d.IdeasByIDs(ctx, []int64{id})
		err = d.EditIdea(ctx, e.site.ID, db.ItemRef{ID: id, Version: now[0].Version}, "Late", "s", t0)
		if !errors.As(err, &na) || na.Status != db.IdeaQueued {
			t.Errorf("edit of a queued idea: %v, want NotAllowedError(queued)", err)
		}
		other, _ := seedSite(t, d, "other@example.com")
		_ = other
		if err := d.EditIdea(ctx, e.site.ID+1000, db.ItemRef{ID: id, Version: now[0].Version}, "x", "", t0); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("edit through another site: %v, want ErrNotFound", err)
		}
	})
}

func TestMoveKeywords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEditorialEnv(t, d)
		a, b := e.cluster(t), e.cluster(t)
		var kws []int64
		for i := range 3 {
			kws = append(kws, e.insert(t, `INSERT INTO keywords (site_id, keyword, keyword_norm, status, cluster_id, created_at, updated_at) VALUES (?, ?, ?, 'clustered', ?, ?, ?)`,
				e.site.ID, fmt.Sprint("kw", i), fmt.Sprint("kw", i), a, t0, t0))
		}
		if err := d.MoveKeywords(ctx, e.site.ID, db.ItemRef{ID: a}, db.ItemRef{ID: b}, kws[:2], t0); err != nil {
			t.Fatal(err)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM keywords WHERE cluster_id = ?`, b); n != 2 {
			t.Errorf("%d keywords in the target, want 2", n)
		}
		// Both clusters moved on: the same versions are stale now, and a
		// stage that loaded cluster a before cannot commit its ideas.
		if err := d.MoveKeywords(ctx, e.site.ID, db.ItemRef{ID: a}, db.ItemRef{ID: b}, kws[2:], t0); !errors.Is(err, db.ErrStale) {
			t.Errorf("move with old versions: %v, want ErrStale", err)
		}
		if err := d.CommitIdeas(ctx, e.commit(2), db.Cluster{ID: a}, []db.NewIdea{{Title: "x"}}); !errors.Is(err, db.ErrChangedByPerson) {
			t.Errorf("stage commit on a cluster changed meanwhile: %v, want ErrChangedByPerson", err)
		}
		// A keyword no longer in the source fails the whole move.
		if err := d.MoveKeywords(ctx, e.site.ID, db.ItemRef{ID: a, Version: 1}, db.ItemRef{ID: b, Version: 1}, []int64{kws[0], kws[2]}, t0); !errors.Is(err, db.ErrStale) {
			t.Errorf("move of a keyword not in the source: %v, want ErrStale", err)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM keywords WHERE cluster_id = ?`, a); n != 1 {
			t.Errorf("a refused move changed something: %d keywords left in the source, want 1", n)
		}
		if err := d.MoveKeywords(ctx, e.site.ID, db.ItemRef{ID: a, Version: 1}, db.ItemRef{ID: a, Version: 1}, kws[2:], t0); !errors.Is(err, db.ErrSameCluster) {
			t.Errorf("move into the same cluster: %v", err)
		}
	})
}

func TestSaveArticleRevisions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEditorialEnv(t, d)
		orig := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Title: "Original", HTML: "<p>The AI’s text.</p>\n<h2>Part</h2>"})
		dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Slug: "taken"})
		edit := func(version int64, text db.ArticleText) (db.Revision, error) {
			return d.SaveArticle(ctx, db.ArticleEdit{AccountID: e.user.AccountID, ContentID: orig.ID, Version: version, Text: text,
				WordCount: 3, Actor: "ann@example.com", Now: t0.Add(time.Hour)})
		}
		text := db.ArticleText{Title: "Edited", Slug: orig.Slug, Excerpt: "new excerpt", HTML: "<p>A person’s text.</p>"}
		rev, err := edit(orig.Version, text)
		if err != nil {
			t.Fatal(err)
		}
		if rev.Number != 2 || rev.Actor != "ann@example.com" || rev.Changed != "title,excerpt,body" {
			t.Errorf("revision %+v", rev)
		}
		revs, _ := d.Revisions(ctx, orig.ID)
		if len(revs) != 2 || revs[1].Number != 1 || revs[1].HTML != orig.HTML || revs[1].Actor != "automation" {
			t.Fatalf("revisions %+v: want the pipeline's text kept as revision 1", revs)
		}
		now, _ := d.ContentByID(ctx, orig.ID)
		if now.EditedAt == nil || now.EditedBy != "ann@example.com" || now.Version != orig.Version+1 || now.Title != "Edited" {
			t.Errorf("after the edit: %+v", now)
		}
		if _, err := edit(orig.Version, text); !errors.Is(err, db.ErrStale) {
			t.Errorf("save from an old version: %v, want ErrStale", err)
		}
		if _, err := edit(now.Version, text); !errors.Is(err, db.ErrNoChange) {
			t.Errorf("save without change: %v, want ErrNoChange", err)
		}
		taken := text
		taken.Slug = "taken"
		if _, err := edit(now.Version, taken); !errors.Is(err, db.ErrSlugTaken) {
			t.Errorf("slug of another article: %v, want ErrSlugTaken", err)
		}
		// Restore revision 1: the pipeline's text comes back byte for byte,
		// as a new revision.
		r1, err := d.GetRevision(ctx, orig.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		restored, err := d.SaveArticle(ctx, db.ArticleEdit{AccountID: e.user.AccountID, ContentID: orig.ID, Version: now.Version,
			Text: r1.Text(), Actor: "bob@example.com", Now: t0.Add(2 * time.Hour), RestoredFrom: 1})
		if err != nil {
			t.Fatal(err)
		}
		back, _ := d.ContentByID(ctx, orig.ID)
		if back.HTML != orig.HTML || back.Title != orig.Title || back.Excerpt != orig.Excerpt || back.Slug != orig.Slug {
			t.Errorf("restore: %q %q, want %q %q", back.Title, back.HTML, orig.Title, orig.HTML)
		}
		if restored.Number != 3 || restored.RestoredFrom == nil || *restored.RestoredFrom != 1 {
			t.Errorf("restore revision %+v", restored)
		}
		// Another account sees nothing; a published article is not edited.
		other, _ := seedSite(t, d, "other@example.com")
		if _, err := d.SaveArticle(ctx, db.ArticleEdit{AccountID: other.AccountID, ContentID: orig.ID, Version: back.Version, Text: text}); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("another account: %v", err)
		}
		pub := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentPublished})
		var na *db.NotAllowedError
		if _, err := d.SaveArticle(ctx, db.ArticleEdit{AccountID: e.user.AccountID, ContentID: pub.ID, Version: pub.Version, Text: text}); !errors.As(err, &na) {
			t.Errorf("published article: %v, want NotAllowedError", err)
		}
	})
}

// TestBulkContent500 moves 500 articles each way in one call each, and
// shows a single blocked article stops all of them.
func TestBulkContent500(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEditorialEnv(t, d)
		if _, err := dbtest.Exec(ctx, d, `INSERT INTO publishing_settings (site_id, updated_at) VALUES (?, ?) ON CONFLICT (site_id) DO NOTHING`, e.site.ID, t0); err != nil {
			t.Fatal(err)
		}
		// 500 articles in review, as the pipeline leaves them (illustrated).
		var ids []int64
		if err := d.InTx(ctx, func(tx *sqlx.Tx) error {
			for i := range 500 {
				var id int64
				if err := tx.GetContext(ctx, &id, d.Rebind(`INSERT INTO content (site_id, title, slug, html, status, prompts_extracted_at, created_at, updated_at)
					VALUES (?, ?, ?, '<p>x</p>', 'review', ?, ?, ?) RETURNING id`), e.site.ID, fmt.Sprint("Article ", i), fmt.Sprint("bulk-", i), t0, t0, t0); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		req := func(a db.BulkAction, ids []int64) db.BulkRequest {
			return db.BulkRequest{AccountID: e.user.AccountID, SiteID: e.site.ID, Action: a, IDs: ids, Actor: "ann@example.com", Now: t0,
				Slots: func(_ db.PublishingSettings, taken []time.Time, n int) ([]time.Time, error) {
					var out []time.Time
					for i := range n {
						out = append(out, t0.Add(time.Duration(len(taken)+i+1)*time.Hour))
					}
					return out, nil
				}}
		}
		status := func(s string) int {
			return e.count(t, `SELECT COUNT(*) FROM content WHERE site_id = ? AND status = ?`, e.site.ID, s)
		}
		// One published article among them: nothing moves, and it is named.
		pub := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Title: "Already out", Status: db.ContentPublished})
		_, err := d.BulkContent(ctx, req(db.BulkApprove, append(ids[:len(ids):len(ids)], pub.ID)))
		var blocked *db.BulkBlockedError
		if !errors.As(err, &blocked) || len(blocked.Blocked) != 1 || blocked.Blocked[0].ID != pub.ID || !errors.Is(err, db.ErrConflict) {
			t.Fatalf("bulk approve with a published article: %v", err)
		}
		if n := status(db.ContentApproved); n != 0 {
			t.Fatalf("a refused bulk action approved %d articles", n)
		}
		if _, err := d.BulkContent(ctx, req(db.BulkApprove, []int64{ids[0], pub.ID + 1000})); !errors.As(err, new(*db.UnknownArticlesError)) {
			t.Errorf("unknown id: %v", err)
		}
		for _, step := range []struct {
			action db.BulkAction
			want   string
		}{{db.BulkApprove, db.ContentApproved}, {db.BulkSchedule, db.ContentScheduled}, {db.BulkDraft, db.ContentDraft}, {db.BulkReview, db.ContentReview}, {db.BulkReject, db.ContentRejected}} {
			n, err := d.BulkContent(ctx, req(step.action, ids))
			if err != nil || n != 500 {
				t.Fatalf("bulk %s: %d, %v", step.action, n, err)
			}
			if got := status(step.want); got != 500 {
				t.Fatalf("after bulk %s: %d %s, want 500", step.action, got, step.want)
			}
		}
		if n := e.count(t, `SELECT COUNT(DISTINCT scheduled_at) FROM content WHERE site_id = ? AND status = 'rejected'`, e.site.ID); n != 0 {
			t.Errorf("rejected articles keep %d slots", n)
		}
		// "All matching the filter" must still match what the person saw.
		all := req(db.BulkReview, nil)
		all.All, all.Status, all.Expect = true, db.ContentRejected, 499
		var changed *db.FilterChangedError
		if _, err := d.BulkContent(ctx, all); !errors.As(err, &changed) || changed.Now != 500 {
			t.Errorf("filter that changed: %v", err)
		}
		all.Expect = 500
		if n, err := d.BulkContent(ctx, all); err != nil || n != 500 {
			t.Errorf("all matching: %d, %v", n, err)
		}
	})
}

func TestBulkScheduleGivesDistinctFreeSlots(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newEditorialEnv(t, d)
		if _, err := dbtest.Exec(ctx, d, `INSERT INTO publishing_settings (site_id, updated_at) VALUES (?, ?) ON CONFLICT (site_id) DO NOTHING`, e.site.ID, t0); err != nil {
			t.Fatal(err)
		}
		busy := t0.Add(time.Hour)
		dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentScheduled, ScheduledAt: &busy})
		var ids []int64
		for range 3 {
			ids = append(ids, dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentApproved, ApprovedAt: &t0}).ID)
		}
		var sawTaken []time.Time
		n, err := d.BulkContent(ctx, db.BulkRequest{AccountID: e.user.AccountID, SiteID: e.site.ID, Action: db.BulkSchedule, IDs: ids, Now: t0,
			Slots: func(_ db.PublishingSettings, taken []time.Time, n int) ([]time.Time, error) {
				sawTaken = taken
				return []time.Time{t0.Add(2 * time.Hour), t0.Add(3 * time.Hour), t0.Add(4 * time.Hour)}[:n], nil
			}})
		if err != nil || n != 3 {
			t.Fatalf("schedule: %d %v", n, err)
		}
		if len(sawTaken) != 1 || !sawTaken[0].Equal(busy) {
			t.Errorf("the planner was told the taken slots %v, want [%v]", sawTaken, busy)
		}
		if got := e.count(t, `SELECT COUNT(DISTINCT scheduled_at) FROM content WHERE site_id = ? AND status = 'scheduled'`, e.site.ID); got != 4 {
			t.Errorf("%d distinct slots, want 4", got)
		}
		// No slot to give: nothing is scheduled.
		more := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentApproved})
		_, err = d.BulkContent(ctx, db.BulkRequest{AccountID: e.user.AccountID, SiteID: e.site.ID, Action: db.BulkSchedule, IDs: []int64{more.ID}, Now: t0,
			Slots: func(db.PublishingSettings, []time.Time, int) ([]time.Time, error) {
				return nil, errors.New("no publishing day")
			}})
		if !errors.Is(err, db.ErrNoSlots) {
			t.Errorf("no slots: %v", err)
		}
	})
}

// TestMigration7KeepsArticleTaskLinks checks the SQLite rebuild of tasks
// (and its PostgreSQL twin) keeps every article's task, up and down.
func TestMigration7KeepsArticleTaskLinks(t *testing.T) {
	for _, dialect := range dbtest.Dialects(t) {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d, _ := dbtest.NewWithURL(t, dialect, false)
			p, err := d.MigrationProvider()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 6); err != nil {
				t.Fatal(err)
			}
			_, s := seedSite(t, d, "m@example.com")
			e := &editorialEnv{d: d, site: s}
			idea := e.insert(t, `INSERT INTO ideas (site_id, title, status, created_at, updated_at) VALUES (?, 'I', 'queued', ?, ?)`, s.ID, t0, t0)
			task := e.insert(t, `INSERT INTO tasks (site_id, idea_id, title, status, attempts, last_error, created_at, updated_at) VALUES (?, ?, 'T', 'done', 2, 'e', ?, ?)`, s.ID, idea, t0, t0)
			content := e.insert(t, `INSERT INTO content (site_id, task_id, title, slug, html, created_at, updated_at) VALUES (?, ?, 'T', 't', '<p>t</p>', ?, ?)`, s.ID, task, t0, t0)
			check := func(when string) {
				t.Helper()
				if n := e.count(t, `SELECT COUNT(*) FROM content WHERE id = ? AND task_id = ?`, content, task); n != 1 {
					t.Fatalf("%s: the article lost its task", when)
				}
				if n := e.count(t, `SELECT COUNT(*) FROM tasks WHERE id = ? AND attempts = 2 AND last_error = 'e' AND status = 'done'`, task); n != 1 {
					t.Fatalf("%s: the task changed", when)
				}
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			check("up")
			skipped := e.insert(t, `INSERT INTO tasks (site_id, idea_id, title, status, created_at, updated_at) VALUES (?, ?, 'S', 'skipped', ?, ?)`,
				s.ID, e.insert(t, `INSERT INTO ideas (site_id, title, status, created_at, updated_at) VALUES (?, 'J', 'queued', ?, ?)`, s.ID, t0, t0), t0, t0)
			dbtest.MigrateDownTo(t, d, 1)
			check("down")
			if n := e.count(t, `SELECT COUNT(*) FROM tasks WHERE id = ? AND status = 'failed'`, skipped); n != 1 {
				t.Error("down: a skipped task did not become failed")
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			check("up again")
		})
	}
}
