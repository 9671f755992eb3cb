-- Generated images live in the database (the default blob store), so every
-- instance serves and publishes every image and a backup of the database
-- holds them. images.path is the key of an image's bytes here. The
-- PostgreSQL twin of this file must stay equivalent.

-- +goose Up
CREATE TABLE blobs (
    blob_key    TEXT PRIMARY KEY,
    data        BLOB NOT NULL,
    bytes       BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- +goose Down
-- Going down drops the stored images with the table: export them first.
DROP TABLE blobs;
