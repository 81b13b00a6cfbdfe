//! Streets benchmark: renders ../shared/bench/streets.json through the
//! engine's public Rust API and prints medians.
//!
//! Run: `cargo bench --bench streets` (from rust/). Environment:
//! * `MAPCORE_SHARED`: the shared folder (default: searched upwards from
//!   this crate for `shared/bench/streets.json`);
//! * `MAPCORE_BENCH_RUNS`: repetitions per figure (default 15);
//! * `MAPCORE_BENCH_THREADS`: comma-separated render thread counts (default `1,2`);
//! * `MAPCORE_BENCH_OUT`: write the rendered image there (PNG);
//! * `MAPCORE_BENCH_COMPARE`: a PNG to compare the rendered image with
//!   (pixelmatch with default options, plus exact pixel differences);
//! * `MAPCORE_BENCH_ONLY=rasterize`: time only the rasterizer;
//! * `MAPCORE_BENCH_STATS`: print the display list's runs of one paint;
//! * `MAPCORE_BENCH_PITCH`: the camera's pitch (degrees) instead of the style's;
//! * `MAPCORE_BENCH_KIND=fill|fill-only|line|circle`: rasterize only the
//!   background and commands of one kind (`fill-only`: fills without outlines).
//!
//! Figures: `first still` (new runtime + map, style parse, tile loading,
//! layout, rasterize), `re-render` (render_still again on the loaded map:
//! layout + rasterize), `layout` (symbol placement + build_display_list),
//! `symbols/tile` (symbol layout of every loaded tile, the work done once
//! per tile on workers, here on one thread), `placement` (symbol placement
//! only, the per-frame part), `prepare` (the rasterizer's once-per-list
//! preparation: polygon grouping, fill outlines stroked), `rasterize`
//! (rasterize only, the prepared display list: what a re-render does),
//! `pan layout` / `pan frame` (build_display_list only, and the whole frame,
//! for new views panned by a few pixels over tiles already loaded and laid
//! out: the per-frame work of an interactive map).

use mapcore::layout::{build_display_list, View};
use mapcore::map::camera::Camera;
use mapcore::map::{Map, Runtime};
use mapcore::render::display_list::DisplayList;
use mapcore::render::pixelmatch::{pixelmatch, PixelmatchOptions};
use mapcore::render::png_io::{decode_png, encode_image_png};
use mapcore::render::{rasterize, rasterize_prepared, Image, Prepared};
use mapcore::runtime::resource::{percent_decode, Decision, Provider, Request, Response};
use mapcore::runtime::RuntimeOptions;
use mapcore::symbol::placement::place;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Serves `local://X` from the conformance assets folder, synchronously.
struct Assets(PathBuf);

impl Provider for Assets {
    fn request(&self, request: &Arc<Request>) -> Decision {
        let Some(rel) = request.info.url.strip_prefix("local://") else { return Decision::PassThrough };
        // URLs are percent-encoded (glyph URLs name font stacks with spaces).
        let rel = percent_decode(rel);
        let response = match std::fs::read(self.0.join(rel)) {
            Ok(bytes) => Response::data(bytes),
            Err(_) => Response::NotFound,
        };
        let _ = request.complete(response);
        Decision::Handled
    }

    fn cancel(&self, _request: &Arc<Request>) {}
}

fn find_shared() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("MAPCORE_SHARED") {
        let p = PathBuf::from(p);
        return p.join("bench/streets.json").is_file().then_some(p);
    }
    let mut dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")));
    while let Some(d) = dir {
        let candidate = d.join("shared");
        if candidate.join("bench/streets.json").is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

struct Bench {
    style: Vec<u8>,
    assets: PathBuf,
    camera: Camera,
    width: u32,
    height: u32,
}

const MAP: u64 = 1;
const TIMEOUT: Duration = Duration::from_secs(60);

impl Bench {
    fn runtime(&self, threads: usize) -> Runtime {
        let options = RuntimeOptions { render_threads: threads as u32, ..Default::default() };
        let mut rt = Runtime::new(options).expect("runtime");
        rt.set_provider(Some(Arc::new(Assets(self.assets.clone()))));
        rt.add_map(MAP, Map::new(MAP, self.width, self.height, 1.0));
        let (map, core) = rt.map_mut(MAP).expect("map");
        map.set_style_json(&self.style, core).expect("style");
        map.jump_to(self.camera);
        rt
    }

    fn still(&self, rt: &mut Runtime) {
        rt.render_still(MAP, Some(TIMEOUT)).expect("still image");
    }

    fn view(&self, map: &Map) -> View {
        View { transform: map.camera().transform(self.width, self.height), pixel_ratio: 1.0, width: self.width, height: self.height }
    }

    fn display_list(&self, rt: &Runtime) -> DisplayList {
        let map = rt.map(MAP).expect("map");
        let (style, view) = (map.style().expect("style"), self.view(map));
        let placed = place(style, &view, map, map);
        build_display_list(style, &view, map, &placed.commands)
    }

    /// The bench camera panned by `dx`, `dy` logical pixels.
    fn panned(&self, dx: f64, dy: f64) -> Camera {
        let world = 512.0 * self.camera.zoom.exp2();
        let lat = self.camera.latitude.to_radians();
        let y = (std::f64::consts::PI - (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln()) / (2.0 * std::f64::consts::PI) * world + dy;
        let n = std::f64::consts::PI - 2.0 * std::f64::consts::PI * y / world;
        let latitude = n.sinh().atan().to_degrees();
        Camera { longitude: self.camera.longitude + dx * 360.0 / world, latitude, ..self.camera }
    }

    /// Per-frame cost of new views over loaded tiles: `runs` cameras panned
    /// by 5 to 45 px, each visited once first (tiles load, per-tile work is
    /// done); then timed: the display list (build_display_list, after
    /// placement) and the whole frame (render_still: placement, layout,
    /// rasterize) at each.
    fn pan(&self, rt: &mut Runtime, runs: usize) -> (Vec<f64>, Vec<f64>) {
        let cameras: Vec<Camera> = (0..runs)
            .map(|i| {
                let d = 5.0 + (i % 9) as f64 * 5.0;
                let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
                self.panned(sign * d, -sign * d / 2.0)
            })
            .collect();
        for c in &cameras {
            rt.map_mut(MAP).expect("map").0.jump_to(*c);
            self.still(rt);
        }
        let (mut layout, mut frame) = (Vec::new(), Vec::new());
        for (i, c) in cameras.iter().enumerate() {
            rt.map_mut(MAP).expect("map").0.jump_to(*c);
            let map = rt.map(MAP).expect("map");
            let (style, view) = (map.style().expect("style"), self.view(map));
            let placed = place(style, &view, map, map);
            let start = Instant::now();
            std::hint::black_box(build_display_list(style, &view, map, &placed.commands));
            layout.push(ms(start.elapsed()));
            // The frame at the next camera (a view the map did not just draw).
            rt.map_mut(MAP).expect("map").0.jump_to(cameras[(i + 1) % cameras.len()]);
            let start = Instant::now();
            self.still(rt);
            frame.push(ms(start.elapsed()));
        }
        rt.map_mut(MAP).expect("map").0.jump_to(self.camera);
        (layout, frame)
    }

    fn placement(&self, rt: &Runtime) -> usize {
        let map = rt.map(MAP).expect("map");
        let (style, view) = (map.style().expect("style"), self.view(map));
        place(style, &view, map, map).placed.len()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(name: &str, threads: usize, samples: Vec<f64>) {
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let n = samples.len();
    println!("{name:<12} {threads} thread(s): median {:7.2} ms  (min {:7.2} ms, n = {n})", median(samples), min);
}

fn compare(image: &Image, path: &str) {
    let expected = match std::fs::read(path).map_err(|e| e.to_string()).and_then(|b| decode_png(&b)) {
        Ok(e) => e,
        Err(e) => {
            println!("compare: cannot read {path}: {e}");
            return;
        }
    };
    if (expected.width, expected.height) != (image.width, image.height) {
        println!("compare: {path} is {}x{}, the image {}x{}", expected.width, expected.height, image.width, image.height);
        return;
    }
    let actual = image.to_straight_rgba();
    let exact = actual.chunks(4).zip(expected.data.chunks(4)).filter(|(a, b)| a != b).count();
    let max = actual.iter().zip(&expected.data).map(|(a, b)| a.abs_diff(*b)).max().unwrap_or(0);
    match pixelmatch(&actual, &expected.data, image.width, image.height, &PixelmatchOptions::default()) {
        Ok((n, _)) => println!("compare with {path}: pixelmatch {n} mismatched pixels; {exact} pixels differ at all (max channel difference {max})"),
        Err(e) => println!("compare: {e}"),
    }
}

/// Prints the display list's make-up: runs of consecutive commands of one
/// kind with identical style and clip.
fn stats(list: &DisplayList) {
    use mapcore::render::display_list::DrawCommand as C;
    let key = |c: &C| -> String {
        match c {
            C::Background { .. } => "background".into(),
            C::Fill { style, clip, .. } => format!("fill {:?} {:?}", style, clip.as_ref().map(|q| q.0[0])),
            C::Line { style, clip, .. } => format!("line {:?} {:?}", style, clip.as_ref().map(|q| q.0[0])),
            C::Circle { style, clip, .. } => format!("circle {:?} {:?}", style, clip.as_ref().map(|q| q.0[0])),
            C::Sdf { quads, .. } => format!("sdf glyphs x {}", quads.len()),
            other => format!("{:?}", std::mem::discriminant(other)),
        }
    };
    let mut runs: Vec<(String, usize)> = Vec::new();
    for c in &list.commands {
        let k = key(c);
        match runs.last_mut() {
            Some((last, n)) if *last == k => *n += 1,
            _ => runs.push((k, 1)),
        }
    }
    println!("{} runs of identical style and clip:", runs.len());
    for (k, n) in &runs {
        if *n >= 20 {
            println!("  {n:5} x {}", &k[..k.len().min(160)]);
        }
    }
}

fn main() {
    let Some(shared) = find_shared() else {
        println!("skipped: streets bench: ../shared/bench/streets.json not found (set MAPCORE_SHARED or put the shared data at ../shared)");
        return;
    };
    let style = std::fs::read(shared.join("bench/streets.json")).expect("streets.json");
    let doc: serde_json::Value = serde_json::from_slice(&style).expect("streets.json is JSON");
    let b = &doc["metadata"]["bench"];
    let num = |v: &serde_json::Value, d: f64| v.as_f64().unwrap_or(d);
    let camera = Camera {
        longitude: num(&b["center"][0], 0.0),
        latitude: num(&b["center"][1], 0.0),
        zoom: num(&b["zoom"], 0.0),
        bearing: num(&b["bearing"], 0.0),
        pitch: std::env::var("MAPCORE_BENCH_PITCH").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| num(&b["pitch"], 0.0)),
    };
    let bench = Bench {
        style,
        assets: shared.join("conformance/assets"),
        camera,
        width: num(&b["width"], 1024.0) as u32,
        height: num(&b["height"], 1024.0) as u32,
    };
    let runs: usize = std::env::var("MAPCORE_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(15).max(1);
    let threads: Vec<usize> = std::env::var("MAPCORE_BENCH_THREADS")
        .ok()
        .map(|v| v.split(',').filter_map(|t| t.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or(vec![1, 2]);

    // Warm-up, the display list and the image.
    let mut rt = bench.runtime(1);
    bench.still(&mut rt);
    let mut list = bench.display_list(&rt);
    if let Ok(kind) = std::env::var("MAPCORE_BENCH_KIND") {
        use mapcore::render::display_list::DrawCommand as C;
        list.commands.retain(|c| match c {
            C::Background { .. } => true,
            C::Fill { style, .. } if kind == "fill-only" => { let _ = style; true }
            C::Fill { .. } => kind == "fill",
            C::Line { .. } => kind == "line",
            C::Circle { .. } => kind == "circle",
            C::Sdf { .. } => kind == "text",
            _ => false,
        });
        if kind == "fill-only" {
            for c in &mut list.commands {
                if let C::Fill { style, .. } = c {
                    style.outline = None;
                }
            }
        }
    }
    let image = rt.map(MAP).and_then(|m| m.frame()).cloned().expect("frame");
    println!("streets {}x{}: {} commands", bench.width, bench.height, list.commands.len());
    for &t in &threads {
        let other = rasterize(&list, t);
        if other.data != image.data {
            println!("WARNING: rasterize with {t} threads differs from the map's frame");
        }
    }
    if std::env::var_os("MAPCORE_BENCH_STATS").is_some() {
        stats(&list);
    }
    if let Ok(out) = std::env::var("MAPCORE_BENCH_OUT") {
        std::fs::write(&out, encode_image_png(&image).expect("png")).expect("write image");
        println!("wrote {out}");
    }
    if let Ok(path) = std::env::var("MAPCORE_BENCH_COMPARE") {
        compare(&image, &path);
    }

    if std::env::var("MAPCORE_BENCH_ONLY").is_ok_and(|v| v == "rasterize") {
        for &t in &threads {
            raster_figures(&list, t, runs);
        }
        return;
    }

    for &t in &threads {
        let first_runs = runs.div_ceil(3).max(3);
        let mut first = Vec::new();
        for _ in 0..first_runs {
            let start = Instant::now();
            let mut rt = bench.runtime(t);
            bench.still(&mut rt);
            first.push(ms(start.elapsed()));
        }
        report("first still", t, first);

        let mut rt = bench.runtime(t);
        bench.still(&mut rt);
        let mut again = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            bench.still(&mut rt);
            again.push(ms(start.elapsed()));
        }
        report("re-render", t, again);

        let mut layout = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            std::hint::black_box(bench.display_list(&rt));
            layout.push(ms(start.elapsed()));
        }
        report("layout", t, layout);

        // New views over tiles that are loaded and laid out: the camera pans
        // by a few pixels each time (never the same view twice in a row).
        let (pan_layout, pan_frame) = bench.pan(&mut rt, runs);
        report("pan layout", t, pan_layout);
        report("pan frame", t, pan_frame);

        let mut tiles = Vec::new();
        let mut placement = Vec::new();
        let (mut laid, mut shown) = (0, 0);
        for _ in 0..runs {
            let start = Instant::now();
            laid = rt.map(MAP).expect("map").relayout_symbols();
            tiles.push(ms(start.elapsed()));
            let start = Instant::now();
            shown = bench.placement(&rt);
            placement.push(ms(start.elapsed()));
        }
        report("symbols/tile", t, tiles);
        report("placement", t, placement);
        if t == threads[0] {
            println!("             {laid} symbols laid out, {shown} shown");
        }

        raster_figures(&list, t, runs);
    }
}

/// The `prepare` and `rasterize` figures of `list` on `t` threads.
fn raster_figures(list: &DisplayList, t: usize, runs: usize) {
    let mut prepare = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(Prepared::new(list, t));
        prepare.push(ms(start.elapsed()));
    }
    report("prepare", t, prepare);
    let prepared = Prepared::new(list, t);
    let mut raster = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(rasterize_prepared(list, &prepared, t));
        raster.push(ms(start.elapsed()));
    }
    report("rasterize", t, raster);
}
