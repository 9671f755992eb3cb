package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// BlobStore keeps the bytes of generated images under keys (images.path).
// The default keeps them in the database (Blobs); docs/operations.md says
// how an object store would fit.
type BlobStore interface {
	// Put makes data ready to be stored under key by the commit of the item
	// that made it. A store in the database returns the blob for that
	// transaction to write; a store elsewhere writes it now and returns nil
	// (the key is fixed by the item, so a retried item overwrites it).
	Put(ctx context.Context, key string, data []byte) (*Blob, error)
	// Get returns the bytes under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
}

// Blob is bytes to be written under Key in the transaction that commits
// the item that made them.
type Blob struct {
	Key  string
	Data []byte
}

// Blobs returns the store that keeps blobs in this database.
func (d *DB) Blobs() BlobStore { return dbBlobs{d: d} }

type dbBlobs struct{ d *DB }

// Put returns the blob for the item's commit to write.
func (b dbBlobs) Put(_ context.Context, key string, data []byte) (*Blob, error) {
	return &Blob{Key: key, Data: data}, nil
}

// Get reads a blob.
func (b dbBlobs) Get(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := b.d.GetContext(ctx, &data, b.d.q(`SELECT data FROM blobs WHERE blob_key = ?`), key)
	if err != nil {
		return nil, fmt.Errorf("db: blob %s: %w", key, notFound(err))
	}
	return data, nil
}

// putBlobTx writes a blob in tx, replacing an earlier one under its key.
func (d *DB) putBlobTx(ctx context.Context, tx *sqlx.Tx, b Blob, now time.Time) error {
	_, err := tx.ExecContext(ctx, d.q(`INSERT INTO blobs (blob_key, data, bytes, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (blob_key) DO UPDATE SET data = excluded.data, bytes = excluded.bytes, created_at = excluded.created_at`),
		b.Key, b.Data, len(b.Data), T(now))
	if err != nil {
		return fmt.Errorf("db: store blob %s: %w", b.Key, err)
	}
	return nil
}

// ImageKeyState says what the database knows of an image key: whether an
// image refers to it and whether its bytes are stored.
func (d *DB) ImageKeyState(ctx context.Context, key string) (referenced, stored bool, err error) {
	var row struct {
		Images int `db:"images"`
		Blobs  int `db:"blobs"`
	}
	err = d.GetContext(ctx, &row, d.q(`SELECT (SELECT COUNT(*) FROM images WHERE path = ?) AS images,
		(SELECT COUNT(*) FROM blobs WHERE blob_key = ?) AS blobs`), key, key)
	return row.Images > 0, row.Blobs > 0, err
}

// ImportBlob stores bytes under key unless some are stored already (moving
// files written before images lived in the database). It reports whether
// it wrote them.
func (d *DB) ImportBlob(ctx context.Context, key string, data []byte, now time.Time) (bool, error) {
	var wrote bool
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`INSERT INTO blobs (blob_key, data, bytes, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (blob_key) DO NOTHING`), key, data, len(data), T(now))
		if err != nil {
			return fmt.Errorf("db: import blob %s: %w", key, err)
		}
		wrote, err = touched(res)
		return err
	})
	return wrote, err
}
