//! The same style and camera give the same bytes: on a fresh runtime with one
//! worker and one render thread, with three of each (tiles, glyphs and
//! layouts arrive in another order; bands split differently), and again on
//! the first map after its camera moved away and back (warm caches, layouts
//! kept from other zooms). Over every style of the oracle suite (tests/oracle:
//! fills, lines, labels, icons, clusters, extrusions, hillshade, heatmaps,
//! in the repository, so a bare clone runs it too).

use std::path::{Path, PathBuf};
use std::time::Duration;

use mapcore::map::Map;
use mapcore::runtime::events::EventKind;
use mapcore::runtime::{Runtime, RuntimeOptions};

const SIZE: u32 = 128;

fn styles(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the oracle suite") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            styles(&path, out);
        } else if path.file_name().is_some_and(|n| n == "style.json") {
            out.push(path);
        }
    }
}

/// The frame of `style` on a new runtime with `threads` workers and render
/// threads; with `detour`, rendered first, then again after a render at
/// another zoom and bearing and a return to the style's camera.
fn frame(style: &[u8], root: &Path, threads: u32, detour: bool) -> Vec<u8> {
    let options = RuntimeOptions { worker_threads: threads, render_threads: threads, allowed_roots: vec![root.to_path_buf()], ..Default::default() };
    let mut rt = Runtime::<Map>::new(options).expect("runtime");
    rt.add_map(1, Map::new(1, SIZE, SIZE, 1.0));
    let (map, core) = rt.map_mut(1).expect("map");
    map.set_style_json(style, core).expect("the oracle style loads");
    let still = |rt: &mut Runtime<Map>| rt.render_still(1, Some(Duration::from_secs(60))).expect("still render");
    still(&mut rt);
    // Everything loaded: a frame drawn without its data would be the same
    // empty frame every time.
    let failed: Vec<String> = rt
        .drain_events()
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::ResourceError | EventKind::TileError | EventKind::StyleError))
        .map(|e| e.message)
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    if detour {
        let (map, _) = rt.map_mut(1).expect("map");
        let home = map.camera();
        let mut away = home;
        away.zoom = (home.zoom + 1.25).min(22.0);
        away.bearing = home.bearing + 30.0;
        map.jump_to(away);
        still(&mut rt);
        rt.map_mut(1).expect("map").0.jump_to(home);
        still(&mut rt);
    }
    rt.map(1).expect("map").frame().expect("a frame").data.clone()
}

#[test]
fn a_style_draws_the_same_bytes_whatever_the_threads_and_the_way_there() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/oracle").canonicalize().expect("tests/oracle");
    let mut found = Vec::new();
    styles(&root, &mut found);
    found.sort();
    assert!(found.len() >= 100, "the oracle suite has {} styles", found.len());
    let mut differ = Vec::new();
    for path in &found {
        let text = std::fs::read_to_string(path).expect("read style");
        let style = text.replace("local://", &format!("file://{}/", root.display()));
        let one = frame(style.as_bytes(), &root, 1, false);
        assert!(one.iter().any(|b| *b != 0) || text.contains("\"opacity\": 0"), "{}: an empty frame", path.display());
        for (what, other) in [("three threads", frame(style.as_bytes(), &root, 3, false)), ("moved away and back", frame(style.as_bytes(), &root, 1, true))] {
            let bytes = one.iter().zip(&other).filter(|(a, b)| a != b).count();
            if bytes > 0 {
                differ.push(format!("{}: {what}: {bytes} bytes differ", path.strip_prefix(&root).unwrap_or(path).display()));
            }
        }
    }
    assert!(differ.is_empty(), "{} of {} styles:\n{}", differ.len(), found.len(), differ.join("\n"));
}
