package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/automation"
)

// apiRun is a run in the API, with its progress.
type apiRun struct {
	ID           int64  `json:"id"`
	SiteID       int64  `json:"site_id"`
	Status       string `json:"status"`
	Trigger      string `json:"trigger"`
	CreatedBy    string `json:"created_by"`
	CurrentStage int    `json:"current_stage"`
	// Pausing: paused, but items in flight are still finishing.
	Pausing           bool                `json:"pausing"`
	Progress          int                 `json:"progress"`
	Stages            []apiRunStage       `json:"stages"`
	StoppedReason     string              `json:"stopped_reason"`
	StoppedReasonText string              `json:"stopped_reason_text"`
	StoppedDetail     string              `json:"stopped_detail"`
	Error             string              `json:"error,omitempty"`
	CreditsUsed       int64               `json:"credits_used"`
	CreditCap         int64               `json:"credit_cap"`
	BudgetBase        int64               `json:"budget_base"`
	Spend             []db.OperationSpend `json:"spend"`
	ScheduledFor      *time.Time          `json:"scheduled_for"`
	CreatedAt         time.Time           `json:"created_at"`
	StartedAt         *time.Time          `json:"started_at"`
	PausedAt          *time.Time          `json:"paused_at"`
	ResumedAt         *time.Time          `json:"resumed_at"`
	CancelledAt       *time.Time          `json:"cancelled_at"`
	CompletedAt       *time.Time          `json:"completed_at"`
	UpdatedAt         time.Time           `json:"updated_at"`
}

// apiRunStage is one stage's result, with its progress in percent.
type apiRunStage struct {
	db.StageResult
	Name     string `json:"name"`
	Progress int    `json:"progress"`
}

// apiRunView builds a run's API representation from its report.
func (h *app) apiRunView(ctx context.Context, r db.Run) (apiRun, error) {
	rep, err := h.Runs.Report(ctx, r)
	if err != nil {
		return apiRun{}, err
	}
	out := apiRun{ID: r.ID, SiteID: r.SiteID, Status: r.Status, Trigger: r.TriggerType, CreatedBy: r.CreatedBy, CurrentStage: r.CurrentStage,
		Pausing: rep.Pausing, Progress: rep.Progress, Stages: []apiRunStage{},
		StoppedReason: r.StoppedReason, StoppedReasonText: automation.ReasonText(r.StoppedReason), StoppedDetail: r.StoppedDetail,
		Error: r.Error, CreditsUsed: r.CreditsUsed, CreditCap: r.CreditCap, BudgetBase: r.BudgetBase, Spend: rep.Spend,
		ScheduledFor: r.ScheduledFor, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, PausedAt: r.PausedAt, ResumedAt: r.ResumedAt,
		CancelledAt: r.CancelledAt, CompletedAt: r.CompletedAt, UpdatedAt: r.UpdatedAt}
	for _, s := range rep.Stages {
		out.Stages = append(out.Stages, apiRunStage{StageResult: s.Result, Name: s.Stage.Name, Progress: s.Progress})
	}
	return out, nil
}

// apiRunGet returns a run with its progress.
func (h *app) apiRunGet(c echo.Context) error {
	r, err := h.run(c)
	if err != nil {
		return err
	}
	out, err := h.apiRunView(c.Request().Context(), r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiRunBusy is the 409 body of a start refused for an active run.
type apiRunBusy struct {
	apiError
	RunID int64 `json:"run_id"`
}

// apiRunStart starts a manual run: 201 with the run, or 409 with the id of
// the site's active run.
func (h *app) apiRunStart(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.Runs.Start(ctx, s, userOf(c).Email+" (API)")
	var active *db.ActiveRunError
	if errors.As(err, &active) {
		return c.JSON(http.StatusConflict, apiRunBusy{apiError{Error: active.Error()}, active.RunID})
	}
	if err != nil {
		return err
	}
	out, err := h.apiRunView(ctx, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// apiRunAction returns the handler of POST /api/v1/runs/:run/<verb>: 200
// with the run, 409 when its status does not allow the transition (the
// error handler maps *db.TransitionError).
func (h *app) apiRunAction(verb string) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := h.run(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		u := userOf(c)
		r, err = h.transition(ctx, verb, u.AccountID, r.ID, u.Email+" (API)")
		if err != nil {
			return err
		}
		out, err := h.apiRunView(ctx, r)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}
