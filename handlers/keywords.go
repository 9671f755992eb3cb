package handlers

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// keywordsPerPage is the keyword list's page size.
const keywordsPerPage = 50

// maxKeywordSearch bounds the search text (in characters).
const maxKeywordSearch = 200

// keywordStatuses are the filter tabs after "all".
var keywordStatuses = []string{db.KeywordNew, db.KeywordClustered, db.KeywordUnclustered, db.KeywordFailed}

// keywordsQuery is what the keyword list was asked for: a status tab, a
// search (the start of a keyword) and a place, after or before a keyword.
type keywordsQuery struct {
	Status, Search string
	After, Before  *db.KeywordKey
}

// keywords shows a site's keywords: status tabs with counts, a search, a
// list paged by keyset (?status=&q=&after= or &before=) and the import
// form. htmx tab, search and page requests get the list alone.
func (h *app) keywords(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	q, err := parseKeywordsQuery(c)
	if err != nil {
		return err
	}
	k, err := h.keywordsPage(c.Request().Context(), s, q)
	if err != nil {
		return err
	}
	return h.renderPage(c, http.StatusOK, views.Keywords(h.page(c, "Keywords · "+s.Name, "sites"), k), views.KeywordList(k))
}

// parseKeywordsQuery reads and checks the list's parameters; a cursor is
// "<created_at in Unix microseconds>.<id>" in the list and the normalised
// keyword in a search.
func parseKeywordsQuery(c echo.Context) (keywordsQuery, error) {
	q := keywordsQuery{Status: c.QueryParam("status")}
	after, before := c.QueryParam("after"), c.QueryParam("before")
	if q.Status != "" && !slices.Contains(keywordStatuses, q.Status) {
		return q, badRequest("status", "Unknown keyword status "+strconv.Quote(q.Status)+".")
	}
	search := c.QueryParam("q")
	if utf8.RuneCountInString(search) > maxKeywordSearch {
		return q, badRequest("q", "The search is too long: type at most "+strconv.Itoa(maxKeywordSearch)+" characters of the keyword's start.")
	}
	q.Search = db.NormalizeKeyword(search)
	if after != "" && before != "" {
		return q, badRequest("after", "This page link asks for two places at once: go back to the first page.")
	}
	var err error
	if q.After, err = parseKeywordCursor(after, q.Search); err != nil {
		return q, badRequest("after", err.Error())
	}
	if q.Before, err = parseKeywordCursor(before, q.Search); err != nil {
		return q, badRequest("before", err.Error())
	}
	return q, nil
}

type cursorError struct{}

func (cursorError) Error() string {
	return "This page link is broken or out of date: go back to the first page."
}

func parseKeywordCursor(s, search string) (*db.KeywordKey, error) {
	switch {
	case s == "":
		return nil, nil
	case search != "":
		if !strings.HasPrefix(s, search) || !utf8.ValidString(s) {
			return nil, cursorError{}
		}
		return &db.KeywordKey{Norm: s}, nil
	}
	at, id, ok := strings.Cut(s, ".")
	micros, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || micros < 0 || n <= 0 {
		return nil, cursorError{}
	}
	return &db.KeywordKey{CreatedAt: time.UnixMicro(micros).UTC(), ID: n}, nil
}

// keywordCursor is the cursor of a keyword in the list (see
// parseKeywordCursor).
func keywordCursor(kw db.Keyword, search string) string {
	k := kw.Key()
	if search != "" {
		return k.Norm
	}
	return strconv.FormatInt(k.CreatedAt.UnixMicro(), 10) + "." + strconv.FormatInt(k.ID, 10)
}

// keywordsPage gathers the page's data: the tabs' counts per status (the
// site's counters), the search's count, and one page of keywords read
// by keyset.
func (h *app) keywordsPage(ctx context.Context, s db.Site, q keywordsQuery) (views.KeywordsPage, error) {
	counts, err := h.DB.KeywordStatusCounts(ctx, s.ID)
	if err != nil {
		return views.KeywordsPage{}, err
	}
	k := views.KeywordsPage{Site: siteInfo(s), Location: s.Location(), Status: q.Status, Search: q.Search,
		Paged: q.After != nil || q.Before != nil}
	all := 0
	for _, st := range keywordStatuses {
		all += counts[st]
	}
	k.All = all
	k.Tabs = append(k.Tabs, views.StatusTab{Label: "all", Count: all})
	for _, st := range keywordStatuses {
		k.Tabs = append(k.Tabs, views.StatusTab{Status: st, Label: st, Count: counts[st]})
	}
	for _, st := range []string{db.KeywordUnclustered, db.KeywordFailed} {
		if n := counts[st]; n > 0 {
			k.Requeue = append(k.Requeue, views.StatusCount{Status: st, Count: n})
		}
	}

	f := db.KeywordFilter{Status: q.Status, Prefix: q.Search}
	switch {
	case q.Search != "":
		if k.Total, err = h.DB.CountKeywords(ctx, s.ID, f); err != nil {
			return views.KeywordsPage{}, err
		}
	case q.Status != "":
		k.Total = counts[q.Status]
	default:
		k.Total = all
	}
	p, err := h.DB.KeywordsPage(ctx, s.ID, f, q.After, q.Before, keywordsPerPage)
	if err != nil {
		return views.KeywordsPage{}, err
	}
	for _, r := range p.Rows {
		k.Rows = append(k.Rows, views.KeywordRow{Keyword: r.Keyword, Volume: r.Volume, Difficulty: r.Difficulty,
			Status: r.Status, Attempts: r.Attempts, LastError: r.LastError, CreatedAt: r.CreatedAt})
	}
	// A page past either end (its keywords were moved or deleted since)
	// is empty and offers the first page.
	if len(p.Rows) > 0 && p.HasPrev {
		k.Prev = keywordCursor(p.Rows[0], q.Search)
	}
	if len(p.Rows) > 0 && p.HasNext {
		k.Next = keywordCursor(p.Rows[len(p.Rows)-1], q.Search)
	}
	return k, nil
}
