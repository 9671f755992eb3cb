package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

func TestKeywordsImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		path := fmt.Sprintf("/sites/%d/keywords", site.ID)

		if page := c.Get(t, path); !page.Has("keywords-empty") || page.TestID(t, "count-all") != "0" {
			t.Fatalf("empty keywords page:\n%s", page.Body)
		}

		// Lines: blank lines skipped, duplicates in the batch counted.
		res := c.PostMultipart(t, path, url.Values{"text": {"pour over\n\nPour  Over\ncold brew\n"}})
		if res.Status != http.StatusSeeOther || res.Location() != path {
			t.Fatalf("import lines: %d %q\n%s", res.Status, res.Location(), res.Body)
		}
		page := c.Follow(t, res)
		if got, want := page.TestID(t, "flash"), "Imported 2 new keywords (0 already present, 1 duplicates in the batch)."; got != want {
			t.Errorf("flash %q, want %q", got, want)
		}
		wantCounts(t, page, map[string]string{"all": "2", "new": "2", "clustered": "0", "unclustered": "0", "failed": "0"})
		// Times are shown in the site's time zone (Europe/Berlin; the fake clock says 12:00 UTC).
		if got := page.TestID(t, "keyword-added"); got != "2026-03-01 13:00 CET" {
			t.Errorf("added at %q, want 2026-03-01 13:00 CET", got)
		}

		// CSV with a header, volume and difficulty; one keyword already present.
		csv := "keyword,volume,difficulty\ncold brew,100,20\nespresso,50,\n\"latte, iced\",,30\n"
		res = c.PostMultipart(t, path, nil, handlertest.File{Field: "csv", Name: "kw.csv", Content: []byte(csv)})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("import csv: %d\n%s", res.Status, res.Body)
		}
		page = c.Follow(t, res)
		if got, want := page.TestID(t, "flash"), "Imported 2 new keywords (1 already present, 0 duplicates in the batch)."; got != want {
			t.Errorf("flash %q, want %q", got, want)
		}
		wantCounts(t, page, map[string]string{"all": "4", "new": "4"})
		kp, err := d.KeywordsPage(ctx, site.ID, db.KeywordFilter{}, nil, nil, 10)
		kws := kp.Rows
		if err != nil {
			t.Fatal(err)
		}
		byText := map[string]db.Keyword{}
		for _, k := range kws {
			byText[k.Keyword] = k
		}
		if k := byText["espresso"]; k.Volume != 50 || k.Difficulty != 0 {
			t.Errorf("espresso: %+v", k)
		}
		if k := byText["latte, iced"]; k.Volume != 0 || k.Difficulty != 30 {
			t.Errorf("latte, iced: %+v", k)
		}
		if k := byText["cold brew"]; k.Volume != 0 {
			t.Errorf("an import must not change a keyword already present: %+v", k)
		}

		// A batch with bad rows imports nothing and names every bad row.
		long := strings.Repeat("k", 201)
		csv = "keyword,volume,difficulty\n,10,5\n" + long + ",1,1\nmocha,abc,1\nflat white,1,101\ngood one,1,1\n"
		res = c.PostMultipart(t, path, nil, handlertest.File{Field: "csv", Name: "bad.csv", Content: []byte(csv)})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad csv: %d, want 422", res.Status)
		}
		lines := res.TestIDs("row-line")
		if strings.Join(lines, ",") != "2,3,4,5" {
			t.Errorf("error lines %v, want 2,3,4,5", lines)
		}
		msgs := res.TestIDs("row-message")
		for i, want := range []string{"empty", "at most 200 characters", "volume", "difficulty"} {
			if i >= len(msgs) || !strings.Contains(msgs[i], want) {
				t.Errorf("row error %d: %q, want it to mention %q", i, msgs, want)
			}
		}
		wantCounts(t, res, map[string]string{"all": "4"})

		// Pasted text with an error keeps the text in the textarea.
		text := "fine keyword\n" + long + "\n"
		res = c.PostMultipart(t, path, url.Values{"text": {text}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad text: %d", res.Status)
		}
		if got := res.TestIDs("row-line"); len(got) != 1 || got[0] != "2" {
			t.Errorf("bad text error lines %v, want [2]", got)
		}
		if got := res.TestID(t, "import-text"); got != strings.Join(strings.Fields(text), " ") {
			t.Errorf("textarea lost the user's text: %q", got)
		}
		if total, _ := d.CountKeywords(ctx, site.ID, db.KeywordFilter{}); total != 4 {
			t.Fatalf("refused batches stored keywords: %d in total, want 4", total)
		}

		// Nothing, or both at once, is a form error.
		for name, r := range map[string]*handlertest.Response{
			"empty": c.PostMultipart(t, path, url.Values{"text": {"  \n"}}),
			"both":  c.PostMultipart(t, path, url.Values{"text": {"a"}}, handlertest.File{Field: "csv", Name: "a.csv", Content: []byte("b")}),
		} {
			if r.Status != http.StatusUnprocessableEntity || r.TestID(t, "import-error") == "" {
				t.Errorf("%s: %d, want 422 with a form error", name, r.Status)
			}
		}
	})
}

func TestKeywordsPagingAndRequeue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		path := fmt.Sprintf("/sites/%d/keywords", site.ID)

		var lines []string
		for i := range 124 {
			lines = append(lines, fmt.Sprintf("keyword %03d", i))
		}
		if res := c.PostMultipart(t, path, url.Values{"text": {strings.Join(lines, "\n")}}); res.Status != http.StatusSeeOther {
			t.Fatalf("import: %d", res.Status)
		}

		// Pages follow each other by their links: next to the end, then
		// previous back to the start.
		type want struct {
			rows       int
			first      string
			prev, next bool
		}
		check := func(label string, page *handlertest.Response, w want, info string) {
			t.Helper()
			rows := page.TestIDs("keyword")
			first := ""
			if len(rows) > 0 {
				first = rows[0]
			}
			if page.Status != http.StatusOK || len(rows) != w.rows || first != w.first || page.Has("page-prev") != w.prev || page.Has("page-next") != w.next ||
				(info != "" && page.TestID(t, "page-info") != info) {
				t.Errorf("%s: status %d, %d rows from %q, prev %v next %v, info %q; want %+v %q", label, page.Status, len(rows), first,
					page.Has("page-prev"), page.Has("page-next"), page.TestID(t, "page-info"), w, info)
			}
		}
		link := func(page *handlertest.Response, id string) string {
			t.Helper()
			href, ok := page.Attr(id, "href")
			if !ok {
				t.Fatalf("no %s link", id)
			}
			return href
		}
		p1 := c.Get(t, path)
		check("first page", p1, want{50, "keyword 000", false, true}, "124 keywords")
		p2 := c.Get(t, link(p1, "page-next"))
		check("second page", p2, want{50, "keyword 050", true, true}, "124 keywords")
		p3 := c.Get(t, link(p2, "page-next"))
		check("last page", p3, want{24, "keyword 100", true, false}, "")
		back := c.Get(t, link(p3, "page-prev"))
		check("back to the second page", back, want{50, "keyword 050", true, true}, "")
		check("back to the first page", c.Get(t, link(back, "page-prev")), want{50, "keyword 000", false, true}, "")

		// A status tab pages the same way and keeps its status.
		n1 := c.Get(t, path+"?status=new")
		n2 := c.Get(t, link(n1, "page-next"))
		if href := link(n2, "page-next"); !strings.Contains(href, "status=new") {
			t.Errorf("the tab's next link lost the status: %s", href)
		}
		check("new, last page", c.Get(t, link(n2, "page-next")), want{24, "keyword 100", true, false}, "")
		if page := c.Get(t, path+"?status=clustered"); !page.Has("keywords-empty") {
			t.Error("status=clustered should list nothing")
		}

		// A search takes the start of a keyword, normalised like an import;
		// it combines with a tab and pages like the list.
		s1 := c.Get(t, path+"?q="+url.QueryEscape("  Keyword   0"))
		check("search", s1, want{50, "keyword 000", false, true}, "100 keywords start with “keyword 0”")
		if got := s1.FormValue(t, "q"); got != "keyword 0" {
			t.Errorf("search box holds %q", got)
		}
		s2 := c.Get(t, link(s1, "page-next"))
		check("search, next", s2, want{50, "keyword 050", true, false}, "")
		check("search, previous", c.Get(t, link(s2, "page-prev")), want{50, "keyword 000", false, true}, "")
		check("tab and search", c.Get(t, path+"?status=new&q=keyword+1"), want{24, "keyword 100", false, false}, "24 keywords start with “keyword 1”")
		none := c.Get(t, path+"?status=clustered&q=keyword")
		if !none.Has("keywords-empty") || !strings.Contains(none.TestID(t, "keywords-empty"), "No clustered keywords start with “keyword”") {
			t.Errorf("a search that finds nothing: %q", none.TestID(t, "keywords-empty"))
		}
		if href := link(none, "search-clear"); href != path+"?status=clustered" {
			t.Errorf("clear the search: %s", href)
		}

		// A cursor past the end shows nothing and offers the first page.
		last, err := d.KeywordsPage(ctx, site.ID, db.KeywordFilter{}, nil, nil, 200)
		if err != nil || len(last.Rows) != 124 {
			t.Fatalf("all keywords: %d, %v", len(last.Rows), err)
		}
		end := last.Rows[123]
		endPage := c.Get(t, fmt.Sprintf("%s?after=%d.%d", path, end.CreatedAt.UnixMicro(), end.ID))
		check("after the end", endPage, want{0, "", false, false}, "")
		if !endPage.Has("keywords-empty") || link(endPage, "page-first") != path {
			t.Errorf("after the end: want the empty state with a link to the first page\n%.500s", endPage.Body)
		}

		// Bad parameters are a 400 naming what is wrong.
		for _, q := range []string{"?status=bogus", "?after=abc", "?after=12", "?after=1.-4", "?before=x.1", "?after=1.2&before=1.2",
			"?q=keyword&after=coffee", "?q=" + strings.Repeat("k", 201)} {
			res := c.Get(t, path+q)
			if res.Status != http.StatusBadRequest {
				t.Errorf("%.40s: %d, want 400", q, res.Status)
			}
		}
		if res := c.Get(t, path+"?after=abc"); !strings.Contains(res.Body, "This page link is broken") {
			t.Errorf("a broken cursor should say so\n%.500s", res.Body)
		}

		// htmx tab, search and page links get the list alone.
		part := c.GetHTMX(t, link(p1, "page-next"))
		if part.Status != http.StatusOK || strings.Contains(part.Body, "<html") || len(part.TestIDs("keyword-row")) != 50 || part.Has("import-text") {
			t.Errorf("htmx page: %d, want the list partial only\n%.300s", part.Status, part.Body)
		}

		// Keywords the AI gave up on can be moved back to new.
		if _, err := dbtest.Exec(ctx, d, d.Rebind(`UPDATE keywords SET status = 'unclustered', attempts = 3 WHERE site_id = ? AND keyword IN ('keyword 001', 'keyword 002', 'keyword 003')`), site.ID); err != nil {
			t.Fatal(err)
		}
		page := c.Get(t, path)
		wantCounts(t, page, map[string]string{"all": "124", "new": "121", "unclustered": "3"})
		if !page.Has("requeue-unclustered") || page.Has("requeue-failed") {
			t.Fatalf("requeue buttons: unclustered %v, failed %v", page.Has("requeue-unclustered"), page.Has("requeue-failed"))
		}
		if res := c.PostForm(t, path+"/requeue", url.Values{"status": {"clustered"}}); res.Status != http.StatusBadRequest {
			t.Errorf("requeue clustered: %d, want 400", res.Status)
		}
		res := c.PostForm(t, path+"/requeue", url.Values{"status": {"unclustered"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("requeue: %d", res.Status)
		}
		page = c.Follow(t, res)
		if got := page.TestID(t, "flash"); got != "Moved 3 unclustered keywords back to new." {
			t.Errorf("flash %q", got)
		}
		wantCounts(t, page, map[string]string{"new": "124", "unclustered": "0"})
	})
}

// wantCounts checks the keyword status tabs' counts.
func wantCounts(t *testing.T, page *handlertest.Response, want map[string]string) {
	t.Helper()
	for status, n := range want {
		if got := page.TestID(t, "count-"+status); got != n {
			t.Errorf("count %s = %s, want %s", status, got, n)
		}
	}
}
