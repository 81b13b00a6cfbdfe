/*
 * mapcore/base.h - version, statuses, diagnostics, handles, logging.
 *
 * Conventions for every mapcore function:
 *  - It returns a mapcore_status. On anything but MAPCORE_STATUS_OK, a
 *    thread-local diagnostic (mapcore_last_error_message) says what was wrong.
 *  - It never unwinds into the caller: an internal panic becomes
 *    MAPCORE_STATUS_INTERNAL.
 *  - Strings are NUL-terminated UTF-8 unless a length is given; invalid UTF-8 is
 *    MAPCORE_STATUS_INVALID_ARGUMENT.
 *  - Pointer arguments are borrowed for the duration of the call unless the
 *    function documents otherwise.
 *  - An out-handle parameter must hold the null handle ({0}) on entry; it is
 *    written only on success.
 *  - Structs that may grow start with a `size` field: set it to sizeof(struct)
 *    (the *_default() constructors do). A size smaller than the first released
 *    version of the struct is MAPCORE_STATUS_INVALID_ARGUMENT.
 */
#ifndef MAPCORE_BASE_H
#define MAPCORE_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MAPCORE_VERSION_MAJOR 0
#define MAPCORE_VERSION_MINOR 1
#define MAPCORE_VERSION_PATCH 0

/* Result of every mapcore call. */
typedef enum mapcore_status {
  MAPCORE_STATUS_OK = 0,
  /* A null pointer, bad size, bad UTF-8, out-of-range value, or a non-null
   * out-handle. */
  MAPCORE_STATUS_INVALID_ARGUMENT = 1,
  /* The object cannot do this now: stale handle, live children, a request
   * completed twice, a frame still acquired, a re-entrant call. */
  MAPCORE_STATUS_INVALID_STATE = 2,
  /* Called from a thread other than the object's owner thread. */
  MAPCORE_STATUS_WRONG_THREAD = 3,
  /* Something named (source, layer, image, ...) does not exist. */
  MAPCORE_STATUS_NOT_FOUND = 4,
  /* A feature that mapcore does not implement (the diagnostic names it). */
  MAPCORE_STATUS_UNSUPPORTED = 5,
  /* Invalid JSON, style, expression or data. */
  MAPCORE_STATUS_PARSE_ERROR = 6,
  /* A file or resource could not be read. */
  MAPCORE_STATUS_IO_ERROR = 7,
  /* A bug in mapcore (including a caught panic). Please report it. */
  MAPCORE_STATUS_INTERNAL = 8,
  /* A wait ran out of time before the work was done, or a call's work
   * passed its bound (a query over a style's costly expressions). */
  MAPCORE_STATUS_TIMEOUT = 9,
  /* A wait was interrupted (mapcore_runtime_interrupt). */
  MAPCORE_STATUS_CANCELLED = 10
} mapcore_status;

/* Version as (major << 16) | (minor << 8) | patch. Any thread. */
uint32_t mapcore_version(void);

/* Version as a static string such as "0.1.0". Any thread; never NULL. */
const char *mapcore_version_string(void);

/* A static name for a status such as "INVALID_ARGUMENT" ("UNKNOWN" for values
 * mapcore does not define). Any thread; never NULL. */
const char *mapcore_status_name(mapcore_status status);

/* The diagnostic of the last failed mapcore call on this thread: what was wrong
 * in words a user can act on. Empty ("") after a call that returned OK. The
 * string is owned by mapcore and stays valid until the next mapcore call on this
 * thread (copy it to keep it). Any thread; never NULL. */
const char *mapcore_last_error_message(void);

/* Opaque handles: 64-bit generational ids (type tag, slot, generation), not
 * pointers. {0} is the null handle. A released or forged handle is detected and
 * answered with MAPCORE_STATUS_INVALID_STATE ("stale handle"). */
typedef struct mapcore_runtime { uint64_t id; } mapcore_runtime;
typedef struct mapcore_map { uint64_t id; } mapcore_map;
typedef struct mapcore_render_session { uint64_t id; } mapcore_render_session;
typedef struct mapcore_resource_request { uint64_t id; } mapcore_resource_request;

/* Frees a string that mapcore allocated for the caller (an `out_json`
 * result). NULL is a no-op. Any thread; returns OK (INVALID_ARGUMENT for a
 * pointer mapcore did not hand out is not detected: do not pass one). */
mapcore_status mapcore_string_free(char *string);

/* Frees a byte buffer that mapcore allocated for the caller (an encoded
 * image from mapcore_render_session_encode). NULL is a no-op. mapcore keeps
 * track of the buffers it hands out: a pointer it did not hand out, or one
 * already freed, is INVALID_ARGUMENT (and left alone). Any thread. */
mapcore_status mapcore_buffer_free(uint8_t *data);

/* Log levels, most severe first (the `log` crate's levels). */
typedef enum mapcore_log_level {
  MAPCORE_LOG_ERROR = 1,
  MAPCORE_LOG_WARN = 2,
  MAPCORE_LOG_INFO = 3,
  MAPCORE_LOG_DEBUG = 4,
  MAPCORE_LOG_TRACE = 5
} mapcore_log_level;

/* Receives one log record. Called from any mapcore thread (owner or worker),
 * possibly concurrently. `target` (module path) and `message` are borrowed for
 * the call only. It must not unwind; it may call mapcore functions that are not
 * owner-thread functions. */
typedef void (*mapcore_log_callback)(void *user_data, mapcore_log_level level,
                                     const char *target, const char *message);

/* Installs a process-wide log callback receiving records at `max_level` and
 * more severe, replacing the default output (stderr, filtered by the
 * MAPCORE_LOG environment variable in env_logger syntax, e.g.
 * MAPCORE_LOG=mapcore=debug) and any earlier callback. `callback` NULL restores
 * the default output. `user_data` is retained until the callback is replaced or
 * cleared; after this call returns, the old callback is no longer called.
 * Any thread. Returns OK, or INVALID_ARGUMENT for an unknown level. */
mapcore_status mapcore_log_set_callback(mapcore_log_callback callback,
                                        void *user_data,
                                        mapcore_log_level max_level);

#ifdef __cplusplus
}
#endif

#endif /* MAPCORE_BASE_H */
