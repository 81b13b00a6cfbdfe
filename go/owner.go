package mapcore

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"mapcore.dev/mapcore/go/internal/status"
)

// OwnerOptions configures an [Owner].
type OwnerOptions struct {
	// Runtime options for the owned runtime.
	Runtime RuntimeOptions
	// OnEvents, if set, receives every drained batch of events, on the owner
	// thread. It may call owner-thread methods of the runtime it is given
	// (but not Owner.Do, which would wait for itself).
	OnEvents func(rt *RuntimeHandle, events []Event)
}

// Owner runs a runtime on a goroutine locked to one OS thread: it creates
// the runtime there, runs submitted functions on it, and pumps the runtime
// between them, blocking in the native pump until work is submitted
// (RuntimeHandle.Wake) or native work finishes. Drained events go to
// OwnerOptions.OnEvents.
type Owner struct {
	opts OwnerOptions
	rt   *RuntimeHandle
	kick chan struct{}
	done chan struct{}

	mu       sync.Mutex
	queue    []ownerJob
	closed   bool
	closeErr error
	pumpErr  error
}

type ownerJob struct {
	f    func(rt *RuntimeHandle) error
	done chan error
}

// NewOwner starts the owner goroutine and creates the runtime on its thread.
// opts may be nil.
func NewOwner(opts *OwnerOptions) (*Owner, error) {
	o := &Owner{kick: make(chan struct{}, 1), done: make(chan struct{})}
	if opts != nil {
		o.opts = *opts
	}
	ready := make(chan error, 1)
	go o.loop(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return o, nil
}

// Do runs f on the owner thread with the runtime, waits for it and returns
// its error (a panic in f is returned as an error). After Close it returns
// ErrClosed without running f. Do not call it from f or from OnEvents.
func (o *Owner) Do(f func(rt *RuntimeHandle) error) error {
	j := ownerJob{f: f, done: make(chan error, 1)}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return status.Closed("Owner.Do", "Owner")
	}
	o.queue = append(o.queue, j)
	o.mu.Unlock()
	o.wake()
	return <-j.done
}

func (o *Owner) wake() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
	_ = o.rt.Wake() // any thread; the pump returns (or the next one does at once)
}

// Close rejects new work, runs the work already submitted, closes the
// runtime's maps (with their sessions and frames) and then the runtime on
// the owner thread, and returns their errors. A second Close returns nil.
func (o *Owner) Close() error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		<-o.done
		return nil
	}
	o.closed = true
	o.mu.Unlock()
	o.wake()
	<-o.done
	return o.closeErr
}

func runJob(f func(rt *RuntimeHandle) error, rt *RuntimeHandle) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("mapcore: Owner.Do: function panicked: %v", r)
		}
	}()
	return f(rt)
}

func (o *Owner) deliver() {
	evs, err := o.rt.DrainEvents()
	if err != nil || len(evs) == 0 || o.opts.OnEvents == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			o.mu.Lock()
			o.pumpErr = errors.Join(o.pumpErr, fmt.Errorf("mapcore: Owner: OnEvents panicked: %v", r))
			o.mu.Unlock()
		}
	}()
	o.opts.OnEvents(o.rt, evs)
}

func (o *Owner) loop(ready chan<- error) {
	// The goroutine stays locked: its thread owns the runtime and exits
	// with the goroutine.
	runtime.LockOSThread()
	rt, err := NewRuntime(&o.opts.Runtime)
	if err != nil {
		ready <- err
		return
	}
	o.rt = rt
	ready <- nil
	defer close(o.done)
	for {
		select { // a kick is only needed when the pump is broken
		case <-o.kick:
		default:
		}
		o.mu.Lock()
		jobs := o.queue
		o.queue = nil
		closing := o.closed
		pumpBroken := o.pumpErr != nil
		o.mu.Unlock()
		for _, j := range jobs {
			j.done <- runJob(j.f, rt)
		}
		o.deliver()
		if closing {
			break // no job can have been queued after closed was set
		}
		if len(jobs) > 0 {
			continue // the jobs may have queued more work or events
		}
		if pumpBroken {
			<-o.kick
			continue
		}
		if _, err := rt.Pump(PumpForever); err != nil {
			o.mu.Lock()
			o.pumpErr = err
			o.mu.Unlock()
		}
	}
	err = rt.CloseAll()
	o.mu.Lock()
	o.closeErr = errors.Join(err, o.pumpErr)
	o.mu.Unlock()
}
