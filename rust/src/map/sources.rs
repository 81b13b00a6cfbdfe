//! Loading state of a map's sources: metadata (TileJSON, GeoJSON data) and
//! tiles by id.

use std::collections::HashMap;
use std::sync::Arc;

use crate::source::cover::CoverOptions;
use crate::source::feature::{TileData, TileId};
use crate::source::url::{Scheme, TileBounds};

/// How a source's tiles are made.
pub enum Tiles {
    /// Vector tiles fetched by URL template.
    Vector { templates: Vec<String>, scheme: Scheme, minzoom: u8, maxzoom: u8, bounds: TileBounds },
    /// GeoJSON tiled on the fly (the index once built).
    GeoJson { index: Option<Arc<crate::source::geojson::GeoJsonIndex>>, maxzoom: u8 },
}

/// Metadata state.
#[derive(Clone, Debug, PartialEq)]
pub enum Meta {
    /// Nothing requested yet.
    Pending,
    /// A request or worker job is under way.
    Loading,
    Ready,
    Failed(String),
}

/// One tile's state.
#[derive(Clone, Debug)]
pub enum TileSlot {
    Loading,
    Ready(Arc<TileData>),
    /// No data there (not found, outside bounds).
    Empty,
    Failed,
}

pub struct SourceState {
    pub meta: Meta,
    pub tiles: Tiles,
    /// Where metadata comes from (TileJSON or GeoJSON URL), if anywhere.
    pub url: Option<String>,
    /// Inline GeoJSON waiting to be indexed.
    pub inline: Option<Arc<serde_json::Value>>,
    pub slots: HashMap<TileId, TileSlot>,
}

impl SourceState {
    /// Whether metadata has resolved (loaded or failed).
    pub fn meta_settled(&self) -> bool {
        matches!(self.meta, Meta::Ready | Meta::Failed(_))
    }

    /// Cover options for this source's tiles.
    pub fn cover_options(&self) -> CoverOptions {
        match &self.tiles {
            Tiles::Vector { minzoom, maxzoom, bounds, .. } => {
                let mut o = CoverOptions::vector(*minzoom, *maxzoom);
                o.bounds = Some(*bounds);
                o
            }
            Tiles::GeoJson { maxzoom, .. } => CoverOptions::vector(0, *maxzoom),
        }
    }

    /// The decoded tile, if loaded.
    pub fn tile(&self, id: TileId) -> Option<&Arc<TileData>> {
        match self.slots.get(&id) {
            Some(TileSlot::Ready(t)) => Some(t),
            _ => None,
        }
    }
}
