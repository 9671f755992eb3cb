package dbtest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"autopress/db"
)

// seedBatch is how many rows one INSERT of SeedSiteContent writes.
const seedBatch = 500

// SeedSiteContent adds keywords new keywords and articles articles to the
// site in a few large transactions (multi-row INSERTs), for benchmarks of
// the pages of a big site: seconds, not minutes, on both databases. The
// keywords are "bench keyword <n> topic<n%1000>", all new (stage 1's
// input). The articles cycle through the states a grown site holds: of
// every ten, four published (one a minute back from now, each in the slot
// it was published in), two scheduled (a slot an hour apart from now on),
// one approved, two in review, one draft. now is the time the rows are
// written at.
func SeedSiteContent(ctx context.Context, d *db.DB, siteID int64, keywords, articles int, now time.Time) error {
	at := db.T(now)
	err := inBatches(ctx, d, keywords, func(tx *sqlx.Tx, from, to int) error {
		var q strings.Builder
		q.WriteString(`INSERT INTO keywords (site_id, keyword, keyword_norm, volume, difficulty, status, created_at, updated_at) VALUES `)
		args := make([]any, 0, (to-from)*6)
		for i := from; i < to; i++ {
			if i > from {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, 'new', ?, ?)")
			kw := fmt.Sprintf("bench keyword %06d topic%03d", i, i%1000)
			args = append(args, siteID, kw, kw, (i*37)%5000, (i*13)%101, at, at)
		}
		_, err := tx.ExecContext(ctx, d.Rebind(q.String()), args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("dbtest: seed keywords: %w", err)
	}
	err = inBatches(ctx, d, articles, func(tx *sqlx.Tx, from, to int) error {
		var q strings.Builder
		q.WriteString(`INSERT INTO content (site_id, title, slug, html, excerpt, word_count, status, approved_at, approved_by,
			scheduled_at, published_at, created_at, updated_at) VALUES `)
		args := make([]any, 0, (to-from)*13)
		for i := from; i < to; i++ {
			if i > from {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			title := fmt.Sprintf("Bench article %06d", i)
			var approved, scheduled, published *time.Time
			approvedBy := ""
			var status string
			switch i % 10 {
			case 0, 1, 2, 3:
				status = db.ContentPublished
				p := at.Add(-time.Duration(i) * time.Minute)
				approved, scheduled, published, approvedBy = &p, &p, &p, "bench"
			case 4, 5:
				status = db.ContentScheduled
				s := at.Add(time.Duration(i+1) * time.Hour)
				approved, scheduled, approvedBy = &at, &s, "bench"
			case 6:
				status = db.ContentApproved
				approved, approvedBy = &at, "bench"
			case 7, 8:
				status = db.ContentReview
			default:
				status = db.ContentDraft
			}
			args = append(args, siteID, title, fmt.Sprintf("bench-article-%06d", i),
				"<h2>"+title+"</h2><p>"+strings.Repeat("Words of the article. ", 40)+"</p>", "An excerpt of "+title,
				320, status, approved, approvedBy, scheduled, published, at, at)
		}
		_, err := tx.ExecContext(ctx, d.Rebind(q.String()), args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("dbtest: seed articles: %w", err)
	}
	return nil
}

// inBatches calls insert for [from, to) ranges of seedBatch rows out of n,
// twenty batches to a transaction.
func inBatches(ctx context.Context, d *db.DB, n int, insert func(tx *sqlx.Tx, from, to int) error) error {
	const perTx = 20 * seedBatch
	for start := 0; start < n; start += perTx {
		end := min(start+perTx, n)
		err := d.InTx(ctx, func(tx *sqlx.Tx) error {
			for from := start; from < end; from += seedBatch {
				if err := insert(tx, from, min(from+seedBatch, end)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
