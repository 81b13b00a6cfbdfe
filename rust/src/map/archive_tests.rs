//! Tile archives through the runtime: a style over an `.mbtiles` or a
//! `.pmtiles` built here from the shipped fixtures renders the same bytes as
//! the same style over the loose tiles; corrupt archives end in an event
//! naming the cause (never a hang); files outside the allowed roots are
//! refused.

use std::path::{Path, PathBuf};

use crate::map::{Map, Runtime};
use crate::runtime::events::{Event, EventKind};
use crate::runtime::RuntimeOptions;
use crate::test_support::TempDir;
use crate::source::archive::pmtiles::{self, WriteOptions};
use crate::source::archive::{TileEntry, TileFormat};

/// The shipped vector tiles, by z/x/y.
fn vector_tiles() -> Vec<TileEntry> {
    vec![
        (14, 8802, 5374, include_bytes!("../../../tests/fixtures/tiles/14-8802-5374.mvt").to_vec()),
        (7, 37, 48, include_bytes!("../../../tests/fixtures/tiles/counties-7-37-48.mvt").to_vec()),
    ]
}

/// Four z1 PNG tiles (256 px), each a different gradient.
fn raster_tiles() -> Vec<TileEntry> {
    let mut tiles = Vec::new();
    for (x, y) in [(0u32, 0u32), (1, 0), (0, 1), (1, 1)] {
        let mut rgba = Vec::with_capacity(256 * 256 * 4);
        for py in 0..256u32 {
            for px in 0..256u32 {
                rgba.extend_from_slice(&[(px + 60 * x) as u8, (py + 60 * y) as u8, ((px ^ py) & 0xff) as u8, 255]);
            }
        }
        tiles.push((1, x, y, crate::render::png_io::encode_png(&rgba, 256, 256).unwrap()));
    }
    tiles
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    crate::source::archive::gzip(bytes)
}

/// What the helper builds in a fresh folder: the loose tiles
/// (`vector/{z}/{x}/{y}.mvt`, `raster/{z}/{x}/{y}.png`) and archives of the
/// same tiles.
pub struct Fixture {
    /// Removed when the fixture is dropped.
    pub dir: TempDir,
    pub vector_pmtiles: PathBuf,
    pub vector_mbtiles: PathBuf,
    pub raster_pmtiles: PathBuf,
    pub raster_mbtiles: PathBuf,
}

/// Builds the loose tiles and the archives under a new temporary folder.
pub fn build_fixture(name: &str) -> Fixture {
    let dir = TempDir::new(&format!("archives-{name}"));
    let write_loose = |sub: &str, ext: &str, tiles: &[TileEntry]| {
        for (z, x, y, bytes) in tiles {
            let p = dir.join(format!("{sub}/{z}/{x}/{y}.{ext}"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
    };
    let (vector, raster) = (vector_tiles(), raster_tiles());
    write_loose("vector", "mvt", &vector);
    write_loose("raster", "png", &raster);
    let layers = serde_json::json!({"vector_layers": [{"id": "landuse"}, {"id": "water"}, {"id": "road"}, {"id": "counties"}]});
    // PMTiles: vector tiles gzip'd, in leaf directories of one entry each.
    let gz: Vec<TileEntry> = vector.iter().map(|(z, x, y, b)| (*z, *x, *y, gzip(b))).collect();
    let vector_pmtiles = dir.join("vector.pmtiles");
    let options = WriteOptions { tiles_gzipped: true, leaf_size: Some(1), metadata: layers.clone(), ..Default::default() };
    std::fs::write(&vector_pmtiles, pmtiles::write(&gz, &options)).unwrap();
    let raster_pmtiles = dir.join("raster.pmtiles");
    let options = WriteOptions { format: TileFormat::Png, gzip_internal: false, ..Default::default() };
    std::fs::write(&raster_pmtiles, pmtiles::write(&raster, &options)).unwrap();
    // MBTiles: vector tiles gzip'd (as tools write them), rasters plain.
    let vector_mbtiles = dir.join("vector.mbtiles");
    let meta = |format: &str| {
        vec![
            ("name", "fixture".to_string()),
            ("format", format.to_string()),
            ("minzoom", "0".to_string()),
            ("maxzoom", "14".to_string()),
            ("json", layers.to_string()),
        ]
    };
    crate::source::archive::mbtiles::write(&vector_mbtiles, &gz, &meta("pbf")).unwrap();
    let raster_mbtiles = dir.join("raster.mbtiles");
    let mut raster_meta = meta("png");
    raster_meta[3].1 = "1".into();
    crate::source::archive::mbtiles::write(&raster_mbtiles, &raster, &raster_meta).unwrap();
    Fixture { dir, vector_pmtiles, vector_mbtiles, raster_pmtiles, raster_mbtiles }
}

fn runtime(root: &Path) -> Runtime {
    let options = RuntimeOptions { render_threads: 1, worker_threads: 2, allowed_roots: vec![root.to_path_buf()], ..Default::default() };
    let mut rt = Runtime::new(options).unwrap();
    rt.add_map(1, Map::new(1, 256, 256, 1.0));
    rt
}

/// Renders `style` on map `id` as a still image: the pixels and the events.
fn render(rt: &mut Runtime, id: u64, style: &str) -> (Vec<u8>, Vec<Event>) {
    {
        let (map, core) = rt.map_mut(id).unwrap();
        map.set_style_json(style.as_bytes(), core).unwrap();
    }
    rt.render_still(id, Some(std::time::Duration::from_secs(30))).unwrap();
    let pixels = rt.map(id).unwrap().frame().unwrap().data.clone();
    (pixels, rt.drain_events())
}

fn errors(events: &[Event]) -> Vec<&Event> {
    events.iter().filter(|e| matches!(e.kind, EventKind::ResourceError | EventKind::TileError | EventKind::StyleError)).collect()
}

fn distinct_colours(pixels: &[u8]) -> usize {
    let mut set: Vec<[u8; 4]> = pixels.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect();
    set.sort_unstable();
    set.dedup();
    set.len()
}

fn lng_lat_of_tile_centre(z: u8, x: u32, y: u32) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let lng = (f64::from(x) + 0.5) / n * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * (f64::from(y) + 0.5) / n)).sinh().atan().to_degrees();
    (lng, lat)
}

/// A vector style over `source`, centred on a tile at `zoom`.
pub fn vector_style(source: &str, centre: (f64, f64), zoom: f64) -> String {
    format!(
        r##"{{"version": 8, "center": [{}, {}], "zoom": {zoom}, "sources": {{"s": {source}}}, "layers": [
            {{"id": "bg", "type": "background", "paint": {{"background-color": "#f8f4f0"}}}},
            {{"id": "landuse", "type": "fill", "source": "s", "source-layer": "landuse", "paint": {{"fill-color": "#d8e8c8"}}}},
            {{"id": "water", "type": "fill", "source": "s", "source-layer": "water", "paint": {{"fill-color": "#a0c8f0"}}}},
            {{"id": "counties", "type": "fill", "source": "s", "source-layer": "counties",
              "paint": {{"fill-color": "#e0a080", "fill-outline-color": "#603020"}}}},
            {{"id": "road", "type": "line", "source": "s", "source-layer": "road",
              "paint": {{"line-color": "#806040", "line-width": 2}}}}]}}"##,
        centre.0, centre.1
    )
}

fn raster_style(source: &str) -> String {
    format!(
        r#"{{"version": 8, "center": [0, 0], "zoom": 1, "sources": {{"r": {source}}},
            "layers": [{{"id": "r", "type": "raster", "source": "r"}}]}}"#
    )
}

#[test]
fn archives_render_the_same_bytes_as_the_loose_tiles() {
    let f = build_fixture("same");
    let mut rt = runtime(&f.dir);
    rt.add_map(2, Map::new(2, 256, 256, 1.0));
    let loose = format!(
        r#"{{"type": "vector", "tiles": ["file://{}/vector/{{z}}/{{x}}/{{y}}.mvt"], "maxzoom": 14}}"#,
        f.dir.display()
    );
    for (z, x, y, zoom) in [(14u8, 8802u32, 5374u32, 14.3), (7, 37, 48, 7.4)] {
        let centre = lng_lat_of_tile_centre(z, x, y);
        let (expected, events) = render(&mut rt, 1, &vector_style(&loose, centre, zoom));
        assert!(errors(&events).is_empty(), "{events:?}");
        assert!(distinct_colours(&expected) >= 4, "the loose tiles draw a map at z{z}");
        for archive in [&f.vector_pmtiles, &f.vector_mbtiles] {
            let scheme = archive.extension().unwrap().to_str().unwrap();
            let source = format!(r#"{{"type": "vector", "url": "{scheme}://{}"}}"#, archive.display());
            // Both maps of the runtime share the archive.
            for map in [1, 2] {
                let (pixels, events) = render(&mut rt, map, &vector_style(&source, centre, zoom));
                assert!(errors(&events).is_empty(), "{scheme}: {events:?}");
                assert!(pixels == expected, "{scheme} at z{z} (map {map}): pixels differ from the loose tiles");
            }
        }
    }
    assert_eq!(rt.archive_open_count(), 2, "each archive opened once for both maps");

    let loose = format!(r#"{{"type": "raster", "tiles": ["file://{}/raster/{{z}}/{{x}}/{{y}}.png"], "tileSize": 256, "maxzoom": 1}}"#, f.dir.display());
    let (expected, events) = render(&mut rt, 1, &raster_style(&loose));
    assert!(errors(&events).is_empty(), "{events:?}");
    assert!(distinct_colours(&expected) > 1000, "the raster tiles draw");
    for archive in [&f.raster_pmtiles, &f.raster_mbtiles] {
        let scheme = archive.extension().unwrap().to_str().unwrap();
        let source = format!(r#"{{"type": "raster", "url": "{scheme}://{}", "tileSize": 256}}"#, archive.display());
        let (pixels, events) = render(&mut rt, 1, &raster_style(&source));
        assert!(errors(&events).is_empty(), "{scheme}: {events:?}");
        assert!(pixels == expected, "{scheme} raster: pixels differ from the loose tiles");
    }
}

/// The first error event's message (panics when there is none).
fn first_error(rt: &mut Runtime, style: &str) -> String {
    let (_, events) = render(rt, 1, style);
    let e = errors(&events);
    assert!(!e.is_empty(), "an error event: {events:?}");
    e.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" | ")
}

#[test]
fn corrupt_archives_are_events_naming_the_cause() {
    let f = build_fixture("corrupt");
    let good = std::fs::read(&f.vector_pmtiles).unwrap();
    let header = pmtiles::Header::parse(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.pmtiles", good[..100].to_vec(), "PMTiles header truncated (100 of 127 bytes)"),
        ("past-end.pmtiles", {
            let mut b = good.clone();
            b[40..48].copy_from_slice(&(good.len() as u64).to_le_bytes()); // leaf section offset
            b
        }, "the leaf directory section (offset"),
        ("leaf-past-end.pmtiles", {
            // The root's leaf pointers beyond the leaf section.
            let mut h = header.clone();
            h.leaf_length = 1;
            let mut b = h.encode();
            b.extend_from_slice(&good[pmtiles::HEADER_LEN..]);
            b
        }, "is past the end of the leaf section"),
        ("cycle.pmtiles", pmtiles::leaf_cycle_archive(), "leaf directory cycle"),
        ("brotli.pmtiles", {
            let mut b = good.clone();
            b[97] = 3;
            b
        }, "PMTiles internal compression brotli (this version reads none and gzip) (UNSUPPORTED)"),
        ("text.mbtiles", b"not a database at all".to_vec(), "not a SQLite database"),
    ];
    let mut rt = runtime(&f.dir);
    for (name, bytes, cause) in &cases {
        let path = f.dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let scheme = path.extension().unwrap().to_str().unwrap();
        let source = format!(r#"{{"type": "vector", "url": "{scheme}://{}"}}"#, path.display());
        let started = std::time::Instant::now();
        let message = first_error(&mut rt, &vector_style(&source, lng_lat_of_tile_centre(14, 8802, 5374), 14.3));
        assert!(message.contains(cause), "{name}: {message}");
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{name} took {:?}", started.elapsed());
    }
    // A SQLite database that is not MBTiles.
    let other = f.dir.join("other.mbtiles");
    {
        let db = rusqlite::Connection::open(&other).unwrap();
        db.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hello');").unwrap();
    }
    let source = format!(r#"{{"type": "vector", "url": "mbtiles://{}"}}"#, other.display());
    let message = first_error(&mut rt, &vector_style(&source, (0.0, 0.0), 1.0));
    assert!(message.contains("not an MBTiles archive: the SQLite database has no \"tiles\" table"), "{message}");
    // A raster archive under a vector source.
    let source = format!(r#"{{"type": "vector", "url": "pmtiles://{}"}}"#, f.raster_pmtiles.display());
    let message = first_error(&mut rt, &vector_style(&source, (0.0, 0.0), 1.0));
    assert!(message.contains("use a raster source"), "{message}");
}

#[test]
fn archive_tiles_above_the_byte_limit_are_refused_and_the_rest_draws() {
    let f = build_fixture("limit");
    let big = f.dir.join("vector/14/8802/5374.mvt");
    let gz_len = gzip(&std::fs::read(&big).unwrap()).len() as u64;
    let limits = crate::runtime::Limits { max_resource_bytes: 4096, ..Default::default() };
    assert!(gz_len > limits.max_resource_bytes, "the fixture tile ({gz_len} bytes) is above the test's limit");
    let options =
        RuntimeOptions { render_threads: 1, worker_threads: 2, allowed_roots: vec![f.dir.to_path_buf()], limits, ..Default::default() };
    let mut rt = Runtime::new(options).unwrap();
    rt.add_map(1, Map::new(1, 256, 256, 1.0));
    // A remote archive is held to the same limit, before its range is asked:
    // here its first range (the header and root directory) is over it.
    let url = "https://tiles.example/limit.pmtiles";
    let host = std::sync::Arc::new(RangeHost {
        archives: vec![(url.to_string(), std::fs::read(&f.vector_pmtiles).unwrap())],
        silent: None,
        asked: Default::default(),
        cancelled: Default::default(),
    });
    rt.set_provider(Some(host.clone()));
    let remote = format!("pmtiles://{url}");
    let (local_pmtiles, local_mbtiles) = (format!("pmtiles://{}", f.vector_pmtiles.display()), format!("mbtiles://{}", f.vector_mbtiles.display()));
    for location in [&local_pmtiles, &local_mbtiles, &remote] {
        let source = format!(r#"{{"type": "vector", "url": "{location}"}}"#);
        let (pixels, events) = render(&mut rt, 1, &vector_style(&source, lng_lat_of_tile_centre(14, 8802, 5374), 14.3));
        let message = errors(&events).iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(" | ");
        assert!(message.contains("4096 (the max_resource_bytes limit, a runtime option)") || message.contains("4096 bytes (the max_resource_bytes limit, a runtime option)"), "{location}: {message}");
        assert_eq!(distinct_colours(&pixels), 1, "{location}: the background alone");
    }
    let asked = host.asked.lock().unwrap();
    assert!(asked.iter().all(|(_, range)| range.is_some_and(|(_, len)| len <= 4096)), "a range over the limit was asked: {asked:?}");
}

#[test]
fn one_archive_under_many_spellings_keeps_a_bounded_number_open() {
    let f = build_fixture("spellings");
    let mut rt = runtime(&f.dir);
    let n = crate::runtime::archives::MAX_OPEN_ARCHIVES + 16;
    let (dir, file) = (f.dir.display(), f.vector_pmtiles.file_name().unwrap().to_string_lossy());
    let sources: Vec<String> = (0..n).map(|i| format!(r#""s{i}": {{"type": "vector", "url": "pmtiles://{dir}/{}{file}"}}"#, "./".repeat(i))).collect();
    let layers: Vec<String> = (0..n)
        .map(|i| format!(r##"{{"id": "w{i}", "type": "fill", "source": "s{i}", "source-layer": "water", "paint": {{"fill-color": "#a0c8f0"}}}}"##))
        .collect();
    let (lng, lat) = lng_lat_of_tile_centre(14, 8802, 5374);
    let style = format!(
        r##"{{"version": 8, "center": [{lng}, {lat}], "zoom": 14.3, "sources": {{{}}}, "layers": [
            {{"id": "bg", "type": "background", "paint": {{"background-color": "#f8f4f0"}}}}, {}]}}"##,
        sources.join(","),
        layers.join(",")
    );
    let (pixels, events) = render(&mut rt, 1, &style);
    assert!(errors(&events).is_empty(), "{:?}", errors(&events));
    assert!(distinct_colours(&pixels) > 1, "the water is drawn");
    let open = rt.archive_open_count();
    assert!(open <= crate::runtime::archives::MAX_OPEN_ARCHIVES, "{open} archives open for {n} spellings");
}

#[test]
fn archives_outside_the_allowed_roots_are_refused() {
    let f = build_fixture("refused");
    let elsewhere = TempDir::new("archives-elsewhere");
    let mut rt = runtime(&elsewhere);
    for archive in [&f.vector_pmtiles, &f.vector_mbtiles] {
        let scheme = archive.extension().unwrap().to_str().unwrap();
        let source = format!(r#"{{"type": "vector", "url": "{scheme}://{}"}}"#, archive.display());
        let message = first_error(&mut rt, &vector_style(&source, (0.0, 0.0), 1.0));
        assert!(message.contains("local file refused") && message.contains("not under an allowed root"), "{message}");
        // A path that climbs out of an allowed root is refused too.
        let climbing = format!("{}/../{}/{}", elsewhere.display(), f.dir.file_name().unwrap().to_str().unwrap(), archive.file_name().unwrap().to_str().unwrap());
        let source = format!(r#"{{"type": "vector", "url": "{scheme}://{climbing}"}}"#);
        let message = first_error(&mut rt, &vector_style(&source, (0.0, 0.0), 1.0));
        assert!(message.contains("local file refused"), "{message}");
    }
    // And with no roots at all, archives are off like every local file.
    let mut rt = Runtime::new(RuntimeOptions { worker_threads: 1, ..Default::default() }).unwrap();
    rt.add_map(1, Map::new(1, 64, 64, 1.0));
    let source = format!(r#"{{"type": "vector", "url": "pmtiles://{}"}}"#, f.vector_pmtiles.display());
    let message = first_error(&mut rt, &vector_style(&source, (0.0, 0.0), 1.0));
    assert!(message.contains("no allowed roots are set"), "{message}");
}

/// A host provider serving byte ranges of in-memory archives by URL, each
/// answer from another thread (as a network provider would); `silent`
/// URLs are taken and never answered.
struct RangeHost {
    archives: Vec<(String, Vec<u8>)>,
    silent: Option<String>,
    asked: std::sync::Mutex<Vec<(crate::runtime::resource::ResourceKind, Option<(u64, u64)>)>>,
    cancelled: std::sync::atomic::AtomicUsize,
}

impl crate::runtime::resource::Provider for RangeHost {
    fn request(&self, request: &std::sync::Arc<crate::runtime::resource::Request>) -> crate::runtime::resource::Decision {
        use crate::runtime::resource::{Decision, Response};
        let info = &request.info;
        if info.url.starts_with("https://") {
            self.asked.lock().unwrap().push((info.kind, info.range));
        }
        if self.silent.as_deref() == Some(info.url.as_str()) {
            return Decision::Handled;
        }
        let Some((_, bytes)) = self.archives.iter().find(|(u, _)| *u == info.url) else { return Decision::PassThrough };
        let response = match info.range {
            Some((offset, len)) if offset < bytes.len() as u64 => {
                let end = (offset + len).min(bytes.len() as u64);
                Response::data(bytes[offset as usize..end as usize].to_vec())
            }
            Some(_) => Response::Error("HTTP 416 Range Not Satisfiable".into()),
            None => Response::data(bytes.clone()),
        };
        let request = request.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(2));
            let _ = request.complete(response);
        });
        Decision::Handled
    }

    fn cancel(&self, _request: &std::sync::Arc<crate::runtime::resource::Request>) {
        self.cancelled.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn remote_pmtiles_are_read_in_ranges_through_the_provider() {
    use crate::runtime::resource::ResourceKind;
    let f = build_fixture("remote");
    let mut rt = runtime(&f.dir);
    let url = "https://tiles.example/vector.pmtiles";
    let bytes = std::fs::read(&f.vector_pmtiles).unwrap();
    let truncated = bytes[..100].to_vec();
    let host = std::sync::Arc::new(RangeHost {
        archives: vec![(url.to_string(), bytes), ("https://tiles.example/cut.pmtiles".into(), truncated)],
        silent: Some("https://tiles.example/silent.pmtiles".into()),
        asked: Default::default(),
        cancelled: Default::default(),
    });
    rt.set_provider(Some(host.clone()));
    let loose = format!(r#"{{"type": "vector", "tiles": ["file://{}/vector/{{z}}/{{x}}/{{y}}.mvt"], "maxzoom": 14}}"#, f.dir.display());
    let remote = format!(r#"{{"type": "vector", "url": "pmtiles://{url}"}}"#);
    for (z, x, y, zoom) in [(14u8, 8802u32, 5374u32, 14.3), (7, 37, 48, 7.4)] {
        let centre = lng_lat_of_tile_centre(z, x, y);
        let (expected, events) = render(&mut rt, 1, &vector_style(&loose, centre, zoom));
        assert!(errors(&events).is_empty() && distinct_colours(&expected) >= 4, "{events:?}");
        let (pixels, events) = render(&mut rt, 1, &vector_style(&remote, centre, zoom));
        assert!(errors(&events).is_empty(), "{events:?}");
        assert!(pixels == expected, "remote PMTiles at z{z}: pixels differ from the loose tiles");
    }
    {
        let asked = host.asked.lock().unwrap();
        // The first range is the first 16 KiB, asked once: the header is cached with the archive.
        let first = asked.iter().filter(|a| a.1 == Some((0, 16384))).count();
        assert_eq!(first, 1, "{asked:?}");
        assert!(asked.iter().all(|a| a.1.is_some()), "every request has a range: {asked:?}");
        assert!(asked.iter().any(|a| a.0 == ResourceKind::Source), "{asked:?}");
    }
    // A truncated archive, no provider for the URL, and a provider that never
    // answers: clear errors or a timeout, never a hang.
    let centre = lng_lat_of_tile_centre(14, 8802, 5374);
    let cut = format!(r#"{{"type": "vector", "url": "pmtiles://https://tiles.example/cut.pmtiles"}}"#);
    let message = first_error(&mut rt, &vector_style(&cut, centre, 14.3));
    assert!(message.contains("PMTiles header truncated (100 of 127 bytes)"), "{message}");
    let other = format!(r#"{{"type": "vector", "url": "pmtiles://https://elsewhere.example/a.pmtiles"}}"#);
    let message = first_error(&mut rt, &vector_style(&other, centre, 14.3));
    assert!(message.contains("no resource provider served this byte range"), "{message}");
    let silent = format!(r#"{{"type": "vector", "url": "pmtiles://https://tiles.example/silent.pmtiles"}}"#);
    {
        let (map, core) = rt.map_mut(1).unwrap();
        map.set_style_json(vector_style(&silent, centre, 14.3).as_bytes(), core).unwrap();
    }
    let e = rt.render_still(1, Some(std::time::Duration::from_millis(300)));
    assert!(matches!(e, Err(crate::runtime::StillError::Timeout(_))), "{e:?}");
    let started = std::time::Instant::now();
    drop(rt);
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "dropping the runtime took {:?}", started.elapsed());
    assert_eq!(host.cancelled.load(std::sync::atomic::Ordering::SeqCst), 1, "the unanswered range was cancelled");
}
