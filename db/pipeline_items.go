package db

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// The pages of the pipeline's tables (clusters, ideas, tasks, image
// prompts) and a person's edits of their items. Every edit is a
// compare-and-set on the item's version and status, like a stage's commit
// (casItem): whichever commits first wins, the other touches no row.

// ErrStale means a person's change was refused because the item (or the
// article) changed since they loaded it: a stage took it, or someone else
// edited it. It wraps ErrConflict.
var ErrStale = fmt.Errorf("%w: it changed since it was loaded", ErrConflict)

// NotAllowedError means an item's status does not allow a person's change
// (an idea already queued cannot be edited). It wraps ErrConflict.
type NotAllowedError struct{ Status, Want string }

func (e *NotAllowedError) Error() string {
	return fmt.Sprintf("cannot %s it: it is %s now", e.Want, e.Status)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *NotAllowedError) Is(target error) bool { return target == ErrConflict }

// ItemRef names an item as a person saw it: its id and the version they
// read.
type ItemRef struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
}

// ItemFilter pages a site's items of one table, optionally of one status.
type ItemFilter struct {
	SiteID        int64
	Status        string
	Limit, Offset int
}

// StatusesOf lists the statuses of a pipeline table (nil for another
// table), in the order the pages show them.
func StatusesOf(table string) []string {
	for _, t := range itemTables {
		if t.table == table {
			return slices.Clone(t.statuses)
		}
	}
	return nil
}

// listItems runs query (a SELECT from table aliased x, with its joins) for
// one page of f, oldest first as the stages take them, and counts every
// item of f.
func (d *DB) listItems(ctx context.Context, dest any, table, query string, f ItemFilter) (int, error) {
	where, args := "x.site_id = ?", []any{f.SiteID}
	if f.Status != "" {
		where += " AND x.status = ?"
		args = append(args, f.Status)
	}
	var total int
	if err := d.GetContext(ctx, &total, d.q(`SELECT COUNT(*) FROM `+table+` x WHERE `+where), args...); err != nil {
		return 0, fmt.Errorf("db: count %s: %w", table, err)
	}
	if err := d.SelectContext(ctx, dest, d.q(query+` WHERE `+where+` ORDER BY x.created_at, x.id LIMIT ? OFFSET ?`),
		append(args, f.Limit, f.Offset)...); err != nil {
		return 0, fmt.Errorf("db: list %s: %w", table, err)
	}
	return total, nil
}

// ClusterRow is a cluster with its number of keywords.
type ClusterRow struct {
	Cluster
	Keywords int `db:"keyword_count"`
}

// ListClusters pages a site's clusters.
func (d *DB) ListClusters(ctx context.Context, f ItemFilter) ([]ClusterRow, int, error) {
	var out []ClusterRow
	n, err := d.listItems(ctx, &out, "clusters", `SELECT x.*, (SELECT COUNT(*) FROM keywords k WHERE k.cluster_id = x.id) AS keyword_count FROM clusters x`, f)
	return out, n, err
}

// GetCluster loads a cluster of the site with its keywords.
func (d *DB) GetCluster(ctx context.Context, siteID, id int64) (Cluster, []Keyword, error) {
	var c Cluster
	if err := d.GetContext(ctx, &c, d.q(`SELECT * FROM clusters WHERE id = ? AND site_id = ?`), id, siteID); err != nil {
		return c, nil, notFound(err)
	}
	var kws []Keyword
	err := d.SelectContext(ctx, &kws, d.q(`SELECT * FROM keywords WHERE cluster_id = ? ORDER BY created_at, id`), id)
	return c, kws, err
}

// ClustersOf lists a site's clusters of a status by name (the targets a
// keyword can move to).
func (d *DB) ClustersOf(ctx context.Context, siteID int64, status string) ([]Cluster, error) {
	var out []Cluster
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM clusters WHERE site_id = ? AND status = ? ORDER BY name, id`), siteID, status)
	return out, err
}

// IdeaRow is an idea with its cluster's name.
type IdeaRow struct {
	Idea
	ClusterName *string `db:"cluster_name"`
}

// ListIdeas pages a site's ideas.
func (d *DB) ListIdeas(ctx context.Context, f ItemFilter) ([]IdeaRow, int, error) {
	var out []IdeaRow
	n, err := d.listItems(ctx, &out, "ideas", `SELECT x.*, c.name AS cluster_name FROM ideas x LEFT JOIN clusters c ON c.id = x.cluster_id`, f)
	return out, n, err
}

// GetIdea loads an idea of the site.
func (d *DB) GetIdea(ctx context.Context, siteID, id int64) (Idea, error) {
	var i Idea
	err := d.GetContext(ctx, &i, d.q(`SELECT * FROM ideas WHERE id = ? AND site_id = ?`), id, siteID)
	return i, notFound(err)
}

// TaskRow is a writing task with the article it became (if any).
type TaskRow struct {
	Task
	ContentID *int64 `db:"content_id"`
}

// ListTasks pages a site's writing tasks.
func (d *DB) ListTasks(ctx context.Context, f ItemFilter) ([]TaskRow, int, error) {
	var out []TaskRow
	n, err := d.listItems(ctx, &out, "tasks", `SELECT x.*, c.id AS content_id FROM tasks x LEFT JOIN content c ON c.task_id = x.id`, f)
	return out, n, err
}

// PromptRow is an image prompt with its article's title.
type PromptRow struct {
	ImagePrompt
	ArticleTitle string `db:"article_title"`
}

// ListImagePrompts pages a site's image prompts.
func (d *DB) ListImagePrompts(ctx context.Context, f ItemFilter) ([]PromptRow, int, error) {
	var out []PromptRow
	n, err := d.listItems(ctx, &out, "image_prompts", `SELECT x.*, c.title AS article_title FROM image_prompts x JOIN content c ON c.id = x.content_id`, f)
	return out, n, err
}

// GetImagePrompt loads an image prompt of the site.
func (d *DB) GetImagePrompt(ctx context.Context, siteID, id int64) (ImagePrompt, error) {
	var p ImagePrompt
	err := d.GetContext(ctx, &p, d.q(`SELECT * FROM image_prompts WHERE id = ? AND site_id = ?`), id, siteID)
	return p, notFound(err)
}

// personCAS applies a person's change (set, with its args) to one item of
// the site's table when it is still the version they saw and in a status
// of from, and increments its version. Touching no row is ErrNotFound (no
// such item of the site), ErrStale (it changed since) or a
// *NotAllowedError (its status does not allow the change).
func (d *DB) personCAS(ctx context.Context, tx *sqlx.Tx, table, want string, siteID int64, ref ItemRef, from []string, set string, args ...any) error {
	q, qargs, err := sqlx.In(`UPDATE `+table+` SET `+set+`, version = version + 1 WHERE id = ? AND site_id = ? AND version = ? AND status IN (?)`,
		append(args, ref.ID, siteID, ref.Version, from)...)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, d.q(q), qargs...)
	if err != nil {
		return fmt.Errorf("db: %s %s: %w", want, table, err)
	}
	if ok, err := touched(res); err != nil || ok {
		return err
	}
	return d.whyNot(ctx, tx, table, want, siteID, ref)
}

// whyNot explains why a person's compare-and-set on an item touched no row.
func (d *DB) whyNot(ctx context.Context, tx *sqlx.Tx, table, want string, siteID int64, ref ItemRef) error {
	var now struct {
		Status  string `db:"status"`
		Version int64  `db:"version"`
	}
	if err := tx.GetContext(ctx, &now, d.q(`SELECT status, version FROM `+table+` WHERE id = ? AND site_id = ?`), ref.ID, siteID); err != nil {
		return notFound(err)
	}
	if now.Version != ref.Version {
		return ErrStale
	}
	return &NotAllowedError{Status: now.Status, Want: want}
}

// RenameCluster renames a new cluster (before ideas are generated from it).
func (d *DB) RenameCluster(ctx context.Context, siteID int64, ref ItemRef, name string, now time.Time) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		return d.personCAS(ctx, tx, "clusters", "rename", siteID, ref, []string{ClusterNew}, `name = ?, updated_at = ?`, name, T(now))
	})
}

// ErrSameCluster means keywords were to move to the cluster they are in.
var ErrSameCluster = fmt.Errorf("db: the keywords are already in that cluster")

// MoveKeywords moves keywords of one new cluster to another new cluster of
// the site: both clusters' versions are compared and incremented, so a
// stage generating ideas from either one meanwhile fails its commit (or
// this move fails, when the stage committed first). A keyword no longer in
// from is ErrStale.
func (d *DB) MoveKeywords(ctx context.Context, siteID int64, from, to ItemRef, keywordIDs []int64, now time.Time) error {
	if from.ID == to.ID {
		return ErrSameCluster
	}
	if len(keywordIDs) == 0 {
		return nil
	}
	now = T(now)
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, ref := range []ItemRef{from, to} {
			if err := d.personCAS(ctx, tx, "clusters", "move keywords of", siteID, ref, []string{ClusterNew}, `updated_at = ?`, now); err != nil {
				return err
			}
		}
		q, args, err := sqlx.In(`UPDATE keywords SET cluster_id = ?, updated_at = ? WHERE site_id = ? AND cluster_id = ? AND id IN (?)`,
			to.ID, now, siteID, from.ID, keywordIDs)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, d.q(q), args...)
		if err != nil {
			return fmt.Errorf("db: move keywords: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("db: move keywords: %w", err)
		}
		if int(n) != len(keywordIDs) {
			return ErrStale
		}
		return nil
	})
}

// EditIdea changes a new idea's title and summary (before it becomes a
// writing task).
func (d *DB) EditIdea(ctx context.Context, siteID int64, ref ItemRef, title, summary string, now time.Time) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		return d.personCAS(ctx, tx, "ideas", "edit", siteID, ref, []string{IdeaNew}, `title = ?, summary = ?, updated_at = ?`, title, summary, T(now))
	})
}

// DeleteIdea deletes a new idea (before it becomes a writing task), by
// compare-and-set like an edit.
func (d *DB) DeleteIdea(ctx context.Context, siteID int64, ref ItemRef) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`DELETE FROM ideas WHERE id = ? AND site_id = ? AND version = ? AND status = 'new'`), ref.ID, siteID, ref.Version)
		if err != nil {
			return fmt.Errorf("db: delete idea: %w", err)
		}
		if ok, err := touched(res); err != nil || ok {
			return err
		}
		return d.whyNot(ctx, tx, "ideas", "delete", siteID, ref)
	})
}

// SkipTask takes a queued writing task out of the pipeline: no article is
// written for it.
func (d *DB) SkipTask(ctx context.Context, siteID int64, ref ItemRef, now time.Time) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		return d.personCAS(ctx, tx, "tasks", "skip", siteID, ref, []string{TaskQueued}, `status = 'skipped', updated_at = ?`, T(now))
	})
}

// RequeueTask puts a skipped writing task back in the queue.
func (d *DB) RequeueTask(ctx context.Context, siteID int64, ref ItemRef, now time.Time) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		return d.personCAS(ctx, tx, "tasks", "requeue", siteID, ref, []string{TaskSkipped},
			`status = 'queued', attempts = 0, last_error = '', last_attempt_run_id = NULL, updated_at = ?`, T(now))
	})
}

// EditImagePrompt changes a pending image prompt and its alt text (before
// its image is generated).
func (d *DB) EditImagePrompt(ctx context.Context, siteID int64, ref ItemRef, prompt, alt string, now time.Time) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		return d.personCAS(ctx, tx, "image_prompts", "edit", siteID, ref, []string{PromptPending}, `prompt = ?, alt = ?, updated_at = ?`,
			prompt, alt, T(now))
	})
}
