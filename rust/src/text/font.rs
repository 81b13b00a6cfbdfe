//! Local fonts: TrueType/OpenType faces (the bundled Noto Sans family, and
//! fonts the host adds), matched to `text-font` names by family, weight and
//! style, and rendered to MapLibre-style SDF glyphs (`sdf_gen`) on demand,
//! with a bounded cache per (face, codepoint).
//!
//! Font files are untrusted input: a file is at most [`MAX_FONT_BYTES`], a
//! collection contributes at most [`MAX_FACES_PER_FILE`] faces, a library
//! holds at most [`MAX_FACES`], every table is read by ttf-parser (bounds
//! checked, no panics) and glyph rendering is bounded (`sdf_gen`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use super::glyph::{Glyph, RANGE_SIZE};

/// Largest font file accepted.
pub const MAX_FONT_BYTES: usize = 64 << 20;
/// Most faces taken from one file (a TrueType/OpenType collection).
pub const MAX_FACES_PER_FILE: u32 = 64;
/// Most faces one library holds.
pub const MAX_FACES: usize = 512;
/// Most glyphs and bitmap bytes the glyph cache keeps (past them glyphs are
/// rendered again when needed, never dropped from a map that has them).
pub const MAX_CACHE_GLYPHS: usize = 65_536;
pub const MAX_CACHE_BYTES: usize = 48 << 20;

/// The bundled family: every stack falls back to it.
pub const BUNDLED_FAMILY: &str = "Noto Sans";
static BUNDLED: &[(&str, &[u8])] = &[
    ("NotoSans-Regular.ttf", include_bytes!("../../../third_party/fonts/NotoSans-Regular.ttf")),
    ("NotoSans-Bold.ttf", include_bytes!("../../../third_party/fonts/NotoSans-Bold.ttf")),
];

/// Why a font file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FontError(pub String);

impl std::fmt::Display for FontError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FontError {}

#[derive(Clone)]
enum Bytes {
    Static(&'static [u8]),
    Shared(Arc<Vec<u8>>),
}

impl Bytes {
    fn get(&self) -> &[u8] {
        match self {
            Bytes::Static(b) => b,
            Bytes::Shared(b) => b,
        }
    }
}

/// One face of a font file.
pub struct Face {
    /// Unique within its library (cache key).
    pub id: u32,
    bytes: Bytes,
    index: u32,
    /// Family name as the font states it (typographic family if any).
    pub family: String,
    /// Style name ("Regular", "Bold Italic").
    pub style: String,
    /// OS/2 weight class (100..900).
    pub weight: u16,
    pub italic: bool,
    /// One of the bundled faces.
    pub bundled: bool,
    /// Where it came from (a file name, or "bytes").
    pub source: String,
    /// `family`, normalised for matching.
    key: String,
    /// Shape plans made so far, by direction and script.
    plans: Mutex<HashMap<PlanKey, Arc<rustybuzz::ShapePlan>>>,
    /// Its layout tables were found unreadable ([`Face::shaper`]): not read
    /// again, nor warned about again, for each later layout.
    unreadable_layout: AtomicBool,
}

type PlanKey = (rustybuzz::Direction, Option<rustybuzz::Script>);

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Face({} #{}: {} {} {}{})", self.id, self.index, self.family, self.style, self.weight, if self.italic { " italic" } else { "" })
    }
}

impl Face {
    /// "Family Style", e.g. "Noto Sans Bold".
    pub fn name(&self) -> String {
        if self.style.is_empty() {
            self.family.clone()
        } else {
            format!("{} {}", self.family, self.style)
        }
    }

    /// The parsed face (parsing is cheap: ttf-parser reads tables lazily).
    pub fn parse(&self) -> Option<ttf_parser::Face<'_>> {
        ttf_parser::Face::parse(self.bytes.get(), self.index).ok()
    }

    /// The face for shaping (rustybuzz: HarfBuzz's rules). Parsing reads
    /// the layout tables: keep it across texts (`ShapingFaces`). None when
    /// they are unreadable, also when reading them panics: rustybuzz's
    /// arithmetic wraps on some malformed tables, which panics where
    /// overflow checks are on (the font fuzz target found one; shaping
    /// itself is guarded in `shape_run`). An unreadable face is read and
    /// warned about once, not for every layout.
    pub fn shaper(&self) -> Option<rustybuzz::Face<'_>> {
        if self.unreadable_layout.load(Ordering::Relaxed) {
            return None;
        }
        let shaper = std::panic::catch_unwind(|| rustybuzz::Face::from_slice(self.bytes.get(), self.index)).unwrap_or(None);
        if shaper.is_none() && !self.unreadable_layout.swap(true, Ordering::Relaxed) {
            log::warn!("font {} ({}): its layout tables cannot be read; its text goes to the stack's next face", self.name(), self.source);
        }
        shaper
    }

    /// How many shape plans the face holds.
    #[cfg(test)]
    pub fn plan_count(&self) -> usize {
        self.plans.lock().unwrap().len()
    }

    /// The plan for shaping runs of `direction` and `script` with `shaper`
    /// (this face's [`Face::shaper`]), made once per face: planning costs
    /// more than shaping a short label. (At most one per direction and
    /// script.)
    pub fn shape_plan(&self, shaper: &rustybuzz::Face, direction: rustybuzz::Direction, script: Option<rustybuzz::Script>) -> Arc<rustybuzz::ShapePlan> {
        let mut plans = self.plans.lock().unwrap_or_else(|e| e.into_inner());
        plans.entry((direction, script)).or_insert_with(|| Arc::new(rustybuzz::ShapePlan::new(shaper, direction, script, None, &[]))).clone()
    }
}

/// What a `text-font` name asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FontRequest {
    /// The family, normalised (lower case, no spaces, hyphens or underscores).
    pub family: String,
    pub weight: u16,
    pub italic: bool,
}


/// Splits a font name such as "Open Sans Semibold Italic" or
/// "NotoSans-BoldItalic" into family, weight and style.
pub fn parse_font_name(name: &str) -> FontRequest {
    let mut tokens: Vec<String> = Vec::new();
    for word in name.split([' ', '-', '_', ',']).filter(|w| !w.is_empty()) {
        // Split "BoldItalic" / "SemiBold" style camel case only for known style
        // words at the end of a postscript-like token.
        let lower = word.to_lowercase();
        if let Some(stem) = lower.strip_suffix("italic").filter(|s| !s.is_empty() && style_weight(s).is_some()) {
            tokens.push(stem.to_string());
            tokens.push("italic".to_string());
        } else {
            tokens.push(lower);
        }
    }
    let mut weight = None;
    let mut italic = false;
    while let Some(last) = tokens.last().cloned() {
        if matches!(last.as_str(), "italic" | "oblique" | "it") {
            italic = true;
        } else if matches!(last.as_str(), "condensed" | "cond" | "narrow" | "semicondensed" | "expanded" | "extended") {
        } else if let Some(w) = style_weight(&last) {
            let prefix = if tokens.len() >= 2 { tokens[tokens.len() - 2].as_str() } else { "" };
            let combined = match (prefix, last.as_str()) {
                ("semi" | "demi", "bold") => Some(600),
                ("extra" | "ultra", "bold") => Some(800),
                ("extra" | "ultra", "light") => Some(200),
                _ => None,
            };
            if let Some(c) = combined {
                tokens.pop();
                weight.get_or_insert(c);
            } else {
                weight.get_or_insert(w);
            }
        } else {
            break;
        }
        tokens.pop();
        if tokens.is_empty() {
            break;
        }
    }
    FontRequest { family: tokens.concat(), weight: weight.unwrap_or(400), italic }
}

fn style_weight(token: &str) -> Option<u16> {
    Some(match token {
        "thin" | "hairline" => 100,
        "extralight" | "ultralight" => 200,
        "light" => 300,
        "regular" | "normal" | "book" | "roman" => 400,
        "medium" => 500,
        "semibold" | "demibold" => 600,
        "bold" => 700,
        "extrabold" | "ultrabold" => 800,
        "black" | "heavy" => 900,
        _ => return None,
    })
}

/// The faces a font stack draws with, in order (each codepoint from the first
/// that has it), and what was substituted.
#[derive(Clone, Debug, Default)]
pub struct StackFaces {
    pub faces: Vec<Arc<Face>>,
    /// Set when the stack's first font is not a local face: what is used
    /// instead (for one INFO event).
    pub substitution: Option<String>,
    /// The first font asks for an italic style: faces that are not italic
    /// draw a synthetic oblique ([`OBLIQUE_SKEW`]).
    pub oblique: bool,
}

/// The slant of a synthetic oblique (tan 12°): for stacks asking for
/// "Italic" or "Oblique" drawn with upright faces (the bundled family has no
/// italic face: a slanted outline costs nothing in size, an italic face
/// about 300 KB).
pub const OBLIQUE_SKEW: f32 = 0.2126;

/// The cache key's face part for a face drawn slanted or not.
fn style_key(face: &Face, oblique: bool) -> (u32, f32) {
    if oblique && !face.italic {
        (face.id | 0x8000_0000, OBLIQUE_SKEW)
    } else {
        (face.id, 0.0)
    }
}

/// A runtime's fonts and their glyph cache; shared by its maps and workers.
pub struct FontLibrary {
    /// Never removed from: a face's id is its place (+1).
    faces: RwLock<Vec<Arc<Face>>>,
    /// Glyphs of the faces added to this library.
    cache: Mutex<GlyphCache>,
    /// Glyphs of the bundled faces: the same in every library, so shared by
    /// every runtime of the process ([`bundled_glyphs`]).
    bundled_cache: Arc<Mutex<GlyphCache>>,
    /// Bumped when a face is added (maps resolve their stacks again).
    generation: AtomicU32,
}

#[derive(Default)]
struct GlyphCache {
    glyphs: HashMap<(u32, u32), Arc<Glyph>>,
    bytes: usize,
}

/// The process's cache of bundled glyphs: a runtime's first labels in the
/// bundled family are not rendered again when another runtime (a pool's,
/// a tile server's) rendered them. Bounded like every glyph cache.
fn bundled_glyphs() -> Arc<Mutex<GlyphCache>> {
    static CACHE: OnceLock<Arc<Mutex<GlyphCache>>> = OnceLock::new();
    CACHE.get_or_init(Arc::default).clone()
}

/// The bundled faces, read once per process and shared by every library
/// with their shape plans: ids 1..=N, the keys of [`bundled_glyphs`]. A
/// library's own faces take the ids after them.
fn bundled_faces() -> &'static [Arc<Face>] {
    static FACES: OnceLock<Vec<Arc<Face>>> = OnceLock::new();
    FACES.get_or_init(read_bundled)
}

/// The bundled faces, read: ids 1..=N.
fn read_bundled() -> Vec<Arc<Face>> {
    let mut faces = Vec::new();
    for (name, bytes) in BUNDLED {
        append(&mut faces, make_faces(Bytes::Static(bytes), name, true).expect("the bundled fonts parse"));
    }
    faces
}

/// Appends `added` to `faces`, giving each its id: its place (+1).
fn append(faces: &mut Vec<Arc<Face>>, added: Vec<Face>) {
    for face in added {
        faces.push(Arc::new(Face { id: faces.len() as u32 + 1, ..face }));
    }
}

/// The faces of one font file, not yet numbered ([`append`]).
fn make_faces(bytes: Bytes, source: &str, bundled: bool) -> Result<Vec<Face>, FontError> {
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_faces(bytes.get(), source)))
        .unwrap_or_else(|_| Err(FontError(format!("font {source}: unreadable (internal error while parsing)"))))?;
    Ok(parsed
        .into_iter()
        .map(|info| Face {
            id: 0,
            bytes: bytes.clone(),
            index: info.index,
            key: parse_font_name(&info.family).family,
            family: info.family,
            style: info.style,
            weight: info.weight,
            italic: info.italic,
            bundled,
            source: source.to_string(),
            plans: Mutex::default(),
            unreadable_layout: AtomicBool::new(false),
        })
        .collect())
}

impl Default for FontLibrary {
    fn default() -> Self {
        FontLibrary::new()
    }
}

impl FontLibrary {
    /// A library holding the bundled family, whose glyphs it shares with
    /// every library of the process.
    pub fn new() -> FontLibrary {
        FontLibrary::with_bundled(bundled_faces().to_vec(), bundled_glyphs())
    }

    /// A library whose bundled faces (with their shape plans) and glyphs
    /// are its own (tests that count them).
    #[cfg(test)]
    pub fn isolated() -> FontLibrary {
        FontLibrary::with_bundled(read_bundled(), Arc::default())
    }

    /// A library of the bundled faces `bundled` (ids 1..=N: the keys of
    /// `bundled_cache`, their glyphs).
    fn with_bundled(bundled: Vec<Arc<Face>>, bundled_cache: Arc<Mutex<GlyphCache>>) -> FontLibrary {
        FontLibrary {
            faces: RwLock::new(bundled),
            cache: Mutex::new(GlyphCache::default()),
            bundled_cache,
            generation: AtomicU32::new(0),
        }
    }

    /// Adds every face of a font file (TrueType, OpenType or a collection).
    /// Returns the names of the faces added.
    pub fn add_bytes(&self, bytes: Vec<u8>, source: &str) -> Result<Vec<String>, FontError> {
        if bytes.len() > MAX_FONT_BYTES {
            return Err(FontError(format!("font {source}: {} bytes, more than the limit of {MAX_FONT_BYTES}", bytes.len())));
        }
        let added = make_faces(Bytes::Shared(Arc::new(bytes)), source, false)?;
        let mut faces = self.faces.write().unwrap_or_else(|e| e.into_inner());
        if faces.len() + added.len() > MAX_FACES {
            return Err(FontError(format!("font {source}: the runtime already holds {} faces (at most {MAX_FACES})", faces.len())));
        }
        let names = added.iter().map(Face::name).collect();
        append(&mut faces, added);
        self.generation.fetch_add(1, Ordering::Relaxed);
        Ok(names)
    }

    /// Every face, bundled first.
    pub fn faces(&self) -> Vec<Arc<Face>> {
        self.faces.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes when faces are added.
    pub fn generation(&self) -> u32 {
        self.generation.load(Ordering::Relaxed)
    }

    /// The closest face of `name`'s family, and whether it is exact.
    fn best(faces: &[Arc<Face>], req: &FontRequest, bundled_only: bool) -> Option<(Arc<Face>, bool)> {
        faces
            .iter()
            .filter(|f| if bundled_only { f.bundled } else { f.key == req.family })
            .min_by_key(|f| (f.weight as i32 - req.weight as i32).unsigned_abs() + if f.italic != req.italic { 1000 } else { 0 })
            .map(|f| (f.clone(), f.weight == req.weight && f.italic == req.italic))
    }

    /// The faces for a font stack (the comma-joined `text-font` list): each
    /// font's closest face of its family, then the bundled face closest to
    /// the first font's weight and style.
    pub fn resolve(&self, stack: &str) -> StackFaces {
        let faces = self.faces();
        let names: Vec<&str> = stack.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        let mut out = StackFaces::default();
        let mut first_exact = None;
        for (i, name) in names.iter().enumerate() {
            let req = parse_font_name(name);
            if let Some((face, exact)) = Self::best(&faces, &req, false) {
                if i == 0 {
                    first_exact = Some((exact, face.name()));
                }
                if !out.faces.iter().any(|f| f.id == face.id) {
                    out.faces.push(face);
                }
            }
        }
        let first = names.first().map(|n| parse_font_name(n)).unwrap_or(FontRequest { family: String::new(), weight: 400, italic: false });
        if let Some((face, _)) = Self::best(&faces, &first, true) {
            if !out.faces.iter().any(|f| f.id == face.id) {
                out.faces.push(face);
            }
        }
        let used = out.faces.first().map(|f| f.name()).unwrap_or_default();
        let first_name = names.first().copied().unwrap_or("");
        out.oblique = first.italic;
        if out.oblique && out.faces.first().is_some_and(|f| !f.italic) {
            out.substitution = Some(format!("font \"{}\" has no local italic face: \"{used}\" is drawn slanted (synthetic oblique)", names.first().copied().unwrap_or("")));
            return out;
        }
        out.substitution = match first_exact {
            Some((true, _)) => None,
            Some((false, closest)) => Some(format!("font \"{first_name}\" is drawn with the closest local face, \"{closest}\"")),
            None => Some(format!("font \"{first_name}\" is not a local font: labels use \"{used}\"")),
        };
        out
    }

    /// The glyph of `codepoint` from `face` (parsed as `ttf`), from the cache
    /// or rendered (and cached while the cache has room).
    pub fn glyph(&self, face: &Face, ttf: &ttf_parser::Face, codepoint: u32) -> Option<Arc<Glyph>> {
        self.glyph_styled(face, ttf, codepoint, false)
    }

    /// [`FontLibrary::glyph`], slanted when `oblique` and the face is not italic.
    pub fn glyph_styled(&self, face: &Face, ttf: &ttf_parser::Face, codepoint: u32, oblique: bool) -> Option<Arc<Glyph>> {
        let (id, skew) = style_key(face, oblique);
        self.cached(face, (id, codepoint), || {
            let gid = ttf.glyph_index(char::from_u32(codepoint)?).filter(|g| g.0 != 0)?;
            Some(super::sdf_gen::render_glyph_id(ttf, gid, codepoint, skew))
        })
    }

    /// Glyph `gid` of `face` as shaping chose it, with id `key` (a
    /// [`super::local_shaping::glyph_key`], never a codepoint), cached like
    /// [`FontLibrary::glyph`].
    pub fn glyph_by_id(&self, face: &Face, ttf: &ttf_parser::Face, gid: u16, key: u32, oblique: bool) -> Option<Arc<Glyph>> {
        let (id, skew) = style_key(face, oblique);
        self.cached(face, (id, key), || Some(super::sdf_gen::render_glyph_id(ttf, ttf_parser::GlyphId(gid), key, skew)))
    }

    fn cached(&self, face: &Face, key: (u32, u32), render: impl FnOnce() -> Option<Glyph>) -> Option<Arc<Glyph>> {
        let cache = if face.bundled { &*self.bundled_cache } else { &self.cache };
        if let Some(g) = cache.lock().unwrap_or_else(|e| e.into_inner()).glyphs.get(&key) {
            return Some(g.clone());
        }
        let glyph = Arc::new(render()?);
        let size = glyph.bitmap.as_ref().map_or(0, |b| b.data.len()) + std::mem::size_of::<Glyph>();
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        // Another thread may have rendered it meanwhile: the first stays, so
        // every map holds the same glyph.
        if let Some(first) = cache.glyphs.get(&key) {
            return Some(first.clone());
        }
        if cache.glyphs.len() < MAX_CACHE_GLYPHS && cache.bytes + size <= MAX_CACHE_BYTES {
            cache.glyphs.insert(key, glyph.clone());
            cache.bytes += size;
        }
        Some(glyph)
    }

    /// The glyphs of range `range` (256 codepoints) for a stack's faces: each
    /// codepoint from the first face that has it. Runs on a worker.
    pub fn render_range(&self, faces: &[Arc<Face>], range: u32) -> Vec<Arc<Glyph>> {
        self.render_range_styled(faces, range, false)
    }

    /// [`FontLibrary::render_range`], slanted when `oblique` (for faces that are not italic).
    /// The glyphs are the cache's (shared, not copied).
    pub fn render_range_styled(&self, faces: &[Arc<Face>], range: u32, oblique: bool) -> Vec<Arc<Glyph>> {
        let parsed: Vec<(&Arc<Face>, ttf_parser::Face)> = faces.iter().filter_map(|f| f.parse().map(|p| (f, p))).collect();
        let lo = range.saturating_mul(RANGE_SIZE);
        let mut out = Vec::new();
        for cp in lo..lo.saturating_add(RANGE_SIZE) {
            if char::from_u32(cp).map_or(true, |c| c.is_control()) {
                continue;
            }
            for (face, ttf) in &parsed {
                if ttf.glyph_index(char::from_u32(cp).unwrap_or('\0')).is_some_and(|g| g.0 != 0) {
                    if let Some(g) = self.glyph_styled(face, ttf, cp, oblique) {
                        out.push(g);
                    }
                    break;
                }
            }
        }
        out
    }

    /// Glyphs in the caches this library uses (its own, and the bundled
    /// glyphs it shares) and their bytes.
    pub fn cache_stats(&self) -> (usize, usize) {
        let own = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let bundled = self.bundled_cache.lock().unwrap_or_else(|e| e.into_inner());
        (own.glyphs.len() + bundled.glyphs.len(), own.bytes + bundled.bytes)
    }
}

struct FaceInfo {
    index: u32,
    family: String,
    style: String,
    weight: u16,
    italic: bool,
}

/// The usable faces of a font file.
fn read_faces(data: &[u8], source: &str) -> Result<Vec<FaceInfo>, FontError> {
    let collection = ttf_parser::fonts_in_collection(data);
    let count = collection.unwrap_or(1);
    if count == 0 {
        return Err(FontError(format!("font {source}: an empty font collection")));
    }
    // A collection's header lists an offset (4 bytes) per face after 12
    // bytes: a count the file cannot hold is refused here (ttf-parser would
    // find it out too, after a debug assertion on the size).
    if collection.is_some() && 12 + 4 * count as u64 > data.len() as u64 {
        return Err(FontError(format!("font {source}: a collection header listing {count} faces in {} bytes", data.len())));
    }
    let mut out = Vec::new();
    let mut first_error = None;
    for index in 0..count.min(MAX_FACES_PER_FILE) {
        match read_face(data, index) {
            Ok(info) => out.push(info),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if out.is_empty() {
        return Err(FontError(format!(
            "font {source}: not a usable TrueType/OpenType font ({})",
            first_error.unwrap_or_else(|| "no faces".into())
        )));
    }
    Ok(out)
}

fn read_face(data: &[u8], index: u32) -> Result<FaceInfo, String> {
    let face = ttf_parser::Face::parse(data, index).map_err(|e| e.to_string())?;
    let tables = face.tables();
    if tables.glyf.is_none() && tables.cff.is_none() {
        return Err("no glyph outlines (glyf or CFF)".into());
    }
    let unicode = tables.cmap.is_some_and(|c| c.subtables.into_iter().any(|s| s.is_unicode()));
    if !unicode {
        return Err("no Unicode character map".into());
    }
    let name = |ids: &[u16]| -> Option<String> {
        for id in ids {
            let found = face
                .names()
                .into_iter()
                .filter(|n| n.name_id == *id && n.is_unicode())
                .filter_map(|n| n.to_string())
                .map(|s| s.chars().filter(|c| !c.is_control()).take(128).collect::<String>())
                .find(|s| !s.trim().is_empty());
            if found.is_some() {
                return found;
            }
        }
        None
    };
    let family = name(&[ttf_parser::name_id::TYPOGRAPHIC_FAMILY, ttf_parser::name_id::FAMILY])
        .ok_or_else(|| "no family name".to_string())?;
    let style = name(&[ttf_parser::name_id::TYPOGRAPHIC_SUBFAMILY, ttf_parser::name_id::SUBFAMILY]).unwrap_or_else(|| "Regular".into());
    let mut weight = face.weight().to_number();
    if !(1..=1000).contains(&weight) {
        weight = 400;
    }
    // Fonts whose OS/2 weight is missing or wrong: the names tell.
    if weight == 400 {
        let from_name = parse_font_name(&format!("{family} {style}")).weight;
        weight = from_name;
    }
    let italic = face.is_italic() || face.is_oblique() || parse_font_name(&style).italic;
    Ok(FaceInfo { index, family: family.trim().to_string(), style: style.trim().to_string(), weight, italic })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{fixture, shared_path, skipped};

    #[test]
    fn font_names_split_into_family_weight_and_style() {
        let r = parse_font_name("Open Sans Semibold");
        assert_eq!(r, FontRequest { family: "opensans".into(), weight: 600, italic: false });
        assert_eq!(parse_font_name("Noto Sans Bold Italic"), FontRequest { family: "notosans".into(), weight: 700, italic: true });
        assert_eq!(parse_font_name("NotoSans-BoldItalic"), FontRequest { family: "notosans".into(), weight: 700, italic: true });
        assert_eq!(parse_font_name("Roboto Extra Bold").weight, 800);
        assert_eq!(parse_font_name("Arial Unicode MS Regular"), FontRequest { family: "arialunicodems".into(), weight: 400, italic: false });
        assert_eq!(parse_font_name("Bold").family, "", "a name of style words only");
    }

    #[test]
    fn the_bundled_family_is_always_there() {
        let lib = FontLibrary::new();
        let names: Vec<String> = lib.faces().iter().map(|f| f.name()).collect();
        assert_eq!(names, ["Noto Sans Regular", "Noto Sans Bold"]);
        let faces = lib.faces();
        assert_eq!((faces[0].weight, faces[1].weight), (400, 700));
    }

    #[test]
    fn stack_matching_picks_bold_for_a_bold_font() {
        let lib = FontLibrary::new();
        let s = lib.resolve("Noto Sans Bold");
        assert_eq!(s.faces.iter().map(|f| f.name()).collect::<Vec<_>>(), ["Noto Sans Bold"]);
        assert_eq!(s.substitution, None, "an exact match is no substitution");
        let s = lib.resolve("Open Sans Bold,Arial Unicode MS Bold");
        assert_eq!(s.faces[0].name(), "Noto Sans Bold");
        assert!(s.substitution.as_deref().unwrap().contains("\"Open Sans Bold\" is not a local font"), "{:?}", s.substitution);
        // Semibold (600) is closer to Bold (700) than to Regular (400).
        assert_eq!(lib.resolve("Open Sans Semibold").faces[0].name(), "Noto Sans Bold");
        assert_eq!(lib.resolve("Open Sans Regular").faces[0].name(), "Noto Sans Regular");
        assert_eq!(lib.resolve("Noto Sans Medium").faces[0].name(), "Noto Sans Regular");
        assert!(lib.resolve("Noto Sans Medium").substitution.unwrap().contains("closest local face, \"Noto Sans Regular\""));
    }

    #[test]
    fn italic_stacks_are_drawn_as_a_synthetic_oblique() {
        let lib = FontLibrary::isolated();
        let s = lib.resolve("Noto Sans Italic");
        assert!(s.oblique);
        assert_eq!(s.faces[0].name(), "Noto Sans Regular");
        assert!(s.substitution.as_deref().unwrap().contains("synthetic oblique"), "{:?}", s.substitution);
        let s = lib.resolve("Open Sans Bold Italic");
        assert!(s.oblique && s.faces[0].name() == "Noto Sans Bold");
        assert!(!lib.resolve("Noto Sans Bold").oblique);
        // 'l' is a vertical stem: slanted, its ink box widens by about
        // its height x tan 12°, and its top leans right.
        let face = &lib.faces()[0];
        let ttf = face.parse().unwrap();
        let upright = lib.glyph_styled(face, &ttf, 'l' as u32, false).unwrap();
        let slanted = lib.glyph_styled(face, &ttf, 'l' as u32, true).unwrap();
        let (u, o) = (upright.metrics, slanted.metrics);
        assert_eq!((u.height, u.top, u.advance), (o.height, o.top, o.advance));
        let widen = o.width as f32 - u.width as f32;
        assert!((widen - u.height as f32 * OBLIQUE_SKEW).abs() <= 2.0, "{u:?} {o:?}");
        assert_eq!(lib.cache_stats().0, 2, "cached apart");
    }

    /// Runtimes (each with its library) share the bundled faces' glyphs: a
    /// glyph one rendered, the others take. Faces a runtime added are its
    /// own, even when another added the same file.
    #[test]
    fn bundled_glyphs_are_shared_by_every_library_and_added_faces_are_not() {
        let glyph = |lib: &FontLibrary, face: &Arc<Face>, c: char| lib.glyph(face, &face.parse().unwrap(), c as u32).unwrap();
        let shared = Arc::default();
        let (a, b) = (FontLibrary::with_bundled(bundled_faces().to_vec(), Arc::clone(&shared)), FontLibrary::with_bundled(bundled_faces().to_vec(), shared));
        let (fa, fb) = (a.faces()[1].clone(), b.faces()[1].clone());
        assert!(fa.bundled && Arc::ptr_eq(&fa, &fb), "the bundled faces are the process's, in every library");
        let plan = |f: &Arc<Face>| f.shape_plan(&f.shaper().unwrap(), rustybuzz::Direction::RightToLeft, Some(rustybuzz::script::HEBREW));
        assert!(Arc::ptr_eq(&plan(&fb), &plan(&fa)), "a shape plan one library made, the other takes");
        let ga = glyph(&a, &fa, 'x');
        assert!(Arc::ptr_eq(&ga, &glyph(&b, &fb, 'x')), "b rendered again what a rendered");
        assert_eq!(a.cache_stats(), b.cache_stats());
        // The same file added to both: rendered by each.
        let font = || fixture("fonts/OpenSans-Semibold-Latin1.ttf");
        a.add_bytes(font(), "a.ttf").unwrap();
        b.add_bytes(font(), "b.ttf").unwrap();
        let (aa, ab) = (a.faces().last().unwrap().clone(), b.faces().last().unwrap().clone());
        assert!(!aa.bundled);
        let (x, y) = (glyph(&a, &aa, 'x'), glyph(&b, &ab, 'x'));
        assert!(!Arc::ptr_eq(&x, &y) && *x == *y && *x != *ga);
        assert_eq!(a.cache_stats().0, b.cache_stats().0);
        // Libraries made by new() (a runtime's) use the process's cache; an
        // isolated one starts empty.
        let (p, q) = (FontLibrary::new(), FontLibrary::new());
        let (fp, fq) = (p.faces()[0].clone(), q.faces()[0].clone());
        assert!(Arc::ptr_eq(&glyph(&p, &fp, 'Q'), &glyph(&q, &fq, 'Q')));
        let isolated = FontLibrary::isolated();
        assert_eq!(isolated.cache_stats(), (0, 0));
        assert!(!Arc::ptr_eq(&isolated.faces()[0], &fp));
    }

    /// Two renders of one new glyph at once: the one cached first is the
    /// one both get (the second is dropped, not swapped in).
    #[test]
    fn a_glyph_rendered_twice_at_once_is_cached_once() {
        let lib = FontLibrary::isolated();
        let face = lib.faces()[0].clone();
        let glyph = |id| Glyph { id, metrics: crate::text::glyph::GlyphMetrics::default(), bitmap: None };
        let key = (face.id, 0x41);
        let got = lib.cached(&face, key, || {
            // While this one renders, another render of the key finishes.
            let other = lib.cached(&face, key, || Some(glyph(1))).unwrap();
            assert_eq!(other.id, 1);
            Some(glyph(2))
        });
        assert_eq!(got.unwrap().id, 1, "the first render stays");
        assert_eq!(lib.cached(&face, key, || Some(glyph(3))).unwrap().id, 1);
        assert_eq!(lib.cache_stats().0, 1);
    }

    /// Bench line: the first range of the bundled face rendered cold, then
    /// from the cache, and the cache's size.
    #[test]
    fn local_ranges_are_cached_per_face_and_codepoint() {
        let lib = FontLibrary::isolated();
        let faces = lib.resolve("Noto Sans Regular").faces;
        let t = std::time::Instant::now();
        let cold = lib.render_range(&faces, 0);
        let cold_time = t.elapsed();
        let (n, bytes) = lib.cache_stats();
        let t = std::time::Instant::now();
        let warm = lib.render_range(&faces, 0);
        let warm_time = t.elapsed();
        assert_eq!(cold, warm);
        assert_eq!(lib.cache_stats(), (n, bytes), "nothing rendered twice");
        assert!(cold.len() >= 180 && n == cold.len(), "{} glyphs, {n} cached", cold.len());
        eprintln!(
            "bench: local glyphs, Noto Sans Regular range 0-255: {} glyphs in {:.1} ms cold, {:.2} ms cached; cache {n} glyphs, {} KiB",
            cold.len(),
            cold_time.as_secs_f64() * 1e3,
            warm_time.as_secs_f64() * 1e3,
            bytes / 1024
        );
    }

    #[test]
    fn added_fonts_are_matched_before_the_bundled_family() {
        let lib = FontLibrary::new();
        let names = lib.add_bytes(fixture("fonts/OpenSans-Semibold-Latin1.ttf"), "OpenSans-Semibold-Latin1.ttf").unwrap();
        assert_eq!(names, ["Open Sans Semibold"]);
        let s = lib.resolve("Open Sans Semibold,Arial Unicode MS Bold");
        assert_eq!(s.faces.iter().map(|f| f.name()).collect::<Vec<_>>(), ["Open Sans Semibold", "Noto Sans Bold"]);
        assert_eq!(s.substitution, None);
        // Codepoints the subset lacks come from the bundled face.
        let glyphs = lib.render_range(&s.faces, 1); // U+0100..: not in the Latin-1 subset
        assert!(glyphs.iter().any(|g| g.id == 0x100), "Ā from Noto Sans");
    }

    #[test]
    fn hostile_font_bytes_are_errors_not_panics() {
        let lib = FontLibrary::new();
        let good = fixture("fonts/OpenSans-Semibold-Latin1.ttf");
        let mut cases: Vec<Vec<u8>> = vec![
            vec![],
            b"not a font at all".to_vec(),
            b"ttcf\0\x01\0\0\xff\xff\xff\xff".to_vec(),
            vec![0, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0],
            good[..good.len() / 3].to_vec(),
        ];
        // Bit flips and truncations of a real font: errors or usable faces,
        // never a panic; glyphs of what parses render within the bounds.
        let mut seed = 0x2545F491u32;
        for _ in 0..300 {
            let mut b = good.clone();
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let i = seed as usize % b.len();
                b[i] = (seed >> 8) as u8;
            }
            cases.push(b);
        }
        let mut refused = 0;
        for bytes in cases {
            match lib.add_bytes(bytes, "hostile.ttf") {
                Err(e) => {
                    assert!(e.0.contains("hostile.ttf"), "{e}");
                    refused += 1;
                }
                Ok(_) => {}
            }
        }
        assert!(refused >= 5, "the garbage is refused");
        let ttc = lib.add_bytes(b"ttcf\0\x01\0\0\xff\xff\xff\xff".to_vec(), "c.ttc").unwrap_err().0;
        assert!(ttc.contains("a collection header listing 4294967295 faces in 12 bytes"), "{ttc}");
        assert!(lib.add_bytes(vec![0; MAX_FONT_BYTES + 1], "big.ttf").unwrap_err().0.contains("limit"));
        // Render every face's range 0 (the corrupt ones included).
        for face in lib.faces() {
            lib.render_range(&[face], 0);
        }
    }

    #[test]
    fn a_face_with_unreadable_layout_tables_is_not_read_again() {
        let lib = FontLibrary::isolated();
        lib.add_bytes(fixture("fonts/OpenSans-Semibold-Latin1.ttf"), "open-sans.ttf").unwrap();
        let faces = lib.faces();
        assert!(faces.iter().enumerate().all(|(i, f)| f.id == i as u32 + 1), "ids are places, unique: {faces:?}");
        let face = faces.into_iter().find(|f| !f.bundled).unwrap();
        assert!(face.shaper().is_some());
        assert!(!face.unreadable_layout.load(Ordering::Relaxed), "a readable face is not marked");
        // As Face::shaper marks a face whose tables it could not read.
        face.unreadable_layout.store(true, Ordering::Relaxed);
        assert!(face.shaper().is_none(), "the mark answers without reading the tables again");
    }

    /// A CFF font (cubic outlines, `OTTO`) reads, shapes and renders as
    /// its TrueType twin (tools/fonts/make_cff.py: the same outlines,
    /// quadratics written as cubics, and the same tables otherwise).
    #[test]
    fn cff_outlines_render_as_their_truetype_twin() {
        let face_of = |file: &str| {
            let lib = FontLibrary::isolated();
            assert_eq!(lib.add_bytes(fixture(&format!("fonts/{file}")), file).unwrap(), ["Open Sans Semibold"], "{file}");
            let face = lib.faces().into_iter().find(|f| !f.bundled).unwrap();
            (lib, face)
        };
        let (tt_lib, tt) = face_of("OpenSans-Semibold-Latin1.ttf");
        let (cff_lib, cff) = face_of("OpenSans-Semibold-Latin1-CFF.otf");
        assert!(cff.parse().unwrap().tables().cff.is_some() && tt.parse().unwrap().tables().glyf.is_some());
        assert_eq!((cff.weight, cff.italic), (tt.weight, tt.italic));
        let glyphs = |lib: &FontLibrary, face: &Arc<Face>| -> HashMap<u32, Arc<Glyph>> { lib.render_range(std::slice::from_ref(face), 0).into_iter().map(|g| (g.id, g)).collect() };
        let (want, got) = (glyphs(&tt_lib, &tt), glyphs(&cff_lib, &cff));
        assert!(want.len() >= 180 && got.len() == want.len(), "{} TrueType glyphs, {} CFF", want.len(), got.len());
        let mut worst = 0u32;
        for (cp, w) in &want {
            let g = &got[cp];
            assert_eq!(g.metrics, w.metrics, "U+{cp:04X}");
            let (Some(a), Some(b)) = (&g.bitmap, &w.bitmap) else {
                assert_eq!(g.bitmap.is_some(), w.bitmap.is_some(), "U+{cp:04X} ink");
                continue;
            };
            let d = a.data.iter().zip(&b.data).map(|(p, q)| p.abs_diff(*q) as u32).max().unwrap_or(0);
            worst = worst.max(d);
        }
        assert!("Og@".chars().all(|c| want[&(c as u32)].bitmap.is_some()), "round glyphs compared");
        eprintln!("CFF vs TrueType Open Sans Semibold: {} glyphs, identical metrics, largest SDF difference {worst}/255", want.len());
        // The same curve flattened from a cubic and from a quadratic: the
        // distance fields agree within 2 levels of 255 everywhere.
        assert!(worst <= 2, "largest SDF difference {worst}/255");
        // Its layout tables shape over the CFF outlines as over the
        // TrueType ones: the same glyphs, advances and kerning.
        let run = |face: &Arc<Face>| crate::text::local_shaping::shape_run(face, &face.shaper().expect("layout tables read"), "AVATAR office Ag@", None);
        let (a, b) = (run(&cff), run(&tt));
        assert_eq!(a.len(), 15, "17 characters, \"ffi\" one ligature: {a:?}");
        assert_eq!(a, b);
    }

    /// A collection (`ttcf`) adds each of its faces, each read at its own
    /// index: here the TrueType and the CFF twin in one file.
    #[test]
    fn a_collection_adds_each_of_its_faces() {
        let lib = FontLibrary::isolated();
        let file = "OpenSans-Semibold-Latin1-pair.ttc";
        assert_eq!(lib.add_bytes(fixture(&format!("fonts/{file}")), file).unwrap(), ["Open Sans Semibold", "Open Sans Semibold"]);
        let added: Vec<_> = lib.faces().into_iter().filter(|f| !f.bundled).collect();
        assert_eq!(added.iter().map(|f| f.index).collect::<Vec<_>>(), [0, 1]);
        let (tt, cff) = (added[0].parse().unwrap(), added[1].parse().unwrap());
        assert!(tt.tables().glyf.is_some() && cff.tables().cff.is_some(), "face 0 TrueType, face 1 CFF");
        let g = |face: &Arc<Face>, ttf: &ttf_parser::Face| lib.glyph(face, ttf, 'g' as u32).unwrap();
        let (a, b) = (g(&added[0], &tt), g(&added[1], &cff));
        assert!(!Arc::ptr_eq(&a, &b), "each face renders its own glyphs");
        assert_eq!(a.metrics, b.metrics);
        // Fifteen faces' worth of offsets in a 12-byte header is refused
        // before any face is read (the hostile-bytes test has more).
        let mut header = fixture(&format!("fonts/{file}"))[..12].to_vec();
        header[8..12].copy_from_slice(&15u32.to_be_bytes());
        assert!(lib.add_bytes(header, "short.ttc").unwrap_err().0.contains("listing 15 faces in 12 bytes"));
    }

    /// A glyph PBF range of the render suite: Open Sans Semibold glyphs.
    fn open_sans_pbf() -> Option<HashMap<u32, Glyph>> {
        let Some(p) = shared_path("conformance/assets/glyphs/Open Sans Semibold,Arial Unicode MS Bold/0-255.pbf") else {
            skipped("../shared/conformance/assets/glyphs (Open Sans Semibold PBFs)");
            return None;
        };
        let decoded = crate::text::pbf::decode_range(&std::fs::read(p).unwrap(), 0).unwrap();
        Some(decoded.glyphs.into_iter().map(|g| (g.id, g)).collect())
    }

    /// Local glyphs of the same font as the PBFs match their metrics within
    /// 1 px and their SDFs within a small mean error (node-fontnik's
    /// conventions; the remaining error is curve flattening and rounding).
    #[test]
    fn local_glyphs_match_the_pbf_glyphs_of_the_same_font() {
        let Some(pbf) = open_sans_pbf() else { return };
        let lib = FontLibrary::new();
        lib.add_bytes(fixture("fonts/OpenSans-Semibold-Latin1.ttf"), "OpenSans").unwrap();
        let face = lib.resolve("Open Sans Semibold").faces[0].clone();
        assert_eq!(face.name(), "Open Sans Semibold");
        let local: HashMap<u32, Arc<Glyph>> = lib.render_range(&[face], 0).into_iter().map(|g| (g.id, g)).collect();
        let (mut n, mut exact, mut sum_abs, mut texels, mut worst_mae) = (0, 0, 0u64, 0u64, 0f64);
        let mut report = String::new();
        let mut outliers = Vec::new();
        let mut metric_diffs = Vec::new();
        for (cp, want) in &pbf {
            let Some(got) = local.get(cp) else { continue };
            n += 1;
            let (a, b) = (got.metrics, want.metrics);
            for (what, x, y) in [
                ("width", a.width as i32, b.width as i32),
                ("height", a.height as i32, b.height as i32),
                ("left", a.left, b.left),
                ("top", a.top, b.top),
                ("advance", a.advance as i32, b.advance as i32),
            ] {
                assert!((x - y).abs() <= 1, "U+{cp:04X} {what}: local {x}, PBF {y}");
            }
            if a == b {
                exact += 1;
            } else {
                metric_diffs.push(format!("U+{cp:04X} local {a:?} PBF {b:?}"));
            }
            if let (Some(x), Some(y), true) = (&got.bitmap, &want.bitmap, a.width == b.width && a.height == b.height) {
                let e: u64 = x.data.iter().zip(&y.data).map(|(p, q)| (*p as i32 - *q as i32).unsigned_abs() as u64).sum();
                let mae = e as f64 / x.data.len() as f64;
                worst_mae = worst_mae.max(mae);
                if mae >= 6.0 {
                    outliers.push(format!("U+{cp:04X} {mae:.2}"));
                }
                sum_abs += e;
                texels += x.data.len() as u64;
            }
        }
        let mae = sum_abs as f64 / texels.max(1) as f64;
        report += &format!(
            "local vs PBF glyphs of Open Sans Semibold: {n} glyphs, {exact} with identical metrics, SDF mean abs error {mae:.2}/255 (worst glyph {worst_mae:.2}; mean error 6 or more: {outliers:?})"
        );
        eprintln!("{report}\nmetrics that differ (by 1 px): {metric_diffs:#?}");
        assert!(n >= 180, "{n} glyphs compared");
        assert!(exact * 100 >= n * 95, "{report}");
        assert!(mae < 2.5, "{report}");
        // A few PBF glyphs differ more (thin straight stems such as '-' sit
        // about 0.1 px apart; 'Î' by a pixel): at most 3% of them.
        assert!(outliers.len() * 100 <= n * 3, "{report}");
        // A known glyph, exactly: 'A' is 16 x 18 at (0, -8), advance 15.
        let a = &local[&0x41];
        assert_eq!(a.metrics, pbf[&0x41].metrics);
    }
}
