/*
 * mapcore.h - CPU map rendering for the MapLibre style specification.
 *
 * Umbrella header: includes the whole public C API.
 *   mapcore/base.h      version, statuses, diagnostics, handles, logging
 *   mapcore/runtime.h   runtime (owner thread, pump, wake, events)
 *   mapcore/resource.h  resource provider and requests
 *   mapcore/map.h       maps: style, camera
 *   mapcore/style.h     runtime styling: sources, layers, properties, images
 *   mapcore/render.h    render sessions: still images, readback, buffers
 *   mapcore/query.h     feature queries
 */
#ifndef MAPCORE_H
#define MAPCORE_H

#include "mapcore/base.h"
#include "mapcore/runtime.h"
#include "mapcore/resource.h"
#include "mapcore/map.h"
#include "mapcore/style.h"
#include "mapcore/render.h"
#include "mapcore/query.h"
#include "mapcore/archive.h"

#endif /* MAPCORE_H */
