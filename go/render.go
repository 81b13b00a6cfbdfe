package mapcore

import (
	"context"
	"errors"
	"image"
	"math"
	"runtime"
	"sync"
	"time"

	"mapcore.dev/mapcore/go/internal/callback"
	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/handle"
	"mapcore.dev/mapcore/go/internal/memory"
	"mapcore.dev/mapcore/go/internal/status"
)

// ImageInfo is the size and layout of a rendered image (RGBA8, straight
// alpha, rows top to bottom).
type ImageInfo struct {
	// Width and Height in device pixels.
	Width, Height int
	// Stride is bytes per row; ByteLength is Stride*Height.
	Stride, ByteLength int
}

func imageInfo(i capi.ImageInfo) ImageInfo {
	return ImageInfo{Width: int(i.Width), Height: int(i.Height), Stride: i.Stride, ByteLength: i.ByteLength}
}

// DeviceSize returns the device-pixel size of a logical size at a pixel
// ratio, as the native library computes it (rounded).
func DeviceSize(width, height int, pixelRatio float32) (int, int) {
	return int(math.Round(float64(width) * float64(pixelRatio))), int(math.Round(float64(height) * float64(pixelRatio)))
}

// RenderSessionHandle renders one map into one target. It belongs to the
// map's owner thread.
type RenderSessionHandle struct {
	st *handle.State
	id uint64
	m  *MapHandle // keeps the parent reachable
	sh *sessionShared
}

type sessionShared struct {
	mu     sync.Mutex
	pinned *memory.Pinned // the caller's buffer, for a buffer session
}

func (m *MapHandle) newSession(op string, create func() (uint64, capi.Res), sh *sessionShared) (*RenderSessionHandle, error) {
	if err := m.st.Check(op); err != nil {
		return nil, err
	}
	st, err := handle.New("RenderSessionHandle", m.st)
	if err != nil {
		return nil, err
	}
	id, r := create()
	runtime.KeepAlive(m)
	if err := status.Of(op, r); err != nil {
		st.Abort()
		return nil, err
	}
	st.Activate(func() error {
		if err := status.Of("RenderSessionHandle.Close", capi.SessionDestroy(id)); err != nil {
			return err
		}
		sh.mu.Lock()
		if sh.pinned != nil {
			sh.pinned.Unpin() // the library no longer uses the buffer
			sh.pinned = nil
		}
		sh.mu.Unlock()
		return nil
	})
	s := &RenderSessionHandle{st: st, id: id, m: m, sh: sh}
	runtime.SetFinalizer(s, func(s *RenderSessionHandle) { s.st.LeakCheck() })
	return s, nil
}

// NewTextureSession attaches a session-owned texture of width x height
// logical pixels at pixelRatio (0 = 1) to the map (at most one session per
// map). Read it with ReadPixels, ReadNRGBA, ReadRGBA or AcquireFrame. Owner thread.
func (m *MapHandle) NewTextureSession(width, height int, pixelRatio float32) (*RenderSessionHandle, error) {
	const op = "MapHandle.NewTextureSession"
	pixelRatio, err := checkSize(op, width, height, pixelRatio)
	if err != nil {
		return nil, err
	}
	return m.newSession(op, func() (uint64, capi.Res) {
		return capi.SessionCreateTexture(m.id, uint32(width), uint32(height), pixelRatio)
	}, &sessionShared{})
}

// NewBufferSession attaches a caller-owned buffer that every render writes
// into: DeviceSize(width, height, pixelRatio) pixels, rows of stride bytes
// (0 = 4*device width). The buffer is pinned from this call until the session
// is closed or the buffer replaced with SetBuffer; do not write to it while a
// render runs. A session that is never closed keeps its buffer pinned (and
// reachable) for the life of the process and is reported as a leak. Owner
// thread.
func (m *MapHandle) NewBufferSession(width, height int, pixelRatio float32, buf []byte, stride int) (*RenderSessionHandle, error) {
	const op = "MapHandle.NewBufferSession"
	pixelRatio, err := checkSize(op, width, height, pixelRatio)
	if err != nil {
		return nil, err
	}
	if stride == 0 {
		dw, _ := DeviceSize(width, height, pixelRatio)
		stride = 4 * dw
	}
	if len(buf) == 0 {
		return nil, status.New(op, status.InvalidArgument, "buffer is empty")
	}
	p := memory.Pin(buf, 0)
	s, err := m.newSession(op, func() (uint64, capi.Res) {
		id, r := capi.SessionCreateBuffer(m.id, uint32(width), uint32(height), pixelRatio, p.Bytes(), stride)
		p.SetHolder(id)
		return id, r
	}, &sessionShared{pinned: p})
	if err != nil {
		p.Unpin()
		return nil, err
	}
	return s, nil
}

// NewSurfaceSession attaches a surface: every render of the session
// (RenderStill, RenderFrame) calls onFrame with the finished frame, on the
// owner thread, before the render returns. The image (DeviceSize(width,
// height, pixelRatio) pixels, straight alpha) is a fresh copy that onFrame
// may keep and modify. Inside onFrame, owner-thread methods of this runtime's
// objects fail with ErrInvalidState (a re-entrant call) and Owner.Do must not
// be called (it would wait for itself). A panic in onFrame is recovered and
// reported on stderr; the render still succeeds. ReadNRGBA, ReadPixels and
// Encode return the last frame; AcquireFrame and SetBuffer fail with
// ErrInvalidState; Resize works as for a texture session. Close releases the
// callback (the library calls its release exactly once); a session never
// closed keeps onFrame registered and is reported as a leak. Owner thread.
func (m *MapHandle) NewSurfaceSession(width, height int, pixelRatio float32, onFrame func(img *image.NRGBA)) (*RenderSessionHandle, error) {
	const op = "MapHandle.NewSurfaceSession"
	if onFrame == nil {
		return nil, status.New(op, status.InvalidArgument, "onFrame is nil")
	}
	pixelRatio, err := checkSize(op, width, height, pixelRatio)
	if err != nil {
		return nil, err
	}
	frame := func(pix []byte, w, h, stride int) {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			copy(img.Pix[y*img.Stride:y*img.Stride+4*w], pix[y*stride:])
		}
		onFrame(img)
	}
	ctx := callback.NewSurfaceContext(frame, nil)
	s, err := m.newSession(op, func() (uint64, capi.Res) {
		return capi.SessionCreateSurface(m.id, uint32(width), uint32(height), pixelRatio,
			callback.SurfaceFrameFn, callback.ReleaseFn, ctx)
	}, &sessionShared{})
	if err != nil {
		callback.FreeSurfaceContext(ctx) // not retained by a failed create
		return nil, err
	}
	return s, nil
}

// Map returns the session's map.
func (s *RenderSessionHandle) Map() *MapHandle { return s.m }

// Close detaches and destroys the session, unpins a caller-owned buffer and
// releases a surface's callback.
// Owner thread. It fails with ErrInvalidState while a frame is acquired. A
// second Close returns nil.
func (s *RenderSessionHandle) Close() error { return s.st.Close() }

// Buffer returns the caller-owned buffer of a buffer session (nil for a
// texture session).
func (s *RenderSessionHandle) Buffer() []byte {
	s.sh.mu.Lock()
	defer s.sh.mu.Unlock()
	if s.sh.pinned == nil {
		return nil
	}
	return s.sh.pinned.Bytes()
}

// SetBuffer replaces a buffer session's buffer and size (stride 0 = 4*device
// width). The new buffer is pinned, the old one unpinned once the library no
// longer uses it. Owner thread.
func (s *RenderSessionHandle) SetBuffer(width, height int, pixelRatio float32, buf []byte, stride int) error {
	const op = "RenderSessionHandle.SetBuffer"
	if err := s.st.Check(op); err != nil {
		return err
	}
	pixelRatio, err := checkSize(op, width, height, pixelRatio)
	if err != nil {
		return err
	}
	if stride == 0 {
		dw, _ := DeviceSize(width, height, pixelRatio)
		stride = 4 * dw
	}
	if len(buf) == 0 {
		return status.New(op, status.InvalidArgument, "buffer is empty")
	}
	s.sh.mu.Lock()
	defer s.sh.mu.Unlock()
	p := memory.Pin(buf, s.id)
	r := capi.SessionSetBuffer(s.id, uint32(width), uint32(height), pixelRatio, p.Bytes(), stride)
	runtime.KeepAlive(s)
	if err := status.Of(op, r); err != nil {
		p.Unpin()
		return err
	}
	if s.sh.pinned != nil {
		s.sh.pinned.Unpin()
	}
	s.sh.pinned = p
	return nil
}

// Resize resizes a texture or surface session and its map. Owner thread.
func (s *RenderSessionHandle) Resize(width, height int, pixelRatio float32) error {
	const op = "RenderSessionHandle.Resize"
	if err := s.st.Check(op); err != nil {
		return err
	}
	pixelRatio, err := checkSize(op, width, height, pixelRatio)
	if err != nil {
		return err
	}
	r := capi.SessionResize(s.id, uint32(width), uint32(height), pixelRatio)
	runtime.KeepAlive(s)
	return status.Of(op, r)
}

// RenderStill renders a still image: it loads the style and everything the
// view needs (failures become events), then renders once into the target.
//
// ctx bounds the wait for resources; when it ends first nothing is rendered.
// Past its deadline the error matches both ErrTimeout and
// context.DeadlineExceeded; once cancelled, both ErrCancelled and
// context.Canceled (whichever of the native wait and the context noticed
// first). A nil ctx fails with ErrInvalidArgument. RenderStill returns only
// after its cancellation callback (if it ran) has finished, so it never
// interrupts a later render. Resource requests must be completed by other
// goroutines or by the provider itself while this waits. Owner thread.
func (s *RenderSessionHandle) RenderStill(ctx context.Context) error {
	const op = "RenderSessionHandle.RenderStill"
	if ctx == nil {
		return status.New(op, status.InvalidArgument, "nil context (use context.Background())")
	}
	if err := s.st.Check(op); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return contextError(op, err, "the context was done before rendering")
	}
	var timeout uint32
	if dl, ok := ctx.Deadline(); ok {
		d := time.Until(dl)
		if d <= 0 {
			return contextError(op, context.DeadlineExceeded, "the context's deadline passed before rendering")
		}
		timeout = durationMs(d)
		if timeout == 0 {
			timeout = 1 // 0 is "no limit" natively
		}
	}
	// The context's end interrupts the native wait from the goroutine
	// context.AfterFunc starts (mapcore_runtime_interrupt is any-thread).
	// After the render, stop() reports whether the callback was started; if
	// so, wait until it has interrupted: an interrupt arriving later would
	// cancel the next render of this runtime.
	var stop func() bool
	var fired chan struct{}
	if ctx.Done() != nil {
		fired = make(chan struct{})
		rt := s.m.rt.id
		stop = context.AfterFunc(ctx, func() {
			defer close(fired)
			capi.RuntimeInterrupt(rt)
		})
	}
	r := capi.SessionRenderStill(s.id, timeout)
	interrupted := false
	if stop != nil && !stop() {
		<-fired
		interrupted = true
	}
	runtime.KeepAlive(s)
	err := status.Of(op, r)
	switch {
	case err == nil:
		return nil
	case r.St == capi.StatusTimeout:
		// The native wait ran out of the context's deadline.
		return contextError(op, context.DeadlineExceeded, r.Msg)
	case r.St == capi.StatusCancelled && interrupted:
		return contextError(op, ctx.Err(), r.Msg)
	}
	return err
}

// contextError is the error of a render ended by its context: it matches
// ErrTimeout and context.DeadlineExceeded for a deadline, ErrCancelled and
// context.Canceled for a cancellation.
func contextError(op string, ctxErr error, msg string) error {
	if errors.Is(ctxErr, context.DeadlineExceeded) {
		return status.WithCause(op, status.Timeout, msg, context.DeadlineExceeded)
	}
	if ctxErr == nil {
		ctxErr = context.Canceled
	}
	return status.WithCause(op, status.Cancelled, msg, ctxErr)
}

// RenderFrame renders one frame of continuous rendering with what is loaded
// now, and reports whether everything the view needs was loaded. Pump the
// runtime between frames. Owner thread.
func (s *RenderSessionHandle) RenderFrame() (complete bool, err error) {
	const op = "RenderSessionHandle.RenderFrame"
	if err := s.st.Check(op); err != nil {
		return false, err
	}
	c, r := capi.SessionRenderFrame(s.id)
	runtime.KeepAlive(s)
	return c, status.Of(op, r)
}

// ImageInfo returns the size and layout of the last rendered image. Owner thread.
func (s *RenderSessionHandle) ImageInfo() (ImageInfo, error) {
	const op = "RenderSessionHandle.ImageInfo"
	if err := s.st.Check(op); err != nil {
		return ImageInfo{}, err
	}
	info, r := capi.SessionReadPixels(s.id, nil)
	runtime.KeepAlive(s)
	return imageInfo(info), status.Of(op, r)
}

// ReadPixels copies the last rendered image (RGBA8, straight alpha, rows of
// 4*width bytes) into dst, which must hold ImageInfo().ByteLength bytes.
// Owner thread.
func (s *RenderSessionHandle) ReadPixels(dst []byte) (ImageInfo, error) {
	const op = "RenderSessionHandle.ReadPixels"
	if err := s.st.Check(op); err != nil {
		return ImageInfo{}, err
	}
	if len(dst) == 0 {
		return ImageInfo{}, status.New(op, status.InvalidArgument, "destination buffer is empty")
	}
	info, r := capi.SessionReadPixels(s.id, dst)
	runtime.KeepAlive(s)
	return imageInfo(info), status.Of(op, r)
}

// ReadNRGBA returns a copy of the last rendered image. The native pixels have
// straight alpha, which is what image.NRGBA holds. Owner thread.
func (s *RenderSessionHandle) ReadNRGBA() (*image.NRGBA, error) {
	info, err := s.ImageInfo()
	if err != nil {
		return nil, err
	}
	img := image.NewNRGBA(image.Rect(0, 0, info.Width, info.Height))
	if _, err := s.ReadPixels(img.Pix); err != nil {
		return nil, err
	}
	return img, nil
}

// ReadRGBA returns a copy of the last rendered image with premultiplied alpha
// (image.RGBA). Owner thread.
func (s *RenderSessionHandle) ReadRGBA() (*image.RGBA, error) {
	n, err := s.ReadNRGBA()
	if err != nil {
		return nil, err
	}
	Premultiply(n.Pix)
	return &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}, nil
}

// Premultiply converts RGBA8 pixels from straight to premultiplied alpha in
// place (round to nearest, as image/color does).
func Premultiply(pix []byte) {
	for i := 0; i+3 < len(pix); i += 4 {
		a := uint32(pix[i+3])
		switch a {
		case 255:
			continue
		case 0:
			pix[i], pix[i+1], pix[i+2] = 0, 0, 0
		default:
			// color.NRGBA.RGBA then >>8: (c*0x101*a*0x101/0xffff)>>8
			for j := 0; j < 3; j++ {
				c := uint32(pix[i+j])
				pix[i+j] = byte((c * 0x101 * a / 0xff) >> 8)
			}
		}
	}
}

// FrameHandle is an acquired frame of a texture session: the session's last
// image, exposed without copying until Close. Meanwhile the session cannot
// render, resize or close.
//
// Lifetime of the pixels: the native memory behind the frame is valid from
// AcquireFrame until Close. Bytes and NRGBA return copies, which stay valid;
// View lends the native memory for the duration of a function only; Pixels
// is the native address, for native code, valid until Close (0 afterwards).
type FrameHandle struct {
	st *handle.State
	s  *RenderSessionHandle // keeps the parent reachable
	fr capi.Frame
	sh *frameShared
}

// frameShared lets Close wait for a View in progress (the destroy function
// captures it, never the FrameHandle).
type frameShared struct{ mu sync.RWMutex }

// AcquireFrame exposes the texture's last image without copying. Owner thread.
func (s *RenderSessionHandle) AcquireFrame() (*FrameHandle, error) {
	const op = "RenderSessionHandle.AcquireFrame"
	if err := s.st.Check(op); err != nil {
		return nil, err
	}
	st, err := handle.New("FrameHandle", s.st)
	if err != nil {
		return nil, err
	}
	fr, r := capi.SessionAcquireFrame(s.id)
	runtime.KeepAlive(s)
	if err := status.Of(op, r); err != nil {
		st.Abort()
		return nil, err
	}
	sid := s.id
	sh := &frameShared{}
	st.Activate(func() error {
		if !sh.mu.TryLock() { // a View is reading the native memory
			return status.New("FrameHandle.Close", status.InvalidState, "a View of the frame is in progress")
		}
		defer sh.mu.Unlock()
		return status.Of("FrameHandle.Close", capi.SessionReleaseFrame(sid))
	})
	f := &FrameHandle{st: st, s: s, fr: fr, sh: sh}
	runtime.SetFinalizer(f, func(f *FrameHandle) { f.st.LeakCheck() })
	return f, nil
}

// Info returns the frame's size and layout.
func (f *FrameHandle) Info() ImageInfo { return imageInfo(f.fr.Info) }

// Pixels returns the native address of the frame's pixels, valid until Close
// (0 after Close). Go code should use View, Bytes or NRGBA instead.
func (f *FrameHandle) Pixels() NativePointer {
	if f.st.IsClosed() {
		return 0
	}
	return NativePointer(memory.Address(f.fr.Pixels))
}

// View calls fn with the frame's pixels as a slice of native memory (RGBA8,
// straight alpha, Info().Stride bytes per row) without copying. The slice is
// valid only while fn runs: fn must not keep it or write to it (Close
// during View fails with ErrInvalidState).
// After Close, View returns an error matching ErrClosed and does not call fn.
func (f *FrameHandle) View(fn func(pix []byte)) error {
	f.sh.mu.RLock()
	defer f.sh.mu.RUnlock()
	if err := f.st.Check("FrameHandle.View"); err != nil {
		return err
	}
	fn(memory.Bytes(f.fr.Pixels, f.fr.Info.ByteLength))
	runtime.KeepAlive(f)
	return nil
}

// Bytes returns a copy of the frame's pixels (RGBA8, straight alpha,
// Info().Stride bytes per row), which stays valid after Close. It returns nil
// after Close. Use View to read the native memory without copying.
func (f *FrameHandle) Bytes() []byte {
	var out []byte
	_ = f.View(func(pix []byte) { out = append([]byte(nil), pix...) })
	return out
}

// NRGBA returns a copy of the frame as an image. After Close it returns an
// error matching ErrClosed.
func (f *FrameHandle) NRGBA() (*image.NRGBA, error) {
	info := f.Info()
	img := image.NewNRGBA(image.Rect(0, 0, info.Width, info.Height))
	err := f.View(func(src []byte) {
		for y := 0; y < info.Height; y++ {
			copy(img.Pix[y*img.Stride:y*img.Stride+4*info.Width], src[y*info.Stride:])
		}
	})
	if err != nil {
		return nil, err
	}
	return img, nil
}

// Close ends the acquisition; the native memory is no longer valid. Owner
// thread. A second Close returns nil.
func (f *FrameHandle) Close() error { return f.st.Close() }
