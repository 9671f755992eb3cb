package dbtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"autopress/db"
)

// LargeSite sizes SeedLargeSite.
type LargeSite struct {
	Keywords int
	Content  int
	// HTMLBytes is about the size of each article's body (default 2,000).
	HTMLBytes int
}

// largeBatch is how many rows one INSERT of SeedLargeSite carries (well under SQLite's and
// PostgreSQL's limits on bound parameters).
const largeBatch = 500

// LargeKeywordStatus is the status SeedLargeSite gives keyword i: about
// 40% new, 40% clustered, 15% unclustered and 5% failed, interleaved.
func LargeKeywordStatus(i int) string {
	switch m := i % 20; {
	case m < 8:
		return db.KeywordNew
	case m < 16:
		return db.KeywordClustered
	case m < 19:
		return db.KeywordUnclustered
	default:
		return db.KeywordFailed
	}
}

// LargeKeyword is the text of keyword i of SeedLargeSite: "<word> <word>
// <i>", so prefixes of one or two words match many rows and a prefix with
// the number matches one.
func LargeKeyword(i int) string {
	return fmt.Sprintf("%s %s %06d", seedWords[i%len(seedWords)], seedWords[(i/len(seedWords))%len(seedWords)], i)
}

var seedWords = []string{"coffee", "espresso", "grinder", "kettle", "filter", "beans", "roast", "brew",
	"latte", "milk", "crema", "burr", "aeropress", "moka", "cold", "decaf", "arabica", "robusta", "cup", "water"}

// largeContentStatus spreads articles over every status the way a site
// that has run for a while has them: most published.
func largeContentStatus(i int) string {
	switch m := i % 20; {
	case m < 2:
		return db.ContentDraft
	case m < 4:
		return db.ContentReview
	case m < 5:
		return db.ContentApproved
	case m < 6:
		return db.ContentRejected
	case m < 7:
		return db.ContentScheduled
	case m < 19:
		return db.ContentPublished
	default:
		return db.ContentFailed
	}
}

// SeedLargeSite is SeedLarge for tests and benchmarks: a failure fails tb.
func SeedLargeSite(tb testing.TB, d *db.DB, siteID int64, size LargeSite, base time.Time) {
	tb.Helper()
	if err := SeedLarge(context.Background(), d, siteID, size, base); err != nil {
		tb.Fatal(err)
	}
}

// SeedLarge fills a site with size.Keywords keywords (statuses from
// LargeKeywordStatus, one microsecond apart from base on) and size.Content
// articles spread over every status, half an hour apart up to base (a
// published article in the slot it was published in, scheduled ones an
// hour apart after base), with bulk INSERTs in a few transactions, then
// refreshes the planner's statistics (and, on PostgreSQL, the visibility
// map, as autovacuum would): seconds, not minutes, for benchmarks of the
// pages at scale (the bench driver's pages scenario too).
func SeedLarge(ctx context.Context, d *db.DB, siteID int64, size LargeSite, base time.Time) error {
	base = db.T(base)
	if size.HTMLBytes == 0 {
		size.HTMLBytes = 2000
	}
	// Keywords.
	for start := 0; start < size.Keywords; start += 20 * largeBatch {
		err := d.InTx(ctx, func(tx *sqlx.Tx) error {
			for b := start; b < min(start+20*largeBatch, size.Keywords); b += largeBatch {
				n := min(largeBatch, size.Keywords-b)
				var sb strings.Builder
				sb.WriteString(`INSERT INTO keywords (site_id, keyword, keyword_norm, volume, difficulty, status, attempts, created_at, updated_at) VALUES `)
				args := make([]any, 0, n*9)
				for i := b; i < b+n; i++ {
					if i > b {
						sb.WriteString(",")
					}
					sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
					kw, st := LargeKeyword(i), LargeKeywordStatus(i)
					attempts := 0
					if st == db.KeywordUnclustered || st == db.KeywordFailed {
						attempts = db.MaxItemAttempts
					}
					at := base.Add(time.Duration(i) * time.Microsecond)
					args = append(args, siteID, kw, db.NormalizeKeyword(kw), (i*37)%10000, i%101, st, attempts, at, at)
				}
				if _, err := tx.ExecContext(ctx, d.Rebind(sb.String()), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("dbtest: seed keywords: %w", err)
		}
	}
	// Articles.
	body := "<p>" + strings.Repeat("Good coffee starts with fresh beans. ", size.HTMLBytes/37+1)[:size.HTMLBytes] + "</p>"
	const perBatch = 200
	for start := 0; start < size.Content; start += 10 * perBatch {
		err := d.InTx(ctx, func(tx *sqlx.Tx) error {
			for b := start; b < min(start+10*perBatch, size.Content); b += perBatch {
				n := min(perBatch, size.Content-b)
				var sb strings.Builder
				sb.WriteString(`INSERT INTO content (site_id, title, slug, html, excerpt, status, prompts_extracted_at, approved_at, scheduled_at, published_at, created_at, updated_at) VALUES `)
				args := make([]any, 0, n*12)
				for i := b; i < b+n; i++ {
					if i > b {
						sb.WriteString(",")
					}
					sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
					st := largeContentStatus(i)
					// Half an hour apart, the last one at base: 20,000
					// articles span 14 months, as on a site that has run
					// that long.
					at := base.Add(-time.Duration(size.Content-1-i) * 30 * time.Minute)
					var extracted, approved, scheduled, published *time.Time
					if st != db.ContentFailed && !(st == db.ContentDraft && i%2 == 0) {
						extracted = &at
					}
					switch st {
					case db.ContentApproved, db.ContentScheduled, db.ContentPublished:
						approved = &at
					}
					if st == db.ContentScheduled {
						s := base.Add(time.Duration(i+1) * time.Hour)
						scheduled = &s
					}
					if st == db.ContentPublished {
						published, scheduled = &at, &at
					}
					title := fmt.Sprintf("Article %06d about %s", i, LargeKeyword(i))
					args = append(args, siteID, title, fmt.Sprintf("large-article-%06d", i), body, "An article.", st,
						extracted, approved, scheduled, published, at, at)
				}
				if _, err := tx.ExecContext(ctx, d.Rebind(sb.String()), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("dbtest: seed content: %w", err)
		}
	}
	// The counters' appended rows folded, as the server's job would.
	if _, err := d.FoldItemCounts(ctx); err != nil {
		return err
	}
	var err error
	if d.Dialect == db.Postgres {
		// VACUUM runs outside a transaction, on the shared pool.
		var none []int
		err = d.SelectContext(ctx, &none, "VACUUM ANALYZE keywords, content, item_counts")
	} else {
		_, err = Exec(ctx, d, "ANALYZE")
	}
	if err != nil {
		return fmt.Errorf("dbtest: analyze: %w", err)
	}
	return nil
}
