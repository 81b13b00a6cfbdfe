//! Feature queries on a map's current view: the rendered-feature query and the
//! source-feature query (the algorithms are in `crate::query`).

use serde_json::Value as J;

use crate::query::{QueryError, QueryErrorKind, QueryGeometry, QueryOptions};

use super::Map;

impl Map {
    /// Features whose rendered shape touches `geometry` (logical screen pixels)
    /// in the current view, top-most layer first, as GeoJSON features with
    /// `layer`, `source`, `sourceLayer` and `state` members.
    ///
    /// Errors (with their kind): no style loaded, an unknown layer id in
    /// `options.layers`, an invalid `options.filter`.
    pub fn query_rendered_features(
        &self,
        geometry: &QueryGeometry,
        options: &QueryOptions,
    ) -> Result<Vec<J>, QueryError> {
        let style = self.style().ok_or_else(no_style)?;
        let transform = self.camera.transform(self.width, self.height);
        crate::query::query_rendered_features(style, &transform, self, &self.placed.placed, geometry, options)
    }

    /// All features of `source` (of `source_layer` for vector sources) in the
    /// loaded tiles of the current view, optionally filtered; a feature with an
    /// id is returned once.
    ///
    /// Errors (with their kind): no style loaded, an unknown source, an invalid
    /// filter.
    pub fn query_source_features(
        &self,
        source: &str,
        source_layer: Option<&str>,
        filter: Option<&J>,
    ) -> Result<Vec<J>, QueryError> {
        let style = self.style().ok_or_else(no_style)?;
        if !style.sources.iter().any(|(id, _)| id == source) || !self.sources.contains_key(source) {
            return Err(QueryError::new(QueryErrorKind::UnknownSource, format!("the style has no source \"{source}\"")));
        }
        let filter = filter.filter(|f| !f.is_null()).map(crate::query::parse_filter).transpose()?;
        Ok(crate::query::query_source_features(source, source_layer, filter.as_ref(), self))
    }
}

fn no_style() -> QueryError {
    QueryError::new(QueryErrorKind::NoStyle, "the map has no loaded style")
}
