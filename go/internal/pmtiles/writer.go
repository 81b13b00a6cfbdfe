// Package pmtiles writes PMTiles v3 archives (the specification at
// github.com/protomaps/PMTiles, spec/v3): tiles added in tile-id order are
// clustered, identical tiles are stored once (and consecutive ones become
// one run-length entry), directories and metadata are gzip'd, and the root
// directory is split into leaf directories when it would not fit in the
// first 16 KiB. The same tiles give the same bytes.
package pmtiles

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Tile types (header byte 99).
const (
	TypeMVT  = 1
	TypePNG  = 2
	TypeJPEG = 3
	TypeWebP = 4
)

const (
	headerLen   = 127
	rootMaxLen  = 16384 - headerLen
	compressGz  = 2
	compressNon = 1
)

// TileID is the tile's position in PMTiles order: all tiles of lower zooms,
// then its index on the zoom's Hilbert curve.
func TileID(z uint8, x, y uint32) uint64 {
	base := ((uint64(1) << (2 * uint(z))) - 1) / 3
	n := uint64(1) << z
	X, Y := uint64(x), uint64(y)
	var d uint64
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint64
		if X&s != 0 {
			rx = 1
		}
		if Y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		X, Y = X&(s-1), Y&(s-1)
		if ry == 0 {
			if rx == 1 {
				X, Y = s-1-X, s-1-Y
			}
			X, Y = Y, X
		}
	}
	return base + d
}

// Options describe the archive for its header and metadata.
type Options struct {
	TileType int
	// Bounds west, south, east, north; Center lon, lat, zoom.
	Bounds [4]float64
	Center [3]float64
	// Metadata is the JSON metadata object (name, attribution, ...).
	Metadata map[string]any
}

// Entry is one directory entry.
type Entry struct {
	TileID    uint64
	Offset    uint64
	Length    uint32
	RunLength uint32
}

type loc struct {
	off uint64
	n   uint32
}

// Writer builds an archive at a path: tile data goes to a temporary file
// next to it, and Finish writes the archive and renames it into place.
type Writer struct {
	path     string
	opt      Options
	data     *os.File
	dataLen  uint64
	seen     map[[32]byte]loc
	entries  []Entry
	addr     uint64 // addressed tiles
	contents uint64
	minZ     uint8
	maxZ     uint8
	last     uint64
	any      bool
}

// Create starts an archive at path.
func Create(path string, opt Options) (*Writer, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".pmtiles-data-*")
	if err != nil {
		return nil, err
	}
	return &Writer{path: path, opt: opt, data: f, seen: map[[32]byte]loc{}, minZ: 255}, nil
}

// Add appends tile z/x/y; tiles must come in increasing TileID order.
func (w *Writer) Add(z uint8, x, y uint32, tile []byte) error {
	if z > 31 || uint64(x) >= 1<<z || uint64(y) >= 1<<z {
		return fmt.Errorf("pmtiles: no tile %d/%d/%d", z, x, y)
	}
	if len(tile) == 0 || len(tile) > math.MaxUint32 {
		return fmt.Errorf("pmtiles: tile %d/%d/%d has %d bytes", z, x, y, len(tile))
	}
	id := TileID(z, x, y)
	if w.any && id <= w.last {
		return fmt.Errorf("pmtiles: tile %d/%d/%d out of order", z, x, y)
	}
	w.any, w.last = true, id
	w.addr++
	w.minZ, w.maxZ = min(w.minZ, z), max(w.maxZ, z)
	sum := sha256.Sum256(tile)
	l, dup := w.seen[sum]
	if !dup {
		if _, err := w.data.Write(tile); err != nil {
			return err
		}
		l = loc{w.dataLen, uint32(len(tile))}
		w.seen[sum] = l
		w.dataLen += uint64(len(tile))
		w.contents++
	}
	if n := len(w.entries); n > 0 {
		prev := &w.entries[n-1]
		if prev.Offset == l.off && prev.Length == l.n && prev.TileID+uint64(prev.RunLength) == id {
			prev.RunLength++
			return nil
		}
	}
	w.entries = append(w.entries, Entry{TileID: id, Offset: l.off, Length: l.n, RunLength: 1})
	return nil
}

// Abort removes the temporary data.
func (w *Writer) Abort() {
	name := w.data.Name()
	w.data.Close()
	os.Remove(name)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// EncodeDirectory serializes entries (sorted by TileID), uncompressed.
func EncodeDirectory(entries []Entry) []byte {
	b := binary.AppendUvarint(nil, uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		b = binary.AppendUvarint(b, e.TileID-last)
		last = e.TileID
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.RunLength))
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.Length))
	}
	for i, e := range entries {
		if i > 0 && e.Offset == entries[i-1].Offset+uint64(entries[i-1].Length) {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.Offset+1)
		}
	}
	return b
}

// directories builds the gzip'd root and leaf directories: one root if it
// fits, else leaves of leafSize entries (grown until the root fits).
func directories(entries []Entry) (root, leaves []byte) {
	if r := gz(EncodeDirectory(entries)); len(r) <= rootMaxLen {
		return r, nil
	}
	for leafSize := 4096; ; leafSize = leafSize * 3 / 2 {
		var rootEntries []Entry
		leaves = leaves[:0]
		for i := 0; i < len(entries); i += leafSize {
			chunk := entries[i:min(i+leafSize, len(entries))]
			leaf := gz(EncodeDirectory(chunk))
			rootEntries = append(rootEntries, Entry{TileID: chunk[0].TileID, Offset: uint64(len(leaves)), Length: uint32(len(leaf))})
			leaves = append(leaves, leaf...)
		}
		if root = gz(EncodeDirectory(rootEntries)); len(root) <= rootMaxLen {
			return root, leaves
		}
	}
}

func e7(v float64) uint32 { return uint32(int32(math.Round(v * 1e7))) }

// Finish writes the archive and removes the temporary data.
func (w *Writer) Finish() (err error) {
	defer w.Abort()
	if !w.any {
		return errors.New("pmtiles: no tiles")
	}
	meta := w.opt.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	mj, err := json.Marshal(meta) // map keys sorted: deterministic
	if err != nil {
		return err
	}
	metaGz := gz(mj)
	root, leaves := directories(w.entries)
	h := make([]byte, 0, headerLen)
	h = append(h, "PMTiles"...)
	h = append(h, 3)
	rootOff := uint64(headerLen)
	metaOff := rootOff + uint64(len(root))
	leafOff := metaOff + uint64(len(metaGz))
	dataOff := leafOff + uint64(len(leaves))
	for _, v := range []uint64{rootOff, uint64(len(root)), metaOff, uint64(len(metaGz)), leafOff, uint64(len(leaves)),
		dataOff, w.dataLen, w.addr, uint64(len(w.entries)), w.contents} {
		h = binary.LittleEndian.AppendUint64(h, v)
	}
	h = append(h, 1, compressGz, compressNon, byte(w.opt.TileType), w.minZ, w.maxZ)
	b := w.opt.Bounds
	for _, v := range []float64{b[0], b[1], b[2], b[3]} {
		h = binary.LittleEndian.AppendUint32(h, e7(v))
	}
	h = append(h, byte(max(min(w.opt.Center[2], float64(w.maxZ)), float64(w.minZ))))
	h = binary.LittleEndian.AppendUint32(h, e7(w.opt.Center[0]))
	h = binary.LittleEndian.AppendUint32(h, e7(w.opt.Center[1]))
	if len(h) != headerLen {
		return fmt.Errorf("pmtiles: header is %d bytes", len(h))
	}
	tmp := w.path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(tmp)
		}
	}()
	for _, part := range [][]byte{h, root, metaGz, leaves} {
		if _, err = out.Write(part); err != nil {
			return err
		}
	}
	if _, err = w.data.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err = io.Copy(out, w.data); err != nil {
		return err
	}
	if err = out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, w.path)
}
