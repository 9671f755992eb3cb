package handlers

import (
	"context"
	"time"

	"autopress/db"
	"autopress/handlers/input"
	"autopress/views"
)

// importCounts is the outcome of an accepted keyword batch.
type importCounts struct {
	Imported       int `json:"imported"`
	AlreadyPresent int `json:"already_present"`
	Duplicates     int `json:"duplicates"`
}

// importBatch stores a parsed batch that has no row errors (the caller
// checks): new keywords go in, those already on the site are counted.
func importBatch(ctx context.Context, d *db.DB, siteID int64, res input.Result, now time.Time) (importCounts, error) {
	kws := make([]db.NewKeyword, 0, len(res.Rows))
	for _, r := range res.Rows {
		kws = append(kws, r.NewKeyword())
	}
	n, err := d.ImportKeywords(ctx, siteID, kws, now)
	if err != nil {
		return importCounts{}, err
	}
	return importCounts{Imported: n, AlreadyPresent: len(kws) - n, Duplicates: res.Duplicates}, nil
}

func viewRowErrors(errs []input.RowError) []views.RowError {
	out := make([]views.RowError, 0, len(errs))
	for _, e := range errs {
		out = append(out, views.RowError{Line: e.Line, Input: e.Input, Message: e.Message})
	}
	return out
}
