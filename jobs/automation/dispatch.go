package automation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"autopress/db"
)

// workItem is what one worker processes: one AI item, or a batch.
type workItem struct {
	ids   []int64
	units int // quota units: keywords for clustering, items otherwise
	hold  *db.Hold
}

// stop records why a stage stopped taking items.
type stop struct {
	limitReached bool
	reason       string
	detail       string
}

// stageRun is one stage being worked by one executor: the items in flight,
// the items it already took, and the slots that bound its concurrency.
type stageRun struct {
	x     *executor
	st    Stage
	limit int
	// taken counts the stage's items committed before this executor (a
	// resumed or taken-over run); dispatched those this executor handed out.
	taken, dispatched int

	wg       sync.WaitGroup
	mu       sync.Mutex
	inflight map[int64]bool
	// finished holds the items this executor already took in this stage: a
	// pending list read just before one of them committed must not hand it
	// out again, nor one its commit left pending (skipped: changed by a
	// person meanwhile) be taken twice in a run.
	finished map[int64]bool
	done     chan struct{}
	slots    chan struct{}

	stop   stop
	paused bool
}

// step is what one turn of a stage's loop decided.
type step int

const (
	stepNext step = iota // an item was dispatched, or look again
	stepEnd              // no more items from this executor: wait for those in flight
)

// runStage takes a stage's pending items oldest first, up to the run's limit
// and budgets, with up to the run's concurrency in flight. It returns
// errPaused after draining when the run was paused, the context's cause when
// the executor must stop, or nil when the stage finished.
func (x *executor) runStage(st Stage) error {
	r, err := x.beginStage(st)
	if err != nil {
		return err
	}
	for r.next() == stepNext {
	}
	r.wg.Wait()
	if cause := x.cause(); cause != nil {
		return cause
	}
	if r.paused {
		return errPaused
	}
	return x.endStage(st, r.stop)
}

// beginStage fixes the stage's expected count (min(pending, limit)) when it
// starts and prepares its loop.
func (x *executor) beginStage(st Stage) (*stageRun, error) {
	limit := x.snap.Limit(st.Number)
	pending, err := x.s.db.CountPending(x.ctx, st.Number, x.run.SiteID, x.run.ID)
	if err != nil {
		return nil, err
	}
	expected := pending
	if limit > 0 && limit < expected {
		expected = limit
	}
	sr, err := x.s.db.BeginStage(x.ctx, x.run.ID, x.s.owner, st.Number, expected, x.now())
	if errors.Is(err, db.ErrLeaseLost) && x.stillOurs() {
		// Paused and resumed in between: once more.
		sr, err = x.s.db.BeginStage(x.ctx, x.run.ID, x.s.owner, st.Number, expected, x.now())
	}
	if err != nil {
		return nil, x.lost(err)
	}
	if limit > 0 && sr.Taken() == 0 && pending > limit {
		// Reported now so the log says why the stage will stop early.
		x.event(db.Event{Stage: st.Number, Message: fmt.Sprintf("%s takes at most %d %s per run: %d of %d pending this run, the rest wait for the next run",
			st.Name, limit, st.Unit, limit, pending)})
	}
	concurrency := max(x.run.Concurrency, 1)
	if st.Free() {
		concurrency = 1 // free batches: one transaction at a time is plenty
	}
	return &stageRun{x: x, st: st, limit: limit, taken: sr.Taken(), inflight: map[int64]bool{}, finished: map[int64]bool{},
		done: make(chan struct{}, 64), slots: make(chan struct{}, concurrency)}, nil
}

// next hands out the next work items: it checks the run is still running
// and within its limit, waits for a free slot (and takes the other free
// slots the provider could serve at once), picks the items, takes their
// credit holds in one transaction and dispatches them.
func (r *stageRun) next() step {
	x := r.x
	if x.ctx.Err() != nil {
		return stepEnd
	}
	// The status refresh read, not x.statusNow(): the heartbeat stores
	// what it reads too, and a pause seen here must drain the stage even
	// when a resume is seen there a moment later.
	if status := x.refresh(); status != db.RunRunning {
		r.paused = status == db.RunPaused
		return stepEnd
	}
	if r.left() == 0 {
		r.stop = stop{limitReached: true, reason: ReasonLimitReached}
		return stepEnd
	}
	// Wait for a free slot before choosing items, so the choice is fresh.
	select {
	case r.slots <- struct{}{}:
	case <-x.ctx.Done():
		return stepEnd
	case <-x.pokeCh:
		return stepNext
	}
	slots := 1 + r.moreSlots()
	its, s := r.pick(slots)
	held := 0
	if len(its) > 0 {
		held, s = r.hold(its)
	}
	for range slots - held {
		<-r.slots
	}
	for _, it := range its[:held] {
		r.dispatch(it)
	}
	return s
}

// left is how many units the stage may still hand out under its per-run
// limit (-1: no limit).
func (r *stageRun) left() int {
	if r.limit <= 0 {
		return -1
	}
	return max(r.limit-r.taken-r.dispatched, 0)
}

// moreSlots takes the free slots beyond the first, without waiting, as far
// as the provider would let their calls leave at once: none while it holds
// every request back, no more than a second of its pace while it paces.
// A hold is taken just before its call can leave, as for one item.
func (r *stageRun) moreSlots() int {
	x := r.x
	room := cap(r.slots) - 1
	if r.st.Free() {
		room = 0
	} else if st, paced := x.s.ai.Limit(r.st.Operation); paced {
		switch {
		case !st.BlockedUntil.IsZero():
			room = 0
		case st.RequestsPerMinute > 0:
			room = min(room, int(st.RequestsPerMinute/60)-st.Waiting-1)
		}
	}
	n := 0
	for ; n < room; n++ {
		select {
		case r.slots <- struct{}{}:
		default:
			return n
		}
	}
	return n
}

// pick chooses the oldest pending items not in flight nor already taken,
// for up to slots work items of the stage's batch each, within its limit.
// With none left it ends the stage when nothing is in flight, else waits
// for an item to finish (no item, stepNext: look again).
func (r *stageRun) pick(slots int) ([]workItem, step) {
	x := r.x
	want := slots * r.st.Batch
	if left := r.left(); left >= 0 {
		want = min(want, left)
	}
	// The items in flight come first in the pending list: a page as long
	// as they and the items wanted usually has all it needs. Items taken
	// earlier that are still pending (left for a later run) are paged past.
	r.mu.Lock()
	page := want + len(r.inflight)
	r.mu.Unlock()
	var pick []int64
	var after *db.PendingKey
	busy := 0
	for {
		keys, err := x.s.db.PendingPage(x.ctx, r.st.Number, x.run.SiteID, x.run.ID, after, page)
		if err != nil {
			x.cancel(fmt.Errorf("automation: pending items: %w", err))
			return nil, stepEnd
		}
		r.mu.Lock()
		for _, k := range keys {
			if !r.inflight[k.ID] && !r.finished[k.ID] && len(pick) < want {
				pick = append(pick, k.ID)
			}
		}
		busy = len(r.inflight)
		r.mu.Unlock()
		if len(pick) == want || len(keys) < page {
			break
		}
		after = &keys[len(keys)-1]
	}
	if len(pick) > 0 {
		var its []workItem
		for b := range slices.Chunk(pick, r.st.Batch) {
			its = append(its, workItem{ids: b, units: len(b)})
		}
		return its, stepNext
	}
	if busy == 0 {
		return nil, stepEnd // nothing pending, nothing in flight: the stage is done
	}
	select { // wait for an item to finish, then look again
	case <-r.done:
	case <-x.pokeCh:
	case <-x.ctx.Done():
	}
	return nil, stepNext
}

// hold takes the credit holds of paid work items before their AI calls, in
// one transaction, and says how many may be dispatched (the first held).
// A refused hold stops the stage (budget, run cap, balance), looks again
// after a pause undone by a quick resume, or stops the executor; the items
// held before it still go.
func (r *stageRun) hold(its []workItem) (held int, _ step) {
	x, op := r.x, r.st.Operation
	cost := x.snap.CallCost(op)
	if r.st.Free() || cost <= 0 {
		return len(its), stepNext
	}
	if !r.ready(op) {
		if x.ctx.Err() != nil {
			return 0, stepEnd
		}
		return 0, stepNext // poked: look at the run again
	}
	hs := make([]db.Hold, len(its))
	for i, it := range its {
		hs[i] = db.Hold{AccountID: x.run.AccountID, SiteID: x.run.SiteID, RunID: x.run.ID, Owner: x.s.owner, Stage: r.st.Number,
			ItemID: it.ids[0], Operation: op, Amount: cost, Now: x.now()}
	}
	held, err := x.s.db.TakeHolds(x.ctx, hs)
	for i := range held {
		its[i].hold = &hs[i]
	}
	switch {
	case err == nil:
		return held, stepNext
	case errors.Is(err, db.ErrLeaseLost):
		// Paused (or paused and resumed since): drain, then stages gives
		// the lease up or carries on. Anything else stopped the executor.
		r.paused = errors.Is(x.lost(err), errPaused)
		return held, stepEnd
	}
	if st, stopped := x.holdStop(r.st, hs[held], err); stopped {
		r.stop = st
	} else {
		x.cancel(err)
	}
	return held, stepEnd
}

// ready waits until the provider's rate limit would let the item's call
// through, so its credit hold is taken just before the call rather than
// kept through that wait. A poke (pause, cancel, the heartbeat's status
// check) ends the wait early (false) so the run's state is looked at again.
func (r *stageRun) ready(op string) bool {
	x := r.x
	ctx, cancel := context.WithCancel(x.ctx)
	poked := make(chan bool, 1)
	go func() {
		select {
		case <-x.pokeCh:
			cancel()
			poked <- true
		case <-ctx.Done():
			poked <- false
		}
	}()
	err := x.s.ai.Ready(ctx, op)
	cancel()
	if <-poked && err == nil {
		x.poke() // the provider was ready first: the poke is still due
	}
	return err == nil
}

// dispatch starts the work item's worker.
func (r *stageRun) dispatch(it workItem) {
	r.mu.Lock()
	for _, id := range it.ids {
		r.inflight[id] = true
	}
	r.mu.Unlock()
	r.dispatched += it.units
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer r.release(it)
		r.x.process(r.st, it)
	}()
}

// release frees a finished work item's slot and wakes the picker.
func (r *stageRun) release(it workItem) {
	r.mu.Lock()
	for _, id := range it.ids {
		delete(r.inflight, id)
		r.finished[id] = true
	}
	r.mu.Unlock()
	<-r.slots
	select {
	case r.done <- struct{}{}:
	default:
	}
}

// endStage marks the stage done with its result line in the log.
func (x *executor) endStage(st Stage, s stop) error {
	results, err := x.s.db.StageResults(x.ctx, x.run.ID)
	if err != nil {
		return err
	}
	var sr db.StageResult
	for _, res := range results {
		if res.Stage == st.Number {
			sr = res
		}
	}
	left, err := x.s.db.CountPending(x.ctx, st.Number, x.run.SiteID, 0)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s finished: %d processed, %d failed", st.Name, sr.Processed, sr.Failed)
	if sr.Skipped > 0 {
		msg += fmt.Sprintf(", %d left for a later run", sr.Skipped)
	}
	if sr.CreditsUsed > 0 {
		msg += fmt.Sprintf(", %d credits", sr.CreditsUsed)
	}
	level := "info"
	switch {
	case s.limitReached:
		s.detail = fmt.Sprintf("the limit of %d %s per run was reached; %d item(s) left for the next run", x.snap.Limit(st.Number), st.Unit, left)
		msg += ". Limit reached: " + s.detail
	case s.reason != "":
		msg += ". Stopped: " + s.detail + fmt.Sprintf("; %d item(s) left", left)
		level = "warn"
	}
	return x.lost(x.s.db.FinishStage(x.ctx, db.StageEnd{RunID: x.run.ID, Owner: x.s.owner, Stage: st.Number, State: "done",
		LimitReached: s.limitReached, StopReason: s.reason, StopDetail: s.detail, Message: msg, Level: level, Now: x.now()}))
}

// holdStop maps a refused hold to the stage's stop reason.
func (x *executor) holdStop(st Stage, h db.Hold, err error) (stop, bool) {
	switch {
	case errors.Is(err, db.ErrOperationBudget):
		spent, budget := int64(0), int64(0)
		if list, lerr := x.s.db.RunSpend(x.ctx, x.run.ID); lerr == nil {
			for _, s := range list {
				if s.Operation == st.Operation {
					spent, budget = s.Spent, s.Budget
				}
			}
		}
		return stop{reason: ReasonBudgetExhausted, detail: fmt.Sprintf("the credit budget ran out: %d of %d credits used (the next item costs %d)", spent, budget, h.Amount)}, true
	case errors.Is(err, db.ErrRunCreditCap):
		r, _ := x.s.db.RunByID(x.ctx, x.run.ID)
		return stop{reason: ReasonBudgetExhausted, detail: fmt.Sprintf("the run's credit cap was reached: %d of %d credits used (the next item costs %d)", r.CreditsUsed, r.CreditCap, h.Amount)}, true
	case errors.Is(err, db.ErrInsufficientCredits):
		acc, _ := x.s.db.AccountByID(x.ctx, x.run.AccountID)
		return stop{reason: ReasonInsufficientCredits, detail: fmt.Sprintf("not enough credits: the balance is %d, the next item costs %d", acc.Credits, h.Amount)}, true
	}
	return stop{}, false
}
