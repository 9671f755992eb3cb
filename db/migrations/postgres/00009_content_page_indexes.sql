-- The publishing page of a big site: its timeline (the queue, and what was
-- published in the last days, in slot order) and the approved articles
-- waiting for a slot (oldest approval first) are read through an index
-- range instead of every article of the site. The SQLite twin of this
-- file must stay equivalent.

-- +goose Up
CREATE INDEX content_slot_order_idx ON content (site_id, status, scheduled_at, id);
CREATE INDEX content_approval_order_idx ON content (site_id, status, approved_at, id);

-- +goose Down
DROP INDEX content_approval_order_idx;
DROP INDEX content_slot_order_idx;
