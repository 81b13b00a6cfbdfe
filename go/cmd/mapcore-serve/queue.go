package main

import (
	"context"
	"errors"
	"sync/atomic"
)

// errQueueFull: the render queue is at its bound (503 + Retry-After).
var errQueueFull = errors.New("render queue full")

// renderQueue admits at most `slots` renders at once and lets at most
// `waiting` more wait for a slot; beyond that a request is refused at once
// instead of piling up. A waiting request gives up when its context ends.
type renderQueue struct {
	slots    chan struct{}
	maxWait  int64
	waiting  atomic.Int64
	inFlight atomic.Int64
	rejected atomic.Int64
}

func newRenderQueue(slots, waiting int) *renderQueue {
	return &renderQueue{slots: make(chan struct{}, slots), maxWait: int64(waiting)}
}

// acquire takes a slot; release it with the returned function.
func (q *renderQueue) acquire(ctx context.Context) (func(), error) {
	select {
	case q.slots <- struct{}{}:
	default:
		if q.waiting.Add(1) > q.maxWait {
			q.waiting.Add(-1)
			q.rejected.Add(1)
			return nil, errQueueFull
		}
		select {
		case q.slots <- struct{}{}:
			q.waiting.Add(-1)
		case <-ctx.Done():
			q.waiting.Add(-1)
			return nil, ctx.Err()
		}
	}
	q.inFlight.Add(1)
	return func() {
		q.inFlight.Add(-1)
		<-q.slots
	}, nil
}
