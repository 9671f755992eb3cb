package automation

import "context"

// Execute claims one run and executes it synchronously until it completes,
// pauses or is lost. ErrConflict when the run is not claimable.
func (s *Service) Execute(ctx context.Context, runID int64) error {
	x, err := s.claim(ctx, runID)
	if err != nil || x == nil {
		return err
	}
	defer s.wg.Done()
	x.execute()
	return nil
}
