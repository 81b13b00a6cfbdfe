package mapcore

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"runtime"
	"sync"
	"time"

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
// render runs. Owner thread.
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
	p := memory.Pin(buf)
	s, err := m.newSession(op, func() (uint64, capi.Res) {
		return capi.SessionCreateBuffer(m.id, uint32(width), uint32(height), pixelRatio, p.Bytes(), stride)
	}, &sessionShared{pinned: p})
	if err != nil {
		p.Unpin()
		return nil, err
	}
	return s, nil
}

// Map returns the session's map.
func (s *RenderSessionHandle) Map() *MapHandle { return s.m }

// Close detaches and destroys the session and unpins a caller-owned buffer.
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
	p := memory.Pin(buf)
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

// Resize resizes a texture session and its map. Owner thread.
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
// The deadline of ctx (if any) bounds the wait (then it fails with
// ErrTimeout and renders nothing); cancelling ctx interrupts the wait (the
// error matches both ctx.Err() and ErrCancelled; nothing is rendered).
// Resource requests must be completed by other goroutines or by the provider
// itself while this waits. Owner thread.
func (s *RenderSessionHandle) RenderStill(ctx context.Context) error {
	const op = "RenderSessionHandle.RenderStill"
	if err := s.st.Check(op); err != nil {
		return err
	}
	var timeout uint32
	if ctx != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		if dl, ok := ctx.Deadline(); ok {
			d := time.Until(dl)
			if d <= 0 {
				return context.DeadlineExceeded
			}
			timeout = durationMs(d)
		}
	}
	// A cancelled context interrupts the native wait from another goroutine
	// (mapcore_runtime_interrupt is any-thread).
	var done chan struct{}
	if ctx != nil && ctx.Done() != nil {
		done = make(chan struct{})
		rt := s.m.rt.id
		go func() {
			select {
			case <-ctx.Done():
				capi.RuntimeInterrupt(rt)
			case <-done:
			}
		}()
	}
	r := capi.SessionRenderStill(s.id, timeout)
	if done != nil {
		close(done)
	}
	runtime.KeepAlive(s)
	err := status.Of(op, r)
	if errors.Is(err, ErrCancelled) && ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The watcher saw the deadline first: it is still a timeout.
			err = status.New(op, status.Timeout, "the context's deadline passed while waiting for resources")
		}
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
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
type FrameHandle struct {
	st *handle.State
	s  *RenderSessionHandle // keeps the parent reachable
	fr capi.Frame
}

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
	st.Activate(func() error { return status.Of("FrameHandle.Close", capi.SessionReleaseFrame(sid)) })
	f := &FrameHandle{st: st, s: s, fr: fr}
	runtime.SetFinalizer(f, func(f *FrameHandle) { f.st.LeakCheck() })
	return f, nil
}

// Info returns the frame's size and layout.
func (f *FrameHandle) Info() ImageInfo { return imageInfo(f.fr.Info) }

// Pixels returns the native address of the frame's pixels, valid until Close
// (0 after Close).
func (f *FrameHandle) Pixels() NativePointer {
	if f.st.IsClosed() {
		return 0
	}
	return NativePointer(memory.Address(f.fr.Pixels))
}

// Bytes returns the frame's pixels as a slice of native memory (RGBA8,
// straight alpha). The slice must not be used after Close (nil after Close).
func (f *FrameHandle) Bytes() []byte {
	if f.st.IsClosed() {
		return nil
	}
	return memory.Bytes(f.fr.Pixels, f.fr.Info.ByteLength)
}

// NRGBA returns a copy of the frame.
func (f *FrameHandle) NRGBA() *image.NRGBA {
	info := f.Info()
	img := image.NewNRGBA(image.Rect(0, 0, info.Width, info.Height))
	src := f.Bytes()
	for y := 0; y < info.Height && src != nil; y++ {
		copy(img.Pix[y*img.Stride:y*img.Stride+4*info.Width], src[y*info.Stride:])
	}
	runtime.KeepAlive(f)
	return img
}

// Close ends the acquisition. Owner thread. A second Close returns nil.
func (f *FrameHandle) Close() error { return f.st.Close() }
