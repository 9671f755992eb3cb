-- Lists of a site's articles most recently changed first — the articles
-- page, all of them or of one status, and the publishing page's failed
-- ones — sorted every article of the site (or of the status) on each view:
-- at 20,000 articles, reading all of them took 50–70 ms (SQLite,
-- BenchmarkLargeSite-sized data). These indexes give the page in the order
-- it is shown, about 1 ms. The PostgreSQL twin of this file must stay equivalent.

-- +goose Up
CREATE INDEX content_recent_idx ON content (site_id, updated_at, id);
CREATE INDEX content_status_recent_idx ON content (site_id, status, updated_at, id);

-- +goose Down
DROP INDEX content_status_recent_idx;
DROP INDEX content_recent_idx;
