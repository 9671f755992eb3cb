package handlers

import (
	"sync"

	"autopress/views"
)

// kept holds what a page is made from, by a key naming everything it was
// made from: a chart drawn from its figures, a run's log read up to its
// mark. Making one costs more than the rest of its page, and the inputs
// change far less often than pages are read; what is kept is only read
// once made, so one copy serves every request. Past keptMax entries it
// starts again.
type kept[T any] struct {
	mu    sync.Mutex
	byKey map[string]T
}

const keptMax = 256

// get returns what is kept under key, building it first when there is none.
func (k *kept[T]) get(key string, build func() (T, error)) (T, error) {
	k.mu.Lock()
	v, ok := k.byKey[key]
	k.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	k.mu.Lock()
	if k.byKey == nil || len(k.byKey) >= keptMax {
		k.byKey = map[string]T{}
	}
	k.byKey[key] = v
	k.mu.Unlock()
	return v, nil
}

// chartCache keeps charts; logCache keeps the part of a run's log a page
// shows.
type (
	chartCache = kept[*views.Chart]
	logCache   = kept[views.RunLog]
)
