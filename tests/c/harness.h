/* Tiny test harness for the C ABI tests: CHECK macros count and report. */
#ifndef MAPCORE_TEST_HARNESS_H
#define MAPCORE_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapcore.h"

static int harness_failures = 0;
static int harness_checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    harness_checks++;                                                          \
    if (!(cond)) {                                                             \
      harness_failures++;                                                      \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

/* A call returns `expected` status. */
#define CHECK_STATUS(call, expected)                                           \
  do {                                                                         \
    mapcore_status st_ = (call);                                               \
    harness_checks++;                                                          \
    if (st_ != (expected)) {                                                   \
      harness_failures++;                                                      \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__,  \
              __LINE__, #call, mapcore_status_name(st_),                       \
              mapcore_status_name(expected), mapcore_last_error_message());    \
    }                                                                          \
  } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, MAPCORE_STATUS_OK)

/* The last diagnostic contains `needle`. */
#define CHECK_DIAG(needle)                                                     \
  do {                                                                         \
    harness_checks++;                                                          \
    if (!strstr(mapcore_last_error_message(), (needle))) {                     \
      harness_failures++;                                                      \
      fprintf(stderr, "%s:%d: diagnostic \"%s\" does not mention \"%s\"\n",    \
              __FILE__, __LINE__, mapcore_last_error_message(), (needle));     \
    }                                                                          \
  } while (0)

/* Exits with the harness's verdict. */
static inline int harness_finish(const char *name) {
  printf("%s: %d checks, %d failed\n", name, harness_checks, harness_failures);
  return harness_failures == 0 ? 0 : 1;
}

/* Reads a whole file; returns NULL on failure. */
static inline char *read_file(const char *path, size_t *out_len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = (char *)malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = 0;
    if (out_len) *out_len = (size_t)n;
  }
  return buf;
}

/* Location of ../shared (MAPCORE_SHARED or ../shared from the repo root). */
static inline const char *shared_dir(void) {
  const char *s = getenv("MAPCORE_SHARED");
  return s && *s ? s : "../shared";
}

#endif
