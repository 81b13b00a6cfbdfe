//! A map's glyph store: glyph PBF ranges by font stack, requested from the
//! style's `glyphs` URL as labels need them, decoded on workers, kept for the
//! map's life (until the glyph URL changes); failures are remembered so a
//! range is asked for once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::text::font::{FontLibrary, StackFaces};
use crate::text::glyph::{range_name, Glyph, GlyphMap, GlyphSet};
use crate::text::local_shaping::LocalStack;

/// The bounds of one map's glyph store, from the runtime's limits: the
/// ranges it loads (`max_glyph_ranges`; a range past it fails, named once
/// a map) and the bytes of glyphs, bitmaps and metrics, it keeps
/// (`max_glyph_bytes`; a range beyond it fails, named). Labels draw
/// without a failed range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GlyphLimits {
    pub ranges: usize,
    pub bytes: usize,
}

impl Default for GlyphLimits {
    fn default() -> GlyphLimits {
        GlyphLimits::of(&crate::runtime::Limits::default())
    }
}

impl GlyphLimits {
    pub fn of(limits: &crate::runtime::Limits) -> GlyphLimits {
        let usize_of = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        GlyphLimits { ranges: limits.max_glyph_ranges as usize, bytes: usize_of(limits.max_glyph_bytes) }
    }
}

/// The ranges [`GlyphStore::take_missing`] found not asked for yet.
#[derive(Debug, Default, PartialEq)]
pub struct Missing {
    /// To load, marked Loading.
    pub load: Vec<(String, u32)>,
    /// Past the store's range bound, marked Failed.
    pub refused: Vec<(String, u32)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RangeState {
    Loading,
    Ready,
    /// Not found, unreadable or over the limit; labels draw without it.
    Failed,
}

#[derive(Default)]
pub struct GlyphStore {
    /// The `glyphs` URL template the ranges came from.
    pub url: Option<String>,
    ranges: HashMap<(String, u32), RangeState>,
    set: GlyphSet,
    /// What the glyphs in `set` take (charged against `limits.bytes`).
    bytes: usize,
    limits: GlyphLimits,
}

impl GlyphStore {
    /// Forgets everything when the glyph URL changes; holds to `limits`
    /// from now on (the runtime's, the same for a map's life).
    pub fn set_url(&mut self, url: Option<String>, limits: GlyphLimits) {
        if self.url != url {
            *self = GlyphStore { url, ..GlyphStore::default() };
        }
        self.limits = limits;
    }

    pub fn limits(&self) -> GlyphLimits {
        self.limits
    }

    /// The glyphs loaded so far (cheap to clone: maps are shared).
    pub fn set(&self) -> GlyphSet {
        self.set.clone()
    }

    pub fn state(&self, stack: &str, range: u32) -> Option<&RangeState> {
        self.ranges.get(&(stack.to_string(), range))
    }

    /// Whether every range of `deps` has loaded or failed.
    pub fn settled(&self, deps: &BTreeMap<String, BTreeSet<u32>>) -> bool {
        deps.iter().all(|(s, ranges)| ranges.iter().all(|r| matches!(self.state(s, *r), Some(RangeState::Ready | RangeState::Failed))))
    }

    /// The ranges of `deps` not asked for yet, marked Loading (or Failed
    /// once the store holds `limits.ranges` ranges, loaded, loading or failed).
    pub fn take_missing(&mut self, deps: &BTreeMap<String, BTreeSet<u32>>) -> Missing {
        let mut out = Missing::default();
        for (stack, ranges) in deps {
            for &r in ranges {
                let key = (stack.clone(), r);
                if self.ranges.contains_key(&key) {
                    continue;
                }
                if self.ranges.len() >= self.limits.ranges {
                    self.ranges.insert(key.clone(), RangeState::Failed);
                    out.refused.push(key);
                    continue;
                }
                self.ranges.insert(key.clone(), RangeState::Loading);
                out.load.push(key);
            }
        }
        out
    }

    /// Adds a range made from local fonts `faces` of `fonts`: the stack's
    /// text is shaped from them when all its ranges are local.
    pub fn add_local(
        &mut self,
        stack: &str,
        range: u32,
        glyphs: Vec<Arc<Glyph>>,
        faces: &StackFaces,
        fonts: Arc<FontLibrary>,
    ) -> Result<(), String> {
        self.add(stack, range, glyphs)?;
        let local = LocalStack { faces: faces.faces.clone(), fonts, ranges: BTreeSet::new(), oblique: faces.oblique };
        let entry = self.set.local.entry(stack.to_string()).or_insert_with(|| Arc::new(local.clone()));
        let ranges = std::mem::take(&mut Arc::make_mut(entry).ranges);
        *entry = Arc::new(LocalStack { ranges, ..local });
        Arc::make_mut(entry).ranges.insert(range);
        Ok(())
    }

    pub fn fail(&mut self, stack: &str, range: u32) {
        self.ranges.insert((stack.to_string(), range), RangeState::Failed);
    }

    /// Adds a decoded range, or fails it (the reason) when the map's glyphs
    /// would then take more than `limits.bytes`.
    pub fn add(&mut self, stack: &str, range: u32, glyphs: impl IntoIterator<Item = Arc<Glyph>>) -> Result<(), String> {
        let glyphs: Vec<Arc<Glyph>> = glyphs.into_iter().collect();
        let size = |g: &Arc<Glyph>| std::mem::size_of::<Glyph>() + g.bitmap.as_ref().map_or(0, |b| b.data.len());
        let bytes: usize = glyphs.iter().map(size).sum();
        // Glyphs this range replaces (a range loaded again) give their charge back.
        let replaced: usize = match self.set.stacks.get(stack) {
            Some(map) => glyphs.iter().filter_map(|g| map.get(&g.id)).map(size).sum(),
            None => 0,
        };
        let total = (self.bytes - replaced.min(self.bytes)).saturating_add(bytes);
        if total > self.limits.bytes {
            self.fail(stack, range);
            return Err(format!(
                "the map's glyphs would take {total} bytes with this range's {bytes}, more than the {} bytes a map keeps (max_glyph_bytes)",
                self.limits.bytes
            ));
        }
        let entry = self.set.stacks.entry(stack.to_string()).or_insert_with(|| Arc::new(GlyphMap::new()));
        let map = Arc::make_mut(entry);
        for g in glyphs {
            map.insert(g.id, g);
        }
        self.bytes = total;
        self.ranges.insert((stack.to_string(), range), RangeState::Ready);
        Ok(())
    }
}

/// The URL of one range: `{fontstack}` (percent-encoded, as MapLibre
/// requests it) and `{range}` replaced.
pub fn range_url(template: &str, stack: &str, range: u32) -> String {
    template.replace("{fontstack}", &percent_encode(stack)).replace("{range}", &range_name(range))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_urls_encode_the_stack() {
        assert_eq!(
            range_url("local://glyphs/{fontstack}/{range}.pbf", "Open Sans Semibold,Arial Unicode MS Bold", 1),
            "local://glyphs/Open%20Sans%20Semibold%2CArial%20Unicode%20MS%20Bold/256-511.pbf"
        );
    }

    #[test]
    fn ranges_are_asked_once_and_bounded() {
        let mut store = GlyphStore::default();
        let deps: BTreeMap<String, BTreeSet<u32>> = [("A".to_string(), [0u32, 1].into_iter().collect())].into_iter().collect();
        assert_eq!(store.take_missing(&deps).load.len(), 2);
        assert_eq!(store.take_missing(&deps), Missing::default());
        assert!(!store.settled(&deps));
        store.add("A", 0, vec![]).unwrap();
        store.fail("A", 1);
        assert!(store.settled(&deps));
        let max = crate::runtime::Limits::DEFAULT_MAX_GLYPH_RANGES;
        let many: BTreeMap<String, BTreeSet<u32>> = [("B".to_string(), (0..max + 10).collect())].into_iter().collect();
        let missing = store.take_missing(&many);
        assert_eq!((missing.load.len(), missing.refused.len()), (max as usize - 2, 12));
        assert_eq!(missing.refused.last(), Some(&("B".to_string(), max + 9)));
        assert!(store.settled(&BTreeMap::from([("B".to_string(), BTreeSet::from([max + 5]))])));
        // A smaller bound.
        let mut store = GlyphStore::default();
        store.set_url(Some("u".into()), GlyphLimits { ranges: 3, bytes: 1 << 20 });
        let missing = store.take_missing(&many);
        assert_eq!((missing.load.len(), missing.refused.len()), (3, max as usize + 7));
        assert_eq!(store.state("B", 3), Some(&RangeState::Failed));
    }

    #[test]
    fn the_glyph_bytes_a_map_keeps_are_bounded() {
        use crate::text::glyph::SdfBitmap;
        // Ranges of 256 glyphs of 512 KiB each (one bitmap shared here; each
        // glyph is charged its own): 128 MiB a range.
        let bitmap = Arc::new(SdfBitmap { width: 1024, height: 512, data: vec![0; 512 << 10] });
        let range = |base: u32| -> Vec<Arc<Glyph>> {
            (0..256).map(|i| Arc::new(Glyph { id: base + i, metrics: Default::default(), bitmap: Some(bitmap.clone()) })).collect()
        };
        let mut store = GlyphStore::default();
        store.add("A", 0, range(0)).unwrap();
        let e = store.add("A", 1, range(256)).unwrap_err();
        assert!(e.contains(&format!("more than the {} bytes a map keeps (max_glyph_bytes)", crate::runtime::Limits::DEFAULT_MAX_GLYPH_BYTES)), "{e}");
        assert_eq!(store.state("A", 1), Some(&RangeState::Failed));
        assert_eq!(store.set().stacks["A"].len(), 256, "the failed range added nothing");
        // Small ranges still fit; a range loaded again replaces its glyphs' charge.
        store.add("A", 2, vec![Arc::new(Glyph { id: 512, metrics: Default::default(), bitmap: None })]).unwrap();
        store.add("A", 0, range(0)).unwrap();
        assert_eq!(store.state("A", 0), Some(&RangeState::Ready));
    }
}
