-- The pages of a big site. The publishing page's timeline (the queue, and
-- what was published in the last days, in slot order) and its approved
-- articles waiting for a slot (oldest approval first) are read through an
-- index range instead of every article of the site. The run page's
-- progress, polled every 2 s, counts the run's log by level and lists its
-- newest lines of a level from the index alone, however long the log. The
-- SQLite twin of this file must stay equivalent.

-- +goose Up
CREATE INDEX content_slot_order_idx ON content (site_id, status, scheduled_at, id);
CREATE INDEX content_approval_order_idx ON content (site_id, status, approved_at, id);
CREATE INDEX run_events_level_idx ON run_events (run_id, level, id);

-- +goose Down
DROP INDEX run_events_level_idx;
DROP INDEX content_approval_order_idx;
DROP INDEX content_slot_order_idx;
