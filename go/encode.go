package mapcore

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/memory"
	"mapcore.dev/mapcore/go/internal/status"
)

// ImageFormat is an encoded image format.
type ImageFormat int

const (
	// PNG: lossless, RGB when every pixel is opaque, else RGBA (straight
	// alpha).
	PNG ImageFormat = ImageFormat(capi.FormatPNG)
	// JPEG at EncodeOptions.Quality. No alpha: translucent pixels come out
	// composited over black. Sides up to 65535 pixels.
	JPEG ImageFormat = ImageFormat(capi.FormatJPEG)
	// WebP: lossless (VP8L), with alpha. Sides up to 16384 pixels.
	WebP ImageFormat = ImageFormat(capi.FormatWebP)
)

// String returns "png", "jpeg" or "webp".
func (f ImageFormat) String() string {
	switch f {
	case PNG:
		return "png"
	case JPEG:
		return "jpeg"
	case WebP:
		return "webp"
	}
	return fmt.Sprintf("ImageFormat(%d)", int(f))
}

// ContentType returns the format's MIME type ("image/png", ...), or "" for
// an unknown format.
func (f ImageFormat) ContentType() string {
	switch f {
	case PNG, JPEG, WebP:
		return "image/" + f.String()
	}
	return ""
}

// ParseImageFormat reads a format name or file extension: "png", "jpg",
// "jpeg", "webp" (any case, with or without a leading dot).
func ParseImageFormat(name string) (ImageFormat, error) {
	switch strings.ToLower(strings.TrimPrefix(name, ".")) {
	case "png":
		return PNG, nil
	case "jpg", "jpeg":
		return JPEG, nil
	case "webp":
		return WebP, nil
	}
	return 0, status.New("ParseImageFormat", status.InvalidArgument,
		fmt.Sprintf("unknown image format %q: use png, jpg (jpeg) or webp", name))
}

// ImageFormatForPath returns the format a file name's extension names
// (.png, .jpg, .jpeg, .webp).
func ImageFormatForPath(path string) (ImageFormat, error) {
	return ParseImageFormat(filepath.Ext(path))
}

// EncodeOptions tunes encoding. The zero value (or nil) gives the defaults.
type EncodeOptions struct {
	// Quality is the JPEG quality 1..100; 0 means the default (80). PNG and
	// WebP are lossless and ignore it.
	Quality int
	// PNGLevel is the PNG deflate effort: 0 = fast (fdeflate), 1..9 = zlib
	// levels (smaller files, slower).
	PNGLevel int
}

func (o *EncodeOptions) native(op string) (quality, level uint32, err error) {
	quality = capi.DefaultQuality
	if o == nil {
		return quality, 0, nil
	}
	if o.Quality != 0 {
		if o.Quality < 1 || o.Quality > 100 {
			return 0, 0, status.New(op, status.InvalidArgument, fmt.Sprintf("Quality %d is out of range: it must be 1..100 (0 = default)", o.Quality))
		}
		quality = uint32(o.Quality)
	}
	if o.PNGLevel < 0 || o.PNGLevel > 9 {
		return 0, 0, status.New(op, status.InvalidArgument, fmt.Sprintf("PNGLevel %d is out of range: 0 (fast) or a zlib level 1..9", o.PNGLevel))
	}
	return quality, uint32(o.PNGLevel), nil
}

// encode encodes the last image in the library and lends the bytes (native
// memory) to fn, freeing them when fn returns.
func (s *RenderSessionHandle) encode(op string, format ImageFormat, opts *EncodeOptions, fn func([]byte) error) error {
	if err := s.st.Check(op); err != nil {
		return err
	}
	quality, level, err := opts.native(op)
	if err != nil {
		return err
	}
	if format.ContentType() == "" {
		return status.New(op, status.InvalidArgument, fmt.Sprintf("unknown image format %d: use PNG, JPEG or WebP", int(format)))
	}
	p, n, r := capi.SessionEncode(s.id, uint32(format), quality, level)
	runtime.KeepAlive(s)
	if err := status.Of(op, r); err != nil {
		return err
	}
	defer capi.BufferFree(p)
	return fn(memory.Bytes(p, n))
}

// Encode encodes the session's last rendered image in the library (PNG,
// JPEG or WebP; opts may be nil) and writes it to w in one Write. Owner
// thread.
func (s *RenderSessionHandle) Encode(w io.Writer, format ImageFormat, opts *EncodeOptions) error {
	return s.encode("RenderSessionHandle.Encode", format, opts, func(b []byte) error {
		_, err := w.Write(b) // io.Writer must not retain b
		return err
	})
}

// EncodeBytes is Encode into a new byte slice. Owner thread.
func (s *RenderSessionHandle) EncodeBytes(format ImageFormat, opts *EncodeOptions) ([]byte, error) {
	var out []byte
	err := s.encode("RenderSessionHandle.EncodeBytes", format, opts, func(b []byte) error {
		out = append([]byte(nil), b...)
		return nil
	})
	return out, err
}
