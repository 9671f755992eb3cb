-- Counts of every site's pipeline items, kept by triggers in the
-- transaction that moves an item, so the pages read a few rows instead of
-- counting a site's keywords and articles (docs/performance.md).
--
-- A row is a delta of one bucket of one table of one site: inserted items
-- add to their bucket, deleted ones subtract, an update that moves items
-- subtracts from the old bucket and adds to the new one. A bucket is what
-- db.Stages' conditions read: the status, and for articles whether the
-- image prompts were taken and whether it was approved — kept in columns
-- named like the content table's (1 for set, NULL for not), so the same
-- conditions count counters and items alike. Appending rows never makes
-- two writers wait for one counter row (nor deadlock on two); a count is
-- the SUM of its bucket's rows, and the item-counts job folds each site's
-- rows into one per bucket (folded). Images have no status: one bucket,
-- status ''.
--
-- Statement triggers with transition tables: a statement that moves 500
-- articles appends one row per bucket, not 500. The SQLite twin of this
-- file (row triggers) must stay equivalent.

-- +goose Up
CREATE TABLE item_counts (
    id                    BIGSERIAL PRIMARY KEY,
    site_id               BIGINT NOT NULL,
    tbl                   TEXT NOT NULL,
    status                TEXT NOT NULL,
    prompts_extracted_at  SMALLINT,
    approved_at           SMALLINT,
    n                     BIGINT NOT NULL,
    folded                BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX item_counts_site_idx ON item_counts (site_id, tbl);
CREATE INDEX item_counts_unfolded_idx ON item_counts (site_id) WHERE folded = FALSE;

-- +goose StatementBegin
CREATE FUNCTION item_counts_by_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO item_counts (site_id, tbl, status, n)
        SELECT site_id, TG_TABLE_NAME, status, COUNT(*) FROM new_rows GROUP BY site_id, status;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO item_counts (site_id, tbl, status, n)
        SELECT site_id, TG_TABLE_NAME, status, -COUNT(*) FROM old_rows GROUP BY site_id, status;
    ELSE
        INSERT INTO item_counts (site_id, tbl, status, n)
        SELECT site_id, TG_TABLE_NAME, status, SUM(d) FROM (
            SELECT site_id, status, -1 AS d FROM old_rows
            UNION ALL SELECT site_id, status, 1 FROM new_rows) moved
        GROUP BY site_id, status HAVING SUM(d) <> 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION item_counts_of_content() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO item_counts (site_id, tbl, status, prompts_extracted_at, approved_at, n)
        SELECT site_id, 'content', status, pe, ap, COUNT(*) FROM (
            SELECT site_id, status, CASE WHEN prompts_extracted_at IS NULL THEN NULL ELSE 1 END AS pe,
                CASE WHEN approved_at IS NULL THEN NULL ELSE 1 END AS ap FROM new_rows) c
        GROUP BY site_id, status, pe, ap;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO item_counts (site_id, tbl, status, prompts_extracted_at, approved_at, n)
        SELECT site_id, 'content', status, pe, ap, -COUNT(*) FROM (
            SELECT site_id, status, CASE WHEN prompts_extracted_at IS NULL THEN NULL ELSE 1 END AS pe,
                CASE WHEN approved_at IS NULL THEN NULL ELSE 1 END AS ap FROM old_rows) c
        GROUP BY site_id, status, pe, ap;
    ELSE
        INSERT INTO item_counts (site_id, tbl, status, prompts_extracted_at, approved_at, n)
        SELECT site_id, 'content', status, pe, ap, SUM(d) FROM (
            SELECT site_id, status, CASE WHEN prompts_extracted_at IS NULL THEN NULL ELSE 1 END AS pe,
                CASE WHEN approved_at IS NULL THEN NULL ELSE 1 END AS ap, -1 AS d FROM old_rows
            UNION ALL
            SELECT site_id, status, CASE WHEN prompts_extracted_at IS NULL THEN NULL ELSE 1 END,
                CASE WHEN approved_at IS NULL THEN NULL ELSE 1 END, 1 FROM new_rows) moved
        GROUP BY site_id, status, pe, ap HAVING SUM(d) <> 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION item_counts_of_images() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO item_counts (site_id, tbl, status, n)
        SELECT site_id, 'images', '', COUNT(*) FROM new_rows GROUP BY site_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO item_counts (site_id, tbl, status, n)
        SELECT site_id, 'images', '', -COUNT(*) FROM old_rows GROUP BY site_id;
    ELSE
        INSERT INTO item_counts (site_id, tbl, status, n)
        SELECT site_id, 'images', '', SUM(d) FROM (
            SELECT site_id, -1 AS d FROM old_rows UNION ALL SELECT site_id, 1 FROM new_rows) moved
        GROUP BY site_id HAVING SUM(d) <> 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER keywords_count_insert AFTER INSERT ON keywords REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER keywords_count_delete AFTER DELETE ON keywords REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER keywords_count_update AFTER UPDATE ON keywords REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();

CREATE TRIGGER clusters_count_insert AFTER INSERT ON clusters REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER clusters_count_delete AFTER DELETE ON clusters REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER clusters_count_update AFTER UPDATE ON clusters REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();

CREATE TRIGGER ideas_count_insert AFTER INSERT ON ideas REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER ideas_count_delete AFTER DELETE ON ideas REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER ideas_count_update AFTER UPDATE ON ideas REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER tasks_count_update AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();

CREATE TRIGGER image_prompts_count_insert AFTER INSERT ON image_prompts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER image_prompts_count_delete AFTER DELETE ON image_prompts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();
CREATE TRIGGER image_prompts_count_update AFTER UPDATE ON image_prompts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_by_status();

CREATE TRIGGER content_count_insert AFTER INSERT ON content REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_of_content();
CREATE TRIGGER content_count_delete AFTER DELETE ON content REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_of_content();
CREATE TRIGGER content_count_update AFTER UPDATE ON content REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_of_content();

CREATE TRIGGER images_count_insert AFTER INSERT ON images REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_of_images();
CREATE TRIGGER images_count_delete AFTER DELETE ON images REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_of_images();
CREATE TRIGGER images_count_update AFTER UPDATE ON images REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION item_counts_of_images();

-- What the tables hold already, folded (the triggers' lock on each table keeps writers out until this commits).
INSERT INTO item_counts (site_id, tbl, status, n, folded) SELECT site_id, 'keywords', status, COUNT(*), TRUE FROM keywords GROUP BY site_id, status;
INSERT INTO item_counts (site_id, tbl, status, n, folded) SELECT site_id, 'clusters', status, COUNT(*), TRUE FROM clusters GROUP BY site_id, status;
INSERT INTO item_counts (site_id, tbl, status, n, folded) SELECT site_id, 'ideas', status, COUNT(*), TRUE FROM ideas GROUP BY site_id, status;
INSERT INTO item_counts (site_id, tbl, status, n, folded) SELECT site_id, 'tasks', status, COUNT(*), TRUE FROM tasks GROUP BY site_id, status;
INSERT INTO item_counts (site_id, tbl, status, n, folded) SELECT site_id, 'image_prompts', status, COUNT(*), TRUE FROM image_prompts GROUP BY site_id, status;
INSERT INTO item_counts (site_id, tbl, status, prompts_extracted_at, approved_at, n, folded)
SELECT site_id, 'content', status, pe, ap, COUNT(*), TRUE FROM (
    SELECT site_id, status, CASE WHEN prompts_extracted_at IS NULL THEN NULL ELSE 1 END AS pe,
        CASE WHEN approved_at IS NULL THEN NULL ELSE 1 END AS ap FROM content) c
GROUP BY site_id, status, pe, ap;
INSERT INTO item_counts (site_id, tbl, status, n, folded) SELECT site_id, 'images', '', COUNT(*), TRUE FROM images GROUP BY site_id;

-- +goose Down
DROP TRIGGER keywords_count_update ON keywords;
DROP TRIGGER keywords_count_delete ON keywords;
DROP TRIGGER keywords_count_insert ON keywords;
DROP TRIGGER clusters_count_update ON clusters;
DROP TRIGGER clusters_count_delete ON clusters;
DROP TRIGGER clusters_count_insert ON clusters;
DROP TRIGGER ideas_count_update ON ideas;
DROP TRIGGER ideas_count_delete ON ideas;
DROP TRIGGER ideas_count_insert ON ideas;
DROP TRIGGER tasks_count_update ON tasks;
DROP TRIGGER tasks_count_delete ON tasks;
DROP TRIGGER tasks_count_insert ON tasks;
DROP TRIGGER image_prompts_count_update ON image_prompts;
DROP TRIGGER image_prompts_count_delete ON image_prompts;
DROP TRIGGER image_prompts_count_insert ON image_prompts;
DROP TRIGGER content_count_update ON content;
DROP TRIGGER content_count_delete ON content;
DROP TRIGGER content_count_insert ON content;
DROP TRIGGER images_count_update ON images;
DROP TRIGGER images_count_delete ON images;
DROP TRIGGER images_count_insert ON images;
DROP FUNCTION item_counts_of_images();
DROP FUNCTION item_counts_of_content();
DROP FUNCTION item_counts_by_status();
DROP TABLE item_counts;
