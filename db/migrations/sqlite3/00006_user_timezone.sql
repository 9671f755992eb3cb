-- A user's time zone for the account and admin pages (an IANA name);
-- empty means the browser's zone, which static/app.js reports.

-- +goose Up
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN timezone;
