-- A writing profile per site (docs/editorial.md#writing-profile), the SEO
-- fields of an article, and content_generation's unit, which the length
-- range now prices (docs/credits.md). The SQLite twin must stay equivalent.

-- +goose Up
CREATE TABLE writing_profiles (
    site_id             BIGINT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
    language            TEXT NOT NULL DEFAULT 'en',
    tone                TEXT NOT NULL DEFAULT 'friendly',
    point_of_view       TEXT NOT NULL DEFAULT 'second',
    audience            TEXT NOT NULL DEFAULT '',
    min_words           INTEGER NOT NULL DEFAULT 600,
    max_words           INTEGER NOT NULL DEFAULT 1200,
    brand_voice         TEXT NOT NULL DEFAULT '',
    avoid               TEXT NOT NULL DEFAULT '',
    faq                 BOOLEAN NOT NULL DEFAULT FALSE,
    table_of_contents   BOOLEAN NOT NULL DEFAULT FALSE,
    conclusion          BOOLEAN NOT NULL DEFAULT TRUE,
    max_internal_links  INTEGER NOT NULL DEFAULT 3 CHECK (max_internal_links BETWEEN 0 AND 10),
    updated_at          TIMESTAMPTZ NOT NULL,
    CHECK (min_words >= 300 AND max_words <= 5000 AND max_words - min_words >= 100)
);
INSERT INTO writing_profiles (site_id, updated_at) SELECT id, CURRENT_TIMESTAMP FROM sites;

ALTER TABLE content ADD COLUMN seo_title TEXT NOT NULL DEFAULT '';
ALTER TABLE content ADD COLUMN meta_description TEXT NOT NULL DEFAULT '';

-- Internal links: a site's published articles, newest first.
CREATE INDEX content_published_idx ON content (site_id, published_at) WHERE status = 'published';

UPDATE credit_costs SET unit = 'article of up to 1,500 words' WHERE operation = 'content_generation' AND unit = 'article';

-- +goose Down
UPDATE credit_costs SET unit = 'article' WHERE operation = 'content_generation' AND unit = 'article of up to 1,500 words';
DROP INDEX content_published_idx;
ALTER TABLE content DROP COLUMN meta_description;
ALTER TABLE content DROP COLUMN seo_title;
DROP TABLE writing_profiles;
