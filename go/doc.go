// Package mapcore renders MapLibre styles on the CPU through the mapcore C
// library.
//
// # Objects and threads
//
// A [RuntimeHandle] is owned by the OS thread that created it; its maps
// ([MapHandle]) and render sessions ([RenderSessionHandle]) belong to the same
// thread. Goroutines are not threads: the Go scheduler may move a goroutine to
// another OS thread between any two calls. Ordinary methods run on the calling
// goroutine, on whatever thread it is on; a call that reaches an OS thread
// other than the owner's fails with an error matching [ErrWrongThread].
//
// To use owner-thread objects directly, call runtime.LockOSThread before
// [NewRuntime] and keep the goroutine locked while it uses the runtime, its maps
// and sessions. Or use an [Owner]: it locks a goroutine to one OS thread,
// creates the runtime there, runs the functions you submit on it, pumps the
// runtime (woken when work is submitted or native work finishes; after every
// round of submitted work without blocking, so a stream of work cannot starve
// loading) and hands you the drained events. [Owner.Do] takes a context for the
// wait; failures of the owner's own loop go to [OwnerOptions.OnError] when they
// happen (or to the next Do).
//
// Timeouts follow Go: [RuntimeHandle.Pump] with a zero or negative timeout does
// not block; [RuntimeHandle.PumpUntilWoken] waits with no limit.
//
// Functions documented "any goroutine" (resource request completion,
// [RuntimeHandle.Wake], logging, version queries) are thread-independent.
//
// # Handles
//
// Every handle has Close. A second Close returns nil and does nothing. Closing
// a parent with live children (a runtime with maps, a map with a render
// session, a session with an acquired frame) returns an error matching
// [ErrInvalidState] and destroys nothing. A child keeps its parent reachable.
// Finalizers never destroy owner-thread objects (they cannot run on the owner
// thread); they only report leaks to the handler set with [SetLeakHandler]
// (slog by default; with the creation stack when MAPCORE_DEBUG_LEAKS=1). The one
// exception is the resource request handle, whose release is thread-independent:
// a garbage-collected request is released by its finalizer.
//
// # Errors
//
// Failed calls return an [*Error] with the operation, the native status and the
// native diagnostic, copied on the OS thread of the failing call. Test the
// category with errors.Is and the sentinels ([ErrInvalidArgument],
// [ErrWrongThread], [ErrParse], ...).
//
// A render ended by its context ([RenderSessionHandle.RenderStill]) matches
// both [ErrTimeout] and context.DeadlineExceeded (a deadline) or both
// [ErrCancelled] and context.Canceled (a cancellation).
//
// # Memory
//
// A caller-owned render buffer ([MapHandle.NewBufferSession]) is pinned from
// attach until the native session lets go of it (Close, or SetBuffer replacing
// it). No-copy resource data ([ResourceRequestHandle.CompleteNoCopy]) is pinned
// until the library releases it. Pinned buffers are kept reachable by the
// package until they are unpinned, so a handle that is leaked (never closed)
// is reported, and its buffer stays pinned, instead of crashing the process.
// Strings with an embedded NUL are rejected with [ErrInvalidArgument] before C
// is called. Slices passed for pixels are passed to C with their length and
// checked ([MapHandle.AddImage]). Native memory is lent to Go code only for the
// duration of a call ([FrameHandle.View]); [FrameHandle.Bytes] and
// [FrameHandle.NRGBA] return copies.
package mapcore
