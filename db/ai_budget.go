package db

import (
	"context"
	"fmt"
	"time"
)

// AIBudget is a site's split of a run's credits across AI functions, in
// basis points (15% = 1500).
type AIBudget struct {
	SiteID                  int64     `db:"site_id" json:"-"`
	Mode                    string    `db:"mode" json:"mode"` // global, custom, off
	ClusteringBP            int       `db:"clustering_bp" json:"-"`
	IdeaGenerationBP        int       `db:"idea_generation_bp" json:"-"`
	ContentGenerationBP     int       `db:"content_generation_bp" json:"-"`
	ImagePromptExtractionBP int       `db:"image_prompt_extraction_bp" json:"-"`
	ImageGenerationBP       int       `db:"image_generation_bp" json:"-"`
	UpdatedAt               time.Time `db:"updated_at" json:"updated_at"`
}

// Shares returns the site's own shares by operation.
func (b AIBudget) Shares() map[string]int {
	return map[string]int{
		"clustering": b.ClusteringBP, "idea_generation": b.IdeaGenerationBP, "content_generation": b.ContentGenerationBP,
		"image_prompt_extraction": b.ImagePromptExtractionBP, "image_generation": b.ImageGenerationBP,
	}
}

// SetShares sets the site's own shares from a map by operation.
func (b *AIBudget) SetShares(m map[string]int) {
	b.ClusteringBP, b.IdeaGenerationBP, b.ContentGenerationBP = m["clustering"], m["idea_generation"], m["content_generation"]
	b.ImagePromptExtractionBP, b.ImageGenerationBP = m["image_prompt_extraction"], m["image_generation"]
}

// GetAIBudget loads a site's budget allocation.
func (d *DB) GetAIBudget(ctx context.Context, siteID int64) (AIBudget, error) {
	var b AIBudget
	err := d.GetContext(ctx, &b, d.q(`SELECT * FROM site_ai_budget_allocations WHERE site_id = ?`), siteID)
	return b, notFound(err)
}

// SaveAIBudget writes a site's budget allocation (the CHECK constraint
// refuses custom shares that do not sum to 10000).
func (d *DB) SaveAIBudget(ctx context.Context, b AIBudget, now time.Time) error {
	res, err := d.exec(ctx, d.q(`UPDATE site_ai_budget_allocations SET mode = ?, clustering_bp = ?, idea_generation_bp = ?, content_generation_bp = ?,
		image_prompt_extraction_bp = ?, image_generation_bp = ?, updated_at = ? WHERE site_id = ?`),
		b.Mode, b.ClusteringBP, b.IdeaGenerationBP, b.ContentGenerationBP, b.ImagePromptExtractionBP, b.ImageGenerationBP, T(now), b.SiteID)
	if err != nil {
		return fmt.Errorf("db: save ai budget: %w", err)
	}
	return oneRow(res, ErrNotFound)
}
