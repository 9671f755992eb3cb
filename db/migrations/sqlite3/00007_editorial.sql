-- Editorial control: the version every person's edit and every stage's
-- commit compare and increment (so both never win), skipped writing tasks,
-- who edited an article last, and the revisions of articles
-- (docs/editorial.md). The PostgreSQL twin of this file must stay
-- equivalent.
--
-- SQLite cannot change a CHECK constraint, so tasks is rebuilt. Dropping
-- the old table sets content.task_id to NULL (ON DELETE SET NULL, with
-- foreign keys on, as they must stay inside goose's transaction): the links
-- are kept aside first and put back after.

-- +goose Up
ALTER TABLE clusters ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ideas ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE image_prompts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE content ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE content ADD COLUMN edited_at TIMESTAMP;
ALTER TABLE content ADD COLUMN edited_by TEXT NOT NULL DEFAULT '';

CREATE TEMP TABLE content_task_links AS SELECT id, task_id FROM content WHERE task_id IS NOT NULL;
CREATE TABLE tasks_new (
    id          INTEGER PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    idea_id     BIGINT NOT NULL UNIQUE REFERENCES ideas(id) ON DELETE CASCADE,
    run_id      BIGINT,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','done','failed','skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    last_attempt_run_id  BIGINT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    version     BIGINT NOT NULL DEFAULT 0
);
INSERT INTO tasks_new (id, site_id, idea_id, run_id, title, status, attempts, last_error, last_attempt_run_id, created_at, updated_at)
    SELECT id, site_id, idea_id, run_id, title, status, attempts, last_error, last_attempt_run_id, created_at, updated_at FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;
CREATE INDEX tasks_stage_idx ON tasks (site_id, status, created_at, id);
UPDATE content SET task_id = (SELECT l.task_id FROM content_task_links l WHERE l.id = content.id)
    WHERE id IN (SELECT id FROM content_task_links);
DROP TABLE content_task_links;

CREATE TABLE content_revisions (
    id             INTEGER PRIMARY KEY,
    content_id     BIGINT NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    number         INTEGER NOT NULL CHECK (number >= 1),
    title          TEXT NOT NULL,
    slug           TEXT NOT NULL,
    excerpt        TEXT NOT NULL DEFAULT '',
    html           TEXT NOT NULL,
    -- The article's image alt texts, a JSON array of {"id","alt"}.
    image_alts     TEXT NOT NULL DEFAULT '[]',
    -- The fields this revision changed, comma-separated.
    changed        TEXT NOT NULL DEFAULT '',
    actor          TEXT NOT NULL,
    restored_from  INTEGER,
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (content_id, number)
);

-- +goose Down
DROP TABLE content_revisions;

CREATE TEMP TABLE content_task_links AS SELECT id, task_id FROM content WHERE task_id IS NOT NULL;
CREATE TABLE tasks_old (
    id          INTEGER PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    idea_id     BIGINT NOT NULL UNIQUE REFERENCES ideas(id) ON DELETE CASCADE,
    run_id      BIGINT,
    title       TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','done','failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    last_attempt_run_id  BIGINT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
INSERT INTO tasks_old (id, site_id, idea_id, run_id, title, status, attempts, last_error, last_attempt_run_id, created_at, updated_at)
    SELECT id, site_id, idea_id, run_id, title, CASE WHEN status = 'skipped' THEN 'failed' ELSE status END,
        attempts, last_error, last_attempt_run_id, created_at, updated_at FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_old RENAME TO tasks;
CREATE INDEX tasks_stage_idx ON tasks (site_id, status, created_at, id);
UPDATE content SET task_id = (SELECT l.task_id FROM content_task_links l WHERE l.id = content.id)
    WHERE id IN (SELECT id FROM content_task_links);
DROP TABLE content_task_links;

ALTER TABLE content DROP COLUMN edited_by;
ALTER TABLE content DROP COLUMN edited_at;
ALTER TABLE content DROP COLUMN version;
ALTER TABLE image_prompts DROP COLUMN version;
ALTER TABLE ideas DROP COLUMN version;
ALTER TABLE clusters DROP COLUMN version;
