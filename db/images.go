package db

import (
	"context"
	"time"
)

// Image prompt statuses.
const (
	PromptPending = "pending"
	PromptDone    = "done"
	PromptFailed  = "failed"
)

// ContentImage loads one image of an article; an image of another article
// is ErrNotFound. The caller scopes the article to the account first.
func (d *DB) ContentImage(ctx context.Context, contentID, imageID int64) (Image, error) {
	var im Image
	err := d.GetContext(ctx, &im, d.q(`SELECT * FROM images WHERE id = ? AND content_id = ?`), imageID, contentID)
	return im, notFound(err)
}

// ImagePromptByID loads an image prompt.
func (d *DB) ImagePromptByID(ctx context.Context, id int64) (ImagePrompt, error) {
	var p ImagePrompt
	err := d.GetContext(ctx, &p, d.q(`SELECT * FROM image_prompts WHERE id = ?`), id)
	return p, notFound(err)
}

// ImagePrompt is a prompt for one image of an article (stage 5 output).
type ImagePrompt struct {
	ID        int64     `db:"id"`
	SiteID    int64     `db:"site_id"`
	ContentID int64     `db:"content_id"`
	RunID     *int64    `db:"run_id"`
	Position  int       `db:"position"`
	Prompt    string    `db:"prompt"`
	Alt       string    `db:"alt"`
	Status    string    `db:"status"`
	Attempts  int       `db:"attempts"`
	LastError string    `db:"last_error"`
	LastRunID *int64    `db:"last_attempt_run_id"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
	// Version counts the changes of the item's editable fields and status:
	// a person's edit and a stage's commit both compare and increment it.
	Version int64 `db:"version"`
}

// Image is a generated image (stage 6 output); its bytes are in the blob
// store under Path.
type Image struct {
	ID            int64     `db:"id"`
	SiteID        int64     `db:"site_id"`
	ContentID     int64     `db:"content_id"`
	ImagePromptID int64     `db:"image_prompt_id"`
	RunID         *int64    `db:"run_id"`
	Path          string    `db:"path"`
	MIME          string    `db:"mime"`
	Alt           string    `db:"alt"`
	Bytes         int64     `db:"bytes"`
	CreatedAt     time.Time `db:"created_at"`
	// Position is its prompt's position (ImagesOf only): which section of
	// the article it illustrates.
	Position int `db:"position"`
}

// ImagesOf lists an article's images in prompt order, with their positions.
func (d *DB) ImagesOf(ctx context.Context, contentID int64) ([]Image, error) {
	var out []Image
	err := d.SelectContext(ctx, &out, d.q(`SELECT i.*, p.position FROM images i JOIN image_prompts p ON p.id = i.image_prompt_id WHERE i.content_id = ? ORDER BY p.position, i.id`), contentID)
	return out, err
}
