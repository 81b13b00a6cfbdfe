package mapcore

import (
	"runtime"
	"sync"

	"mapcore.dev/mapcore/go/internal/capi"
	"mapcore.dev/mapcore/go/internal/status"
)

// Archive is an MBTiles or PMTiles file opened by path, for hosts that
// serve or inspect archives (styles reach archives through mbtiles:// and
// pmtiles:// URLs instead, checked against the runtime's allowed roots; an
// Archive is opened where the host says). Safe for concurrent use; reads
// run in parallel.
type Archive struct {
	cell idCell
}

// idCell holds the id of a thread-independent native object: calls share
// it (the native side serializes what must be), Close takes it.
type idCell struct {
	mu sync.RWMutex
	id uint64 // 0 once closed
}

func (c *idCell) use(op, what string, f func(id uint64) capi.Res) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.id == 0 {
		return status.Closed(op, what)
	}
	return status.Of(op, f(c.id))
}

// release closes the object once; later calls are no-ops.
func (c *idCell) release(op string, f func(id uint64) capi.Res) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.id == 0 {
		return nil
	}
	r := f(c.id)
	c.id = 0
	return status.Of(op, r)
}

// OpenArchive opens the archive at path: PMTiles v3 when the file starts
// with "PMTiles", MBTiles otherwise. Only regular files are opened. A
// damaged file or one of neither format is ErrParse; an unreadable one
// ErrIO; a compression or tile type this version does not read
// ErrUnsupported.
func OpenArchive(path string) (*Archive, error) {
	id, r := capi.ArchiveOpen(path)
	if err := status.Of("OpenArchive", r); err != nil {
		return nil, err
	}
	a := &Archive{cell: idCell{id: id}}
	// Closing is thread-independent and infallible: a forgotten archive is
	// closed when collected.
	runtime.SetFinalizer(a, func(a *Archive) { _ = a.Close() })
	return a, nil
}

func (a *Archive) read(op string, f func(id uint64) capi.Res) error {
	return a.cell.use(op, "the archive", f)
}

// TileJSON returns the archive's metadata as TileJSON 3.0.0 ("format" is
// pbf, png, jpg or webp; "tiles" is ["{z}/{x}/{y}"]).
func (a *Archive) TileJSON() ([]byte, error) {
	var out []byte
	err := a.read("Archive.TileJSON", func(id uint64) (r capi.Res) {
		out, r = capi.ArchiveMetadata(id)
		return r
	})
	return out, err
}

// Tile returns tile z/x/y (XYZ rows) as stored (vector tiles may be
// gzip'd), or nil when the archive has none there.
func (a *Archive) Tile(z uint8, x, y uint32) ([]byte, error) {
	var out []byte
	err := a.read("Archive.Tile", func(id uint64) (r capi.Res) {
		out, r = capi.ArchiveReadTile(id, uint32(z), x, y)
		return r
	})
	return out, err
}

// Close closes the archive; closing twice is a no-op.
func (a *Archive) Close() error {
	runtime.SetFinalizer(a, nil)
	return a.cell.release("Archive.Close", capi.ArchiveClose)
}

// MBTilesWriter writes an MBTiles archive tile by tile (resumable: opening
// an existing archive keeps its tiles). Safe for concurrent use; calls are
// serialized. Close commits.
type MBTilesWriter struct {
	cell idCell
}

// CreateMBTiles creates an MBTiles archive at path, or opens the one there
// to add to it. A file there that is not MBTiles is ErrParse (untouched).
func CreateMBTiles(path string) (*MBTilesWriter, error) {
	id, r := capi.MBTilesWriterOpen(path)
	if err := status.Of("CreateMBTiles", r); err != nil {
		return nil, err
	}
	return &MBTilesWriter{cell: idCell{id: id}}, nil
}

func (w *MBTilesWriter) call(op string, f func(id uint64) capi.Res) error {
	return w.cell.use(op, "the MBTiles writer", f)
}

// HasTile reports whether the archive holds z/x/y (XYZ rows).
func (w *MBTilesWriter) HasTile(z uint8, x, y uint32) (bool, error) {
	var ok bool
	err := w.call("MBTilesWriter.HasTile", func(id uint64) (r capi.Res) {
		ok, r = capi.MBTilesWriterHasTile(id, uint32(z), x, y)
		return r
	})
	return ok, err
}

// PutTile stores z/x/y (XYZ rows), replacing what is there.
func (w *MBTilesWriter) PutTile(z uint8, x, y uint32, data []byte) error {
	return w.call("MBTilesWriter.PutTile", func(id uint64) capi.Res {
		return capi.MBTilesWriterPutTile(id, uint32(z), x, y, data)
	})
}

// SetMetadata sets one metadata value (format, name, bounds, minzoom, ...).
func (w *MBTilesWriter) SetMetadata(name, value string) error {
	return w.call("MBTilesWriter.SetMetadata", func(id uint64) capi.Res {
		return capi.MBTilesWriterSetMetadata(id, name, value)
	})
}

// Close commits what was written and closes the file; closing twice is a
// no-op.
func (w *MBTilesWriter) Close() error {
	return w.cell.release("MBTilesWriter.Close", capi.MBTilesWriterClose)
}
