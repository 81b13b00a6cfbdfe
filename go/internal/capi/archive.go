package capi

/*
#include "capi.h"

typedef struct mc_res_id { int32_t st; char *msg; uint64_t h; } mc_res_id;
typedef struct mc_res_present { int32_t st; char *msg; bool v; } mc_res_present;
typedef struct mc_res_tile { int32_t st; char *msg; uint8_t *data; size_t len; } mc_res_tile;

static mc_res_id w_archive_open(const char *path) {
	mapcore_archive a = {0};
	mapcore_status st = mapcore_archive_open(path, &a);
	mc_res_id r = {(int32_t)st, mc_copy_message(st), a.id};
	return r;
}

static mc_res_str w_archive_metadata(uint64_t h) {
	mapcore_archive a = {h};
	char *out = NULL;
	mapcore_status st = mapcore_archive_metadata(a, &out);
	return mc_wrap_str(st, out);
}

static mc_res_tile w_archive_read_tile(uint64_t h, uint32_t z, uint32_t x, uint32_t y) {
	mapcore_archive a = {h};
	uint8_t *data = NULL;
	size_t len = 0;
	mapcore_status st = mapcore_archive_read_tile(a, z, x, y, &data, &len);
	mc_res_tile r = {(int32_t)st, mc_copy_message(st), data, len};
	return r;
}

static mc_res w_archive_close(uint64_t h) {
	mapcore_archive a = {h};
	return mc_wrap(mapcore_archive_close(a));
}

static mc_res_id w_mbtiles_writer_open(const char *path) {
	mapcore_mbtiles_writer w = {0};
	mapcore_status st = mapcore_mbtiles_writer_open(path, &w);
	mc_res_id r = {(int32_t)st, mc_copy_message(st), w.id};
	return r;
}

static mc_res_present w_mbtiles_writer_has_tile(uint64_t h, uint32_t z, uint32_t x, uint32_t y) {
	mapcore_mbtiles_writer w = {h};
	bool present = false;
	mapcore_status st = mapcore_mbtiles_writer_has_tile(w, z, x, y, &present);
	mc_res_present r = {(int32_t)st, mc_copy_message(st), present};
	return r;
}

static mc_res w_mbtiles_writer_put_tile(uint64_t h, uint32_t z, uint32_t x, uint32_t y, const void *data, size_t len) {
	mapcore_mbtiles_writer w = {h};
	return mc_wrap(mapcore_mbtiles_writer_put_tile(w, z, x, y, (const uint8_t *)data, len));
}

static mc_res w_mbtiles_writer_set_metadata(uint64_t h, const char *name, const char *value) {
	mapcore_mbtiles_writer w = {h};
	return mc_wrap(mapcore_mbtiles_writer_set_metadata(w, name, value));
}

static mc_res w_mbtiles_writer_close(uint64_t h) {
	mapcore_mbtiles_writer w = {h};
	return mc_wrap(mapcore_mbtiles_writer_close(w));
}
*/
import "C"

import (
	"unsafe"

	"mapcore.dev/mapcore/go/internal/memory"
)

// ArchiveOpen opens an MBTiles or PMTiles file.
func ArchiveOpen(path string) (uint64, Res) {
	p, err := memory.CString(path)
	if err != nil {
		return 0, argError(err)
	}
	defer memory.Free(p)
	r := C.w_archive_open((*C.char)(p))
	return uint64(r.h), resOf(r.st, r.msg)
}

// ArchiveMetadata returns the archive's TileJSON.
func ArchiveMetadata(h uint64) ([]byte, Res) {
	return qresStr(C.w_archive_metadata(C.uint64_t(h)))
}

// ArchiveReadTile returns tile z/x/y as stored (nil when absent), copied
// into Go memory.
func ArchiveReadTile(h uint64, z, x, y uint32) ([]byte, Res) {
	r := C.w_archive_read_tile(C.uint64_t(h), C.uint32_t(z), C.uint32_t(x), C.uint32_t(y))
	if r.st != 0 {
		return nil, resOf(r.st, r.msg)
	}
	if r.data == nil {
		return nil, Res{}
	}
	b := C.GoBytes(unsafe.Pointer(r.data), C.int(r.len))
	C.mapcore_archive_tile_free(r.data, r.len)
	return b, Res{}
}

// ArchiveClose closes an archive.
func ArchiveClose(h uint64) Res { return res(C.w_archive_close(C.uint64_t(h))) }

// MBTilesWriterOpen creates or reopens an MBTiles file for writing.
func MBTilesWriterOpen(path string) (uint64, Res) {
	p, err := memory.CString(path)
	if err != nil {
		return 0, argError(err)
	}
	defer memory.Free(p)
	r := C.w_mbtiles_writer_open((*C.char)(p))
	return uint64(r.h), resOf(r.st, r.msg)
}

// MBTilesWriterHasTile reports whether the archive holds z/x/y.
func MBTilesWriterHasTile(h uint64, z, x, y uint32) (bool, Res) {
	r := C.w_mbtiles_writer_has_tile(C.uint64_t(h), C.uint32_t(z), C.uint32_t(x), C.uint32_t(y))
	return bool(r.v), resOf(r.st, r.msg)
}

// MBTilesWriterPutTile stores z/x/y (data is copied by the call).
func MBTilesWriterPutTile(h uint64, z, x, y uint32, data []byte) Res {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	return res(C.w_mbtiles_writer_put_tile(C.uint64_t(h), C.uint32_t(z), C.uint32_t(x), C.uint32_t(y), p, C.size_t(len(data))))
}

// MBTilesWriterSetMetadata sets one metadata value.
func MBTilesWriterSetMetadata(h uint64, name, value string) Res {
	cs, a, err := strArgs(&name, &value)
	if err != nil {
		return argError(err)
	}
	defer cs.free()
	return res(C.w_mbtiles_writer_set_metadata(C.uint64_t(h), a[0], a[1]))
}

// MBTilesWriterClose commits and closes.
func MBTilesWriterClose(h uint64) Res { return res(C.w_mbtiles_writer_close(C.uint64_t(h))) }
