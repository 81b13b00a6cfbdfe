//! One entry point per fuzz target: each feeds untrusted bytes to a parser or
//! to the C API the way the runtime does, and must return (any result) without
//! panicking, hanging or allocating without bound. The fuzz targets call these;
//! rust/tests/fuzz_regressions.rs replays every committed input in
//! rust/fuzz/regressions/TARGET/ through the same function under stable Rust.

use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

use mapcore::data::feature::{Feature, GeomType, Properties, TileId, TilePoint};
use mapcore::data::value::Value;
use mapcore::ffi::base::mapcore_log_set_callback;
use mapcore::ffi::style::mapcore_string_free;
use mapcore::ffi::map::*;
use mapcore::ffi::query::*;
use mapcore::ffi::render::*;
use mapcore::ffi::resource::*;
use mapcore::ffi::runtime::*;
use mapcore::ffi::style::*;
use mapcore::ffi::types::*;
use mapcore::source::archive::pmtiles::{self, PmTiles};
use mapcore::source::archive::{Archive, ArchiveError, ByteSource};
use mapcore::source::geojson::{GeoJsonIndex, GeoJsonOptions};
use mapcore::style::expression::{conformance, parse_expression, EvaluationContext};
use mapcore::style::filter::Filter;

/// Every target: its name (the folder under fuzz_targets/ and regressions/)
/// and its entry point.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("style_json", style_json),
    ("render", render),
    ("expression", expression),
    ("mvt", mvt),
    ("geojson", geojson),
    ("glyph_pbf", glyph_pbf),
    ("font", font),
    ("sprite", sprite),
    ("image", image),
    ("tilejson", tilejson),
    ("pmtiles", pmtiles),
    ("mbtiles", mbtiles),
    ("capi", capi),
];

/// Pixels an image may have here (the runtime's `max_image_pixels` is
/// checked the same way before decoding; smaller, to keep runs fast).
const MAX_PIXELS: u64 = 1024 * 1024;

/// A style document, leniently (as `set_style_json`) and strictly (as the
/// runtime-styling API's validation).
pub fn style_json(data: &[u8]) {
    // Small caps, so that short inputs reach the reader's skipping too.
    let caps = mapcore::style::StyleCaps { max_layers: 32, max_sources: 8, ..mapcore::style::StyleCaps::default() };
    let _ = mapcore::style::parse_style_lenient(data, caps);
    // Under the same caps, lenient loading of a style the strict parser
    // accepts gives the same style and warnings (unless the lenient load's
    // work bound for constant expressions cut it short, which it says), and
    // a lenient load without warnings dropped nothing: strict accepts it.
    let strict = mapcore::style::parse_style(data);
    let lenient = mapcore::style::parse_style_lenient(data, mapcore::style::StyleCaps::default());
    if let Ok(strict) = &strict {
        let (lenient, _) = lenient.as_ref().expect("the lenient load accepts what the strict one does");
        if !lenient.warnings.iter().any(|w| w.contains("expression work bound")) {
            let sorted = |w: &[String]| {
                let mut w = w.to_vec();
                w.sort();
                w
            };
            assert_eq!(sorted(&lenient.warnings), sorted(&strict.warnings));
            assert!(format!("{:?}", lenient.style) == format!("{:?}", strict.style), "lenient and strict styles differ");
        }
    }
    if let Ok((lenient, _)) = &lenient {
        assert!(!lenient.warnings.is_empty() || strict.is_ok(), "a lenient load without warnings, refused strictly: {:?}", strict.err());
    }
}

/// A style drawn end to end, as `mapcore-render` draws one: loaded leniently,
/// its inline GeoJSON tiled, labels shaped from the bundled font, icons from
/// the test sprite (relative paths under tests/fixtures), one 64 x 64 still
/// image. `local://X` URLs are served as the suites' runners serve them, as
/// `file://` URLs under allowed roots: from tests/oracle when X's first
/// segment is one of its folders (the oracle suite: its cases' data, DEM
/// tiles), from rust/fuzz/seeds when it is one of those (the seed PMTiles
/// archives, for `pmtiles://local://pmtiles/…`: local archives), else from
/// the render suite's assets when `MAPCORE_FUZZ_ASSETS` names them
/// (tools/fuzz.sh sets it when the shared data is there): vector and DEM
/// tiles, PBF glyphs, sprites and images, so vector tile layout, extrusions,
/// hillshade, icons and patterns are drawn. `cargo test` replays without it:
/// the replay reads the repository only. Finds what parsing alone does not
/// reach: layout, placement and drawing with any property value.
pub fn render(data: &[u8]) {
    use mapcore::map::Map;
    use mapcore::runtime::{Runtime, RuntimeOptions};
    let (fixtures, roots) = render_folders();
    let style = local_urls(data, roots);
    let options = RuntimeOptions {
        worker_threads: 1,
        render_threads: 1,
        asset_root: fixtures.clone(),
        allowed_roots: roots.clone(),
        ..Default::default()
    };
    let Ok(mut rt) = Runtime::<Map>::new(options) else { return };
    rt.add_map(1, Map::new(1, 64, 64, 1.0));
    let Some((map, core)) = rt.map_mut(1) else { return };
    if map.set_style_json(&style, core).is_err() {
        return;
    }
    let _ = rt.render_still(1, Some(std::time::Duration::from_secs(20)));
}

/// The render target's asset root (tests/fixtures) and the roots its
/// `local://` URLs are served from, found once per process: from the fuzz
/// crate (rust/fuzz) or the library (rust/, which replays the committed
/// inputs).
fn render_folders() -> &'static (Option<std::path::PathBuf>, Vec<std::path::PathBuf>) {
    static FOLDERS: std::sync::OnceLock<(Option<std::path::PathBuf>, Vec<std::path::PathBuf>)> = std::sync::OnceLock::new();
    FOLDERS.get_or_init(|| {
        let find = |paths: [&str; 2], inside: &str| paths.into_iter().map(std::path::PathBuf::from).find(|p| p.join(inside).is_dir());
        let fixtures = find([concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"), concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures")], "sprites");
        let oracle = find([concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/oracle"), concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/oracle")], "assets");
        let seeds = find([concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"), concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds")], "pmtiles");
        let shared = std::env::var_os("MAPCORE_FUZZ_ASSETS").map(std::path::PathBuf::from).filter(|p| p.join("sprites").is_dir());
        let roots = [oracle, seeds, shared].into_iter().flatten().filter_map(|p| p.canonicalize().ok()).collect();
        (fixtures, roots)
    })
}

/// `data` with each `local://X` made `file://ROOT/X` for the first of
/// `roots` that has X's first segment (a file or folder); left as it is
/// when none has it.
fn local_urls(data: &[u8], roots: &[std::path::PathBuf]) -> Vec<u8> {
    const SCHEME: &[u8] = b"local://";
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(i) = rest.windows(SCHEME.len()).position(|w| w == SCHEME) {
        out.extend_from_slice(&rest[..i]);
        rest = &rest[i + SCHEME.len()..];
        let segment = rest.iter().position(|b| matches!(b, b'/' | b'"' | b'\\')).map_or(rest, |n| &rest[..n]);
        let root = std::str::from_utf8(segment).ok().filter(|s| !s.is_empty() && !s.starts_with('.')).and_then(|s| roots.iter().find(|r| r.join(s).exists()));
        match root {
            Some(root) => out.extend_from_slice(format!("file://{}/", root.display()).as_bytes()),
            None => out.extend_from_slice(SCHEME),
        }
    }
    out.extend_from_slice(rest);
    out
}

/// Features of each geometry type with a few properties, for evaluation.
fn sample_features() -> Vec<Feature> {
    let props = |n: f64| {
        let mut p = Properties::default();
        p.insert("name", Value::String("Ab".into()));
        p.insert("n", Value::Number(n));
        p.insert("flag", Value::Bool(n > 1.0));
        p
    };
    let pt = |x, y| TilePoint::new(x, y);
    vec![
        Feature { id: Some(Value::Number(1.0)), geom_type: GeomType::Point, geometry: vec![vec![pt(10, 10)]], properties: props(0.5) },
        Feature {
            id: Some(Value::String("l".into())),
            geom_type: GeomType::LineString,
            geometry: vec![vec![pt(0, 0), pt(4096, 4096)]],
            properties: props(2.0),
        },
        Feature {
            id: None,
            geom_type: GeomType::Polygon,
            geometry: vec![vec![pt(0, 0), pt(100, 0), pt(100, 100), pt(0, 0)]],
            properties: props(-3.0),
        },
    ]
}

/// An expression (or an expression test's `{"expression": ..}` object), as
/// a value and as a filter, evaluated against each sample feature at a few
/// zooms; an expression test also as the conformance runner compiles and
/// evaluates it, with its own property spec and inputs.
pub fn expression(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let expr = json.get("expression").unwrap_or(&json);
    let compiled = parse_expression(expr, None).ok();
    let filter = Filter::parse(expr).ok();
    let features = sample_features();
    let state = Properties::default();
    for zoom in [0.0, 7.5, 22.0] {
        for f in &features {
            let ctx = EvaluationContext {
                zoom: Some(zoom),
                feature: Some(f),
                feature_state: Some(&state),
                canonical: Some(TileId::new(1, 0, 0)),
                ..EvaluationContext::new()
            };
            let value = compiled.as_ref().map(|e| e.evaluate(&ctx));
            if let Some(flt) = &filter {
                let matched = flt.matches(&ctx);
                // An expression filter matches where the expression is true
                // (an error or another value does not match).
                if let (true, Some(value)) = (mapcore::style::filter::is_expression_filter(expr), &value) {
                    assert_eq!(matched, matches!(value, Ok(Value::Bool(true))), "the filter and its expression disagree: {value:?}");
                }
            }
        }
    }
    // The test's own inputs (properties, geometries, feature states, global
    // state and images) reach what the sample features cannot: number-format's
    // options, within and distance over real geometries.
    if json.get("expression").is_some() {
        if let Ok(Ok(e)) = conformance::compile(&json) {
            conformance::for_each_input(&json, |_, ctx| {
                let _ = e.evaluate(ctx);
            });
        }
    }
}

/// A vector tile (gzip'd or not), all layers, then one layer by name.
pub fn mvt(data: &[u8]) {
    if let Ok(tile) = mapcore::source::decode_tile(data, None) {
        if let Some(first) = tile.layers.first() {
            // Decoding one layer by name gives that layer as the whole
            // tile's decoding does (the others skipped unread).
            let name = first.name.clone();
            let wanted = |n: &str| n == name;
            let one = mapcore::source::decode_tile(data, Some(&wanted)).expect("a layer of a tile that decodes");
            let same: Vec<_> = tile.layers.iter().filter(|l| l.name == name).collect();
            assert!(one.layers.iter().eq(same), "layer {name:?} decoded alone differs");
        }
    }
}

/// GeoJSON text: indexed as a source (with a small tile cache, then
/// clustered with a cluster property), then a few tiles cut from it (the
/// world, and down the first quadrant to zoom 14, and the world again).
pub fn geojson(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    // Unclustered with a small tile cache (eviction and re-cutting: each
    // tile must equal an index that keeps everything), then clustered with a
    // cluster property.
    let small = GeoJsonOptions { cache_bytes: 32 << 10, ..GeoJsonOptions::default() };
    let unbounded = GeoJsonIndex::from_json(data, GeoJsonOptions { cache_bytes: u64::MAX, ..GeoJsonOptions::default() }).ok();
    // With little room for cut geometry the build stops early and tiles
    // are cut alone down their way, or fail past the limit: a tile made
    // must be the same.
    let narrow = GeoJsonIndex::from_json(data, GeoJsonOptions { cut_bytes: 8 << 10, ..small.clone() }).ok();
    // Read under a byte limit the read either stops, saying so, or gives
    // the same index (its tiles compared below).
    let metered = match GeoJsonIndex::from_json(data, GeoJsonOptions { max_read_bytes: 4 * data.len() as u64, ..small.clone() }) {
        Err(mapcore::source::geojson::BuildError::TooBig { max }) => {
            assert_eq!(max, 4 * data.len() as u64);
            None
        }
        other => Some(other),
    };
    // The source's filter keeps what it matches: one matching everything is
    // no filter, and every feature `["has", "n"]` keeps has "n".
    let filtered = |filter: serde_json::Value| {
        let filter = Some(std::sync::Arc::new(mapcore::style::filter::Filter::parse(&filter).expect("a valid filter")));
        GeoJsonIndex::from_json(data, GeoJsonOptions { filter, cache_bytes: u64::MAX, ..GeoJsonOptions::default() })
    };
    let (everything, has_n) = (filtered(serde_json::json!(true)), filtered(serde_json::json!(["has", "n"])));
    // (A feature left out is not read further: its bad geometry fails nothing.)
    assert_eq!(everything.is_ok(), unbounded.is_some());
    let mut warnings = Vec::new();
    let properties = mapcore::style::cluster_properties::ClusterProperties::parse(
        &serde_json::json!({"s": ["+", ["to-number", ["get", "n"], 1]]}),
        "clusterProperties",
        &mut warnings,
    );
    let clustered = GeoJsonOptions { cluster: true, cluster_max_zoom: Some(9), cluster_properties: properties, ..small.clone() };
    for (clustering, options) in [(false, small), (true, clustered)] {
        // The runtime reads text (no JSON tree for coordinates); a parsed
        // value must give the same answer.
        let from_text = GeoJsonIndex::from_json(data, options.clone());
        let from_value = GeoJsonIndex::new(&json, options);
        assert_eq!(from_text.as_ref().err(), from_value.as_ref().err());
        if let (false, Some(metered)) = (clustering, &metered) {
            assert_eq!(from_text.as_ref().err(), metered.as_ref().err());
        }
        let Ok(index) = from_text else { continue };
        for (z, x, y) in [(0, 0, 0), (1, 1, 0), (3, 4, 3), (8, 128, 127), (14, 8192, 8191), (0, 0, 0), (8, 128, 127), (6, 63, 0)] {
            let tile = index.tile(z, x, y);
            if let (false, Some(all)) = (clustering, &unbounded) {
                let all = all.tile(z, x, y);
                if let Ok(everything) = &everything {
                    assert!(everything.tile(z, x, y) == all, "tile {z}/{x}/{y} differs under a filter matching everything");
                }
                if let Ok(Ok(Some(kept))) = has_n.as_ref().map(|h| h.tile(z, x, y)) {
                    let mut features = kept.layers.iter().flat_map(|l| l.features.iter());
                    assert!(features.all(|f| f.properties.get("n").is_some()), "a feature without \"n\" passed [\"has\", \"n\"]");
                }
                assert!(tile == all, "tile {z}/{x}/{y} differs from an index that keeps every tile");
                if let Some(Ok(cut)) = narrow.as_ref().map(|n| n.tile(z, x, y)) {
                    assert!(Ok(cut) == all, "tile {z}/{x}/{y} differs when cut with little room");
                }
                if let Some(Ok(read)) = &metered {
                    assert!(read.tile(z, x, y) == all, "tile {z}/{x}/{y} differs when read under a byte limit");
                }
            }
        }
    }
}

/// A glyph PBF range (ranges 0 and 1 of any stack).
pub fn glyph_pbf(data: &[u8]) {
    use mapcore::text::{glyph::SDF_BUFFER, pbf::MAX_GLYPH_SIZE};
    for range in [0, 1] {
        let Ok(decoded) = mapcore::text::pbf::decode_range(data, range) else { continue };
        // Each glyph once, of its range, within the size bounds, its bitmap
        // the size its metrics give (with the SDF border).
        let mut ids: Vec<u32> = decoded.glyphs.iter().map(|g| g.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), decoded.glyphs.len(), "a codepoint twice");
        for g in &decoded.glyphs {
            let m = &g.metrics;
            assert_eq!(g.id / 256, range);
            assert!(m.width <= MAX_GLYPH_SIZE && m.height <= MAX_GLYPH_SIZE && m.advance <= 4 * MAX_GLYPH_SIZE, "{m:?}");
            assert!(m.left.unsigned_abs() <= 4 * MAX_GLYPH_SIZE && m.top.unsigned_abs() <= 4 * MAX_GLYPH_SIZE, "{m:?}");
            if let Some(b) = &g.bitmap {
                assert_eq!((b.width, b.height, b.data.len()), (m.width + 2 * SDF_BUFFER, m.height + 2 * SDF_BUFFER, (b.width * b.height) as usize));
            }
        }
    }
}

/// A font file as a host adds one (`font_paths`, `add_font`): its faces
/// read, glyphs rendered to SDFs by codepoint and by glyph id (upright and
/// slanted, as synthetic italics are), and a mixed-script text shaped with
/// each face, as labels from local fonts are.
pub fn font(data: &[u8]) {
    // Panics in the font crates (ttf-parser, rustybuzz) are not mapcore's
    // to fix, but mapcore must not let them out: the library catches them
    // where it calls into those crates (`read_faces`, `Face::shaper`,
    // `shape_run`). The hook below lets such panics unwind instead of
    // stopping the run, and the run stops when one escapes the library,
    // except ttf-parser's debug assertions, which the fuzz build turns on and
    // a release build does not have (there the read is None). A panic in
    // mapcore's own code stops the run where it happens.
    upstream_panics();
    let run = std::panic::catch_unwind(|| font_faces(data));
    let seen = upstream_panics();
    if run.is_err() && !seen.ttf_parser_assertion {
        panic!("font target: a panic escaped the font library (above){}", seen.first.map_or(String::new(), |f| format!(" from {f}")));
    }
}

/// Font-crate panics seen on this thread (see [`font`]).
#[derive(Clone, Copy, Default)]
struct UpstreamPanics {
    ttf_parser_assertion: bool,
    /// Where the first one was (a crate's source file).
    first: Option<&'static str>,
}

thread_local! {
    static UPSTREAM_PANICS: std::cell::Cell<UpstreamPanics> = const {
        std::cell::Cell::new(UpstreamPanics { ttf_parser_assertion: false, first: None })
    };
}

/// The font-crate panics seen on this thread since the last call. Installs
/// (once) a panic hook that notes panics in crates from the registry and
/// passes every other panic to the hook before it (libfuzzer's, which stops
/// the run).
fn upstream_panics() -> UpstreamPanics {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map_or("", |l| l.file());
            let message = info.payload().downcast_ref::<&str>().copied().or_else(|| info.payload().downcast_ref::<String>().map(String::as_str));
            let crate_name = ["/ttf-parser-", "/rustybuzz-"].into_iter().find(|c| file.contains("/registry/src/") && file.contains(c));
            let Some(crate_name) = crate_name else { return previous(info) };
            let mut seen = UPSTREAM_PANICS.with(|p| p.get());
            if crate_name == "/ttf-parser-" && message.is_some_and(|m| m.starts_with("assertion failed")) {
                seen.ttf_parser_assertion = true;
            }
            seen.first = seen.first.or(Some(crate_name.trim_matches(|c| c == '/' || c == '-')));
            UPSTREAM_PANICS.with(|p| p.set(seen));
        }));
    });
    UPSTREAM_PANICS.with(|p| p.take())
}

fn font_faces(data: &[u8]) {
    use mapcore::text::font::FontLibrary;
    use mapcore::text::local_shaping::{glyph_key, shape_run};
    let library = FontLibrary::new();
    if library.add_bytes(data.to_vec(), "fuzz.ttf").is_err() {
        return;
    }
    for face in library.faces().iter().filter(|f| !f.bundled).take(4) {
        let _ = (face.name(), library.resolve(&face.name()));
        let Some(ttf) = face.parse() else { continue };
        for (i, c) in "Ag@\u{5d0}\u{628}\u{915}\u{1780}".chars().enumerate() {
            let _ = library.glyph_styled(face, &ttf, c as u32, i % 2 == 1);
        }
        let Some(shaper) = face.shaper() else { continue };
        for rtl in [None, Some(true)] {
            for glyph in shape_run(face, &shaper, "Hi \u{5e9}\u{5dc}\u{5d5}\u{5dd} \u{639}\u{631}\u{628}\u{64a} \u{939}\u{93f}\u{928}\u{94d}\u{926}\u{940}", rtl).iter().take(16) {
                if let Some(key) = glyph_key(face.id, glyph.gid) {
                    let _ = library.glyph_by_id(face, &ttf, glyph.gid, key, rtl.is_some());
                }
            }
        }
    }
}

/// A sprite: the first two bytes give the index's length (little endian),
/// the index JSON follows, then the PNG sheet (screened by pixel count first,
/// as the runtime does). The index is sliced again over a made-up sheet.
pub fn sprite(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let n = (u16::from_le_bytes([data[0], data[1]]) as usize).min(data.len() - 2);
    let (index, png) = data[2..].split_at(n);
    if mapcore::source::raster::check_image_pixels(png, MAX_PIXELS).is_ok() {
        let _ = mapcore::map::sprites::slice("fuzz", index, png, 1 << 20, mapcore::runtime::Limits::DEFAULT_MAX_SPRITE_IMAGES as usize);
    }
    // The index again, over a sheet made here (the image part's first two
    // bytes give its size, up to 64 x 64): a mutated PNG rarely decodes (its
    // CRCs break), so without this few inputs reach the entries' checks and
    // their stretch metadata. PNG decoding has the image target.
    if let Ok(index) = serde_json::from_slice::<serde_json::Value>(index) {
        let side = |i: usize| png.get(i).map_or(0, |b| u32::from(*b % 65));
        let (width, height) = (side(0), side(1));
        // Bytes that differ by place, so that a misplaced copy shows.
        let data = (0..width * height * 4).map(|i| (i % 251) as u8).collect();
        let sheet = mapcore::render::png_io::Rgba8 { width, height, data };
        if let Ok(sliced) = mapcore::map::sprites::slice_sheet("fuzz", &index, &sheet, mapcore::runtime::Limits::DEFAULT_MAX_SPRITE_IMAGES as usize) {
            for (name, image) in &sliced.images {
                let name = name.strip_prefix("fuzz:").expect("a sheet's images are named by its id");
                assert_sliced_from(&index[name], &sheet, image);
            }
        }
    }
}

/// A sprite image is its index entry's rectangle of the sheet, its stretch
/// zones ascending inside it and its content box inside it.
fn assert_sliced_from(entry: &serde_json::Value, sheet: &mapcore::render::png_io::Rgba8, image: &mapcore::style::image::StyleImage) {
    let at = |k: &str| entry[k].as_f64().expect("a sliced image's entry has whole numbers") as usize;
    let (x, y, w, h) = (at("x"), at("y"), at("width"), at("height"));
    assert_eq!((image.width as usize, image.height as usize, image.rgba.len()), (w, h, w * h * 4));
    let row = |r: usize| &sheet.data[((y + r) * sheet.width as usize + x) * 4..][..w * 4];
    assert!((0..h).all(|r| &image.rgba[r * w * 4..][..w * 4] == row(r)), "sprite image {w}x{h} at {x},{y} is not its rectangle");
    let ascending = |zones: &[[f32; 2]], size: usize| zones.iter().try_fold(0.0, |after, &[a, b]| (a >= after && b >= a && b <= size as f32).then_some(b)).is_some();
    assert!(ascending(&image.stretch.x, w) && ascending(&image.stretch.y, h), "{:?}", image.stretch);
    if let Some([l, t, r, b]) = image.stretch.content {
        assert!(0.0 <= l && l < r && r <= w as f32 && 0.0 <= t && t < b && b <= h as f32, "{:?}", image.stretch);
    }
}

/// A raster tile or image (PNG, JPEG, WebP): header screened, then decoded.
pub fn image(data: &[u8]) {
    if mapcore::source::raster::check_image_pixels(data, MAX_PIXELS).is_ok() {
        // What decodes has the size its header declared: the pixel bound,
        // checked on the header, holds for the decoded image.
        if let Ok(image) = mapcore::source::raster::decode_image(data) {
            assert_eq!(mapcore::source::raster::image_dimensions(data), Some((image.width, image.height)), "decoded size differs from the header's");
            assert_eq!(image.data.len(), image.width as usize * image.height as usize * 4);
        }
    }
}

/// A TileJSON document, and the tile URLs it gives.
pub fn tilejson(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(tj) = mapcore::source::TileJson::parse(text, 1 << 20) {
        let _ = tj.is_raster();
        for id in [TileId::new(0, 0, 0), TileId::new(14, 8802, 5374)] {
            let _ = tj.url_for(id, 2.0);
        }
    }
}

/// Archive bytes held in memory.
struct Bytes(Vec<u8>);

impl ByteSource for Bytes {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, ArchiveError> {
        let end = offset.checked_add(len).filter(|e| *e <= self.0.len() as u64);
        match end {
            Some(end) => Ok(self.0[offset as usize..end as usize].to_vec()),
            None => Err(ArchiveError::Corrupt(format!("read of {len} bytes at {offset} past the end ({})", self.0.len()))),
        }
    }
}

/// A PMTiles archive: its header and root directory on their own, then
/// opened as the runtime opens one and asked for a few tiles.
pub fn pmtiles(data: &[u8]) {
    let _ = pmtiles::Header::parse(data);
    let _ = pmtiles::decode_directory(data);
    if let Ok(archive) = PmTiles::open(Box::new(Bytes(data.to_vec()))) {
        for (z, x, y) in [(0, 0, 0), (1, 1, 1), (14, 8802, 5374)] {
            let _ = archive.tile(z, x, y);
        }
    }
}

/// An archive file as a host opens one (`open_file`: PMTiles or MBTiles by
/// its first bytes, then its metadata and a few tiles), and (with the
/// `mbtiles` feature) as MBTiles under a read limit small enough to meet.
/// SQLite reads files, so the input is written to a scratch file first.
pub fn mbtiles(data: &[u8]) {
    fn read_some(a: &dyn Archive) {
        let _ = a.metadata().tilejson("t/{z}/{x}/{y}");
        for (z, x, y) in [(0, 0, 0), (1, 1, 1), (14, 8802, 5374)] {
            let _ = a.tile(z, x, y);
        }
    }
    let Some(file) = ScratchFile::new("archive", data) else { return };
    if let Ok(a) = mapcore::source::archive::open_file(&file.0) {
        read_some(&*a);
    }
    #[cfg(feature = "mbtiles")]
    {
        let limit = mapcore::source::archive::ReadLimit { bytes: 512, name: "the fuzz target's limit" };
        if let Ok(a) = mapcore::source::archive::mbtiles::MbTiles::open(&file.0, limit) {
            read_some(&a);
        }
    }
}

/// A file holding an input, removed when dropped: in /dev/shm where there
/// is one (no disk writes per input), named by process and a counter.
struct ScratchFile(std::path::PathBuf);

impl ScratchFile {
    fn new(what: &str, data: &[u8]) -> Option<ScratchFile> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("mapcore-fuzz-{what}-{}-{n}", std::process::id()));
        std::fs::write(&path, data).ok()?;
        Some(ScratchFile(path))
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Reads the fuzz input as a sequence of operations.
struct Ops<'a> {
    data: &'a [u8],
}

impl<'a> Ops<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.data.split_first()?;
        self.data = rest;
        Some(*b)
    }
    fn u16(&mut self) -> u16 {
        u16::from(self.byte().unwrap_or(0)) | u16::from(self.byte().unwrap_or(0)) << 8
    }
    /// A length-prefixed chunk (one byte of length, times 4 when the high
    /// bit is set, so chunks reach 508 bytes).
    fn chunk(&mut self) -> &'a [u8] {
        let b = self.byte().unwrap_or(0) as usize;
        let n = if b & 0x80 != 0 { (b & 0x7f) * 4 } else { b }.min(self.data.len());
        let (c, rest) = self.data.split_at(n);
        self.data = rest;
        c
    }
    /// One of `pool` (JSON the call accepts, so that a sequence gets past
    /// validation into the work behind it), or (for the last index) a
    /// chunk of the input.
    fn json(&mut self, pool: &[&'static str]) -> &'a [u8] {
        let i = self.byte().unwrap_or(0) as usize % (pool.len() + 1);
        match pool.get(i) {
            Some(s) => s.as_bytes(),
            None => self.chunk(),
        }
    }
    fn f64(&mut self) -> f64 {
        let raw = self.u16();
        // Mostly ordinary values, sometimes extremes.
        match raw % 16 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => -1e300,
            _ => (raw as f64 - 32768.0) / 100.0,
        }
    }
    /// One of `pool`, or (for the last index) a string from the input:
    /// possibly bad UTF-8, never with a NUL.
    fn string(&mut self, pool: &[&str]) -> CString {
        let i = self.byte().unwrap_or(0) as usize % (pool.len() + 1);
        match pool.get(i) {
            Some(s) => CString::new(*s).expect("no NUL"),
            None => CString::new(self.chunk().iter().copied().filter(|b| *b != 0).collect::<Vec<u8>>()).expect("NULs removed"),
        }
    }
}

const STYLES: &[&str] = &[
    r##"{"version":8,"sources":{"p":{"type":"geojson","data":{"type":"FeatureCollection","features":[
        {"type":"Feature","id":1,"properties":{"name":"Ab","n":3},"geometry":{"type":"Point","coordinates":[0,0]}},
        {"type":"Feature","properties":{"n":1},"geometry":{"type":"LineString","coordinates":[[-10,-10],[10,10]]}},
        {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-5,-5],[5,-5],[5,5],[-5,-5]]]}}]},"lineMetrics":true},
      "t":{"type":"vector","tiles":["fuzz://tiles/{z}/{x}/{y}.mvt"]},
      "r":{"type":"raster","tiles":["fuzz://raster/{z}/{x}/{y}.png"],"tileSize":256}},
     "layers":[{"id":"bg","type":"background","paint":{"background-color":"#eee"}},
      {"id":"fill","type":"fill","source":"p","paint":{"fill-color":["get","name"],"fill-outline-color":"red"}},
      {"id":"line","type":"line","source":"p","paint":{"line-width":["get","n"],"line-dasharray":[2,1]}},
      {"id":"circle","type":"circle","source":"p","paint":{"circle-radius":["*",2,["get","n"]]}},
      {"id":"label","type":"symbol","source":"p","layout":{"text-field":["get","name"],"icon-image":"dot"}},
      {"id":"tiles","type":"line","source":"t","source-layer":"water"},
      {"id":"tfill","type":"fill","source":"t","source-layer":"landuse"},
      {"id":"raster","type":"raster","source":"r","paint":{"raster-opacity":0.5}}]}"##,
    r#"{"version":8,"sources":{},"layers":[{"id":"bg","type":"background"}]}"#,
    r#"{"version":8,"sources":{"t":{"type":"vector","url":"fuzz://tilejson"}},"layers":[{"id":"x","type":"circle","source":"t","source-layer":"poi"}]}"#,
    // A remote PMTiles archive, read in byte ranges through the provider
    // (answered from PAYLOADS when the sequence picks it), centred on the
    // square its tile holds.
    r#"{"version":8,"center":[-174.7,84.5],"zoom":2,"sources":{"t":{"type":"vector","url":"pmtiles://https://fuzz/a.pmtiles"}},"layers":[{"id":"tiles","type":"line","source":"t","source-layer":"water"},{"id":"tfill","type":"fill","source":"t","source-layer":"water"}]}"#,
];
/// Layers, sources, property values, filters, feature states and query
/// options that pass validation, over the first style's sources.
const LAYERS: &[&str] = &[
    r#"{"id":"f2","type":"fill","source":"p","filter":["==","$type","Polygon"],"paint":{"fill-pattern":"dot","fill-opacity":0.5}}"#,
    r#"{"id":"l2","type":"line","source":"p","layout":{"line-cap":"round"},"paint":{"line-gradient":["interpolate",["linear"],["line-progress"],0,"red",1,"blue"]}}"#,
    r#"{"id":"s2","type":"symbol","source":"p","layout":{"text-field":"{name}","symbol-placement":"line","text-allow-overlap":true}}"#,
    r#"{"id":"c2","type":"circle","source":"p","paint":{"circle-radius":["feature-state","n"],"circle-color":["case",["boolean",["feature-state","hover"],false],"red","blue"]}}"#,
    r#"{"id":"h2","type":"heatmap","source":"p","paint":{"heatmap-radius":8}}"#,
    r#"{"id":"e2","type":"fill-extrusion","source":"p","paint":{"fill-extrusion-height":["*",1000,["get","n"]]}}"#,
    r#"{"id":"bg2","type":"background","paint":{"background-pattern":"dot"}}"#,
];
const SOURCES: &[&str] = &[
    r#"{"type":"geojson","promoteId":"n","data":{"type":"Feature","id":"l","properties":{"n":2},"geometry":{"type":"LineString","coordinates":[[0,0],[20,5]]}}}"#,
    r#"{"type":"geojson","data":"fuzz://data.geojson","cluster":true}"#,
    r#"{"type":"vector","tiles":["fuzz://v/{z}/{x}/{y}.pbf"],"maxzoom":2,"promoteId":{"water":"name"}}"#,
    r#"{"type":"raster","url":"fuzz://tilejson","tileSize":512}"#,
    r#"{"type":"image","url":"fuzz://image.png","coordinates":[[-10,10],[10,10],[10,-10],[-10,-10]]}"#,
    r#"{"type":"vector","url":"pmtiles://https://fuzz/b.pmtiles"}"#,
];
const VALUES: &[&str] = &[
    r#""red""#,
    "3",
    r#"["get","n"]"#,
    r#"["interpolate",["linear"],["zoom"],0,1,10,5]"#,
    r#""none""#,
    r#""{name}""#,
    "[2,1]",
    "null",
    r#"["step",["get","n"],"dot",2,"x"]"#,
];
const FILTERS: &[&str] = &[r#"["==","n",3]"#, r#"["all",["has","name"],["!=","$type","Point"]]"#, r#"[">",["get","n"],1]"#, "null"];
const STATES: &[&str] = &[r#"{"hover":true}"#, r#"{"n":2,"hover":false}"#, "{}"];
const QUERIES: &[&str] = &[r#"{"layers":["fill","circle","label"]}"#, r#"{"filter":["==","n",3]}"#, "{}"];
const IDS: &[&str] = &["bg", "fill", "line", "circle", "label", "tiles", "p", "t", "r", "dot", "name", "n", "f2", "l2", "s2", "c2", "h2", "e2"];
const PROPERTIES: &[&str] = &["fill-color", "line-width", "circle-radius", "visibility", "text-field", "icon-image", "line-dasharray", "line-offset", "icon-text-fit"];

/// Resources the provider can answer with, whole or (for range requests)
/// sliced: a PMTiles archive of one z0 vector tile ("water"), plain and
/// gzipped; a vector tile; a sprite sheet and its index; a TileJSON; GeoJSON;
/// a style whose URLs are relative.
const PAYLOADS: &[&[u8]] = &[
    include_bytes!("../seeds/pmtiles/one_tile.pmtiles"),
    include_bytes!("../seeds/pmtiles/one_tile_gzip.pmtiles"),
    include_bytes!("../../../tests/fixtures/tiles/counties-7-37-48.mvt"),
    include_bytes!("../../../tests/fixtures/sprites/berlin.png"),
    include_bytes!("../../../tests/fixtures/sprites/berlin.json"),
    br#"{"tilejson":"2.2.0","tiles":["fuzz://v/{z}/{x}/{y}.pbf"],"maxzoom":3}"#,
    br#"{"type":"Feature","id":7,"properties":{"n":4},"geometry":{"type":"Point","coordinates":[1,1]}}"#,
    // A style with relative URLs (for set_style_url).
    br#"{"version":8,"sprite":"../sprites/s","glyphs":"fonts/{fontstack}/{range}.pbf","sources":{"v":{"type":"vector","url":"./tiles.json"},"g":{"type":"geojson","data":"data/g.geojson"}},
        "layers":[{"id":"c","type":"circle","source":"g"},{"id":"w","type":"fill","source":"v","source-layer":"water"},{"id":"s","type":"symbol","source":"g","layout":{"text-field":"x","icon-image":"dot"}}]}"#,
];

/// What the provider answers with (set by the sequence).
struct Answers {
    payload: std::sync::Mutex<Answer>,
}

/// The provider's next answers: data (a range request gets its slice of
/// it), not found, or a failure.
enum Answer {
    Data(Vec<u8>),
    NotFound,
    Fail,
}

unsafe extern "C" fn provide(user_data: *mut c_void, info: *const mapcore_resource_info, request: mapcore_resource_request) -> u32 {
    let answers = &*(user_data as *const Answers);
    let (offset, length) = info.as_ref().map_or((0, 0), |i| (i.range_offset, i.range_length));
    match answers.payload.lock().as_deref() {
        Ok(Answer::NotFound) => mapcore_resource_request_not_found(request),
        Ok(Answer::Fail) | Err(_) => mapcore_resource_request_fail(request, c"fuzz".as_ptr()),
        Ok(Answer::Data(bytes)) => {
            // A range: its bytes (fewer at the end; past the end, none).
            let start = (offset.min(bytes.len() as u64)) as usize;
            let end = if length == 0 { bytes.len() } else { (offset.saturating_add(length).min(bytes.len() as u64)) as usize };
            let slice = &bytes[start..end.max(start)];
            mapcore_resource_request_complete(request, slice.as_ptr(), slice.len())
        }
    };
    mapcore_resource_request_release(request);
    1 // MAPCORE_PROVIDER_HANDLED
}

/// Log records at every level (read, then dropped): the library's logging
/// runs as it does under a host's callback.
unsafe extern "C" fn log_sink(_user_data: *mut c_void, _level: u32, target: *const c_char, message: *const c_char) {
    for s in [target, message] {
        if !s.is_null() {
            let _ = std::ptr::read_volatile(&std::ffi::CStr::from_ptr(s).to_bytes().len());
        }
    }
}

/// Makes `provide`, answering from `answers`, the runtime's provider
/// (`answers` must outlive the runtime).
unsafe fn set_provider(rt: mapcore_runtime, answers: &Arc<Answers>) -> mapcore_status {
    let provider = mapcore_resource_provider {
        size: std::mem::size_of::<mapcore_resource_provider>(),
        request: Some(provide),
        cancel: None,
        user_data: Arc::as_ptr(answers) as *mut c_void,
    };
    mapcore_runtime_set_resource_provider(rt, &provider)
}

/// Calls the C API in a sequence decoded from the input: styles, camera
/// moves, runtime styling, images, feature state, queries, renders, resizes,
/// destroyed and recreated objects and stale handles, styles by URL, with a
/// provider that answers every request as the sequence last chose: one of
/// PAYLOADS or bytes from the input (range requests get their slice), not
/// found, or a failure. Only the library's own invariants are checked here
/// (no crash, no hang); statuses are whatever they are.
pub fn capi(data: &[u8]) {
    let mut ops = Ops { data };
    let answers = Arc::new(Answers { payload: std::sync::Mutex::new(Answer::Data(Vec::new())) });
    unsafe {
        mapcore_log_set_callback(Some(log_sink), std::ptr::null_mut(), 5); // MAPCORE_LOG_TRACE
        let mut rt = mapcore_runtime { id: 0 };
        let mut options = mapcore_runtime_options_default();
        options.worker_threads = 1;
        options.render_threads = 1;
        options.max_image_pixels = MAX_PIXELS;
        if mapcore_runtime_create(&options, &mut rt) != mapcore_status::MAPCORE_STATUS_OK {
            return;
        }
        set_provider(rt, &answers);
        let mut map = mapcore_map { id: 0 };
        let mut map_options = mapcore_map_options_default();
        map_options.width = 32;
        map_options.height = 32;
        mapcore_map_create(rt, &map_options, &mut map);
        let mut session = mapcore_render_session { id: 0 };
        mapcore_render_session_create_texture(map, 32, 32, 1.0, &mut session);
        let mut buffer: Vec<u8> = Vec::new();
        let mut stale_map = mapcore_map { id: 0 };
        let mut stale_session = mapcore_render_session { id: 0 };
        let mut out_json: *mut c_char = std::ptr::null_mut();
        let take_json = |p: &mut *mut c_char| {
            if !p.is_null() {
                mapcore_string_free(*p);
                *p = std::ptr::null_mut();
            }
        };
        for _ in 0..48 {
            let Some(op) = ops.byte() else { break };
            // Now and then an operation goes to a destroyed object instead.
            let (m, s) = if op >= 0xF0 { (stale_map, stale_session) } else { (map, session) };
            match op % 24 {
                0 => {
                    let style = STYLES[ops.byte().unwrap_or(0) as usize % STYLES.len()];
                    mapcore_map_set_style_json(m, style.as_ptr() as *const c_char, style.len());
                }
                1 if op & 0x40 != 0 => {
                    // A style by URL, loaded through the provider (its
                    // relative URLs resolved against the style's).
                    let url = ops.string(&["https://fuzz/styles/style.json", "fuzz://style.json", "file:///etc/passwd", "pmtiles://https://fuzz/a.pmtiles"]);
                    mapcore_map_set_style_url(m, url.as_ptr());
                }
                1 => {
                    let json = ops.chunk();
                    mapcore_map_set_style_json(m, json.as_ptr() as *const c_char, json.len());
                }
                2 => {
                    let mut cam = mapcore_camera_default();
                    cam.fields = ops.byte().unwrap_or(0xF) as u32;
                    cam.longitude = ops.f64();
                    cam.latitude = ops.f64();
                    cam.zoom = ops.f64().abs() % 30.0;
                    cam.bearing = ops.f64();
                    cam.pitch = ops.f64();
                    mapcore_map_jump_to(m, &cam);
                }
                3 => {
                    let mut complete = false;
                    mapcore_render_session_render_frame(s, &mut complete);
                }
                4 => {
                    mapcore_render_session_render_still(s, ops.byte().unwrap_or(0) as u32 % 50);
                }
                5 => {
                    let mut n = 0;
                    mapcore_runtime_pump(rt, 0, &mut n);
                }
                6 => {
                    let id = ops.string(IDS);
                    let json = ops.json(SOURCES);
                    mapcore_map_add_source(m, id.as_ptr(), json.as_ptr() as *const c_char, json.len());
                }
                7 => {
                    let id = ops.string(IDS);
                    mapcore_map_remove_source(m, id.as_ptr());
                }
                8 => {
                    let json = ops.json(LAYERS);
                    let before = ops.string(IDS);
                    let before = if ops.byte().unwrap_or(0) % 2 == 0 { std::ptr::null() } else { before.as_ptr() };
                    mapcore_map_add_layer(m, json.as_ptr() as *const c_char, json.len(), before);
                }
                9 => {
                    let id = ops.string(IDS);
                    mapcore_map_remove_layer(m, id.as_ptr());
                }
                10 | 11 => {
                    let (layer, name, json) = (ops.string(IDS), ops.string(PROPERTIES), ops.json(VALUES));
                    let set = if op % 24 == 10 { mapcore_map_set_paint_property } else { mapcore_map_set_layout_property };
                    set(m, layer.as_ptr(), name.as_ptr(), json.as_ptr() as *const c_char, json.len());
                    let get = if op % 24 == 10 { mapcore_map_get_paint_property } else { mapcore_map_get_layout_property };
                    get(m, layer.as_ptr(), name.as_ptr(), &mut out_json);
                    take_json(&mut out_json);
                }
                12 => {
                    let (layer, json) = (ops.string(IDS), ops.json(FILTERS));
                    mapcore_map_set_filter(m, layer.as_ptr(), json.as_ptr() as *const c_char, json.len());
                }
                13 => {
                    let id = ops.string(IDS);
                    let (w, h) = (ops.byte().unwrap_or(1) as u32 % 40, ops.byte().unwrap_or(1) as u32 % 40);
                    let stride = w as usize * 4 + ops.byte().unwrap_or(0) as usize % 8;
                    let pixels = vec![ops.byte().unwrap_or(128); stride * h as usize];
                    let ratio = [1.0, 2.0, 0.0, f32::NAN, 16.5][ops.byte().unwrap_or(0) as usize % 5];
                    mapcore_map_add_image(m, id.as_ptr(), pixels.as_ptr(), w, h, stride, ratio, op & 1 == 1);
                }
                14 => {
                    let id = ops.string(IDS);
                    mapcore_map_remove_image(m, id.as_ptr());
                }
                15 => {
                    let (source, layer, id, json) = (ops.string(IDS), ops.string(IDS), ops.string(&["1", "l", "x"]), ops.json(STATES));
                    mapcore_map_set_feature_state(m, source.as_ptr(), layer.as_ptr(), id.as_ptr(), json.as_ptr() as *const c_char, json.len());
                    mapcore_map_get_feature_state(m, source.as_ptr(), layer.as_ptr(), id.as_ptr(), &mut out_json);
                    take_json(&mut out_json);
                    if op & 1 == 1 {
                        let key = ops.string(IDS);
                        mapcore_map_remove_feature_state(m, source.as_ptr(), layer.as_ptr(), id.as_ptr(), key.as_ptr());
                    }
                }
                16 => {
                    let mut g = mapcore_query_geometry_default();
                    g.type_ = ops.byte().unwrap_or(0) as u32 % 3;
                    (g.x1, g.y1, g.x2, g.y2) = (ops.f64(), ops.f64(), ops.f64(), ops.f64());
                    // The whole view (NULL), the view's centre (where the
                    // first style draws its features) or a box around it,
                    // or anywhere.
                    let geometry = match ops.byte().unwrap_or(0) % 4 {
                        0 => std::ptr::null(),
                        1 => {
                            (g.type_, g.x1, g.y1) = (0, 16.0, 16.0);
                            &g as *const mapcore_query_geometry
                        }
                        2 => {
                            (g.type_, g.x1, g.y1, g.x2, g.y2) = (1, 10.0, 12.0, 21.0, 19.0);
                            &g as *const mapcore_query_geometry
                        }
                        _ => &g,
                    };
                    let json = ops.json(QUERIES);
                    mapcore_map_query_rendered_features(m, geometry, json.as_ptr() as *const c_char, json.len(), &mut out_json);
                    take_json(&mut out_json);
                }
                17 => {
                    let (source, layer, json) = (ops.string(IDS), ops.string(&["water", "poi"]), ops.json(FILTERS));
                    mapcore_map_query_source_features(m, source.as_ptr(), layer.as_ptr(), json.as_ptr() as *const c_char, json.len(), &mut out_json);
                    take_json(&mut out_json);
                }
                18 => {
                    let (w, h) = (ops.byte().unwrap_or(1) as u32 % 70, ops.byte().unwrap_or(1) as u32 % 70);
                    let ratio = [1.0, 1.5, 3.0, -1.0][ops.byte().unwrap_or(0) as usize % 4];
                    mapcore_render_session_resize(s, w, h, ratio);
                }
                19 => {
                    let mut info = mapcore_image_info_default();
                    mapcore_render_session_read_pixels(s, std::ptr::null_mut(), 0, &mut info);
                    let mut dst = vec![0u8; info.byte_length.min(1 << 22)];
                    mapcore_render_session_read_pixels(s, dst.as_mut_ptr(), dst.len(), &mut info);
                    let mut pixels: *const u8 = std::ptr::null();
                    let mut info = mapcore_image_info_default();
                    if mapcore_render_session_acquire_frame(s, &mut pixels, &mut info) == mapcore_status::MAPCORE_STATUS_OK {
                        if info.byte_length > 0 && !pixels.is_null() {
                            let _ = std::ptr::read_volatile(pixels.add(info.byte_length - 1));
                        }
                        mapcore_render_session_release_frame(s);
                    }
                }
                20 => {
                    let mut events: *const mapcore_event = std::ptr::null();
                    let mut count = 0;
                    mapcore_runtime_drain_events(rt, &mut events, &mut count);
                }
                21 => {
                    let (mut a, mut b) = (0.0, 0.0);
                    mapcore_map_pixel_for_lnglat(m, ops.f64(), ops.f64(), &mut a, &mut b);
                    mapcore_map_lnglat_for_pixel(m, ops.f64(), ops.f64(), &mut a, &mut b);
                    mapcore_map_get_style_json(m, &mut out_json);
                    take_json(&mut out_json);
                }
                22 => {
                    // The provider's next answers.
                    let next = match ops.byte().unwrap_or(0) as usize % (PAYLOADS.len() + 3) {
                        i if i < PAYLOADS.len() => Answer::Data(PAYLOADS[i].to_vec()),
                        i if i == PAYLOADS.len() => Answer::NotFound,
                        i if i == PAYLOADS.len() + 1 => Answer::Fail,
                        _ => Answer::Data(ops.chunk().to_vec()),
                    };
                    if let Ok(mut p) = answers.payload.lock() {
                        *p = next;
                    }
                }
                _ => match ops.byte().unwrap_or(0) % 3 {
                    0 => {
                        // A new texture session (the old one becomes stale).
                        mapcore_render_session_destroy(session);
                        stale_session = session;
                        session = mapcore_render_session { id: 0 };
                        mapcore_render_session_create_texture(map, 24, 16, 2.0, &mut session);
                    }
                    1 => {
                        // A buffer session over memory that outlives it.
                        mapcore_render_session_destroy(session);
                        stale_session = session;
                        session = mapcore_render_session { id: 0 };
                        buffer = vec![0; 20 * 4 * 10];
                        mapcore_render_session_create_buffer(map, 20, 10, 1.0, buffer.as_mut_ptr(), 80, buffer.len(), &mut session);
                    }
                    _ => {
                        // A new map (the old one and its session become stale).
                        mapcore_render_session_destroy(session);
                        mapcore_map_destroy(map);
                        (stale_map, stale_session) = (map, session);
                        (map, session) = (mapcore_map { id: 0 }, mapcore_render_session { id: 0 });
                        mapcore_map_create(rt, &map_options, &mut map);
                        mapcore_render_session_create_texture(map, 32, 32, 1.0, &mut session);
                    }
                },
            }
        }
        mapcore_render_session_destroy(session);
        mapcore_map_destroy(map);
        let status = mapcore_runtime_destroy(rt);
        assert_eq!(status, mapcore_status::MAPCORE_STATUS_OK, "runtime destroy after the sequence");
        drop(buffer);
    }
}

#[cfg(test)]
mod pools {
    use super::*;

    const OK: mapcore_status = mapcore_status::MAPCORE_STATUS_OK;

    /// Every entry of the capi target's pools passes its call's validation
    /// on the target's first style: a pool gone out of date would send the
    /// sequences back to the error paths, and no fuzz run would show it.
    #[test]
    fn every_capi_pool_entry_is_accepted() {
        unsafe {
            let mut rt = mapcore_runtime { id: 0 };
            assert_eq!(mapcore_runtime_create(&mapcore_runtime_options_default(), &mut rt), OK);
            let mut options = mapcore_map_options_default();
            (options.width, options.height) = (32, 32);
            let mut map = mapcore_map { id: 0 };
            assert_eq!(mapcore_map_create(rt, &options, &mut map), OK);
            let style = STYLES[0];
            assert_eq!(mapcore_map_set_style_json(map, style.as_ptr().cast(), style.len()), OK);
            for (i, source) in SOURCES.iter().enumerate() {
                let id = CString::new(format!("source{i}")).expect("no NUL");
                assert_eq!(mapcore_map_add_source(map, id.as_ptr(), source.as_ptr().cast(), source.len()), OK, "add_source {source}");
            }
            for layer in LAYERS {
                assert_eq!(mapcore_map_add_layer(map, layer.as_ptr().cast(), layer.len(), std::ptr::null()), OK, "add_layer {layer}");
            }
            for filter in FILTERS {
                assert_eq!(mapcore_map_set_filter(map, c"fill".as_ptr(), filter.as_ptr().cast(), filter.len()), OK, "set_filter {filter}");
            }
            for state in STATES {
                let status = mapcore_map_set_feature_state(map, c"p".as_ptr(), std::ptr::null(), c"1".as_ptr(), state.as_ptr().cast(), state.len());
                assert_eq!(status, OK, "set_feature_state {state}");
            }
            for value in VALUES {
                // Each value suits at least one of the properties the target sets.
                let accepted = IDS.iter().any(|layer| {
                    let layer = CString::new(*layer).expect("no NUL");
                    PROPERTIES.iter().any(|name| {
                        let name = CString::new(*name).expect("no NUL");
                        [mapcore_map_set_paint_property, mapcore_map_set_layout_property]
                            .iter()
                            .any(|set| set(map, layer.as_ptr(), name.as_ptr(), value.as_ptr().cast(), value.len()) == OK)
                    })
                });
                assert!(accepted, "no layer property of the target accepts {value}");
            }
            let geometry = mapcore_query_geometry_default();
            for query in QUERIES {
                let mut out: *mut c_char = std::ptr::null_mut();
                assert_eq!(mapcore_map_query_rendered_features(map, &geometry, query.as_ptr().cast(), query.len(), &mut out), OK, "query_rendered_features {query}");
                mapcore_string_free(out);
            }
            for filter in FILTERS {
                let mut out: *mut c_char = std::ptr::null_mut();
                let status = mapcore_map_query_source_features(map, c"p".as_ptr(), std::ptr::null(), filter.as_ptr().cast(), filter.len(), &mut out);
                assert_eq!(status, OK, "query_source_features {filter}");
                mapcore_string_free(out);
            }
            assert_eq!(mapcore_map_destroy(map), OK);
            assert_eq!(mapcore_runtime_destroy(rt), OK);
        }
    }

    /// The remote archive style draws its tile through the target's
    /// provider: the range requests get their slices of the archive, and a
    /// query of the whole view finds the tile's feature, so sequences that
    /// pick it reach remote archives, vector tile layout and query results.
    #[test]
    fn the_remote_archive_style_draws_through_the_providers_ranges() {
        unsafe {
            let answers = Arc::new(Answers { payload: std::sync::Mutex::new(Answer::Data(PAYLOADS[0].to_vec())) });
            let mut rt = mapcore_runtime { id: 0 };
            assert_eq!(mapcore_runtime_create(&mapcore_runtime_options_default(), &mut rt), OK);
            assert_eq!(set_provider(rt, &answers), OK);
            let mut options = mapcore_map_options_default();
            (options.width, options.height) = (32, 32);
            let mut map = mapcore_map { id: 0 };
            assert_eq!(mapcore_map_create(rt, &options, &mut map), OK);
            let style = STYLES.iter().find(|s| s.contains("pmtiles://https://")).expect("a remote archive style");
            assert_eq!(mapcore_map_set_style_json(map, style.as_ptr().cast(), style.len()), OK);
            let mut session = mapcore_render_session { id: 0 };
            assert_eq!(mapcore_render_session_create_texture(map, 32, 32, 1.0, &mut session), OK);
            assert_eq!(mapcore_render_session_render_still(session, 10_000), OK);
            let mut out: *mut c_char = std::ptr::null_mut();
            assert_eq!(mapcore_map_query_rendered_features(map, std::ptr::null(), std::ptr::null(), 0, &mut out), OK);
            let json = std::ffi::CStr::from_ptr(out).to_string_lossy().into_owned();
            mapcore_string_free(out);
            assert!(json.contains(r#""sourceLayer":"water""#), "the archive's tile was not drawn: {json}");
            assert_eq!(mapcore_render_session_destroy(session), OK);
            assert_eq!(mapcore_map_destroy(map), OK);
            assert_eq!(mapcore_runtime_destroy(rt), OK);
        }
    }

    /// The style payload loads by URL through the provider, so sequences
    /// that pick it reach style loading by URL and relative URL resolution.
    #[test]
    fn the_style_payload_loads_by_url() {
        unsafe {
            let style = PAYLOADS.iter().find(|p| p.starts_with(br#"{"version":8"#)).expect("a style payload");
            let answers = Arc::new(Answers { payload: std::sync::Mutex::new(Answer::Data(style.to_vec())) });
            let mut rt = mapcore_runtime { id: 0 };
            assert_eq!(mapcore_runtime_create(&mapcore_runtime_options_default(), &mut rt), OK);
            assert_eq!(set_provider(rt, &answers), OK);
            let mut map = mapcore_map { id: 0 };
            assert_eq!(mapcore_map_create(rt, &mapcore_map_options_default(), &mut map), OK);
            assert_eq!(mapcore_map_set_style_url(map, c"https://fuzz/styles/style.json".as_ptr()), OK);
            let mut n = 0;
            assert_eq!(mapcore_runtime_pump(rt, 0, &mut n), OK);
            let mut out: *mut c_char = std::ptr::null_mut();
            assert_eq!(mapcore_map_get_style_json(map, &mut out), OK);
            let json = std::ffi::CStr::from_ptr(out).to_string_lossy().into_owned();
            mapcore_string_free(out);
            assert!(json.contains(r#""data/g.geojson""#), "the style was not loaded: {json}");
            assert_eq!(mapcore_map_destroy(map), OK);
            assert_eq!(mapcore_runtime_destroy(rt), OK);
        }
    }
}

#[cfg(test)]
mod urls {
    use super::local_urls;

    /// `local://X` goes to the first root that has X's first segment, as
    /// the oracle runner (tests/oracle/X) and the render suite's runner
    /// (its assets) serve them; other URLs stay as they are.
    #[test]
    fn local_urls_go_to_the_root_that_has_their_first_segment() {
        let dir = std::env::temp_dir().join(format!("mapcore-fuzz-urls-{}", std::process::id()));
        let (oracle, assets) = (dir.join("oracle"), dir.join("assets"));
        for folder in [oracle.join("fill-extrusion"), assets.join("tiles")] {
            std::fs::create_dir_all(folder).expect("scratch folders");
        }
        let style = br#"{"a":"local://fill-extrusion/b.geojson","t":["local://tiles/{z}.mvt"],"n":"local://nowhere/x","u":"local://","p":"local://../etc"}"#;
        let out = String::from_utf8(local_urls(style, &[oracle.clone(), assets.clone()])).expect("UTF-8");
        let want = format!(
            r#"{{"a":"file://{}/fill-extrusion/b.geojson","t":["file://{}/tiles/{{z}}.mvt"],"n":"local://nowhere/x","u":"local://","p":"local://../etc"}}"#,
            oracle.display(),
            assets.display()
        );
        assert_eq!(out, want);
        std::fs::remove_dir_all(&dir).expect("scratch removed");
    }
}

#[cfg(test)]
mod archives {
    use mapcore::source::archive::{open_file, TileFormat};

    fn seed(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/mbtiles").join(name)
    }

    /// The mbtiles target's seeds are archives the reader opens, with tiles
    /// where they say (so mutations start from a working archive), and a
    /// vector tile above the target's small read limit (so the refusal runs).
    #[test]
    fn the_mbtiles_seeds_open_and_their_tiles_read() {
        let vector = open_file(&seed("vector.mbtiles")).expect("the vector seed opens");
        assert_eq!((vector.metadata().format, vector.metadata().minzoom, vector.metadata().maxzoom), (TileFormat::Mvt, 0, 1));
        let tile = vector.tile(0, 0, 0).expect("readable").expect("tile 0/0/0");
        assert!(tile.len() > 512, "above the target's read limit: {} bytes", tile.len());
        let raster = open_file(&seed("raster-sniffed.mbtiles")).expect("the raster seed opens");
        assert_eq!((raster.metadata().format, raster.metadata().minzoom), (TileFormat::Png, 1), "sniffed, zooms from the tiles");
        assert!(raster.tile(1, 1, 1).expect("readable").is_some(), "TMS row 0 is XYZ row 1");
        let limit = mapcore::source::archive::ReadLimit { bytes: 512, name: "a test limit" };
        let small = mapcore::source::archive::mbtiles::MbTiles::open(&seed("vector.mbtiles"), limit).expect("opens");
        use mapcore::source::archive::Archive;
        let e = small.tile(0, 0, 0).unwrap_err().to_string();
        assert!(e.contains("more than 512 (a test limit)"), "{e}");
    }
}
