package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

// keywordTexts walks every page of f forwards from the first and returns
// the keywords in order, checking each page's HasPrev and HasNext.
func keywordTexts(t *testing.T, d *db.DB, siteID int64, f db.KeywordFilter, limit int) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	var after *db.KeywordKey
	for i := 0; ; i++ {
		p, err := d.KeywordsPage(ctx, siteID, f, after, nil, limit)
		if err != nil {
			t.Fatal(err)
		}
		if p.HasPrev != (i > 0) {
			t.Fatalf("page %d: HasPrev %v", i, p.HasPrev)
		}
		for _, k := range p.Rows {
			out = append(out, k.Keyword)
		}
		if !p.HasNext {
			return out
		}
		key := p.Rows[len(p.Rows)-1].Key()
		after = &key
	}
}

func TestKeywordsPageKeyset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSite(t, d)
		// Two imports a second apart: within one, rows share created_at and
		// follow by id.
		var a, b []db.NewKeyword
		for i := range 7 {
			a = append(a, db.NewKeyword{Text: fmt.Sprintf("Latte %d", i), Norm: fmt.Sprintf("latte %d", i)})
			b = append(b, db.NewKeyword{Text: fmt.Sprintf("Espresso %d", i), Norm: fmt.Sprintf("espresso %d", i)})
		}
		b = append(b, db.NewKeyword{Text: "Lattè", Norm: "lattè"}, db.NewKeyword{Text: "latt", Norm: "latt"})
		if _, err := d.ImportKeywords(ctx, s.ID, a, wpNow); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ImportKeywords(ctx, s.ID, b, wpNow.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := dbtest.Exec(ctx, d, `UPDATE keywords SET status = 'clustered' WHERE keyword_norm IN ('latte 1', 'latte 4', 'espresso 2')`); err != nil {
			t.Fatal(err)
		}

		all := keywordTexts(t, d, s.ID, db.KeywordFilter{}, 3)
		want := "[Latte 0 Latte 1 Latte 2 Latte 3 Latte 4 Latte 5 Latte 6 Espresso 0 Espresso 1 Espresso 2 Espresso 3 Espresso 4 Espresso 5 Espresso 6 Lattè latt]"
		if fmt.Sprint(all) != want {
			t.Errorf("all: %v\nwant %s", all, want)
		}
		if got := fmt.Sprint(keywordTexts(t, d, s.ID, db.KeywordFilter{Status: db.KeywordClustered}, 2)); got != "[Latte 1 Latte 4 Espresso 2]" {
			t.Errorf("clustered: %s", got)
		}
		// A search is by the start of the normalised keyword, bytewise, in
		// that order, with or without a status.
		if got := fmt.Sprint(keywordTexts(t, d, s.ID, db.KeywordFilter{Prefix: "latte"}, 2)); got != "[Latte 0 Latte 1 Latte 2 Latte 3 Latte 4 Latte 5 Latte 6]" {
			t.Errorf("search latte: %s", got)
		}
		if got := fmt.Sprint(keywordTexts(t, d, s.ID, db.KeywordFilter{Prefix: "latt"}, 4)); got != "[latt Latte 0 Latte 1 Latte 2 Latte 3 Latte 4 Latte 5 Latte 6 Lattè]" {
			t.Errorf("search latt: %s", got)
		}
		if got := fmt.Sprint(keywordTexts(t, d, s.ID, db.KeywordFilter{Status: db.KeywordNew, Prefix: "latte "}, 2)); got != "[Latte 0 Latte 2 Latte 3 Latte 5 Latte 6]" {
			t.Errorf("new, search latte: %s", got)
		}
		for f, n := range map[db.KeywordFilter]int{{}: 16, {Status: db.KeywordClustered}: 3, {Prefix: "latt"}: 9, {Prefix: "lattè"}: 1,
			{Status: db.KeywordNew, Prefix: "espresso"}: 6, {Prefix: "mocha"}: 0} {
			if got, err := d.CountKeywords(ctx, s.ID, f); err != nil || got != n {
				t.Errorf("count %+v: %d %v, want %d", f, got, err, n)
			}
		}
		counts, err := d.KeywordStatusCounts(ctx, s.ID)
		if err != nil || fmt.Sprint(counts) != "map[clustered:3 failed:0 new:13 unclustered:0]" {
			t.Errorf("status counts: %v %v", counts, err)
		}

		// Backwards: the page before a keyword, in the same order.
		first, err := d.KeywordsPage(ctx, s.ID, db.KeywordFilter{}, nil, nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		key := first.Rows[9].Key() // Espresso 2
		p, err := d.KeywordsPage(ctx, s.ID, db.KeywordFilter{}, nil, &key, 3)
		if err != nil || len(p.Rows) != 3 || p.Rows[0].Keyword != "Latte 6" || p.Rows[2].Keyword != "Espresso 1" || !p.HasPrev || !p.HasNext {
			t.Errorf("before Espresso 2: %+v %v", p, err)
		}
		key = first.Rows[2].Key()
		if p, err := d.KeywordsPage(ctx, s.ID, db.KeywordFilter{}, nil, &key, 3); err != nil || len(p.Rows) != 2 || p.HasPrev || !p.HasNext {
			t.Errorf("before Latte 2: %+v %v", p, err)
		}
		norm := db.KeywordKey{Norm: "latte 3"}
		if p, err := d.KeywordsPage(ctx, s.ID, db.KeywordFilter{Prefix: "latte"}, nil, &norm, 2); err != nil || len(p.Rows) != 2 || p.Rows[0].Keyword != "Latte 1" || !p.HasPrev {
			t.Errorf("search before latte 3: %+v %v", p, err)
		}
		// After the last keyword: nothing, and nothing next.
		key = first.Rows[15].Key()
		if p, err := d.KeywordsPage(ctx, s.ID, db.KeywordFilter{}, &key, nil, 3); err != nil || len(p.Rows) != 0 || p.HasNext || !p.HasPrev {
			t.Errorf("after the end: %+v %v", p, err)
		}
		// Another site's keywords never show.
		other := newSiteNamed(t, d, "other@example.com")
		if p, err := d.KeywordsPage(ctx, other.ID, db.KeywordFilter{}, nil, nil, 3); err != nil || len(p.Rows) != 0 {
			t.Errorf("another site: %+v %v", p, err)
		}
	})
}

func newSiteNamed(t *testing.T, d *db.DB, email string) db.Site {
	t.Helper()
	ctx := context.Background()
	u, err := d.CreateAccountWithUser(ctx, "Other", email, "x", false, wpNow)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Other", URL: "https://other.example", Timezone: "UTC"}, wpNow)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
