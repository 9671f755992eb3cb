-- Counts of every site's pipeline items, kept by triggers in the
-- transaction that moves an item, so the pages read a few rows instead of
-- counting a site's keywords and articles (docs/performance.md).
--
-- A row is a delta of one bucket of one table of one site: an insert adds
-- +1 to its bucket, a delete -1, an update that moves an item -1 from the
-- old bucket and +1 to the new one. A bucket is what db.Stages' conditions
-- read: the status, and for articles whether the image prompts were taken
-- and whether it was approved — kept in columns named like the content
-- table's (1 for set, NULL for not), so the same conditions count counters
-- and items alike. Appending rows never makes two writers wait for one
-- counter row; a count is the SUM of its bucket's rows, and the
-- item-counts job folds each site's rows into one per bucket (folded).
-- Images have no status: one bucket, status ''.
--
-- The PostgreSQL twin of this file must stay equivalent (it keeps the
-- counts with statement triggers).

-- +goose Up
CREATE TABLE item_counts (
    id                    INTEGER PRIMARY KEY,
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
CREATE TRIGGER keywords_count_insert AFTER INSERT ON keywords BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (NEW.site_id, 'keywords', NEW.status, 1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER keywords_count_delete AFTER DELETE ON keywords BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'keywords', OLD.status, -1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER keywords_count_update AFTER UPDATE OF site_id, status ON keywords
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.status IS NOT NEW.status BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'keywords', OLD.status, -1), (NEW.site_id, 'keywords', NEW.status, 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER clusters_count_insert AFTER INSERT ON clusters BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (NEW.site_id, 'clusters', NEW.status, 1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clusters_count_delete AFTER DELETE ON clusters BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'clusters', OLD.status, -1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER clusters_count_update AFTER UPDATE OF site_id, status ON clusters
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.status IS NOT NEW.status BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'clusters', OLD.status, -1), (NEW.site_id, 'clusters', NEW.status, 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ideas_count_insert AFTER INSERT ON ideas BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (NEW.site_id, 'ideas', NEW.status, 1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ideas_count_delete AFTER DELETE ON ideas BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'ideas', OLD.status, -1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ideas_count_update AFTER UPDATE OF site_id, status ON ideas
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.status IS NOT NEW.status BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'ideas', OLD.status, -1), (NEW.site_id, 'ideas', NEW.status, 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (NEW.site_id, 'tasks', NEW.status, 1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'tasks', OLD.status, -1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tasks_count_update AFTER UPDATE OF site_id, status ON tasks
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.status IS NOT NEW.status BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'tasks', OLD.status, -1), (NEW.site_id, 'tasks', NEW.status, 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER image_prompts_count_insert AFTER INSERT ON image_prompts BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (NEW.site_id, 'image_prompts', NEW.status, 1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER image_prompts_count_delete AFTER DELETE ON image_prompts BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'image_prompts', OLD.status, -1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER image_prompts_count_update AFTER UPDATE OF site_id, status ON image_prompts
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.status IS NOT NEW.status BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'image_prompts', OLD.status, -1), (NEW.site_id, 'image_prompts', NEW.status, 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER content_count_insert AFTER INSERT ON content BEGIN
    INSERT INTO item_counts (site_id, tbl, status, prompts_extracted_at, approved_at, n)
    VALUES (NEW.site_id, 'content', NEW.status, CASE WHEN NEW.prompts_extracted_at IS NULL THEN NULL ELSE 1 END,
        CASE WHEN NEW.approved_at IS NULL THEN NULL ELSE 1 END, 1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER content_count_delete AFTER DELETE ON content BEGIN
    INSERT INTO item_counts (site_id, tbl, status, prompts_extracted_at, approved_at, n)
    VALUES (OLD.site_id, 'content', OLD.status, CASE WHEN OLD.prompts_extracted_at IS NULL THEN NULL ELSE 1 END,
        CASE WHEN OLD.approved_at IS NULL THEN NULL ELSE 1 END, -1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER content_count_update AFTER UPDATE OF site_id, status, prompts_extracted_at, approved_at ON content
WHEN OLD.site_id IS NOT NEW.site_id OR OLD.status IS NOT NEW.status
    OR (OLD.prompts_extracted_at IS NULL) <> (NEW.prompts_extracted_at IS NULL)
    OR (OLD.approved_at IS NULL) <> (NEW.approved_at IS NULL) BEGIN
    INSERT INTO item_counts (site_id, tbl, status, prompts_extracted_at, approved_at, n)
    VALUES (OLD.site_id, 'content', OLD.status, CASE WHEN OLD.prompts_extracted_at IS NULL THEN NULL ELSE 1 END,
            CASE WHEN OLD.approved_at IS NULL THEN NULL ELSE 1 END, -1),
        (NEW.site_id, 'content', NEW.status, CASE WHEN NEW.prompts_extracted_at IS NULL THEN NULL ELSE 1 END,
            CASE WHEN NEW.approved_at IS NULL THEN NULL ELSE 1 END, 1);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER images_count_insert AFTER INSERT ON images BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (NEW.site_id, 'images', '', 1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER images_count_delete AFTER DELETE ON images BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'images', '', -1);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER images_count_update AFTER UPDATE OF site_id ON images
WHEN OLD.site_id IS NOT NEW.site_id BEGIN
    INSERT INTO item_counts (site_id, tbl, status, n) VALUES (OLD.site_id, 'images', '', -1), (NEW.site_id, 'images', '', 1);
END;
-- +goose StatementEnd

-- What the tables hold already, folded.
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
DROP TRIGGER keywords_count_update;
DROP TRIGGER keywords_count_delete;
DROP TRIGGER keywords_count_insert;
DROP TRIGGER clusters_count_update;
DROP TRIGGER clusters_count_delete;
DROP TRIGGER clusters_count_insert;
DROP TRIGGER ideas_count_update;
DROP TRIGGER ideas_count_delete;
DROP TRIGGER ideas_count_insert;
DROP TRIGGER tasks_count_update;
DROP TRIGGER tasks_count_delete;
DROP TRIGGER tasks_count_insert;
DROP TRIGGER image_prompts_count_update;
DROP TRIGGER image_prompts_count_delete;
DROP TRIGGER image_prompts_count_insert;
DROP TRIGGER content_count_update;
DROP TRIGGER content_count_delete;
DROP TRIGGER content_count_insert;
DROP TRIGGER images_count_update;
DROP TRIGGER images_count_delete;
DROP TRIGGER images_count_insert;
DROP TABLE item_counts;
