//! Feature query entry points (include/mapcore/query.h).

use std::os::raw::c_char;

use super::args::{json_value, opt_str_arg, sized_arg, str_arg, text_arg};
use super::guard::{call, fail, invalid_argument, CallResult, Failure};
use super::map::{map_core, with_map};
use super::style::{check_out, give_string};
use super::types::*;
use crate::query::{QueryError, QueryErrorKind, QueryGeometry, QueryOptions};

const GEOMETRY_V1: usize = std::mem::size_of::<mapcore_query_geometry>();

impl From<QueryError> for Failure {
    fn from(e: QueryError) -> Failure {
        let status = match e.kind {
            QueryErrorKind::UnknownLayer | QueryErrorKind::UnknownSource => mapcore_status::MAPCORE_STATUS_NOT_FOUND,
            QueryErrorKind::InvalidFilter => mapcore_status::MAPCORE_STATUS_PARSE_ERROR,
            QueryErrorKind::InvalidGeometry => mapcore_status::MAPCORE_STATUS_INVALID_ARGUMENT,
            QueryErrorKind::NoStyle => mapcore_status::MAPCORE_STATUS_INVALID_STATE,
            QueryErrorKind::TooLarge => mapcore_status::MAPCORE_STATUS_INVALID_ARGUMENT,
            QueryErrorKind::WorkBound => mapcore_status::MAPCORE_STATUS_TIMEOUT,
        };
        Failure { status, message: e.message }
    }
}

/// Optional JSON text (`NULL`/0 = JSON null), parsed by [`opt_value`].
///
/// # Safety
/// `json` points at `len` readable bytes.
unsafe fn opt_json<'a>(json: *const c_char, len: usize, name: &str) -> CallResult<Option<&'a str>> {
    if json.is_null() && len == 0 {
        return Ok(None);
    }
    text_arg(json, len, name).map(Some)
}

/// [`opt_json`]'s text parsed under the runtime's bound (`None` = null).
fn opt_value(text: Option<&str>, name: &str, core: &crate::runtime::Core) -> CallResult<serde_json::Value> {
    text.map_or(Ok(serde_json::Value::Null), |t| json_value(t, name, core.limits()))
}

#[no_mangle]
pub extern "C" fn mapcore_query_geometry_default() -> mapcore_query_geometry {
    mapcore_query_geometry { size: GEOMETRY_V1, type_: MAPCORE_QUERY_POINT, x1: 0.0, y1: 0.0, x2: 0.0, y2: 0.0 }
}

/// # Safety
/// Pointers as documented in query.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_query_rendered_features(
    map: mapcore_map,
    geometry: *const mapcore_query_geometry,
    options_json: *const c_char,
    len: usize,
    out_json: *mut *mut c_char,
) -> mapcore_status {
    call("mapcore_map_query_rendered_features", || {
        check_out(out_json)?;
        let geometry = if geometry.is_null() {
            None
        } else {
            let g = sized_arg(geometry, "geometry", GEOMETRY_V1)?;
            Some(match g.type_ {
                MAPCORE_QUERY_POINT => QueryGeometry::Point([g.x1, g.y1]),
                MAPCORE_QUERY_BOX => QueryGeometry::Box([g.x1, g.y1], [g.x2, g.y2]),
                other => return invalid_argument(format!("geometry->type {other} is neither MAPCORE_QUERY_POINT nor MAPCORE_QUERY_BOX")),
            })
        };
        let options = opt_json(options_json, len, "options_json")?;
        let features = with_map(map, |o, id| {
            let (m, core) = map_core(o, id)?;
            let options = QueryOptions::from_json(&opt_value(options, "options_json", core)?)
                .or_else(|e| fail(mapcore_status::MAPCORE_STATUS_INVALID_ARGUMENT, format!("options_json: {e}")))?;
            let geometry = geometry.unwrap_or_else(|| {
                let t = m.transform();
                QueryGeometry::Box([0.0, 0.0], [t.width, t.height])
            });
            m.query_rendered_features(&geometry, &options, core.limits().max_parsed_bytes()).map_err(Failure::from)
        })?;
        give_string(out_json, features.to_json_text())
    })
}

/// # Safety
/// Pointers as documented in query.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_map_query_source_features(
    map: mapcore_map,
    source_id: *const c_char,
    source_layer: *const c_char,
    filter_json: *const c_char,
    len: usize,
    out_json: *mut *mut c_char,
) -> mapcore_status {
    call("mapcore_map_query_source_features", || {
        check_out(out_json)?;
        let source = str_arg(source_id, "source_id")?;
        let layer = opt_str_arg(source_layer, "source_layer")?;
        let filter = opt_json(filter_json, len, "filter_json")?;
        let features = with_map(map, |o, id| {
            let (m, core) = map_core(o, id)?;
            let filter = opt_value(filter, "filter_json", core)?;
            let filter = (!filter.is_null()).then_some(&filter);
            m.query_source_features(source, layer, filter, core.limits().max_parsed_bytes()).map_err(Failure::from)
        })?;
        give_string(out_json, features.to_json_text())
    })
}
