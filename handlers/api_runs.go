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
	Pausing bool `json:"pausing"`
	// Outcome tells runs apart (automation.Outcome*): running, paused,
	// completed, completed_with_limits, completed_with_failures,
	// budget_exhausted, out_of_credits, nothing_to_do, cancelled, failed.
	Outcome           string                  `json:"outcome"`
	OutcomeTitle      string                  `json:"outcome_title"`
	OutcomeText       string                  `json:"outcome_text"`
	Failures          []automation.StageTally `json:"failures"`
	LimitsReached     []automation.StageTally `json:"limits_reached"`
	WorkedSeconds     int64                   `json:"worked_seconds"`
	ETASeconds        *int64                  `json:"eta_seconds"`
	Progress          int                     `json:"progress"`
	Stages            []apiRunStage           `json:"stages"`
	StoppedReason     string                  `json:"stopped_reason"`
	StoppedReasonText string                  `json:"stopped_reason_text"`
	StoppedDetail     string                  `json:"stopped_detail"`
	Error             string                  `json:"error,omitempty"`
	CreditsUsed       int64                   `json:"credits_used"`
	CreditCap         int64                   `json:"credit_cap"`
	BudgetBase        int64                   `json:"budget_base"`
	Spend             []db.OperationSpend     `json:"spend"`
	// ProviderWait is set while the current stage waits for the AI
	// provider's rate limit.
	ProviderWait *apiProviderWait `json:"provider_wait"`
	ScheduledFor *time.Time       `json:"scheduled_for"`
	CreatedAt    time.Time        `json:"created_at"`
	StartedAt    *time.Time       `json:"started_at"`
	PausedAt     *time.Time       `json:"paused_at"`
	ResumedAt    *time.Time       `json:"resumed_at"`
	CancelledAt  *time.Time       `json:"cancelled_at"`
	CompletedAt  *time.Time       `json:"completed_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
}

// apiRunStage is one stage's result, with its progress in percent.
type apiRunStage struct {
	db.StageResult
	Name     string `json:"name"`
	Progress int    `json:"progress"`
	// DurationSeconds is how long the stage worked (null before it
	// started).
	DurationSeconds *int64 `json:"duration_seconds"`
}

// apiProviderWait says how long a run's stage has waited for the AI
// provider's rate limit.
type apiProviderWait struct {
	Model             string    `json:"model"`
	Kind              string    `json:"kind"`
	Since             time.Time `json:"since"`
	WaitingSeconds    float64   `json:"waiting_seconds"`
	RequestsPerMinute float64   `json:"requests_per_minute"`
	Source            string    `json:"source"`
}

// apiRunView builds a run's API representation from its report.
func (h *app) apiRunView(ctx context.Context, r db.Run) (apiRun, error) {
	rep, err := h.Runs.Report(ctx, r)
	if err != nil {
		return apiRun{}, err
	}
	out := apiRun{ID: r.ID, SiteID: r.SiteID, Status: r.Status, Trigger: r.TriggerType, CreatedBy: r.CreatedBy, CurrentStage: r.CurrentStage,
		Pausing: rep.Pausing, Progress: rep.Progress, Stages: []apiRunStage{},
		Outcome: rep.Outcome.Code, OutcomeTitle: rep.Outcome.Title, OutcomeText: rep.Outcome.Summary,
		Failures: orEmpty(rep.Outcome.Failures), LimitsReached: orEmpty(rep.Outcome.Limits), WorkedSeconds: int64(rep.Worked / time.Second),
		StoppedReason: r.StoppedReason, StoppedReasonText: automation.ReasonText(r.StoppedReason), StoppedDetail: r.StoppedDetail,
		Error: r.Error, CreditsUsed: r.CreditsUsed, CreditCap: r.CreditCap, BudgetBase: r.BudgetBase, Spend: rep.Spend,
		ScheduledFor: r.ScheduledFor, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, PausedAt: r.PausedAt, ResumedAt: r.ResumedAt,
		CancelledAt: r.CancelledAt, CompletedAt: r.CompletedAt, UpdatedAt: r.UpdatedAt}
	if rep.HasETA {
		out.ETASeconds = ptr(int64(rep.ETA / time.Second))
	}
	for _, s := range rep.Stages {
		st := apiRunStage{StageResult: s.Result, Name: s.Stage.Name, Progress: s.Progress}
		if s.HasDuration {
			st.DurationSeconds = ptr(int64(s.Duration / time.Second))
		}
		out.Stages = append(out.Stages, st)
	}
	if w := rep.ProviderWait; w != nil {
		out.ProviderWait = &apiProviderWait{Model: w.Model, Kind: w.Kind, Since: w.Since, WaitingSeconds: w.For.Seconds(),
			RequestsPerMinute: w.RequestsPerMinute, Source: w.Source}
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

// orEmpty keeps an empty list a JSON array rather than null.
func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
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
