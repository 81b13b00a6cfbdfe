/*
 * mapcore/archive.h - tile archives a host opens by path: read the tiles
 * and metadata of an MBTiles or PMTiles file, write MBTiles tile by tile.
 *
 * These are for hosts that serve or build archives (a tile server's
 * /data route, a pyramid renderer). Styles reach archives through
 * mbtiles:// and pmtiles:// URLs instead (runtime.h), which are checked
 * against the runtime's allowed roots; here the host names the file, so no
 * roots apply: pass only paths you chose.
 *
 * Archive and writer handles are thread-independent: any thread may call
 * these functions, concurrently. Reads of one archive run in parallel;
 * calls on one writer are serialized.
 */
#ifndef MAPCORE_ARCHIVE_H
#define MAPCORE_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mapcore/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mapcore_archive { uint64_t id; } mapcore_archive;
typedef struct mapcore_mbtiles_writer { uint64_t id; } mapcore_mbtiles_writer;

/* Opens the archive file at `path` (UTF-8, borrowed): PMTiles v3 when it
 * starts with "PMTiles", MBTiles otherwise. Only regular files are opened.
 * IO_ERROR when it cannot be read (or is a folder, FIFO, device);
 * PARSE_ERROR when it is damaged or neither format; UNSUPPORTED for a
 * compression or tile type this version does not read, or MBTiles in a
 * library built without its `mbtiles` feature; IO_ERROR too when the
 * metadata is above 64 MiB.
 * Release with mapcore_archive_close. */
mapcore_status mapcore_archive_open(const char *path, mapcore_archive *out_archive);

/* The archive's metadata as TileJSON 3.0.0 (format "pbf", "png", "jpg" or
 * "webp", minzoom, maxzoom, and bounds, attribution, name, vector_layers
 * when the archive states them; "tiles" is ["{z}/{x}/{y}"]). Allocated for
 * the caller: free with mapcore_string_free. `*out_json` must be NULL on
 * entry. */
mapcore_status mapcore_archive_metadata(mapcore_archive archive, char **out_json);

/* Reads tile z/x/y (XYZ rows, z <= 30) as stored: vector tiles may be
 * gzip'd. On OK, `*out_data`/`*out_len` hold the bytes, allocated for the
 * caller (free with mapcore_buffer_free), or NULL/0 when the archive
 * has no such tile. `*out_data` must be NULL on entry. PARSE_ERROR or
 * IO_ERROR when the archive cannot answer (the diagnostic says why);
 * IO_ERROR for a tile above 64 MiB, refused before it is read. */
mapcore_status mapcore_archive_read_tile(mapcore_archive archive, uint32_t z, uint32_t x, uint32_t y,
                                         uint8_t **out_data, size_t *out_len);

/* Closes an archive. Tiles read from it stay valid (they are the caller's).
 * The null handle and a closed handle are no-ops (OK). */
mapcore_status mapcore_archive_close(mapcore_archive archive);

/* Creates an MBTiles archive at `path`, or opens the MBTiles file there to
 * add to it (resuming: what it holds stays). Writes go into transactions of
 * a few hundred tiles; mapcore_mbtiles_writer_close commits the last one.
 * PARSE_ERROR when the file exists and is not MBTiles (it is not touched);
 * UNSUPPORTED without the `mbtiles` feature. */
mapcore_status mapcore_mbtiles_writer_open(const char *path, mapcore_mbtiles_writer *out_writer);

/* Whether the archive holds tile z/x/y (XYZ rows) already: `*out_present`.
 * INVALID_ARGUMENT for z > 30. */
mapcore_status mapcore_mbtiles_writer_has_tile(mapcore_mbtiles_writer writer, uint32_t z, uint32_t x,
                                               uint32_t y, bool *out_present);

/* Stores tile z/x/y (XYZ rows; stored with MBTiles' TMS row), replacing
 * one that is there. `data` (`len` bytes) is copied. IO_ERROR for x or y
 * at or above 2^z. */
mapcore_status mapcore_mbtiles_writer_put_tile(mapcore_mbtiles_writer writer, uint32_t z, uint32_t x,
                                               uint32_t y, const uint8_t *data, size_t len);

/* Sets metadata `name` to `value` (both UTF-8, copied), replacing it. */
mapcore_status mapcore_mbtiles_writer_set_metadata(mapcore_mbtiles_writer writer, const char *name,
                                                   const char *value);

/* Commits what was written and closes the file. The null handle and a
 * closed handle are no-ops (OK). An error committing is returned (the
 * handle is released all the same). */
mapcore_status mapcore_mbtiles_writer_close(mapcore_mbtiles_writer writer);

#ifdef __cplusplus
}
#endif

#endif /* MAPCORE_ARCHIVE_H */
