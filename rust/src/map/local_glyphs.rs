//! Glyph ranges from local fonts: when the style has no `glyphs` URL, when a
//! range fails to load from it, or always (`GlyphsMode::LocalFirst`), a range
//! of a font stack is rendered from the runtime's fonts (`text::font`) on a
//! worker and joins the glyph store like a PBF range. Font stacks are
//! resolved to local faces once per map (again when fonts are added); each
//! substitution is told once, as an INFO event.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::{Map, Purpose};
use crate::runtime::events::{Event, EventKind};
use crate::runtime::{Core, GlyphsMode};
use crate::text::font::StackFaces;

/// A map's local glyph state.
#[derive(Default)]
pub struct LocalGlyphs {
    /// Font stacks resolved to local faces, with the library generation.
    stacks: HashMap<String, (u32, Arc<StackFaces>)>,
    /// Messages already told (substitutions, fallbacks).
    told: BTreeSet<String>,
}

/// Most distinct INFO messages about local glyphs one map sends.
const MAX_TOLD: usize = 256;

impl Map {
    /// Whether glyphs come from local fonts for a style with glyph URL `url`.
    pub(super) fn local_glyphs_only(&self, url: Option<&str>, core: &Core) -> bool {
        match core.glyphs_mode() {
            GlyphsMode::LocalFirst => true,
            GlyphsMode::UrlOnly => false,
            GlyphsMode::UrlFirst => url.is_none(),
        }
    }

    /// Whether a range that failed to load from the URL is made locally.
    pub(super) fn local_glyphs_fallback(&self, core: &Core) -> bool {
        core.glyphs_mode() != GlyphsMode::UrlOnly
    }

    fn info_once(&mut self, message: String, core: &mut Core) {
        if self.symbols.local.told.len() < MAX_TOLD && self.symbols.local.told.insert(message.clone()) {
            core.emit(Event::new(EventKind::Info, self.id).message(message));
        }
    }

    /// The local faces of a font stack (resolved once; the substitution, if
    /// any, told once).
    fn stack_faces(&mut self, stack: &str, core: &mut Core) -> Arc<StackFaces> {
        let generation = core.fonts().generation();
        if let Some((g, faces)) = self.symbols.local.stacks.get(stack) {
            if *g == generation {
                return faces.clone();
            }
        }
        let faces = Arc::new(core.fonts().resolve(stack));
        if let Some(note) = &faces.substitution {
            self.info_once(format!("labels of font stack \"{stack}\" use local fonts: {note}"), core);
        }
        self.symbols.local.stacks.insert(stack.to_string(), (generation, faces.clone()));
        faces
    }

    /// Renders range `range` of `stack` from local fonts on a worker; the
    /// glyphs join the glyph store (a panicking job fails the range, as a
    /// PBF decoding job does). `why`: the reason told (once per stack) when
    /// this replaces a range that failed to load.
    pub(super) fn load_local_range(&mut self, stack: String, range: u32, why: Option<String>, core: &mut Core) {
        let faces = self.stack_faces(&stack, core);
        if let Some(why) = why {
            let used = faces.faces.first().map(|f| f.name()).unwrap_or_default();
            self.info_once(
                format!("glyphs of font stack \"{stack}\" did not load ({why}): labels use the local font \"{used}\""),
                core,
            );
        }
        let fonts = core.fonts().clone();
        let purpose = Purpose::Glyphs { stack: stack.clone(), range };
        core.spawn_for(self.id, purpose, move || {
            let glyphs = fonts.render_range_styled(&faces.faces, range, faces.oblique);
            Box::new(move |map: &mut Map, core: &mut Core| {
                match map.symbols.glyphs.add_local(&stack, range, glyphs, &faces, fonts) {
                    Ok(()) => map.update_symbols(core),
                    Err(why) => map.glyph_range_over_budget(&stack, range, "", &why, core),
                }
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::map::Map;
    use crate::runtime::events::{Event, EventKind};
    use crate::map::Runtime;
    use crate::runtime::{GlyphsMode, RuntimeOptions};

    /// A white map with one label "Hamburg" at its centre, drawn black, in
    /// font `font`; `glyphs` is the style's glyph URL property (or empty).
    fn label_style(font: &str, glyphs: &str) -> String {
        named_label_style("Hamburg", font, glyphs)
    }

    /// [`label_style`] with the label `name`.
    fn named_label_style(name: &str, font: &str, glyphs: &str) -> String {
        format!(
            r#"{{"version": 8, "center": [0, 0], "zoom": 0, {glyphs}
                "sources": {{"p": {{"type": "geojson", "data": {{"type": "Feature", "properties": {{"name": "{name}"}},
                    "geometry": {{"type": "Point", "coordinates": [0, 0]}}}}}}}},
                "layers": [{{"id": "bg", "type": "background", "paint": {{"background-color": "white"}}}},
                    {{"id": "t", "type": "symbol", "source": "p",
                      "layout": {{"text-field": ["get", "name"], "text-font": ["{font}"], "text-size": 24}},
                      "paint": {{"text-color": "black"}}}}]}}"#
        )
    }

    /// Renders `style` on a 160 x 64 map; the count of dark pixels and the events.
    fn render(options: RuntimeOptions, style: &str) -> (usize, Vec<Event>, Runtime) {
        let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, worker_threads: 2, ..options }).unwrap();
        rt.add_map(1, Map::new(1, 160, 64, 1.0));
        {
            let (map, core) = rt.map_mut(1).unwrap();
            map.set_style_json(style.as_bytes(), core).unwrap();
        }
        rt.render_still(1, Some(std::time::Duration::from_secs(30))).unwrap();
        let frame = rt.map(1).unwrap().frame().unwrap();
        let mut dark = 0;
        for y in 0..frame.height {
            for x in 0..frame.width {
                let p = frame.pixel(x, y).unwrap();
                if p[0] < 96 && p[3] > 200 {
                    dark += 1;
                }
            }
        }
        (dark, rt.drain_events(), rt)
    }

    fn of_kind(events: &[Event], kind: EventKind) -> Vec<String> {
        events.iter().filter(|e| e.kind == kind).map(|e| e.message.clone()).collect()
    }

    #[test]
    fn a_style_without_glyphs_draws_its_labels_with_the_bundled_font() {
        let (dark, events, rt) = render(RuntimeOptions::default(), &label_style("Open Sans Semibold", ""));
        // "Hamburg" at 24 px: some hundreds of dark pixels.
        assert!(dark > 150, "{dark} dark pixels; events {events:?}");
        assert!(of_kind(&events, EventKind::Warning).is_empty(), "no warnings: {events:?}");
        let infos = of_kind(&events, EventKind::Info);
        assert_eq!(infos.len(), 1, "one substitution: {infos:?}");
        assert!(infos[0].contains("\"Open Sans Semibold\" is not a local font: labels use \"Noto Sans Bold\""), "{infos:?}");
        // The glyphs came from the cache, filled on workers.
        assert!(rt.core_fonts_cache().0 >= 6);
    }

    #[test]
    fn an_exact_local_font_needs_no_event_and_url_only_draws_nothing() {
        let (dark, events, _) = render(RuntimeOptions::default(), &label_style("Noto Sans Regular", ""));
        assert!(dark > 100, "{dark}");
        assert!(of_kind(&events, EventKind::Info).is_empty(), "{events:?}");
        let (dark, events, _) =
            render(RuntimeOptions { glyphs_mode: GlyphsMode::UrlOnly, ..Default::default() }, &label_style("Noto Sans Regular", ""));
        assert_eq!(dark, 0);
        assert!(of_kind(&events, EventKind::Warning).iter().any(|w| w.contains("no \"glyphs\" URL")), "{events:?}");
    }

    #[test]
    fn a_glyph_range_that_fails_to_load_is_drawn_locally() {
        let dir = crate::test_support::TempDir::new("local-glyphs");
        std::fs::create_dir_all(dir.join("Noto Sans Bold")).unwrap();
        let glyphs = format!(r#""glyphs": "file://{}/{{fontstack}}/{{range}}.pbf","#, dir.display());
        let options = RuntimeOptions { allowed_roots: vec![dir.to_path_buf()], ..Default::default() };
        let (dark, events, _) = render(options.clone(), &label_style("Noto Sans Bold", &glyphs));
        assert!(dark > 150, "{dark} {events:?}");
        assert!(of_kind(&events, EventKind::Warning).is_empty(), "{events:?}");
        let infos = of_kind(&events, EventKind::Info);
        assert!(infos.iter().any(|i| i.contains("did not load (not found)") && i.contains("Noto Sans Bold")), "{infos:?}");
        // Local first: the URL is not asked at all (no INFO about it).
        let (dark, events, _) =
            render(RuntimeOptions { glyphs_mode: GlyphsMode::LocalFirst, ..options }, &label_style("Noto Sans Bold", &glyphs));
        assert!(dark > 150);
        assert!(events.iter().all(|e| e.kind != EventKind::Info && e.kind != EventKind::Warning), "{events:?}");
    }

    #[test]
    fn glyph_ranges_past_max_glyph_ranges_or_bytes_fail_naming_the_option() {
        use crate::runtime::Limits;
        // Two ranges: Latin (0-255) and Cyrillic (1024-1279).
        let style = named_label_style("Ham Мир", "Noto Sans Regular", "");
        let warnings = |limits: Limits| {
            let (dark, events, _) = render(RuntimeOptions { limits, ..Default::default() }, &style);
            (dark, of_kind(&events, EventKind::Warning))
        };
        let (all, warned) = warnings(Limits::default());
        assert!(all > 100 && warned.is_empty(), "{all} {warned:?}");
        // One range: the Latin one loads, the Cyrillic one is refused, told once.
        let (latin, warned) = warnings(Limits { max_glyph_ranges: 1, ..Default::default() });
        assert!(latin > 30 && latin < all, "{latin} of {all}");
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(
            warned[0].contains("glyphs 1024-1279 of font stack \"Noto Sans Regular\" not loaded: the map already has the 1 glyph ranges it may load (max_glyph_ranges)"),
            "{warned:?}"
        );
        // Too few bytes for any range: no text, each range told.
        let (none, warned) = warnings(Limits { max_glyph_bytes: 1000, ..Default::default() });
        assert_eq!(none, 0);
        assert_eq!(warned.len(), 2, "{warned:?}");
        assert!(warned.iter().all(|w| w.contains("more than the 1000 bytes a map keeps (max_glyph_bytes)")), "{warned:?}");
    }

    /// The bundled default style labels countries and cities with the
    /// bundled font: the labels shown at zoom 1 are the largest countries'
    /// and the most important places', with no warning.
    #[test]
    fn the_default_world_map_is_labeled_by_rank() {
        let style = include_str!("../../assets/default-style.json");
        let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, worker_threads: 2, ..Default::default() }).unwrap();
        rt.add_map(1, Map::new(1, 1024, 512, 1.0));
        {
            let (map, core) = rt.map_mut(1).unwrap();
            map.set_style_json(style.as_bytes(), core).unwrap();
        }
        rt.render_still(1, Some(std::time::Duration::from_secs(60))).unwrap();
        let events = rt.drain_events();
        assert!(events.iter().all(|e| !matches!(e.kind, EventKind::Warning | EventKind::StyleError | EventKind::ResourceError | EventKind::TileError)), "{events:?}");
        let map = rt.map(1).unwrap();
        let q = crate::query::QueryGeometry::Box([0.0, 0.0], [1024.0, 512.0]);
        let names = |layer: &str| -> Vec<(String, i64)> {
            let o = crate::query::QueryOptions { layers: Some(vec![layer.to_string()]), filter: None };
            let found = map.query_rendered_features(&q, &o, u64::MAX).unwrap().into_features();
            found.iter().map(|f| (f["properties"]["name"].as_str().unwrap_or("").to_string(), f["properties"]["rank"].as_i64().unwrap_or(9))).collect()
        };
        let countries = names("country-labels");
        let places = names("place-labels");
        // (A label is a hit once per tile it reaches into.)
        let distinct: std::collections::BTreeSet<&str> = places.iter().map(|(n, _)| n.as_str()).collect();
        for want in ["Russia", "Canada", "Brazil", "Australia", "China"] {
            assert!(countries.iter().any(|(n, _)| n == want), "{want} labeled: {countries:?}");
        }
        for want in ["Tokyo", "Moscow", "Cairo", "São Paulo"] {
            assert!(places.iter().any(|(n, _)| n == want), "{want} labeled: {places:?}");
        }
        // Zoom 1 shows ranks 1 and 2 only, and collision dropped some.
        assert!(countries.iter().chain(&places).all(|(_, r)| *r <= 2), "{countries:?} {places:?}");
        assert!(distinct.len() < 70, "collision drops some of the 80 places of ranks 1-2: {} shown", distinct.len());
    }

    /// tests/fixtures/shaping/scripts-style.json (Devanagari, Khmer, Arabic, Hebrew) with
    /// the font subsets: each label draws ink around its point, with no
    /// warning; the image is written for review when MAPCORE_REVIEW_DIR is set.
    #[test]
    fn complex_scripts_draw_from_local_fonts() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let style = String::from_utf8(crate::test_support::fixture("shaping/scripts-style.json")).unwrap();
        let options = RuntimeOptions { font_paths: vec![root.join("third_party/fonts/subsets")], ..Default::default() };
        let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, worker_threads: 2, ..options }).unwrap();
        rt.add_map(1, Map::new(1, 512, 256, 1.0));
        {
            let (map, core) = rt.map_mut(1).unwrap();
            map.set_style_json(style.as_bytes(), core).unwrap();
        }
        rt.render_still(1, Some(std::time::Duration::from_secs(60))).unwrap();
        let events = rt.drain_events();
        assert!(of_kind(&events, EventKind::Warning).is_empty(), "{events:?}");
        let frame = rt.map(1).unwrap().frame().unwrap();
        if let Some(dir) = std::env::var_os("MAPCORE_REVIEW_DIR") {
            let path = std::path::Path::new(&dir).join("scripts-test.png");
            std::fs::write(&path, crate::render::png_io::encode_image_png(frame).unwrap()).unwrap();
            eprintln!("review image: {}", path.display());
        }
        // Labels hang below their points: (-40, 20) is at about (142, 70) at
        // zoom 1 (world 1024 px), (40, -20) at (370, 186).
        for (name, cx, cy) in [("Devanagari", 142, 70), ("Khmer", 370, 70), ("Arabic", 142, 186), ("Hebrew", 370, 186)] {
            let mut dark = 0;
            for y in cy + 4..(cy + 60).min(256) {
                for x in cx - 70..cx + 70 {
                    if frame.pixel(x as u32, y as u32).unwrap()[0] < 96 {
                        dark += 1;
                    }
                }
            }
            assert!(dark > 150, "{name}: {dark} dark pixels under its point");
        }
    }

    #[test]
    fn fonts_added_at_runtime_are_used_and_hostile_ones_refused() {
        let mut rt = Runtime::new(RuntimeOptions::default()).unwrap();
        assert!(rt.add_font(b"garbage".to_vec(), "junk.ttf").unwrap_err().contains("junk.ttf"));
        // Paths are read only under the allowed roots.
        let e = rt.add_font_file("/etc/passwd").unwrap_err();
        assert!(e.contains("allowed_roots"), "{e}");
        let fixtures = crate::test_support::fixtures_dir();
        let mut rt = Runtime::new(RuntimeOptions { allowed_roots: vec![fixtures.clone()], ..Default::default() }).unwrap();
        let names = rt.add_font_file(&fixtures.join("fonts/OpenSans-Semibold-Latin1.ttf").display().to_string()).unwrap();
        assert_eq!(names, ["Open Sans Semibold"]);
        // Font folders in the options.
        let (dark, events, _) = render(
            RuntimeOptions { font_paths: vec![fixtures.join("fonts")], ..Default::default() },
            &label_style("Open Sans Semibold", ""),
        );
        assert!(dark > 150);
        assert!(of_kind(&events, EventKind::Info).is_empty(), "Open Sans is local now: {events:?}");
    }

    /// A label drawn with a CFF font (`.otf`) is the label its TrueType
    /// twin draws (tools/fonts/make_cff.py; the glyphs are compared in
    /// text/font.rs).
    #[test]
    fn a_cff_font_draws_the_label_its_truetype_twin_draws() {
        let fixtures = crate::test_support::fixtures_dir();
        let style = label_style("Open Sans Semibold", "");
        let draw = |file: &str| {
            let (dark, events, rt) = render(RuntimeOptions { font_paths: vec![fixtures.join("fonts").join(file)], ..Default::default() }, &style);
            assert!(dark > 150, "{file}: {dark} dark pixels");
            assert!(of_kind(&events, EventKind::Info).is_empty() && of_kind(&events, EventKind::Warning).is_empty(), "{file}: {events:?}");
            let frame = rt.map(1).unwrap().frame().unwrap();
            (0..frame.height).flat_map(|y| (0..frame.width).map(move |x| (x, y))).map(|(x, y)| frame.pixel(x, y).unwrap()).collect::<Vec<_>>()
        };
        let (otf, ttf) = (draw("OpenSans-Semibold-Latin1-CFF.otf"), draw("OpenSans-Semibold-Latin1.ttf"));
        let worst = otf.iter().zip(&ttf).flat_map(|(a, b)| a.iter().zip(b.iter()).map(|(p, q)| p.abs_diff(*q))).max().unwrap();
        assert!(worst <= 8, "the labels differ by up to {worst}/255 in a channel");
    }
}
