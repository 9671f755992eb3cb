package db

import "time"

// Item statuses beyond keywords (CHECK constraints in the first migration).
const (
	ClusterNew            = "new"
	ClusterIdeasGenerated = "ideas_generated"
	ClusterFailed         = "failed"

	IdeaNew    = "new"
	IdeaQueued = "queued"

	TaskQueued = "queued"
	TaskDone   = "done"
	TaskFailed = "failed"

	ContentDraft      = "draft"
	ContentReview     = "review"
	ContentApproved   = "approved"
	ContentRejected   = "rejected"
	ContentScheduled  = "scheduled"
	ContentPublishing = "publishing"
	ContentPublished  = "published"
	ContentFailed     = "failed"

	PromptPending = "pending"
	PromptDone    = "done"
	PromptFailed  = "failed"
)

// Cluster groups keywords (stage 1 output, stage 2 input).
type Cluster struct {
	ID        int64     `db:"id"`
	SiteID    int64     `db:"site_id"`
	RunID     *int64    `db:"run_id"`
	Name      string    `db:"name"`
	Status    string    `db:"status"`
	Attempts  int       `db:"attempts"`
	LastError string    `db:"last_error"`
	LastRunID *int64    `db:"last_attempt_run_id"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Idea is an article idea (stage 2 output, stage 3 input).
type Idea struct {
	ID        int64     `db:"id"`
	SiteID    int64     `db:"site_id"`
	ClusterID *int64    `db:"cluster_id"`
	RunID     *int64    `db:"run_id"`
	Title     string    `db:"title"`
	Summary   string    `db:"summary"`
	Keywords  string    `db:"keywords"`
	Status    string    `db:"status"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Task is a writing task (stage 3 output, stage 4 input).
type Task struct {
	ID        int64     `db:"id"`
	SiteID    int64     `db:"site_id"`
	IdeaID    int64     `db:"idea_id"`
	RunID     *int64    `db:"run_id"`
	Title     string    `db:"title"`
	Status    string    `db:"status"`
	Attempts  int       `db:"attempts"`
	LastError string    `db:"last_error"`
	LastRunID *int64    `db:"last_attempt_run_id"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Content is an article, from draft to published.
type Content struct {
	ID                 int64      `db:"id"`
	SiteID             int64      `db:"site_id"`
	TaskID             *int64     `db:"task_id"`
	RunID              *int64     `db:"run_id"`
	Title              string     `db:"title"`
	Slug               string     `db:"slug"`
	HTML               string     `db:"html"`
	Excerpt            string     `db:"excerpt"`
	Keywords           string     `db:"keywords"`
	WordCount          int        `db:"word_count"`
	Status             string     `db:"status"`
	Attempts           int        `db:"attempts"`
	LastError          string     `db:"last_error"`
	LastRunID          *int64     `db:"last_attempt_run_id"`
	PromptsExtractedAt *time.Time `db:"prompts_extracted_at"`
	ImagesPending      int        `db:"images_pending"`
	ApprovedAt         *time.Time `db:"approved_at"`
	ApprovedBy         string     `db:"approved_by"`
	ScheduledAt        *time.Time `db:"scheduled_at"`
	UnscheduledReason  string     `db:"unscheduled_reason"`
	PublishAttempts    int        `db:"publish_attempts"`
	NextAttemptAt      *time.Time `db:"next_attempt_at"`
	ClaimOwner         string     `db:"claim_owner"`
	ClaimExpiresAt     *time.Time `db:"claim_expires_at"`
	OutcomeUnknown     bool       `db:"outcome_unknown"`
	PublishedAt        *time.Time `db:"published_at"`
	Late               bool       `db:"late"`
	RemoteID           string     `db:"remote_id"`
	RemoteURL          string     `db:"remote_url"`
	CreatedAt          time.Time  `db:"created_at"`
	UpdatedAt          time.Time  `db:"updated_at"`
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
}

// Image is a generated image stored under DATA_DIR (stage 6 output).
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
}
