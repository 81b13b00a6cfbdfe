//! Feature queries on a map's current view: the rendered-feature query and the
//! source-feature query (the algorithms are in `crate::query`).

use serde_json::Value as J;

use crate::query::{QueryError, QueryErrorKind, QueryGeometry, QueryOptions, QueryResult};
use crate::style::expression::fuel;

use super::Map;

impl Map {
    /// Features whose rendered shape touches `geometry` (logical screen pixels)
    /// in the current view, top-most layer first, as GeoJSON features with
    /// `layer`, `source`, `sourceLayer` and `state` members.
    ///
    /// Errors (with their kind): no style loaded, an unknown layer id in
    /// `options.layers`, an invalid `options.filter`, an answer of more
    /// than `max_bytes` of JSON, work past the expression work bound.
    pub fn query_rendered_features(
        &self,
        geometry: &QueryGeometry,
        options: &QueryOptions,
        max_bytes: u64,
    ) -> Result<QueryResult, QueryError> {
        let style = self.style().ok_or_else(no_style)?;
        let transform = self.camera.transform(self.width, self.height);
        bounded(|| crate::query::query_rendered_features(style, &transform, self, &self.placed.placed, geometry, options, max_bytes))
    }

    /// All features of `source` (of `source_layer` for vector sources) in the
    /// loaded tiles of the current view, optionally filtered; a feature with an
    /// id is returned once.
    ///
    /// Errors (with their kind): no style loaded, an unknown source, an invalid
    /// filter, an answer of more than `max_bytes` of JSON, work past the
    /// expression work bound.
    pub fn query_source_features(
        &self,
        source: &str,
        source_layer: Option<&str>,
        filter: Option<&J>,
        max_bytes: u64,
    ) -> Result<QueryResult, QueryError> {
        let style = self.style().ok_or_else(no_style)?;
        if !style.sources.iter().any(|(id, _)| id == source) || !self.sources.contains_key(source) {
            return Err(QueryError::new(QueryErrorKind::UnknownSource, format!("the style has no source \"{source}\"")));
        }
        let filter = filter.filter(|f| !f.is_null()).map(crate::query::parse_filter).transpose()?;
        bounded(|| crate::query::query_source_features(source, source_layer, filter.as_ref(), self, max_bytes))
    }
}

/// Runs a query under the expression work bound, as a frame's layout runs:
/// a style's expressions can take minutes over a view's features (a
/// 15,000-branch `case` filter over 50,000 points), and a query runs on the
/// owner thread. Past the bound the query fails rather than answer in part.
fn bounded(query: impl FnOnce() -> Result<QueryResult, QueryError>) -> Result<QueryResult, QueryError> {
    let (result, spent) = fuel::with_fuel(fuel::MAX_STEPS, query);
    if spent.steps {
        return Err(QueryError::new(
            QueryErrorKind::WorkBound,
            format!(
                "the query stopped: {}, with a step per point of each feature it tested; narrow the query (a smaller box, fewer layers, a simpler filter)",
                super::overdraw::expression_work_bound(fuel::MAX_STEPS, "")
            ),
        ));
    }
    result
}

fn no_style() -> QueryError {
    QueryError::new(QueryErrorKind::NoStyle, "the map has no loaded style")
}
