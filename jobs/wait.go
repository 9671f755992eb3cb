package jobs

import (
	"context"
	"sync"
)

// Wait waits for wg until ctx ends: a service's Shutdown, after it stopped
// its workers, waits for them this way.
func Wait(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
