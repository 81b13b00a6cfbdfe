/*
 * mapcore/render.h - render sessions: a map drawn into a target.
 *
 * A render session attaches one target to one map (at most one session per
 * map): a session-owned RGBA texture read back by copy (or through an acquired
 * frame), a caller-owned buffer that mapcore writes each frame into, or a
 * surface: host callbacks that mapcore calls with each finished frame. The
 * session sets the map's size and pixel ratio. A session belongs to the map's
 * owner thread: calls from any other thread return WRONG_THREAD.
 *
 * Pixels are RGBA8 with straight (non-premultiplied) alpha, rows top to bottom.
 * The image is width*pixel_ratio by height*pixel_ratio device pixels (rounded).
 */
#ifndef MAPCORE_RENDER_H
#define MAPCORE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mapcore/base.h"
#include "mapcore/map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size and layout of a rendered image. */
typedef struct mapcore_image_info {
  size_t size; /* sizeof(mapcore_image_info) */
  uint32_t width, height; /* device pixels */
  size_t stride;          /* bytes per row */
  size_t byte_length;     /* stride * height */
} mapcore_image_info;

/* An image info with size set and everything else 0. Any thread. */
mapcore_image_info mapcore_image_info_default(void);

/* Attaches a session-owned RGBA texture of `width` x `height` logical pixels
 * at `pixel_ratio` to `map`. `*out_session` must be {0}. Returns INVALID_STATE
 * if the map already has a session. Owner thread. */
mapcore_status mapcore_render_session_create_texture(mapcore_map map, uint32_t width,
                                                     uint32_t height, float pixel_ratio,
                                                     mapcore_render_session *out_session);

/* Attaches a caller-owned buffer: `pixels` holds `height*pixel_ratio` rows of
 * `stride` bytes (stride >= 4 * width*pixel_ratio, `len` >= stride * rows).
 * The buffer is retained: it must stay valid, and is written by every render
 * of this session, until the session is destroyed or the buffer is replaced
 * with mapcore_render_session_set_buffer. Owner thread. */
mapcore_status mapcore_render_session_create_buffer(mapcore_map map, uint32_t width,
                                                    uint32_t height, float pixel_ratio,
                                                    uint8_t *pixels, size_t stride,
                                                    size_t len,
                                                    mapcore_render_session *out_session);

/* Receives each finished frame of a surface session: `pixels` holds
 * `info->height` rows of `info->stride` bytes (RGBA8, straight alpha), and
 * both pointers are borrowed for the duration of the call only (copy what
 * you keep). */
typedef void (*mapcore_surface_frame_fn)(void *user_data, const uint8_t *pixels,
                                         const mapcore_image_info *info);

/* A surface session's host callbacks. */
typedef struct mapcore_surface_callbacks {
  size_t size; /* sizeof(mapcore_surface_callbacks) */
  /* Called on the owner thread after every successful render_still and
   * render_frame of the session, before that call returns. Required. */
  mapcore_surface_frame_fn frame;
  /* Called exactly once with `user_data` when mapcore lets go of the
   * callbacks: when the session is destroyed (then after the session is
   * gone, so it may call mapcore), or, if it never was, when the owner
   * thread exits with the runtime alive (then it must not call mapcore).
   * May be NULL. */
  void (*release)(void *user_data);
  void *user_data; /* passed to both, never dereferenced by mapcore */
} mapcore_surface_callbacks;

/* Callbacks with size set and everything else NULL. Any thread. */
mapcore_surface_callbacks mapcore_surface_callbacks_default(void);

/* Attaches a surface: mapcore calls `callbacks->frame` with every frame this
 * session renders. `callbacks` (size set, `frame` non-NULL, else
 * INVALID_ARGUMENT) is copied; its functions and `user_data` are retained
 * until `release` is called. On failure nothing is retained and `release` is
 * not called: `user_data` stays the caller's. Inside `frame`, calls to
 * owner-thread functions (this session, its map, its runtime, or any other
 * object of this thread) are refused with INVALID_STATE ("re-entrant call");
 * any-thread functions work. mapcore_render_session_read_pixels and
 * mapcore_render_session_encode return the last frame as for a texture
 * session; acquire_frame returns INVALID_STATE (use the callback or
 * read_pixels); set_buffer returns INVALID_STATE; resize works as for a
 * texture session. Owner thread. */
mapcore_status mapcore_render_session_create_surface(mapcore_map map, uint32_t width,
                                                     uint32_t height, float pixel_ratio,
                                                     const mapcore_surface_callbacks *callbacks,
                                                     mapcore_render_session *out_session);

/* Replaces a buffer session's buffer and size (the old buffer is no longer
 * used once this returns). INVALID_STATE for a texture or surface session.
 * Owner thread. */
mapcore_status mapcore_render_session_set_buffer(mapcore_render_session session,
                                                 uint32_t width, uint32_t height,
                                                 float pixel_ratio, uint8_t *pixels,
                                                 size_t stride, size_t len);

/* Resizes a texture or surface session (and its map). The previous image is
 * discarded.
 * INVALID_STATE for a buffer session (use set_buffer) or while a frame is
 * acquired. Owner thread. */
mapcore_status mapcore_render_session_resize(mapcore_render_session session,
                                             uint32_t width, uint32_t height,
                                             float pixel_ratio);

/* Renders a still image: pumps the runtime until the style and everything the
 * current view needs is loaded or has failed (failures become events), places
 * symbols, and renders once into the target. `timeout_ms` bounds the wait for
 * resources (0 = no limit): on TIMEOUT nothing is rendered; another thread
 * can end the wait with mapcore_runtime_interrupt (CANCELLED, nothing
 * rendered). A STILL_IMAGE_FINISHED
 * event follows. Resource requests must be completed by other threads (or
 * synchronously by the provider) while this waits. Returns INVALID_STATE while
 * a frame is acquired or before a style was set. Owner thread. */
mapcore_status mapcore_render_session_render_still(mapcore_render_session session,
                                                   uint32_t timeout_ms);

/* Renders one frame of continuous rendering: draws what is loaded now without
 * waiting (pump the runtime between frames). `out_complete` (may be NULL)
 * receives whether everything the view needs was loaded. A
 * RENDER_FRAME_FINISHED event follows. Owner thread. */
mapcore_status mapcore_render_session_render_frame(mapcore_render_session session,
                                                   bool *out_complete);

/* Copies the last rendered image into `dst` (`dst_len` bytes, rows of
 * `out_info->stride` = 4*width bytes). With `dst` NULL and `dst_len` 0 it only
 * fills `*out_info` (a size probe). `out_info` (size set) may be NULL when
 * `dst` is not. INVALID_ARGUMENT if `dst_len` is too small (the diagnostic
 * gives the size needed); INVALID_STATE before the first render. Owner thread. */
mapcore_status mapcore_render_session_read_pixels(mapcore_render_session session,
                                                  uint8_t *dst, size_t dst_len,
                                                  mapcore_image_info *out_info);

/* Exposes the texture's last image without copying: `*out_pixels` stays valid
 * and unchanged until mapcore_render_session_release_frame; meanwhile render,
 * resize and destroy return INVALID_STATE. INVALID_STATE for a buffer session
 * (read the buffer) or a surface session, before the first render, or when
 * already acquired.
 * Owner thread. */
mapcore_status mapcore_render_session_acquire_frame(mapcore_render_session session,
                                                    const uint8_t **out_pixels,
                                                    mapcore_image_info *out_info);

/* Ends an acquisition. INVALID_STATE when no frame is acquired. Owner thread. */
mapcore_status mapcore_render_session_release_frame(mapcore_render_session session);

/* Encoded image formats for mapcore_render_session_encode. */
typedef enum mapcore_image_format {
  /* PNG, 8 bits per channel: RGB when every pixel is opaque, else RGBA
   * (straight alpha). Lossless. */
  MAPCORE_IMAGE_FORMAT_PNG = 1,
  /* Baseline JPEG at `quality` (chroma 4:2:0 below 90, 4:4:4 from 90). JPEG
   * has no alpha: translucent pixels come out composited over black. Sides
   * up to 65535 pixels. */
  MAPCORE_IMAGE_FORMAT_JPEG = 2,
  /* Lossless WebP (VP8L), with alpha. Sides up to 16384 pixels. */
  MAPCORE_IMAGE_FORMAT_WEBP = 3
} mapcore_image_format;

typedef struct mapcore_encode_options {
  size_t size; /* sizeof(mapcore_encode_options) */
  /* JPEG quality 1..100 (default 80); PNG and WebP ignore it. */
  uint32_t quality;
  /* PNG deflate effort: 0 = fast (fdeflate; the default), 1..9 = zlib
   * levels (smaller files, slower). Other formats ignore it. */
  uint32_t png_level;
} mapcore_encode_options;

/* Options with every field at its default. Any thread. */
mapcore_encode_options mapcore_encode_options_default(void);

/* Encodes the session's last rendered image (as read_pixels would return
 * it) in `format`. `options` may be NULL (defaults); borrowed. On success
 * `*out_data` receives a buffer of `*out_len` bytes allocated by mapcore and
 * owned by the caller from then on: release it with mapcore_buffer_free
 * (from any thread). `*out_data` must be NULL on entry; both out pointers are
 * left untouched on failure. INVALID_ARGUMENT for an unknown format, a
 * quality outside 1..100 or a png_level above 9; UNSUPPORTED for an image
 * larger than the format allows; INVALID_STATE before the first render.
 * Works for texture, buffer and surface sessions, while a frame is acquired
 * too.
 * Owner thread. */
mapcore_status mapcore_render_session_encode(mapcore_render_session session,
                                             mapcore_image_format format,
                                             const mapcore_encode_options *options,
                                             uint8_t **out_data, size_t *out_len);

/* Detaches and destroys the session (a buffer is no longer used once this
 * returns; a surface's `release` has been called once it returns, after the
 * session is gone, so it may call mapcore). INVALID_STATE while a frame is
 * acquired. The null or an already-destroyed handle: OK. Owner thread. */
mapcore_status mapcore_render_session_destroy(mapcore_render_session session);

#ifdef __cplusplus
}
#endif

#endif /* MAPCORE_RENDER_H */
