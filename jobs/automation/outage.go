package automation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"autopress/db"
)

// Backoff between two tries of a statement while the database is
// unreachable.
const (
	outageFirstWait = 100 * time.Millisecond
	outageMaxWait   = 2 * time.Second
)

// outage rides out an unreachable database for one executor (a db.Outage
// on the executor's context, so every statement it makes is covered): a
// statement that cannot reach the database is tried again with a growing
// pause, while AI calls in flight go on, for up to the lease TTL since the
// first failure. Then the executor gives up: it stops (errNoDB) and its
// lease is released, and the instance takes the run back once the database
// answers again.
type outage struct {
	x *executor

	mu sync.Mutex
	// start is when the current outage began (zero while the database
	// answers); tries counts the waits in it.
	start time.Time
	tries int
	// gaveUp is set once the outage outlasted the lease: every later
	// statement fails at once.
	gaveUp bool
	// over holds the outages ridden out whose end is not logged yet.
	over []outageSpan
}

// outageSpan is one outage the executor rode out.
type outageSpan struct {
	start, end time.Time
}

var _ db.Outage = (*outage)(nil)

// Wait waits before the next try of a statement that could not reach the
// database, or gives the run up once the outage has lasted the lease TTL.
func (o *outage) Wait(ctx context.Context, cause error) error {
	x := o.x
	now := x.now()
	ttl := x.s.cfg.LeaseTTL
	o.mu.Lock()
	if o.start.IsZero() {
		o.start, o.tries = now, 0
		x.s.log.Warn("database unreachable; the run rides it out", "run_id", x.run.ID, "for_up_to", ttl, "err", cause)
	}
	start := o.start
	if o.gaveUp || now.Sub(start) >= ttl {
		first := !o.gaveUp
		o.gaveUp = true
		o.mu.Unlock()
		if first {
			x.s.log.Error("database unreachable for the lease TTL; giving the run up", "run_id", x.run.ID,
				"unreachable_for", now.Sub(start).Round(time.Second), "err", cause)
			x.s.noteGaveUp(x.run.ID, start)
			x.cancel(fmt.Errorf("%w (for %s)", errNoDB, now.Sub(start).Round(time.Second)))
		}
		return errNoDB
	}
	o.tries++
	wait := outageFirstWait << min(o.tries-1, 8)
	wait = min(wait, outageMaxWait, start.Add(ttl).Sub(now))
	o.mu.Unlock()
	select {
	case <-x.s.clock.After(max(wait, time.Millisecond)):
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Reached ends the current outage, if any: its span waits for the
// heartbeat to log it (logging is itself a statement).
func (o *outage) Reached() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.start.IsZero() || o.gaveUp {
		return
	}
	o.over = append(o.over, outageSpan{start: o.start, end: o.x.now()})
	o.start = time.Time{}
}

// logOver writes the outages ridden out since the last call into the run's
// log ("Database unreachable for N s").
func (o *outage) logOver() {
	o.mu.Lock()
	over := o.over
	o.over = nil
	o.mu.Unlock()
	x := o.x
	for _, sp := range over {
		d := sp.end.Sub(sp.start)
		x.s.log.Info("database reachable again; the run carried on", "run_id", x.run.ID, "unreachable_for", d.Round(time.Millisecond))
		x.event(db.Event{At: sp.end, Level: "warn", Stage: x.run.CurrentStage,
			Message: fmt.Sprintf("Database unreachable for %d s; executor %s waited for it and carried on", seconds(d), x.s.owner)})
	}
}

// seconds rounds d up to whole seconds, at least one.
func seconds(d time.Duration) int64 {
	return max(1, int64((d+time.Second-1)/time.Second))
}

// noteGaveUp remembers that this instance gave a run up because the
// database was unreachable since start, so that taking it back says so.
func (s *Service) noteGaveUp(runID int64, start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gaveUp == nil {
		s.gaveUp = map[int64]time.Time{}
	}
	// Another instance may have taken a run over; forget old entries.
	for id, t := range s.gaveUp {
		if start.Sub(t) > 10*s.cfg.LeaseTTL {
			delete(s.gaveUp, id)
		}
	}
	s.gaveUp[runID] = start
}

// takeGaveUp returns (and forgets) when the outage began that made this
// instance give runID up.
func (s *Service) takeGaveUp(runID int64) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.gaveUp[runID]
	delete(s.gaveUp, runID)
	return t, ok
}

// unreachable reports whether err is the database being unreachable (the
// poller then looks again soon, to take its runs back at once).
func unreachable(err error) bool { return errors.Is(err, db.ErrUnavailable) }
