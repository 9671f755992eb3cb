-- The keywords page at 100,000 keywords (docs/performance.md): the list
-- pages by keyset in (created_at, id) order, for all statuses and per
-- status (keywords_stage_idx); a search is a prefix of the normalised
-- keyword, in that order, for all statuses (the unique (site_id,
-- keyword_norm) index) and per status. The dashboard counts articles from
-- indexes alone: approvals and publications since a day (its chart; content_published_idx
-- covers published articles only, and the chart counts by published_at alone) and each stage's
-- waiting, done and failed articles (its pipeline picture). The PostgreSQL twin of this
-- file must stay equivalent (it compares keywords bytewise, COLLATE "C",
-- as SQLite does).

-- +goose Up
CREATE INDEX keywords_site_created_idx ON keywords (site_id, created_at, id);
CREATE INDEX keywords_status_norm_idx ON keywords (site_id, status, keyword_norm);
CREATE INDEX content_approved_idx ON content (site_id, approved_at);
CREATE INDEX content_published_at_idx ON content (site_id, published_at);
CREATE INDEX content_pipeline_idx ON content (site_id, status, prompts_extracted_at, approved_at);

-- +goose Down
DROP INDEX content_pipeline_idx;
DROP INDEX content_published_at_idx;
DROP INDEX content_approved_idx;
DROP INDEX keywords_status_norm_idx;
DROP INDEX keywords_site_created_idx;
