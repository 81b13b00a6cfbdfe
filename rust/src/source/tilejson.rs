//! TileJSON (2.x/3.x) parsing: the fields a tile source needs.

use crate::source::feature::TileId;
use crate::source::url::{tile_url, Scheme, TileBounds};

/// A parsed TileJSON document.
#[derive(Clone, Debug, PartialEq)]
pub struct TileJson {
    /// URL templates (at least one).
    pub tiles: Vec<String>,
    pub minzoom: u8,
    pub maxzoom: u8,
    pub bounds: TileBounds,
    pub scheme: Scheme,
    pub attribution: Option<String>,
    /// Names of `vector_layers`, if listed.
    pub vector_layers: Vec<String>,
    /// The tiles' `format` (`pbf`, `png`, `jpg`, `webp`), if stated (archives
    /// state it; a source of the other kind is refused).
    pub format: Option<String>,
}

/// MapLibre's default source maximum zoom.
pub const DEFAULT_MAXZOOM: u8 = 22;

impl TileJson {
    /// Parses TileJSON text, which may take at most `max_parsed` bytes
    /// parsed ([`crate::data::json::max_parsed_bytes`]).
    pub fn parse(text: &str, max_parsed: u64) -> Result<TileJson, String> {
        let json = crate::data::json::parse(text.as_bytes(), max_parsed).map_err(|e| e.describe("TileJSON"))?;
        TileJson::from_json(&json)
    }

    /// Reads TileJSON fields from a JSON object (also used for inline source
    /// definitions in a style, which carry the same keys).
    pub fn from_json(json: &serde_json::Value) -> Result<TileJson, String> {
        let obj = json.as_object().ok_or("TileJSON must be a JSON object")?;
        let tiles = match obj.get("tiles") {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    t.as_str().map(str::to_string).ok_or_else(|| format!("TileJSON tiles[{i}] must be a string"))
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err("TileJSON \"tiles\" must be an array of URL strings".into()),
            None => return Err("TileJSON has no \"tiles\"".into()),
        };
        if tiles.is_empty() {
            return Err("TileJSON \"tiles\" is empty".into());
        }
        let zoom = |key: &str, default: u8| -> Result<u8, String> {
            match obj.get(key) {
                None | Some(serde_json::Value::Null) => Ok(default),
                Some(v) => match v.as_f64() {
                    Some(z) if (0.0..=30.0).contains(&z) => Ok(z.floor() as u8),
                    _ => Err(format!("TileJSON \"{key}\" must be a number from 0 to 30")),
                },
            }
        };
        let minzoom = zoom("minzoom", 0)?;
        let maxzoom = zoom("maxzoom", DEFAULT_MAXZOOM)?;
        if minzoom > maxzoom {
            return Err(format!("TileJSON minzoom {minzoom} is greater than maxzoom {maxzoom}"));
        }
        let bounds = match obj.get("bounds") {
            None | Some(serde_json::Value::Null) => TileBounds::default(),
            Some(serde_json::Value::Array(a)) if a.len() == 4 => {
                let mut b = [0.0; 4];
                for (i, v) in a.iter().enumerate() {
                    b[i] = v.as_f64().ok_or("TileJSON \"bounds\" must hold four numbers")?;
                }
                TileBounds::from_array(b).map_err(|e| format!("TileJSON {e}"))?
            }
            Some(_) => return Err("TileJSON \"bounds\" must be [west, south, east, north]".into()),
        };
        let scheme = match obj.get("scheme") {
            None | Some(serde_json::Value::Null) => Scheme::Xyz,
            Some(serde_json::Value::String(s)) => Scheme::parse(s).map_err(|e| format!("TileJSON {e}"))?,
            Some(_) => return Err("TileJSON \"scheme\" must be a string".into()),
        };
        let attribution = match obj.get("attribution") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("TileJSON \"attribution\" must be a string".into()),
        };
        let vector_layers = match obj.get("vector_layers") {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|l| l.get("id").and_then(|i| i.as_str()).map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let format = obj.get("format").and_then(|f| f.as_str()).map(str::to_ascii_lowercase);
        Ok(TileJson { tiles, minzoom, maxzoom, bounds, scheme, attribution, vector_layers, format })
    }

    /// Whether the stated format is an image format (png, jpg, webp, ...),
    /// `None` when no format is stated.
    pub fn is_raster(&self) -> Option<bool> {
        self.format.as_deref().map(|f| matches!(f, "png" | "jpg" | "jpeg" | "webp" | "avif" | "gif"))
    }

    /// The URL of a tile, or `None` if the tile is outside the zoom range or bounds.
    /// Templates are chosen round-robin by tile position (`(x + y) % len`).
    pub fn url_for(&self, id: TileId, pixel_ratio: f32) -> Option<String> {
        if id.z < self.minzoom || id.z > self.maxzoom || !self.bounds.contains(id) {
            return None;
        }
        let i = ((u64::from(id.x) + u64::from(id.y)) % self.tiles.len() as u64) as usize;
        Some(tile_url(&self.tiles[i], id, self.scheme, pixel_ratio))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields() {
        let tj = TileJson::parse(
            r#"{"tilejson":"3.0.0","tiles":["https://a/{z}/{x}/{y}.mvt"],"minzoom":2,"maxzoom":14,
                "bounds":[0,0,10,10],"scheme":"tms","attribution":"© OSM",
                "vector_layers":[{"id":"water"},{"id":"roads"}]}"#,
            u64::MAX,
        )
        .unwrap();
        assert_eq!(tj.minzoom, 2);
        assert_eq!(tj.maxzoom, 14);
        assert_eq!(tj.scheme, Scheme::Tms);
        assert_eq!(tj.attribution.as_deref(), Some("© OSM"));
        assert_eq!(tj.vector_layers, vec!["water", "roads"]);
        assert_eq!(tj.url_for(TileId::new(2, 2, 1), 1.0).as_deref(), Some("https://a/2/2/2.mvt"));
        assert_eq!(tj.url_for(TileId::new(1, 1, 0), 1.0), None); // below minzoom
        assert_eq!(tj.url_for(TileId::new(15, 0, 0), 1.0), None); // above maxzoom
        assert_eq!(tj.url_for(TileId::new(4, 0, 0), 1.0), None); // outside bounds
    }

    #[test]
    fn defaults_and_errors() {
        let tj = TileJson::parse(r#"{"tiles":["x/{z}"]}"#, u64::MAX).unwrap();
        assert_eq!((tj.minzoom, tj.maxzoom, tj.scheme), (0, 22, Scheme::Xyz));
        assert!(TileJson::parse("[]", u64::MAX).unwrap_err().contains("object"));
        assert!(TileJson::parse("{}", u64::MAX).unwrap_err().contains("no \"tiles\""));
        assert!(TileJson::parse(r#"{"tiles":[]}"#, u64::MAX).unwrap_err().contains("empty"));
        assert!(TileJson::parse(r#"{"tiles":[1]}"#, u64::MAX).unwrap_err().contains("tiles[0]"));
        assert!(TileJson::parse(r#"{"tiles":["a"],"scheme":"wms"}"#, u64::MAX).unwrap_err().contains("wms"));
        assert!(TileJson::parse(r#"{"tiles":["a"],"minzoom":5,"maxzoom":3}"#, u64::MAX).is_err());
        assert!(TileJson::parse(r#"{"tiles":["a"],"bounds":[1,2,3]}"#, u64::MAX).unwrap_err().contains("bounds"));
        assert!(TileJson::parse("{", u64::MAX).unwrap_err().contains("not valid JSON"));
        // What it makes once parsed is bounded: 1,000 zeros take 80,000 bytes.
        let zeros = format!(r#"{{"tiles":["a"],"x":[{}]}}"#, vec!["0"; 1000].join(","));
        assert!(TileJson::parse(&zeros, 100_000).is_ok());
        let e = TileJson::parse(&zeros, 10_000).unwrap_err();
        assert!(e.contains("more than 10000 bytes once parsed") && e.contains("max_resource_bytes"), "{e}");
    }
}
