-- Regeneration (docs/editorial.md#regeneration): a person asks for a new
-- version of an article, of its SEO fields or of one image; the request is
-- a job any instance claims with a lease, like a run. Revisions also keep
-- the SEO fields, which the editor now edits, and the note a regeneration
-- was asked with. The PostgreSQL twin of this file must stay equivalent.

-- +goose Up
CREATE TABLE regeneration_jobs (
    id                INTEGER PRIMARY KEY,
    account_id        BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    site_id           BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    content_id        BIGINT NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('article','seo','image')),
    -- The image to draw again (kind image).
    image_id          BIGINT REFERENCES images(id) ON DELETE CASCADE,
    note              TEXT NOT NULL DEFAULT '',
    -- The request's idempotency key: the same key is the same job.
    request_key       TEXT NOT NULL,
    -- The version the commit compares: the article's (article, seo) or
    -- the image prompt's (image), as the person saw it.
    base_version      BIGINT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','done','failed','cancelled')),
    -- The credit operation and the price fixed when it was asked for.
    operation         TEXT NOT NULL,
    cost              BIGINT NOT NULL DEFAULT 0 CHECK (cost >= 0),
    claims            INTEGER NOT NULL DEFAULT 0,
    lease_owner       TEXT NOT NULL DEFAULT '',
    lease_expires_at  TIMESTAMP,
    error             TEXT NOT NULL DEFAULT '',
    -- The revision a finished article or SEO regeneration made.
    revision          INTEGER,
    -- The article was approved or scheduled with the old version and went
    -- back to review.
    back_to_review    BOOLEAN NOT NULL DEFAULT FALSE,
    requested_by      TEXT NOT NULL,
    cancelled_by      TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL,
    started_at        TIMESTAMP,
    finished_at       TIMESTAMP,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (account_id, request_key)
);
-- One regeneration at a time per article.
CREATE UNIQUE INDEX regeneration_jobs_one_active ON regeneration_jobs (content_id) WHERE status IN ('queued','running');
CREATE INDEX regeneration_jobs_claim_idx ON regeneration_jobs (status, lease_expires_at);
CREATE INDEX regeneration_jobs_content_idx ON regeneration_jobs (content_id, id);

ALTER TABLE content_revisions ADD COLUMN seo_title TEXT NOT NULL DEFAULT '';
ALTER TABLE content_revisions ADD COLUMN meta_description TEXT NOT NULL DEFAULT '';
ALTER TABLE content_revisions ADD COLUMN note TEXT NOT NULL DEFAULT '';
-- Before this migration nothing but the writing stage wrote the SEO
-- fields, so every revision had the article's current ones.
UPDATE content_revisions SET
    seo_title = (SELECT c.seo_title FROM content c WHERE c.id = content_revisions.content_id),
    meta_description = (SELECT c.meta_description FROM content c WHERE c.id = content_revisions.content_id);

-- +goose Down
ALTER TABLE content_revisions DROP COLUMN note;
ALTER TABLE content_revisions DROP COLUMN meta_description;
ALTER TABLE content_revisions DROP COLUMN seo_title;
DROP TABLE regeneration_jobs;
