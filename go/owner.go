package mapcore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"

	"mapcore.dev/mapcore/go/internal/status"
)

// OwnerOptions configures an [Owner].
type OwnerOptions struct {
	// Runtime options for the owned runtime.
	Runtime RuntimeOptions
	// OnEvents, if set, receives every drained batch of events, on the owner
	// thread. It may call owner-thread methods of the runtime it is given
	// (but not Owner.Do, which would wait for itself). The owner drains the
	// runtime's events after every round of work, so that the native queue
	// stays bounded: without OnEvents they are discarded (functions run by
	// Do may still call DrainEvents to see the events queued meanwhile). If
	// OnEvents panics, the panic (with the number of events of the batch it
	// did not finish) is reported as a loop error (see OnError).
	OnEvents func(rt *RuntimeHandle, events []Event)
	// OnError, if set, receives the owner loop's own failures when they
	// happen, on the owner thread: a failed pump or event drain, a panic in
	// OnEvents (as a *PanicError). It must not call Owner.Do. Without it,
	// such failures are returned by the next Do (joined after the error of
	// its function; its function still runs) or, if no Do follows, by Close.
	// After a pump or drain failure the owner stops pumping and only runs
	// submitted functions.
	OnError func(err error)
}

// Owner runs a runtime on a goroutine locked to one OS thread: it creates
// the runtime there, runs submitted functions on it, and pumps the runtime
// between them, blocking in the native pump until work is submitted
// (RuntimeHandle.Wake) or native work finishes. Every round of submitted
// functions is followed by a non-blocking pump, so a steady stream of Do
// calls cannot starve loading. Drained events go to OwnerOptions.OnEvents.
// Its methods may be called from any goroutine.
type Owner struct {
	opts OwnerOptions
	rt   *RuntimeHandle
	kick chan struct{}
	done chan struct{}

	mu       sync.Mutex
	queue    []*ownerJob
	closed   bool
	closeErr error
	broken   bool    // the pump or drain failed: the loop runs submissions only
	pending  []error // loop errors not yet reported (no OnError)
}

type ownerJob struct {
	f    func(rt *RuntimeHandle) error
	done chan error
	// guarded by Owner.mu
	started, withdrawn bool
}

// PanicError is the error for a function that panicked on the owner thread
// (a function given to Owner.Do, or OnEvents): the panic value and the stack
// of the panicking goroutine at the panic.
type PanicError struct {
	// Op is where it panicked: "Owner.Do" or "OwnerOptions.OnEvents".
	Op string
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic (runtime/debug.Stack).
	Stack []byte
	// Undelivered is, for OnEvents, how many events of the batch were given
	// to the panicking call (they may not all have been handled).
	Undelivered int
}

// Error returns the panic value and the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("mapcore: %s: function panicked: %v\n\n%s", e.Op, e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
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
// its error. A panic in f is returned as a *PanicError with the panic's
// stack. Loop failures not reported through OnError since the last Do are
// joined after f's error.
//
// ctx bounds the wait for f to start: if ctx ends before f started, f never
// runs and Do returns an error matching ctx.Err() (and ErrCancelled or
// ErrTimeout). Once f runs, Do waits for it to return (f may use ctx
// itself). A nil ctx or f fails with ErrInvalidArgument. After Close, Do
// returns ErrClosed without running f. Do not call it from f or from
// OnEvents (it would wait for itself).
func (o *Owner) Do(ctx context.Context, f func(rt *RuntimeHandle) error) error {
	const op = "Owner.Do"
	if ctx == nil || f == nil {
		return status.New(op, status.InvalidArgument, "nil context or function")
	}
	if err := ctx.Err(); err != nil {
		return contextError(op, err, "the context was done before the function ran")
	}
	j := &ownerJob{f: f, done: make(chan error, 1)}
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return status.Closed(op, "Owner")
	}
	o.queue = append(o.queue, j)
	o.mu.Unlock()
	o.wake()
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
	}
	o.mu.Lock()
	withdrawn := !j.started
	j.withdrawn = withdrawn
	o.mu.Unlock()
	if withdrawn {
		return contextError(op, ctx.Err(), "the context ended before the function ran")
	}
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
// the owner thread, and returns their errors and loop failures not reported
// yet. A second Close returns nil.
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
			err = &PanicError{Op: "Owner.Do", Value: r, Stack: debug.Stack()}
		}
	}()
	return f(rt)
}

// loopError reports a failure of the loop itself: to OnError, or to the
// next Do (or Close).
func (o *Owner) loopError(err error) {
	if o.opts.OnError == nil {
		o.mu.Lock()
		o.pending = append(o.pending, err)
		o.mu.Unlock()
		return
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "mapcore: Owner: OnError panicked: %v (reporting %v)\n%s", r, err, debug.Stack())
		}
	}()
	o.opts.OnError(err)
}

func (o *Owner) takePending() []error {
	o.mu.Lock()
	defer o.mu.Unlock()
	p := o.pending
	o.pending = nil
	return p
}

func (o *Owner) deliver() {
	o.mu.Lock()
	broken := o.broken
	o.mu.Unlock()
	if broken {
		return
	}
	evs, err := o.rt.DrainEvents()
	if err != nil {
		o.mu.Lock()
		o.broken = true
		o.mu.Unlock()
		o.loopError(fmt.Errorf("mapcore: Owner: draining events failed (the owner stops pumping): %w", err))
		return
	}
	if len(evs) == 0 || o.opts.OnEvents == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			o.loopError(&PanicError{Op: "OwnerOptions.OnEvents", Value: r, Stack: debug.Stack(), Undelivered: len(evs)})
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
		broken := o.broken
		o.mu.Unlock()
		for _, j := range jobs {
			o.mu.Lock()
			skip := j.withdrawn
			j.started = !skip
			o.mu.Unlock()
			if skip {
				continue
			}
			err := runJob(j.f, rt)
			if o.opts.OnError == nil {
				if p := o.takePending(); len(p) > 0 {
					err = errors.Join(append([]error{err}, p...)...)
				}
			}
			j.done <- err
		}
		if !broken {
			// After a round of work, only collect what is ready: the
			// queue may already hold more (a stream of Do calls must not
			// starve loading, nor loading the stream).
			var err error
			if len(jobs) > 0 || closing {
				_, err = rt.Pump(0)
			} else {
				_, err = rt.PumpUntilWoken()
			}
			if err != nil {
				o.mu.Lock()
				o.broken = true
				o.mu.Unlock()
				o.loopError(fmt.Errorf("mapcore: Owner: pump failed (the owner stops pumping): %w", err))
			}
		}
		o.deliver()
		if closing {
			break // no job can have been queued after closed was set
		}
		if broken && len(jobs) == 0 {
			<-o.kick
		}
	}
	err = rt.CloseAll()
	errs := append([]error{err}, o.takePending()...)
	o.mu.Lock()
	o.closeErr = errors.Join(errs...)
	o.mu.Unlock()
}
