// Shared by the cgo preambles of this package: every wrapper makes one
// mapcore call and, on failure, copies the thread's diagnostic in the same
// C call (so no other call on the OS thread can replace it first). The Go
// side frees `msg` (and `json`, with mapcore_string_free).
#ifndef MAPCORE_GO_CAPI_H
#define MAPCORE_GO_CAPI_H

#include <stdlib.h>
#include <string.h>
#include "mapcore.h"

typedef struct mc_res { int32_t st; char *msg; } mc_res;

// A string result (out_json): on success `json` is mapcore's allocation.
typedef struct mc_res_str { int32_t st; char *msg; char *json; } mc_res_str;

static inline char *mc_copy_message(mapcore_status st) {
	if (st == MAPCORE_STATUS_OK) return NULL;
	const char *m = mapcore_last_error_message();
	if (m == NULL) m = "";
	size_t n = strlen(m);
	char *c = (char *)malloc(n + 1);
	if (c != NULL) memcpy(c, m, n + 1);
	return c;
}

static inline mc_res mc_wrap(mapcore_status st) {
	mc_res r = {(int32_t)st, mc_copy_message(st)};
	return r;
}

static inline mc_res_str mc_wrap_str(mapcore_status st, char *json) {
	mc_res_str r = {(int32_t)st, mc_copy_message(st), json};
	return r;
}

#endif
