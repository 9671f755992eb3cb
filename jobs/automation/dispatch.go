package automation

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"autopress/db"
)

// batchSize is how many items one transaction or AI call takes for the
// batching stages (1: keywords per clustering call; 3 and 7: free items).
const batchSize = 50

// workItem is what one worker processes: one AI item, or a batch.
type workItem struct {
	ids   []int64
	units int // quota units: keywords for stage 1, items otherwise
	hold  *db.Hold
}

// stop records why a stage stopped taking items.
type stop struct {
	limitReached bool
	reason       string
	detail       string
}

// runStage takes a stage's pending items oldest first, up to the run's limit
// and budgets, with up to the run's concurrency in flight. It returns
// errPaused after draining when the run was paused, the context's cause when
// the executor must stop, or nil when the stage finished.
func (x *executor) runStage(stage int) error {
	ctx, d := x.ctx, x.s.db
	limit := x.snap.Limits[stage]
	pending, err := d.CountPending(ctx, stage, x.run.SiteID, x.run.ID)
	if err != nil {
		return err
	}
	expected := pending
	if limit > 0 && limit < expected {
		expected = limit
	}
	sr, err := d.BeginStage(ctx, x.run.ID, x.s.owner, stage, expected, x.now())
	if errors.Is(err, db.ErrLeaseLost) && x.stillOurs() {
		// Paused and resumed in between: once more.
		sr, err = d.BeginStage(ctx, x.run.ID, x.s.owner, stage, expected, x.now())
	}
	if err != nil {
		return x.lost(err)
	}
	if limit > 0 && sr.Taken() == 0 && pending > limit {
		// Reported now so the log says why the stage will stop early.
		d.AddEvent(ctx, db.Event{RunID: x.run.ID, At: x.now(), Stage: stage,
			Message: fmt.Sprintf("Limit %s = %d: %d of %d pending item(s) this run, the rest wait for the next run", StageLimitField[stage], limit, limit, pending)})
	}

	concurrency := x.run.Concurrency
	if concurrency < 1 {
		concurrency = 1
	}
	if stage == 3 || stage == 7 {
		concurrency = 1 // free batches: one transaction at a time is plenty
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		inflight = map[int64]bool{}
		// finished holds the items this executor already took in this
		// stage: a pending list read just before one of them committed
		// must not hand it out again.
		finished = map[int64]bool{}
		done     = make(chan struct{}, 64)
		slots    = make(chan struct{}, concurrency)
	)
	taken := sr.Taken()
	dispatched := 0
	var st stop
	paused := false

	release := func(it workItem) {
		mu.Lock()
		for _, id := range it.ids {
			delete(inflight, id)
			finished[id] = true
		}
		mu.Unlock()
		<-slots
		select {
		case done <- struct{}{}:
		default:
		}
	}

loop:
	for {
		if x.ctx.Err() != nil {
			break
		}
		if x.refresh() != db.RunRunning {
			paused = x.statusNow() == db.RunPaused
			break
		}
		want := 1
		if stage == 1 || stage == 3 || stage == 7 {
			want = batchSize
		}
		if limit > 0 {
			left := limit - taken - dispatched
			if left <= 0 {
				st = stop{limitReached: true, reason: ReasonLimitReached}
				break
			}
			want = min(want, left)
		}
		// Wait for a free slot before choosing items, so the choice is fresh.
		select {
		case slots <- struct{}{}:
		case <-x.ctx.Done():
			break loop
		case <-x.pokeCh:
			continue
		}
		mu.Lock()
		// Items in flight, and items taken earlier that are still pending
		// (their commit failed), come first in the list: skip past them.
		n := len(inflight) + len(finished)
		mu.Unlock()
		ids, err := d.PendingIDs(ctx, stage, x.run.SiteID, x.run.ID, want+n)
		if err != nil {
			<-slots
			x.cancel(fmt.Errorf("automation: pending items: %w", err))
			break
		}
		mu.Lock()
		var pick []int64
		for _, id := range ids {
			if !inflight[id] && !finished[id] && len(pick) < want {
				pick = append(pick, id)
			}
		}
		mu.Unlock()
		if len(pick) == 0 {
			<-slots
			mu.Lock()
			n = len(inflight)
			mu.Unlock()
			if n == 0 {
				break // nothing pending, nothing in flight: the stage is done
			}
			select { // wait for an item to finish, then look again
			case <-done:
			case <-x.pokeCh:
			case <-x.ctx.Done():
			}
			continue
		}
		if stage != 1 && stage != 3 && stage != 7 {
			pick = pick[:1]
		}
		it := workItem{ids: pick, units: len(pick)}
		if op := StageOperation[stage]; op != "" && x.snap.Costs[op] > 0 {
			h := db.Hold{AccountID: x.run.AccountID, SiteID: x.run.SiteID, RunID: x.run.ID, Owner: x.s.owner, Stage: stage,
				ItemID: pick[0], Operation: op, Amount: x.snap.Costs[op], Now: x.now()}
			if _, err := d.TakeHold(ctx, h); err != nil {
				<-slots
				if s, ok := x.holdStop(stage, op, h, err); ok {
					st = s
					break
				}
				if errors.Is(err, db.ErrLeaseLost) {
					if x.stillOurs() {
						continue // paused and resumed in between: go on
					}
					paused = x.refresh() == db.RunPaused
					if !paused {
						x.lost(err)
					}
					break
				}
				x.cancel(err)
				break
			}
			it.hold = &h
		}
		mu.Lock()
		for _, id := range pick {
			inflight[id] = true
		}
		mu.Unlock()
		dispatched += it.units
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer release(it)
			x.process(stage, it)
		}()
	}
	wg.Wait()

	if cause := x.cause(); cause != nil {
		return cause
	}
	if paused {
		return errPaused
	}
	return x.endStage(stage, st)
}

func (x *executor) endStage(stage int, st stop) error {
	results, err := x.s.db.StageResults(x.ctx, x.run.ID)
	if err != nil {
		return err
	}
	sr := results[stage-1]
	left, _ := x.s.db.CountPending(x.ctx, stage, x.run.SiteID, 0)
	msg := fmt.Sprintf("Stage %d (%s) finished: %d processed, %d failed", stage, StageNames[stage], sr.Processed, sr.Failed)
	if sr.Skipped > 0 {
		msg += fmt.Sprintf(", %d left for a later run", sr.Skipped)
	}
	if sr.CreditsUsed > 0 {
		msg += fmt.Sprintf(", %d credits", sr.CreditsUsed)
	}
	level := "info"
	switch {
	case st.limitReached:
		st.detail = fmt.Sprintf("%s = %d reached; %d item(s) left for the next run", StageLimitField[stage], x.snap.Limits[stage], left)
		msg += ". Limit reached: " + st.detail
	case st.reason != "":
		msg += ". Stopped: " + st.detail + fmt.Sprintf("; %d item(s) left", left)
		level = "warn"
	}
	return x.lost(x.s.db.FinishStage(x.ctx, db.StageEnd{RunID: x.run.ID, Owner: x.s.owner, Stage: stage, State: "done",
		LimitReached: st.limitReached, StopReason: st.reason, StopDetail: st.detail, Message: msg, Level: level, Now: x.now()}))
}

// holdStop maps a refused hold to the stage's stop reason.
func (x *executor) holdStop(stage int, op string, h db.Hold, err error) (stop, bool) {
	switch {
	case errors.Is(err, db.ErrOperationBudget):
		spent, budget := int64(0), int64(0)
		if list, lerr := x.s.db.RunSpend(x.ctx, x.run.ID); lerr == nil {
			for _, s := range list {
				if s.Operation == op {
					spent, budget = s.Spent, s.Budget
				}
			}
		}
		return stop{reason: ReasonBudgetExhausted, detail: fmt.Sprintf("%s budget exhausted: %d of %d credits used (next item costs %d)", op, spent, budget, h.Amount)}, true
	case errors.Is(err, db.ErrRunCreditCap):
		r, _ := x.s.db.RunByID(x.ctx, x.run.ID)
		return stop{reason: ReasonBudgetExhausted, detail: fmt.Sprintf("run credit cap reached: %d of %d credits used (next %s item costs %d)", r.CreditsUsed, r.CreditCap, op, h.Amount)}, true
	case errors.Is(err, db.ErrInsufficientCredits):
		acc, _ := x.s.db.AccountByID(x.ctx, x.run.AccountID)
		return stop{reason: ReasonInsufficientCredits, detail: fmt.Sprintf("insufficient credits: balance %d, next %s item costs %d", acc.Credits, op, h.Amount)}, true
	}
	return stop{}, false
}

// lost turns a commit refused for the lease into the executor's stop.
func (x *executor) lost(err error) error {
	if errors.Is(err, db.ErrLeaseLost) {
		switch x.refresh() {
		case db.RunPaused:
			return errPaused
		case db.RunCancelled:
			x.cancel(errCancelled)
		default:
			x.cancel(errLost)
		}
		return x.cause()
	}
	return err
}

// cause is why the executor's context ended (nil while it runs).
func (x *executor) cause() error {
	if x.ctx.Err() == nil {
		return nil
	}
	return context.Cause(x.ctx)
}
