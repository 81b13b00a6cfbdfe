//! Local glyphs benchmark: time to the first label drawn from local fonts
//! (a new runtime and map, a one-label style without a `glyphs` URL, one
//! still image: font matching, SDF glyphs rendered on workers, shaping,
//! placement, rasterizing) and the glyph cache's memory after it, for the
//! process's first runtime and for later ones (which share the bundled
//! faces' glyphs); and a
//! still image of 5,000 labels (shaping and placement throughput). Needs no
//! shared data.
//!
//! Run: `cargo bench --bench local_glyphs` (from rust/), or `make bench`.
//! `MAPCORE_BENCH_RUNS`: repetitions (default 7; the median is printed).

use mapcore::map::Map;
use mapcore::runtime::{Runtime, RuntimeOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn style(text: &str, font: &str) -> String {
    format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 1,
            "sources": {{"p": {{"type": "geojson", "data": {{"type": "Feature", "properties": {{"name": "{text}"}},
                "geometry": {{"type": "Point", "coordinates": [0, 0]}}}}}}}},
            "layers": [{{"id": "t", "type": "symbol", "source": "p",
                "layout": {{"text-field": ["get", "name"], "text-font": ["{font}"], "text-size": 24}}}}]}}"#
    )
}

/// 5,000 points with names (a 100 x 50 grid over the view) in one layer of
/// `font`: most labels collide, all are shaped.
fn many_labels(font: &str) -> String {
    let features: Vec<String> = (0..5000)
        .map(|i| {
            let (x, y) = ((i % 100) as f64 * 3.0 - 150.0, (i / 100) as f64 * 2.0 - 50.0);
            format!(
                r#"{{"type": "Feature", "properties": {{"name": "Place {i}"}}, "geometry": {{"type": "Point", "coordinates": [{x}, {y}]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 1,
            "sources": {{"p": {{"type": "geojson", "data": {{"type": "FeatureCollection", "features": [{}]}}}}}},
            "layers": [{{"id": "t", "type": "symbol", "source": "p",
                "layout": {{"text-field": ["get", "name"], "text-font": ["{font}"], "text-size": 12}}}}]}}"#,
        features.join(",")
    )
}

/// One cold run: (time to the first still image, cache glyphs, cache bytes).
fn first_label(style: &str, fonts: &[PathBuf]) -> (Duration, usize, usize) {
    let t = Instant::now();
    let options = RuntimeOptions { font_paths: fonts.to_vec(), ..Default::default() };
    let mut rt = Runtime::new(options).expect("runtime");
    rt.add_map(1, Map::new(1, 256, 128, 1.0));
    {
        let (map, core) = rt.map_mut(1).expect("map");
        map.set_style_json(style.as_bytes(), core).expect("style");
    }
    rt.render_still(1, Some(Duration::from_secs(60))).expect("still image");
    let elapsed = t.elapsed();
    let (glyphs, bytes) = rt.core_fonts_cache();
    (elapsed, glyphs, bytes)
}

fn main() {
    let runs: usize = std::env::var("MAPCORE_BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(7).max(1);
    let subsets = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../third_party/fonts/subsets");
    let cases = [
        ("Latin, bundled Noto Sans", style("Hamburg", "Noto Sans Regular"), vec![]),
        ("Devanagari, shaped (rustybuzz)", style("हिन्दी", "Noto Sans Devanagari Regular"), vec![subsets.clone()]),
        ("Arabic, shaped (rustybuzz)", style("العربية", "Noto Sans Arabic Regular"), vec![subsets]),
        ("5,000 Latin labels, bundled Noto Sans", many_labels("Noto Sans Regular"), vec![]),
    ];
    for (name, style, fonts) in &cases {
        let mut times = Vec::new();
        let mut cache = (0, 0);
        for _ in 0..runs {
            let (t, glyphs, bytes) = first_label(style, fonts);
            times.push(t);
            cache = (glyphs, bytes);
        }
        // The bundled faces' glyphs are shared by the process's runtimes: the
        // first runtime renders them, later ones take them (added fonts'
        // glyphs stay each runtime's own).
        let first = times[0];
        let mut later = times[1..].to_vec();
        later.sort();
        let later = later.get(later.len() / 2).map_or("-".to_string(), |t| format!("{:.1} ms", t.as_secs_f64() * 1e3));
        println!(
            "bench: local glyphs, first image ({name}): first runtime {:.1} ms, median of {} later runtimes {later}; glyph cache {} glyphs, {:.1} KiB",
            first.as_secs_f64() * 1e3,
            runs - 1,
            cache.0,
            cache.1 as f64 / 1024.0
        );
    }
}
