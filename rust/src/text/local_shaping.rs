//! Shaping with HarfBuzz's rules (rustybuzz) for text drawn from local
//! fonts: clusters, ligatures, reordering and mark positioning for the
//! complex scripts (Devanagari, Bengali, Tamil, Thai, Khmer, Myanmar,
//! Arabic, Hebrew, ...), kerning for the rest. MapLibre's per-codepoint
//! shaping stays for glyph PBFs (`shaping`), so PBF labels are unchanged.
//!
//! A text is shaped here when it is horizontal and every section's font
//! stack is drawn from local fonts (every range it needs was made locally);
//! otherwise by `shaping::shape_text`'s MapLibre path. The steps:
//!
//! 1. each character takes a face of its stack (the face of the previous
//!    character when it has the character, so that clusters stay in one
//!    face; else the first face that has it);
//! 2. the logical text is split into runs of one section, face, script and
//!    bidi level (Unicode bidi algorithm, paragraph direction from the first
//!    strong character) and each run is shaped (right to left for odd
//!    levels) to measure clusters;
//! 3. lines break with MapLibre's balancing (`linebreak`) at the
//!    opportunities UAX #14 gives (unicode-linebreak), only between
//!    clusters;
//! 4. each line is trimmed, its bidi runs put in visual order, each run
//!    shaped again and its glyphs placed left to right with HarfBuzz's
//!    advances and offsets (font units scaled to 24 px); justification and
//!    the anchor are MapLibre's (`shaping::arrange_lines`).
//!
//! Glyphs are keyed by (face, glyph id) ([`glyph_key`], above the codepoint
//! range), rendered as SDFs with the PBFs' metrics and cached per face and
//! glyph id by the font library; the shaping carries them to the quads.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use unicode_bidi::BidiInfo;

use super::bidi::merge_paragraph_ends;
use super::font::{Face, FontLibrary};
use super::glyph::{range_of, Glyph, GlyphSet, ONE_EM};
use super::linebreak::determine_line_breaks_at;
use super::script::{allows_letter_spacing, is_whitespace};
use super::shaping::{arrange_lines, LineGlyphs, PositionedGlyph, ShapeOptions, Shaping, TaggedText, WritingMode, MAX_TEXT_CHARS};

/// A font stack drawn from local fonts: its faces and the glyph ranges
/// made locally so far.
#[derive(Clone)]
pub struct LocalStack {
    pub faces: Vec<Arc<Face>>,
    pub fonts: Arc<FontLibrary>,
    pub ranges: BTreeSet<u32>,
    /// Drawn slanted (an italic stack with upright faces).
    pub oblique: bool,
}

impl std::fmt::Debug for LocalStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalStack({:?}, ranges {:?})", self.faces, self.ranges)
    }
}

/// Glyph keys of shaped glyphs start here (above every codepoint).
const KEY_BASE: u32 = 0x0100_0000;

/// The key of glyph `gid` of the face with id `face_id` in glyph maps and
/// the glyph cache; None for face ids too large to key (those faces'
/// text keeps MapLibre's shaping).
pub fn glyph_key(face_id: u32, gid: u16) -> Option<u32> {
    face_id.checked_mul(0x1_0000)?.checked_add(KEY_BASE)?.checked_add(gid as u32)
}

/// One glyph of a shaped run, as HarfBuzz gives it (font units; glyphs in
/// visual order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunGlyph {
    pub gid: u16,
    /// Index (in characters) of the first character of the glyph's cluster.
    pub cluster: usize,
    pub x_advance: i32,
    pub x_offset: i32,
    pub y_offset: i32,
}

/// Shapes `text` with `shaper`, the parsed `face` (HarfBuzz's rules, no
/// extra features, the face's plan for the run); the script comes from the
/// text, the direction too unless `rtl` sets it.
pub fn shape_run(face: &Face, shaper: &rustybuzz::Face, text: &str, rtl: Option<bool>) -> Vec<RunGlyph> {
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    if let Some(rtl) = rtl {
        buffer.set_direction(if rtl { rustybuzz::Direction::RightToLeft } else { rustybuzz::Direction::LeftToRight });
    }
    // (`guess_segment_properties` leaves the script unset rather than
    // unknown: plan as `rustybuzz::shape` would.)
    let script = Some(buffer.script()).filter(|&s| s != rustybuzz::script::UNKNOWN);
    // Shaping reads the font's lookups, and rustybuzz panics on some
    // malformed ones (found by the font fuzz target: an unwrap of a missing
    // coverage, in release builds too): that run draws nothing.
    let shaped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let plan = face.shape_plan(shaper, buffer.direction(), script);
        rustybuzz::shape_with_plan(shaper, &plan, buffer)
    }));
    let Ok(shaped) = shaped else {
        log::warn!("font {} ({}): shaping failed on its layout tables; a run of {} characters is not drawn", face.name(), face.source, text.chars().count());
        return Vec::new();
    };
    let mut char_at = vec![0usize; text.len() + 1];
    for (i, (b, _)) in text.char_indices().enumerate() {
        char_at[b] = i;
    }
    shaped
        .glyph_infos()
        .iter()
        .zip(shaped.glyph_positions())
        .map(|(info, pos)| RunGlyph {
            gid: info.glyph_id.min(u16::MAX as u32) as u16,
            cluster: char_at.get(info.cluster as usize).copied().unwrap_or(0),
            x_advance: pos.x_advance,
            x_offset: pos.x_offset,
            y_offset: pos.y_offset,
        })
        .collect()
}

/// A coarse script class: runs split where it changes (0: common or
/// inherited characters, which join their neighbours' run).
fn script_class(c: char) -> u32 {
    match c as u32 {
        0x0041..=0x005A | 0x0061..=0x007A | 0x00C0..=0x024F | 0x1E00..=0x1EFF => 1,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => 2,
        0x0400..=0x052F => 3,
        0x0590..=0x05FF | 0xFB1D..=0xFB4F => 4,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => 5,
        // Devanagari .. Malayalam/Sinhala blocks (128 code points each).
        cp @ 0x0900..=0x0DFF => 6 + (cp - 0x0900) / 0x80,
        0x0E00..=0x0E7F => 20,
        0x0E80..=0x0EFF => 21,
        0x0F00..=0x0FFF => 22,
        0x1000..=0x109F | 0xA9E0..=0xA9FF | 0xAA60..=0xAA7F => 23,
        0x1780..=0x17FF | 0x19E0..=0x19FF => 24,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF => 25,
        _ => 0,
    }
}

/// Faces parsed for shaping, kept across the texts of one layout (a tile's
/// labels): parsing a face's layout tables costs more than shaping a short
/// label. Faces are told apart by address (they live as long as `'f`).
#[derive(Default)]
pub struct ShapingFaces<'f> {
    parsed: RefCell<HashMap<usize, Rc<Option<rustybuzz::Face<'f>>>>>,
}

impl<'f> ShapingFaces<'f> {
    fn get(&self, face: &'f Face) -> Rc<Option<rustybuzz::Face<'f>>> {
        let key = face as *const Face as usize;
        self.parsed.borrow_mut().entry(key).or_insert_with(|| Rc::new(face.shaper())).clone()
    }
}

/// The parsed faces of one section's stack.
struct SectionFaces<'a> {
    stack: &'a LocalStack,
    faces: Vec<Rc<Option<rustybuzz::Face<'a>>>>,
}

impl<'a> SectionFaces<'a> {
    fn shaper(&self, face: usize) -> Option<&rustybuzz::Face<'a>> {
        self.faces.get(face).and_then(|f| f.as_ref().as_ref())
    }

    fn has(&self, face: usize, c: char) -> bool {
        self.shaper(face).is_some_and(|f| f.glyph_index(c).is_some_and(|g| g.0 != 0))
    }
}

/// A run of the logical text: chars `range`, one section, face, script
/// class and bidi level.
#[derive(Clone, Debug)]
struct Run {
    start: usize,
    end: usize,
    section: u16,
    face: usize,
    rtl: bool,
}

/// Shapes `text` from local fonts when it qualifies (see the module doc):
/// `None` when it does not (MapLibre's shaping applies), `Some(None)` when it
/// does but draws nothing.
/// `faces` keeps the parsed faces for the next texts.
pub fn shape_local<'g>(text: &TaggedText, glyphs: &'g GlyphSet, opts: &ShapeOptions, faces: &ShapingFaces<'g>) -> Option<Option<Shaping>> {
    if opts.writing_mode != WritingMode::Horizontal || glyphs.local.is_empty() || text.is_empty() {
        return None;
    }
    let stacks: Vec<&'g LocalStack> = text.sections.iter().map(|s| glyphs.local.get(&s.font_stack).map(|l| &**l)).collect::<Option<_>>()?;
    let all_local = text.codepoints().zip(&text.section_of).all(|((_, cp), &s)| stacks[s as usize].ranges.contains(&range_of(cp)));
    if !all_local || stacks.iter().any(|s| s.faces.iter().any(|f| glyph_key(f.id, u16::MAX).is_none())) {
        return None;
    }
    let sections: Vec<SectionFaces> = stacks.iter().map(|&s| SectionFaces { stack: s, faces: s.faces.iter().map(|f| faces.get(f)).collect() }).collect();
    let (chars, section_of) = text.logical();
    let n = chars.len().min(section_of.len()).min(MAX_TEXT_CHARS);
    let (chars, section_of) = (&chars[..n], &section_of[..n]);
    let scale_of = |s: u16| text.sections.get(s as usize).map_or(1.0, |s| s.scale);
    let spacing = if allows_letter_spacing(chars) { opts.spacing } else { 0.0 };

    // 1. A face per character.
    let mut face_of = vec![0usize; n];
    for i in 0..n {
        let sf = &sections[section_of[i] as usize];
        let prev = (i > 0 && section_of[i - 1] == section_of[i]).then(|| face_of[i - 1]);
        face_of[i] = match prev {
            Some(p) if sf.has(p, chars[i]) => p,
            _ => (0..sf.faces.len()).find(|&f| sf.has(f, chars[i])).or(prev).unwrap_or(0),
        };
    }
    // Script classes, common characters taking their neighbours'.
    let mut class: Vec<u32> = chars.iter().map(|&c| script_class(c)).collect();
    let first = class.iter().copied().find(|&c| c != 0).unwrap_or(0);
    let mut last = first;
    for c in &mut class {
        if *c == 0 {
            *c = last;
        } else {
            last = *c;
        }
    }
    // Bidi levels per character.
    let string: String = chars.iter().collect();
    let bidi = BidiInfo::new(&string, None);
    let mut byte_of = Vec::with_capacity(n + 1);
    let mut char_at = vec![usize::MAX; string.len() + 1];
    let mut b = 0;
    for (i, c) in chars.iter().enumerate() {
        byte_of.push(b);
        char_at[b] = i;
        b += c.len_utf8();
    }
    byte_of.push(b);
    char_at[b] = n;
    let rtl_of: Vec<bool> = (0..n).map(|i| bidi.levels[byte_of[i]].is_rtl()).collect();

    let runs_of = |lo: usize, hi: usize| -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for i in lo..hi {
            match runs.last_mut() {
                Some(r) if r.section == section_of[i] && r.face == face_of[i] && r.rtl == rtl_of[i] && class[r.start] == class[i] => r.end = i + 1,
                _ => runs.push(Run { start: i, end: i + 1, section: section_of[i], face: face_of[i], rtl: rtl_of[i] }),
            }
        }
        runs
    };
    let shape = |run: &Run| -> Vec<RunGlyph> {
        let sf = &sections[run.section as usize];
        let (Some(face), Some(shaper)) = (sf.stack.faces.get(run.face), sf.shaper(run.face)) else { return Vec::new() };
        let s: String = chars[run.start..run.end].iter().collect();
        let mut out = shape_run(face, shaper, &s, Some(run.rtl));
        for g in &mut out {
            g.cluster += run.start;
        }
        out
    };
    let px = |run: &Run, units: i32| -> f32 {
        let upem = sections[run.section as usize].shaper(run.face).map_or(1000, |f| f.units_per_em()).max(1);
        units as f32 * ONE_EM / upem as f32 * scale_of(run.section)
    };

    // 2.-3. Line breaks on the logical text, between clusters.
    let breaks = if opts.max_width > 0.0 {
        let mut advances = vec![0.0f32; n];
        let mut cluster_start = vec![false; n + 1];
        cluster_start[n] = true;
        for run in runs_of(0, n) {
            for g in shape(&run) {
                if g.gid != 0 {
                    advances[g.cluster] += px(&run, g.x_advance);
                }
                cluster_start[g.cluster] = true;
            }
        }
        for (i, a) in advances.iter_mut().enumerate() {
            if cluster_start[i] && *a != 0.0 {
                *a += spacing;
            }
        }
        let mut uax14 = vec![false; n + 1];
        for (byte, _) in unicode_linebreak::linebreaks(&string) {
            if let Some(&i) = char_at.get(byte) {
                if i != usize::MAX {
                    uax14[i] = true;
                }
            }
        }
        determine_line_breaks_at(chars, &advances, opts.max_width, |i| uax14[i + 1] && cluster_start[i + 1])
    } else {
        Vec::new()
    };

    // 4. Lines: visual runs, shaped and placed.
    let mut local_glyphs: HashMap<u32, Arc<Glyph>> = HashMap::new();
    let mut lines = Vec::new();
    let mut start = 0;
    for end in merge_paragraph_ends(chars, &breaks) {
        let (lo, hi) = (start, end);
        start = end;
        let Some(a) = (lo..hi).find(|&i| !is_whitespace(chars[i])) else {
            lines.push(None);
            continue;
        };
        let z = (lo..hi).rfind(|&i| !is_whitespace(chars[i])).map_or(a, |e| e + 1);
        let max_scale = section_of[a..z].iter().map(|&s| scale_of(s) as f64).fold(0.0f64, f64::max);
        let mut line = LineGlyphs { max_scale, ..Default::default() };
        let mut x = 0.0f32;
        for (vs, ve) in visual_ranges(&bidi, &byte_of, &char_at, a, z) {
            let mut runs = runs_of(vs, ve);
            if runs.first().is_some_and(|r| r.rtl) {
                runs.reverse();
            }
            for run in &runs {
                let sf = &sections[run.section as usize];
                let (Some(face), Some(ttf)) = (sf.stack.faces.get(run.face), sf.shaper(run.face)) else { continue };
                let scale = scale_of(run.section);
                for g in shape(run) {
                    let Some(key) = glyph_key(face.id, g.gid).filter(|_| g.gid != 0) else { continue };
                    if !local_glyphs.contains_key(&key) {
                        let Some(glyph) = sf.stack.fonts.glyph_by_id(face, ttf, g.gid, key, sf.stack.oblique) else { continue };
                        local_glyphs.insert(key, glyph);
                    }
                    line.glyphs.push(PositionedGlyph {
                        glyph: key,
                        x: x + px(run, g.x_offset),
                        y: -px(run, g.y_offset),
                        vertical: false,
                        section: run.section,
                        scale,
                    });
                    x += px(run, g.x_advance);
                    if g.x_advance != 0 {
                        x += spacing;
                    }
                }
            }
        }
        if !line.glyphs.is_empty() {
            line.width = x - spacing;
            line.justify_width = line.width;
        }
        lines.push(Some(line));
    }
    Some(arrange_lines(lines, opts, local_glyphs))
}

/// The char ranges of `lo..hi` (one line, within a paragraph) in visual
/// order (the bidi algorithm's visual runs).
fn visual_ranges(bidi: &BidiInfo, byte_of: &[usize], char_at: &[usize], lo: usize, hi: usize) -> Vec<(usize, usize)> {
    let bytes = byte_of[lo]..byte_of[hi];
    let mut out = Vec::new();
    for para in &bidi.paragraphs {
        let (a, z) = (bytes.start.max(para.range.start), bytes.end.min(para.range.end));
        if a >= z {
            continue;
        }
        let (_, runs) = bidi.visual_runs(para, a..z);
        for r in runs {
            let (s, e) = (char_at[r.start], char_at[r.end]);
            if s != usize::MAX && e != usize::MAX && s < e {
                out.push((s, e));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::value::Formatted;
    use crate::text::shaping::{prepare_text, shape_text, shape_text_with, Anchor, Justify, TextTransform};

    /// The repository's font subsets for the complex-script tests
    /// (third_party/fonts/subsets, made by tools/shaping/record.sh).
    fn subsets_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../third_party/fonts/subsets")
    }

    /// HarfBuzz's runs (hb-shape 6.0.0, recorded once by tools/shaping/record.sh).
    fn expected() -> Vec<serde_json::Value> {
        let fixture = crate::test_support::fixture("shaping/hb-shape.json");
        let j: serde_json::Value = serde_json::from_slice(&fixture).unwrap();
        j["runs"].as_array().unwrap().clone()
    }

    fn hb_glyphs(run: &serde_json::Value) -> Vec<RunGlyph> {
        run["glyphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| RunGlyph {
                gid: g["g"].as_u64().unwrap() as u16,
                cluster: g["cl"].as_u64().unwrap() as usize,
                x_advance: g["ax"].as_i64().unwrap() as i32,
                x_offset: g["dx"].as_i64().unwrap() as i32,
                y_offset: g["dy"].as_i64().unwrap() as i32,
            })
            .collect()
    }

    #[test]
    fn runs_equal_harfbuzz_for_devanagari_khmer_arabic_and_hebrew() {
        let runs = expected();
        assert_eq!(runs.len(), 4);
        for run in &runs {
            let bytes = std::fs::read(subsets_dir().join(run["font"].as_str().unwrap())).unwrap();
            let face = rustybuzz::Face::from_slice(&bytes, 0).unwrap();
            let text = run["text"].as_str().unwrap();
            let lib = FontLibrary::new();
            lib.add_bytes(bytes.clone(), "subset").unwrap();
            let ours = lib.faces().into_iter().find(|f| !f.bundled).unwrap();
            let got = shape_run(&ours, &face, text, None);
            assert_eq!(got, hb_glyphs(run), "{text}");
        }
        // Reordering and marks really happen: Devanagari's i-matra (cluster 0)
        // comes first in glyph order, Khmer has a positioned mark, Arabic is
        // right to left (clusters descending).
        let clusters = |i: usize| hb_glyphs(&runs[i]).iter().map(|g| g.cluster).collect::<Vec<_>>();
        assert!(hb_glyphs(&runs[0]).len() < "हिन्दी".chars().count(), "conjuncts ligate");
        assert!(hb_glyphs(&runs[1]).iter().any(|g| g.x_advance == 0 && (g.x_offset, g.y_offset) != (0, 0)));
        assert_eq!(clusters(2), vec![6, 5, 4, 3, 2, 1, 0]);
    }

    /// A layout's labels share parsed faces and each face's plans: one plan
    /// per direction and script however many texts, and the same shapes as
    /// texts shaped alone (HarfBuzz's plan for their run).
    #[test]
    fn labels_of_a_layout_share_faces_and_plans_and_shape_as_alone() {
        // (Its own bundled faces: the process's hold other tests' plans.)
        let lib = Arc::new(FontLibrary::isolated());
        let stack = "Noto Sans Regular";
        let set = local_set(&lib, stack);
        let faces = ShapingFaces::default();
        let texts: Vec<String> = (0..40).map(|i| format!("Straße {i} AVAWAY")).chain((0..10).map(|i| format!("Σπίτι {i}"))).collect();
        for text in &texts {
            let tagged = prepare_text(&Formatted::from_string(text.clone()), TextTransform::None, stack);
            let shared = shape_text_with(&tagged, &set, &ShapeOptions::default(), &faces).expect("shaped");
            let alone = shape_text(&tagged, &set, &ShapeOptions::default()).expect("shaped");
            assert_eq!(format!("{:?}", shared.lines), format!("{:?}", alone.lines), "{text}");
        }
        assert_eq!(faces.parsed.borrow().len(), 1, "one parse of the stack's face");
        // Latin and Greek, left to right.
        assert_eq!(lib.resolve(stack).faces[0].plan_count(), 2);
    }

    /// A glyph set whose stack "S" (the subset's family) is drawn locally.
    fn local_set(lib: &Arc<FontLibrary>, stack: &str) -> GlyphSet {
        let faces = lib.resolve(stack).faces;
        let mut set = GlyphSet::default();
        let ranges: BTreeSet<u32> = (0..0x1100).collect();
        set.local.insert(stack.to_string(), Arc::new(LocalStack { faces, fonts: lib.clone(), ranges, oblique: false }));
        set
    }

    /// Through the label shaper: the glyph ids and pen positions of each
    /// string are HarfBuzz's (scaled from font units to 24 px), laid out
    /// left to right from the anchor.
    #[test]
    fn labels_are_shaped_with_harfbuzz_glyphs_and_positions() {
        let lib = Arc::new(FontLibrary::new());
        for run in expected() {
            let file = run["font"].as_str().unwrap();
            let names = lib.add_bytes(std::fs::read(subsets_dir().join(file)).unwrap(), file).unwrap();
            let stack = names[0].clone();
            let set = local_set(&lib, &stack);
            let text = run["text"].as_str().unwrap();
            let tagged = prepare_text(&Formatted::from_string(text.into()), TextTransform::None, &stack);
            let opts = ShapeOptions { anchor: Anchor::Left, justify: Justify::Left, ..ShapeOptions::default() };
            let shaping = shape_text(&tagged, &set, &opts).expect("shaped");
            let face = &lib.resolve(&stack).faces[0];
            assert_eq!(face.name(), stack);
            let k = ONE_EM / run["upem"].as_f64().unwrap() as f32;
            let mut pen = 0.0f32;
            let want: Vec<(u32, f32, f32)> = hb_glyphs(&run)
                .iter()
                .map(|g| {
                    let p = (glyph_key(face.id, g.gid).unwrap(), pen + g.x_offset as f32 * k, -g.y_offset as f32 * k);
                    pen += g.x_advance as f32 * k;
                    p
                })
                .collect();
            let got: Vec<(u32, f32, f32)> = shaping.glyphs().map(|g| (g.glyph, g.x, g.y - super::super::shaping::BASELINE_OFFSET)).collect();
            assert_eq!(got.len(), want.len(), "{text}");
            for (g, w) in got.iter().zip(&want) {
                assert!(g.0 == w.0 && (g.1 - w.1).abs() < 1e-3 && (g.2 - w.2).abs() < 1e-3, "{text}: {got:?} != {want:?}");
            }
            assert!((shaping.right - shaping.left - pen).abs() < 1e-3, "the box is the advance sum");
            // Every glyph drawn has its SDF (ids, not codepoints).
            assert!(shaping.glyphs().all(|g| shaping.local_glyphs.contains_key(&g.glyph)));
            assert!(shaping.local_glyphs.values().any(|g| g.bitmap.is_some()));
        }
    }

    #[test]
    fn mixed_direction_lines_break_between_clusters() {
        let lib = Arc::new(FontLibrary::new());
        for file in ["NotoSansHebrew-Regular-subset.ttf", "NotoSansDevanagari-Regular-subset.ttf"] {
            lib.add_bytes(std::fs::read(subsets_dir().join(file)).unwrap(), file).unwrap();
        }
        let stack = "Noto Sans Regular,Noto Sans Hebrew Regular,Noto Sans Devanagari Regular";
        let set = local_set(&lib, stack);
        // Latin then Hebrew: the Hebrew run is right to left after the Latin one.
        let tagged = prepare_text(&Formatted::from_string("ab עברית".into()), TextTransform::None, stack);
        let opts = ShapeOptions { anchor: Anchor::Left, justify: Justify::Left, max_width: 0.0, ..ShapeOptions::default() };
        let s = shape_text(&tagged, &set, &opts).unwrap();
        let faces = lib.resolve(stack).faces;
        let face_of = |key: u32| faces.iter().position(|f| glyph_key(f.id, 0).unwrap() <= key && key <= glyph_key(f.id, u16::MAX).unwrap());
        let order: Vec<Option<usize>> = s.glyphs().map(|g| face_of(g.glyph)).collect();
        assert_eq!(order, vec![Some(0), Some(0), Some(0), Some(1), Some(1), Some(1), Some(1), Some(1)], "a, b, space, then Hebrew");
        assert!(s.glyphs().zip(s.glyphs().skip(1)).all(|(a, b)| a.x <= b.x));
        // A narrow max width breaks between the words, never inside "हिन्दी".
        let tagged = prepare_text(&Formatted::from_string("हिन्दी हिन्दी".into()), TextTransform::None, stack);
        let opts = ShapeOptions { max_width: 30.0, ..ShapeOptions::default() };
        let s = shape_text(&tagged, &set, &opts).unwrap();
        assert_eq!(s.lines.len(), 2);
        assert_eq!(s.lines[0].glyphs.len(), 5);
        assert_eq!(s.lines[1].glyphs.len(), 5);
    }

    #[test]
    fn stacks_not_all_local_keep_maplibre_shaping() {
        let lib = Arc::new(FontLibrary::new());
        let set = local_set(&lib, "Noto Sans Regular");
        let tagged = prepare_text(&Formatted::from_string("AV".into()), TextTransform::None, "Other Font");
        assert!(shape_local(&tagged, &set, &ShapeOptions::default(), &ShapingFaces::default()).is_none());
        let tagged = prepare_text(&Formatted::from_string("AV".into()), TextTransform::None, "Noto Sans Regular");
        assert!(shape_local(&tagged, &set, &ShapeOptions::default(), &ShapingFaces::default()).is_some());
        // Vertical text too.
        let o = ShapeOptions { writing_mode: WritingMode::Vertical, ..ShapeOptions::default() };
        assert!(shape_local(&tagged, &set, &o, &ShapingFaces::default()).is_none());
        assert_eq!(glyph_key(u32::MAX, 1), None);
    }
}
