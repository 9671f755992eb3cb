package db

import (
	"fmt"
	"time"
)

// BucketSeconds is the width of the time buckets activity is counted in:
// 15 minutes, the finest step of any time zone's offset, so buckets fold
// into the days of any zone exactly.
const BucketSeconds = 15 * 60

// TimeCount is a count (or sum) of one kind of event in one time bucket.
type TimeCount struct {
	// At is the bucket's start (UTC).
	At   time.Time
	Kind string
	N    int64
}

// bucketRow is a TimeCount as a query returns it.
type bucketRow struct {
	Bucket int64  `db:"bucket"`
	Kind   string `db:"kind"`
	N      int64  `db:"n"`
}

// bucketOf is the SQL expression of the time bucket of a timestamp column:
// its Unix time divided by BucketSeconds. The one place the dialects differ
// here: SQLite stores times as text, PostgreSQL as timestamptz.
func (d *DB) bucketOf(col string) string {
	if d.Dialect == Postgres {
		return fmt.Sprintf("CAST(FLOOR(EXTRACT(EPOCH FROM %s) / %d) AS BIGINT)", col, BucketSeconds)
	}
	return fmt.Sprintf("(CAST(strftime('%%s', %s) AS INTEGER) / %d)", col, BucketSeconds)
}

func timeCounts(rows []bucketRow) []TimeCount {
	out := make([]TimeCount, len(rows))
	for i, r := range rows {
		out[i] = TimeCount{At: time.Unix(r.Bucket*BucketSeconds, 0).UTC(), Kind: r.Kind, N: r.N}
	}
	return out
}
