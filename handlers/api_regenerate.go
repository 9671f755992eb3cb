package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// apiRegeneration is a regeneration as the API shows it.
type apiRegeneration struct {
	ID        int64  `json:"id"`
	ContentID int64  `json:"content_id"`
	Kind      string `json:"kind"`
	ImageID   *int64 `json:"image_id"`
	Note      string `json:"note"`
	// Status is queued, running, done, failed or cancelled.
	Status string `json:"status"`
	// Operation and Cost: the credits it is charged (refunded unless done).
	Operation string `json:"operation"`
	Cost      int64  `json:"cost"`
	// Error is why it failed.
	Error string `json:"error"`
	// Revision is the article's revision it made (article, seo).
	Revision *int `json:"revision"`
	// BackToReview: the article had been approved or scheduled with the
	// old version and went back to review.
	BackToReview bool       `json:"back_to_review"`
	RequestedBy  string     `json:"requested_by"`
	CancelledBy  string     `json:"cancelled_by"`
	CreatedAt    time.Time  `json:"created_at"`
	StartedAt    *time.Time `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at"`
}

func apiRegenerationOf(j db.RegenJob) apiRegeneration {
	return apiRegeneration{ID: j.ID, ContentID: j.ContentID, Kind: j.Kind, ImageID: j.ImageID, Note: j.Note, Status: j.Status,
		Operation: j.Operation, Cost: j.Cost, Error: j.Error, Revision: j.Revision, BackToReview: j.BackToReview, RequestedBy: j.RequestedBy, CancelledBy: j.CancelledBy,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt}
}

// apiRegenerateInput is the body of POST /api/v1/content/:content/regenerate.
type apiRegenerateInput struct {
	Kind    string `json:"kind"`
	ImageID int64  `json:"image_id"`
	Note    string `json:"note"`
	// Version, when sent, must be the article's (article, seo).
	Version *int64 `json:"version"`
}

// headerIdempotencyKey makes a repeated request the same job.
const headerIdempotencyKey = "Idempotency-Key"

// apiContentRegenerate asks for a regeneration of an article: 202 with
// the new job (200 with the job a repeated Idempotency-Key asked for).
func (h *app) apiContentRegenerate(c echo.Context) error {
	ct, _, err := h.content(c)
	if err != nil {
		return err
	}
	var body apiRegenerateInput
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	j, created, err := h.requestRegeneration(c.Request().Context(), userOf(c), ct, regenInput{Kind: body.Kind, ImageID: body.ImageID, Note: body.Note,
		Key: c.Request().Header.Get(headerIdempotencyKey), Version: body.Version})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/regenerations/%d", j.ID))
	status := http.StatusAccepted
	if !created {
		status = http.StatusOK
	}
	return c.JSON(status, apiRegenerationOf(j))
}

// apiRegenerationGet returns a regeneration of the account
// (GET /api/v1/regenerations/:job).
func (h *app) apiRegenerationGet(c echo.Context) error {
	id, err := idParam(c, "job")
	if err != nil {
		return err
	}
	j, err := h.DB.GetRegeneration(c.Request().Context(), userOf(c).AccountID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiRegenerationOf(j))
}

// apiRegenerationCancel cancels a queued or running regeneration
// (POST /api/v1/regenerations/:job/cancel): 200 with the job, 409 when it
// has ended.
func (h *app) apiRegenerationCancel(c echo.Context) error {
	id, err := idParam(c, "job")
	if err != nil {
		return err
	}
	u := userOf(c)
	j, err := h.Regenerations.Cancel(c.Request().Context(), u.AccountID, id, u.Email)
	var na *db.NotAllowedError
	if errors.As(err, &na) {
		return &fieldError{Status: http.StatusConflict, Field: "status", Msg: fmt.Sprintf("The regeneration is %s: there is nothing to cancel.", na.Status)}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiRegenerationOf(j))
}
