//! Tile URL templates and tile bounds.
//!
//! Templates use MapLibre's tokens: `{z}`, `{x}`, `{y}`, `{quadkey}`,
//! `{bbox-epsg-3857}`, `{prefix}` and `{ratio}`. With `scheme: tms`, `{y}` is
//! flipped (`2^z - 1 - y`); `{quadkey}`, `{bbox-epsg-3857}` and `{prefix}` always
//! use the XYZ address, like MapLibre. Unknown `{tokens}` are left as they are.

use crate::source::feature::TileId;

/// Tile row order of a source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scheme {
    /// y = 0 at the north (the default).
    #[default]
    Xyz,
    /// y = 0 at the south (OSGeo TMS).
    Tms,
}

impl Scheme {
    pub fn parse(s: &str) -> Result<Scheme, String> {
        match s {
            "xyz" => Ok(Scheme::Xyz),
            "tms" => Ok(Scheme::Tms),
            other => Err(format!("unknown tile scheme \"{other}\" (expected \"xyz\" or \"tms\")")),
        }
    }
}

/// The Bing-style quadkey of a tile ("" at zoom 0).
pub fn quadkey(id: TileId) -> String {
    let mut s = String::with_capacity(id.z as usize);
    for z in (1..=id.z).rev() {
        let mask = 1u32 << (z - 1);
        let mut digit = b'0';
        if id.x & mask != 0 {
            digit += 1;
        }
        if id.y & mask != 0 {
            digit += 2;
        }
        s.push(digit as char);
    }
    s
}

const HALF_CIRCUMFERENCE: f64 = 20037508.342789244;

/// `minx,miny,maxx,maxy` of the tile in EPSG:3857 metres.
pub fn bbox_epsg3857(id: TileId) -> String {
    let n = (1u64 << id.z) as f64;
    let size = 2.0 * HALF_CIRCUMFERENCE / n;
    let minx = -HALF_CIRCUMFERENCE + id.x as f64 * size;
    let maxx = minx + size;
    let maxy = HALF_CIRCUMFERENCE - id.y as f64 * size;
    let miny = maxy - size;
    format!("{minx},{miny},{maxx},{maxy}")
}

/// Expands a URL template for a tile. `pixel_ratio > 1` makes `{ratio}` "@2x".
pub fn tile_url(template: &str, id: TileId, scheme: Scheme, pixel_ratio: f32) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('}') else {
            out.push_str(after);
            return out;
        };
        let token = &after[1..close];
        match token {
            "z" => out.push_str(&id.z.to_string()),
            "x" => out.push_str(&id.x.to_string()),
            "y" => {
                let y = match scheme {
                    Scheme::Xyz => id.y,
                    Scheme::Tms => ((1u64 << id.z) - 1 - u64::from(id.y)) as u32,
                };
                out.push_str(&y.to_string());
            }
            "quadkey" => out.push_str(&quadkey(id)),
            "bbox-epsg-3857" => out.push_str(&bbox_epsg3857(id)),
            "prefix" => {
                out.push_str(&format!("{:x}{:x}", id.x % 16, id.y % 16));
            }
            "ratio" => {
                if pixel_ratio > 1.0 {
                    out.push_str("@2x");
                }
            }
            _ => out.push_str(&after[..=close]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The geographic bounds of a source: `[west, south, east, north]` in degrees.
/// A tile outside them is not requested.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileBounds {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Default for TileBounds {
    fn default() -> Self {
        TileBounds { west: -180.0, south: -85.051129, east: 180.0, north: 85.051129 }
    }
}

impl TileBounds {
    /// From `[w, s, e, n]`, clamped to the valid ranges; errors if not a box.
    pub fn from_array(b: [f64; 4]) -> Result<TileBounds, String> {
        if b.iter().any(|v| !v.is_finite()) {
            return Err("bounds must be finite numbers".into());
        }
        let tb = TileBounds {
            west: b[0].max(-180.0),
            south: b[1].max(-90.0),
            east: b[2].min(180.0),
            north: b[3].min(90.0),
        };
        if tb.west > tb.east || tb.south > tb.north {
            return Err(format!("bounds [{}, {}, {}, {}] are not [west, south, east, north]", b[0], b[1], b[2], b[3]));
        }
        Ok(tb)
    }

    /// Whether the (canonical, unwrapped) tile intersects the bounds.
    pub fn contains(&self, id: TileId) -> bool {
        self.mercator().contains(id)
    }

    /// The bounds in Web Mercator units (0..1), to test many tiles against.
    /// Not inlined: the optimiser would otherwise compute it ahead of the
    /// test for `Some` of an optional bounds (harmless, but valgrind sees
    /// the sine and logarithm of the unset bytes of a `None`).
    #[inline(never)]
    pub fn mercator(&self) -> MercatorBounds {
        let merc_x = |lng: f64| (180.0 + lng) / 360.0;
        let merc_y = |lat: f64| {
            let lat = lat.clamp(-85.051129, 85.051129);
            let s = lat.to_radians().sin();
            0.5 - 0.25 * ((1.0 + s) / (1.0 - s)).ln() / std::f64::consts::PI
        };
        MercatorBounds { min: [merc_x(self.west), merc_y(self.north)], max: [merc_x(self.east), merc_y(self.south)] }
    }
}

/// [`TileBounds`] in Web Mercator units: `min` is the north-west corner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MercatorBounds {
    pub min: [f64; 2],
    pub max: [f64; 2],
}

impl MercatorBounds {
    /// Whether the (canonical, unwrapped) tile intersects the bounds.
    pub fn contains(&self, id: TileId) -> bool {
        let n = (1u64 << id.z) as f64;
        let (x, y) = (id.x as f64, id.y as f64);
        x >= (self.min[0] * n).floor() && x < (self.max[0] * n).ceil() && y >= (self.min[1] * n).floor() && y < (self.max[1] * n).ceil()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let id = TileId::new(3, 5, 2);
        assert_eq!(tile_url("https://t/{z}/{x}/{y}.pbf", id, Scheme::Xyz, 1.0), "https://t/3/5/2.pbf");
        assert_eq!(tile_url("https://t/{z}/{x}/{y}.pbf", id, Scheme::Tms, 1.0), "https://t/3/5/5.pbf");
        assert_eq!(tile_url("q={quadkey}", id, Scheme::Tms, 1.0), "q=" .to_string() + &quadkey(id));
        assert_eq!(quadkey(TileId::new(3, 3, 5)), "213");
        assert_eq!(quadkey(TileId::new(0, 0, 0)), "");
        assert_eq!(tile_url("{prefix}/{z}", TileId::new(5, 17, 30), Scheme::Xyz, 1.0), "1e/5");
        assert_eq!(tile_url("a{ratio}.png", id, Scheme::Xyz, 2.0), "a@2x.png");
        assert_eq!(tile_url("a{ratio}.png", id, Scheme::Xyz, 1.0), "a.png");
        assert_eq!(tile_url("{unknown}/{z", id, Scheme::Xyz, 1.0), "{unknown}/{z");
    }

    #[test]
    fn bbox() {
        assert_eq!(
            tile_url("bbox={bbox-epsg-3857}", TileId::new(0, 0, 0), Scheme::Xyz, 1.0),
            "bbox=-20037508.342789244,-20037508.342789244,20037508.342789244,20037508.342789244"
        );
        assert_eq!(bbox_epsg3857(TileId::new(1, 1, 0)), "0,0,20037508.342789244,20037508.342789244");
    }

    #[test]
    fn bounds() {
        let b = TileBounds::from_array([-10.0, -10.0, 10.0, 10.0]).unwrap();
        assert!(b.contains(TileId::new(0, 0, 0)));
        assert!(b.contains(TileId::new(1, 0, 0)));
        assert!(b.contains(TileId::new(1, 1, 1)));
        assert!(b.contains(TileId::new(4, 7, 7)));
        assert!(!b.contains(TileId::new(4, 0, 0)));
        assert!(!b.contains(TileId::new(4, 15, 7)));
        assert!(TileBounds::default().contains(TileId::new(10, 1023, 1023)));
        assert!(TileBounds::from_array([10.0, 0.0, -10.0, 1.0]).is_err());
    }
}
