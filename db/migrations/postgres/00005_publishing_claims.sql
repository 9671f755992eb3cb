-- When the publisher claimed an article (shown as "publishing since …"); the
-- claim's expiry alone no longer tells, since claims are renewed.

-- +goose Up
ALTER TABLE content ADD COLUMN claimed_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE content DROP COLUMN claimed_at;
