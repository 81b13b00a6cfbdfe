//! Source specifications (`sources` of a style): vector, raster, raster-dem,
//! GeoJSON, image and video.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value as J;

use crate::style::cluster_properties::ClusterProperties;
use crate::style::filter::Filter;
use crate::style::reader::{kind, Reader, StyleError};

/// Tile coordinate scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scheme {
    #[default]
    Xyz,
    Tms,
}

/// `promoteId`: one property for all layers, or one per source layer.
#[derive(Clone, Debug, PartialEq)]
pub enum PromoteId {
    Property(String),
    PerLayer(BTreeMap<String, String>),
}

/// Fields shared by tiled sources (vector, raster, raster-dem).
#[derive(Clone, Debug, PartialEq)]
pub struct TileSource {
    /// TileJSON URL.
    pub url: Option<String>,
    /// Tile URL templates.
    pub tiles: Option<Vec<String>>,
    pub minzoom: f64,
    pub maxzoom: f64,
    pub scheme: Scheme,
    /// west, south, east, north.
    pub bounds: [f64; 4],
    pub attribution: Option<String>,
    /// Raster tile size in pixels (512 unless given).
    pub tile_size: u32,
}

/// Elevation encoding of raster-dem tiles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DemEncoding {
    Mapbox,
    Terrarium,
    /// elevation = (r * red + g * green + b * blue) - base_shift
    Custom {
        red: f64,
        green: f64,
        blue: f64,
        base_shift: f64,
    },
}

/// Where GeoJSON data comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum GeoJsonData {
    Url(String),
    /// Data written in the style, kept as compact JSON text: parsed data
    /// takes ten to twenty times its text's size, and the source parses it
    /// once, when it loads, as it parses a URL's answer.
    Inline(Arc<str>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct GeoJsonSource {
    pub data: GeoJsonData,
    pub maxzoom: f64,
    pub buffer: f64,
    pub tolerance: f64,
    pub cluster: bool,
    pub cluster_radius: f64,
    pub cluster_max_zoom: Option<f64>,
    pub cluster_min_points: f64,
    /// Compiled `clusterProperties` (bad entries were warned about and left out).
    pub cluster_properties: ClusterProperties,
    pub line_metrics: bool,
    pub generate_id: bool,
    pub promote_id: Option<PromoteId>,
    /// Keeps the features it matches, evaluated once at zoom 0 when the
    /// data loads (GL JS's `filter`; MapLibre Native ignores it). A bad one
    /// is a warning and keeps every feature.
    pub filter: Option<Arc<Filter>>,
    pub attribution: Option<String>,
}

/// A source of a style.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    Vector {
        tiles: TileSource,
        promote_id: Option<PromoteId>,
    },
    Raster(TileSource),
    RasterDem {
        tiles: TileSource,
        encoding: DemEncoding,
    },
    GeoJson(GeoJsonSource),
    /// Image corners: top-left, top-right, bottom-right, bottom-left (lng, lat).
    Image {
        url: String,
        coordinates: [[f64; 2]; 4],
    },
    Video {
        urls: Vec<String>,
        coordinates: [[f64; 2]; 4],
    },
}

impl SourceSpec {
    pub fn type_name(&self) -> &'static str {
        match self {
            SourceSpec::Vector { .. } => "vector",
            SourceSpec::Raster(_) => "raster",
            SourceSpec::RasterDem { .. } => "raster-dem",
            SourceSpec::GeoJson(_) => "geojson",
            SourceSpec::Image { .. } => "image",
            SourceSpec::Video { .. } => "video",
        }
    }

    /// Parses one source; `path` is its location (`sources.NAME`).
    pub fn parse(j: &J, path: &str, warnings: &mut Vec<String>) -> Result<SourceSpec, StyleError> {
        SourceSpec::parse_with_data(j, None, path, warnings)
    }

    /// Parses one source whose `data` may have been kept as text
    /// (`inline_data`): the text stands for a `null` `data` in `j` (an
    /// edit may have put other data there).
    pub fn parse_with_data(j: &J, data: Option<&Arc<str>>, path: &str, warnings: &mut Vec<String>) -> Result<SourceSpec, StyleError> {
        let mut r = Reader::new(j, path)?;
        let ty = match r.get("type") {
            None => return Err(StyleError::new(path, "missing required property \"type\"")),
            Some(J::String(s)) => s.as_str(),
            Some(other) => {
                return Err(r.err("type", format!("expected string, found {}", kind(other))))
            }
        };
        let spec = match ty {
            "vector" => {
                let tiles = tile_source(&mut r, 512)?;
                let promote_id = promote_id(&mut r)?;
                SourceSpec::Vector { tiles, promote_id }
            }
            "raster" => SourceSpec::Raster(tile_source(&mut r, 512)?),
            "raster-dem" => {
                let tiles = tile_source(&mut r, 512)?;
                let encoding = match r.string("encoding")?.as_deref() {
                    None | Some("mapbox") => DemEncoding::Mapbox,
                    Some("terrarium") => DemEncoding::Terrarium,
                    Some("custom") => DemEncoding::Custom {
                        red: r.number("redFactor")?.unwrap_or(1.0),
                        green: r.number("greenFactor")?.unwrap_or(1.0),
                        blue: r.number("blueFactor")?.unwrap_or(1.0),
                        base_shift: r.number("baseShift")?.unwrap_or(0.0),
                    },
                    Some(other) => {
                        return Err(r.err(
                            "encoding",
                            format!("expected one of [\"terrarium\", \"mapbox\", \"custom\"], \"{other}\" found"),
                        ))
                    }
                };
                SourceSpec::RasterDem { tiles, encoding }
            }
            "geojson" => SourceSpec::GeoJson(geojson(&mut r, data, warnings)?),
            "image" => {
                let url = r
                    .string("url")?
                    .ok_or_else(|| StyleError::new(path, "missing required property \"url\""))?;
                SourceSpec::Image {
                    url,
                    coordinates: coordinates(&mut r)?,
                }
            }
            "video" => {
                let urls = r
                    .strings("urls")?
                    .ok_or_else(|| StyleError::new(path, "missing required property \"urls\""))?;
                SourceSpec::Video {
                    urls,
                    coordinates: coordinates(&mut r)?,
                }
            }
            other => {
                return Err(StyleError::new(
                    path,
                    format!("unknown source type \"{other}\""),
                ))
            }
        };
        r.unknown_keys(warnings);
        Ok(spec)
    }
}

fn tile_source(r: &mut Reader, default_tile_size: u32) -> Result<TileSource, StyleError> {
    let scheme = match r.string("scheme")?.as_deref() {
        None | Some("xyz") => Scheme::Xyz,
        Some("tms") => Scheme::Tms,
        Some(other) => {
            return Err(r.err(
                "scheme",
                format!("expected one of [\"xyz\", \"tms\"], \"{other}\" found"),
            ))
        }
    };
    Ok(TileSource {
        url: r.string("url")?,
        tiles: r.strings("tiles")?,
        minzoom: r.number_in("minzoom", 0.0, 24.0)?.unwrap_or(0.0),
        maxzoom: r.number_in("maxzoom", 0.0, 24.0)?.unwrap_or(22.0),
        scheme,
        bounds: r
            .numbers::<4>("bounds")?
            .unwrap_or([-180.0, -85.051129, 180.0, 85.051129]),
        attribution: r.string("attribution")?,
        tile_size: r
            .number("tileSize")?
            .map(|v| v as u32)
            .unwrap_or(default_tile_size),
    })
}

fn promote_id(r: &mut Reader) -> Result<Option<PromoteId>, StyleError> {
    match r.get("promoteId") {
        None => Ok(None),
        Some(J::String(s)) => Ok(Some(PromoteId::Property(s.clone()))),
        Some(J::Object(o)) => {
            let mut m = BTreeMap::new();
            for (k, v) in o {
                let s = v.as_str().ok_or_else(|| {
                    r.err(
                        &format!("promoteId.{k}"),
                        format!("expected string, found {}", kind(v)),
                    )
                })?;
                m.insert(k.clone(), s.to_string());
            }
            Ok(Some(PromoteId::PerLayer(m)))
        }
        Some(other) => Err(r.err(
            "promoteId",
            format!("expected string or object, found {}", kind(other)),
        )),
    }
}

fn geojson(r: &mut Reader, text: Option<&Arc<str>>, warnings: &mut Vec<String>) -> Result<GeoJsonSource, StyleError> {
    let data = match (r.get("data"), text) {
        (Some(J::Null), Some(text)) => GeoJsonData::Inline(Arc::clone(text)),
        (None, _) => {
            return Err(StyleError::new(
                r.path.clone(),
                "missing required property \"data\"",
            ))
        }
        (Some(J::String(s)), _) => GeoJsonData::Url(s.clone()),
        (Some(v @ J::Object(_)), _) => GeoJsonData::Inline(Arc::from(v.to_string())),
        // Like MapLibre, invalid data fails when the source loads, not the style.
        (Some(other), _) => {
            warnings.push(format!(
                "{}: expected string or object, found {}",
                r.key_path("data"),
                kind(other)
            ));
            GeoJsonData::Inline(Arc::from(other.to_string()))
        }
    };
    Ok(GeoJsonSource {
        data,
        maxzoom: r.number_in("maxzoom", 0.0, 24.0)?.unwrap_or(18.0),
        buffer: r.number_in("buffer", 0.0, 512.0)?.unwrap_or(128.0),
        tolerance: r.number("tolerance")?.unwrap_or(0.375),
        cluster: r.boolean("cluster")?.unwrap_or(false),
        cluster_radius: r
            .number_in("clusterRadius", 0.0, f64::INFINITY)?
            .unwrap_or(50.0),
        cluster_max_zoom: r.number("clusterMaxZoom")?,
        cluster_min_points: r.number("clusterMinPoints")?.unwrap_or(2.0),
        cluster_properties: match r.get("clusterProperties") {
            None | Some(J::Null) => ClusterProperties::default(),
            Some(v) => ClusterProperties::parse(v, &r.key_path("clusterProperties"), warnings),
        },
        line_metrics: r.boolean("lineMetrics")?.unwrap_or(false),
        generate_id: r.boolean("generateId")?.unwrap_or(false),
        promote_id: promote_id(r)?,
        filter: match r.get("filter") {
            None | Some(J::Null) => None,
            Some(f) => match Filter::parse(f) {
                Ok(f) => Some(Arc::new(f)),
                Err(e) => {
                    warnings.push(format!("{}: {e}: every feature is kept", r.key_path("filter")));
                    None
                }
            },
        },
        attribution: r.string("attribution")?,
    })
}

fn coordinates(r: &mut Reader) -> Result<[[f64; 2]; 4], StyleError> {
    let path = r.key_path("coordinates");
    let v = r.get("coordinates").ok_or_else(|| {
        StyleError::new(r.path.clone(), "missing required property \"coordinates\"")
    })?;
    let a = v
        .as_array()
        .filter(|a| a.len() == 4)
        .ok_or_else(|| StyleError::new(&path, "expected array of 4 [longitude, latitude] pairs"))?;
    let mut out = [[0.0; 2]; 4];
    for (i, c) in a.iter().enumerate() {
        let p = c.as_array().filter(|p| p.len() == 2);
        let (x, y) = match p {
            Some(p) => (p[0].as_f64(), p[1].as_f64()),
            None => (None, None),
        };
        match (x, y) {
            (Some(x), Some(y)) => out[i] = [x, y],
            _ => {
                return Err(StyleError::new(
                    format!("{path}[{i}]"),
                    "expected [longitude, latitude]",
                ))
            }
        }
    }
    Ok(out)
}
