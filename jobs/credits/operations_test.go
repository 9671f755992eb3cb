package credits_test

import (
	"slices"
	"testing"

	"autopress/db"
	"autopress/jobs/credits"
)

// The pure package's list of operations is the database's list.
func TestOperationsMatchDB(t *testing.T) {
	if !slices.Equal(credits.Operations, db.Operations) {
		t.Fatalf("credits.Operations %v != db.Operations %v", credits.Operations, db.Operations)
	}
}
