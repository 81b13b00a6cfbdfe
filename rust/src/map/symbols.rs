//! The map's side of labels: for every loaded tile that a visible symbol
//! layer reads, find the glyph ranges its labels need (on a worker), load
//! them through the resource loader, then lay out the tile's symbols (on a
//! worker) and keep the layout with the tile. Placement runs per frame on
//! the owner thread (`symbol::placement`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::glyphs::{range_url, GlyphLimits, GlyphStore};
use super::{Map, Purpose};
use crate::runtime::events::{Event, EventKind};
use crate::runtime::resource::{ResourceInfo, ResourceKind, Response};
use crate::runtime::Core;
use crate::source::feature::TileId;
use crate::style::expression::fuel::{with_fuel, Spent};
use crate::style::layer::LayerKind;
use crate::style::Style;
use crate::symbol::icon::{IconImage, IconImages};
use crate::symbol::bounds::{SymbolBounds, MAX_SYMBOLS_PER_LAYER};
use crate::symbol::layout::{glyph_dependencies, layout_tile, SymbolTile};

/// Where one tile's symbol layout stands.
pub enum SymbolSlot {
    /// Finding the glyph ranges (worker).
    Preparing,
    /// Waiting for these glyph ranges.
    Waiting(BTreeMap<String, BTreeSet<u32>>),
    /// Laying out (worker).
    Laying,
    Ready(Arc<SymbolTile>),
}

/// Key of a tile's layout: source, data tile, overscaled zoom.
pub type SymbolKey = (String, TileId, u8);

#[derive(Default)]
pub struct Symbols {
    pub glyphs: GlyphStore,
    pub tiles: HashMap<SymbolKey, SymbolSlot>,
    /// The style the layouts were made for (by address: a new style or an
    /// edit makes a new `Arc<Style>`, and layouts are redone).
    style: usize,
    /// Font stack + range pairs already reported as failed.
    warned: BTreeSet<(String, u32)>,
    warned_no_url: bool,
    /// Whether the glyph range bound was reported.
    warned_ranges: bool,
    /// Bumped when images are added or removed or a sprite arrives:
    /// layouts (which shape icons) are redone.
    pub image_generation: u64,
    /// The images as symbols use them, for `images_for`.
    images: Option<(u64, Arc<IconImages>)>,
    /// Image ids reported missing.
    pub warned_images: BTreeSet<String>,
    /// Tiles (source, tile) whose layout was cut at its bounds, reported
    /// (once a style: a new style may cut other layers).
    warned_cut: BTreeSet<(String, TileId)>,
    /// Tiles whose label jobs spent their work bound, reported (a tile's two
    /// jobs, glyph dependencies and layout, may both meet it: told once a
    /// style).
    warned_work: BTreeSet<SymbolKey>,
    /// Glyph ranges from local fonts (`local_glyphs`).
    pub local: super::local_glyphs::LocalGlyphs,
}

impl Symbols {
    /// Bytes of the ready layouts, by (source, data tile).
    pub fn bytes_by_tile(&self) -> HashMap<(&str, TileId), u64> {
        let mut out: HashMap<(&str, TileId), u64> = HashMap::new();
        for ((source, id, _), slot) in &self.tiles {
            if let SymbolSlot::Ready(tile) = slot {
                *out.entry((source.as_str(), *id)).or_default() += tile.bytes;
            }
        }
        out
    }

    /// The laid-out symbols of a tile, if ready.
    pub fn tile(&self, source: &str, id: TileId, z: u8) -> Option<&Arc<SymbolTile>> {
        match self.tiles.get(&(source.to_string(), id, z)) {
            Some(SymbolSlot::Ready(t)) => Some(t),
            _ => None,
        }
    }
}

/// Sources read by a symbol layer visible at `zoom`.
pub fn symbol_sources(style: &Style, zoom: f64) -> Vec<String> {
    let mut out: Vec<String> = style
        .layers
        .iter()
        .filter(|l| l.kind == LayerKind::Symbol && crate::layout::layer_visible(l, zoom))
        .filter_map(|l| l.source.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Map {
    /// Advances every needed tile's symbol layout one step.
    pub(super) fn update_symbols(&mut self, core: &mut Core) {
        let Some(style) = self.style().cloned() else { return };
        let addr = Arc::as_ptr(&style) as usize ^ (self.symbols.image_generation as usize).rotate_left(48);
        if self.symbols.style != addr {
            self.symbols.style = addr;
            self.symbols.tiles.clear();
            self.symbols.warned_work.clear();
            self.symbols.warned_cut.clear();
            let url = style.glyphs.as_ref().map(|u| self.resolve(u));
            self.symbols.glyphs.set_url(url, GlyphLimits::of(core.limits()));
        }
        let sprites_done = self.sprites.values().all(|l| l.done);
        let needed: Vec<_> = symbol_sources(&style, self.camera.zoom)
            .into_iter()
            .filter_map(|source| self.sources.get(&source).map(|state| (self.needed_tiles(state), source)))
            .collect();
        // Each tile lays out its share of the view's symbols.
        let pixels = u64::from(self.width) * u64::from(self.height);
        let bounds = SymbolBounds::for_view(pixels, needed.iter().map(|(tiles, _)| tiles.len()).sum());
        for (tiles, source) in needed {
            let Some(state) = self.sources.get(&source) else { continue };
            let ready: Vec<_> = tiles.into_iter().filter_map(|c| state.tile(c.id).cloned().map(|d| (c, d))).collect();
            for (covered, data) in ready {
                let key: SymbolKey = (source.clone(), covered.id, covered.overscaled_z);
                match self.symbols.tiles.get(&key) {
                    None => {
                        self.symbols.tiles.insert(key.clone(), SymbolSlot::Preparing);
                        let style = style.clone();
                        let purpose = Purpose::Labels { source: key.0.clone(), tile: key.1, z: key.2 };
                        core.spawn_for(self.id, purpose, move || {
                            let (deps, spent) = with_fuel(bounds.steps, || glyph_dependencies(&style, &key.0, &data, key.1, key.2 as f64));
                            Box::new(move |map: &mut Map, core: &mut Core| {
                                map.warn_label_work(&key, bounds.steps, spent, core);
                                map.on_glyph_deps(key, addr, deps, core)
                            })
                        });
                    }
                    // Icons need the sprites: layout waits for them too.
                    Some(SymbolSlot::Waiting(deps)) if self.symbols.glyphs.settled(deps) && sprites_done => {
                        let glyphs = self.symbols.glyphs.set();
                        let images = self.icon_images();
                        self.symbols.tiles.insert(key.clone(), SymbolSlot::Laying);
                        let style = style.clone();
                        let purpose = Purpose::Labels { source: key.0.clone(), tile: key.1, z: key.2 };
                        core.spawn_for(self.id, purpose, move || {
                            let (tile, spent) =
                                with_fuel(bounds.steps, || layout_tile(&style, &key.0, &data, key.1, key.2 as f64, &glyphs, &images, bounds));
                            Box::new(move |map: &mut Map, core: &mut Core| {
                                map.warn_label_work(&key, bounds.steps, spent, core);
                                map.warn_missing_icons(&tile, core);
                                map.warn_cut(&key, &tile, core);
                                if map.symbols.style == addr {
                                    map.symbols.tiles.insert(key, SymbolSlot::Ready(Arc::new(tile)));
                                    map.touch();
                                    map.frame = None;
                                }
                            })
                        });
                    }
                    _ => {}
                }
            }
        }
    }

    fn on_glyph_deps(&mut self, key: SymbolKey, addr: usize, deps: BTreeMap<String, BTreeSet<u32>>, core: &mut Core) {
        if self.symbols.style != addr {
            return;
        }
        let template = self.symbols.glyphs.url.clone();
        let super::glyphs::Missing { load: missing, refused } = self.symbols.glyphs.take_missing(&deps);
        self.warn_refused_ranges(&refused, core);
        let local = self.local_glyphs_only(template.as_deref(), core);
        match &template {
            _ if local => {
                for (stack, range) in missing {
                    self.load_local_range(stack, range, None, core);
                }
            }
            Some(t) => {
                for (stack, range) in missing {
                    let url = range_url(t, &stack, range);
                    core.request(self.id, ResourceInfo { url, kind: ResourceKind::Glyphs, tile: None, range: None }, Purpose::Glyphs { stack, range });
                }
            }
            None => {
                for (stack, range) in missing {
                    self.symbols.glyphs.fail(&stack, range);
                }
                if !deps.is_empty() && !self.symbols.warned_no_url {
                    self.symbols.warned_no_url = true;
                    core.emit(Event::new(EventKind::Warning, self.id).message(
                        "the style has labels but no \"glyphs\" URL and the runtime uses glyph URLs only: text is not drawn (add \"glyphs\" to the style)",
                    ));
                }
            }
        }
        self.symbols.tiles.insert(key, SymbolSlot::Waiting(deps));
        // Ranges already loaded may let layout start at once.
        self.update_symbols(core);
    }

    /// The answer to a glyph range request.
    pub(super) fn on_glyphs(&mut self, stack: String, range: u32, info: &ResourceInfo, response: Response, core: &mut Core) {
        let failure = match response {
            Response::Data(bytes) => {
                let url = info.url.clone();
                let purpose = Purpose::Glyphs { stack: stack.clone(), range };
                core.spawn_for(self.id, purpose, move || {
                    let result = crate::text::pbf::decode_range((*bytes).as_ref(), range);
                    Box::new(move |map: &mut Map, core: &mut Core| match result {
                        Ok(decoded) => {
                            if decoded.skipped > 0 {
                                log::debug!("glyph range {range} of \"{stack}\": {} glyph entries skipped", decoded.skipped);
                            }
                            match map.symbols.glyphs.add(&stack, range, decoded.glyphs.into_iter().map(Arc::new)) {
                                Ok(()) => map.update_symbols(core),
                                Err(why) => map.glyph_range_over_budget(&stack, range, &url, &why, core),
                            }
                        }
                        Err(e) => map.glyph_range_failed(stack, range, &url, e.to_string(), core),
                    })
                });
                return;
            }
            Response::NotFound => "not found".to_string(),
            Response::Error(e) => e,
        };
        self.glyph_range_failed(stack, range, &info.url, failure, core);
    }

    /// A range that did not load from the glyph URL: made from local fonts
    /// (unless the runtime uses the URL only), else drawn without.
    fn glyph_range_failed(&mut self, stack: String, range: u32, url: &str, why: String, core: &mut Core) {
        if self.local_glyphs_fallback(core) {
            self.load_local_range(stack, range, Some(why), core);
            return;
        }
        self.symbols.glyphs.fail(&stack, range);
        self.warn_glyphs(&stack, range, url, &why, core);
        self.update_symbols(core);
    }

    /// A range the map's glyph budget has no room for: failed, told once,
    /// and not made from local fonts instead (they would not fit either).
    pub(super) fn glyph_range_over_budget(&mut self, stack: &str, range: u32, url: &str, why: &str, core: &mut Core) {
        self.warn_glyphs(stack, range, url, why, core);
        self.update_symbols(core);
    }

    /// Ranges past the map's range bound: told once a map (a hostile style
    /// may ask for thousands).
    fn warn_refused_ranges(&mut self, refused: &[(String, u32)], core: &mut Core) {
        let Some((stack, range)) = refused.first() else { return };
        if std::mem::replace(&mut self.symbols.warned_ranges, true) {
            return;
        }
        let more = match refused.len() - 1 {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let mut ev = Event::new(EventKind::Warning, self.id).message(format!(
            "glyphs {} of font stack \"{stack}\"{more} not loaded: the map already has the {} glyph ranges it may load (max_glyph_ranges); labels are drawn without them",
            crate::text::glyph::range_name(*range),
            self.symbols.glyphs.limits().ranges
        ));
        ev.resource_kind = Some(ResourceKind::Glyphs);
        core.emit(ev);
    }

    /// A glyph decoding job that panicked: the range counts as failed.
    pub(super) fn glyph_job_failed(&mut self, stack: &str, range: u32, message: &str, core: &mut Core) {
        self.symbols.glyphs.fail(stack, range);
        self.warn_glyphs(stack, range, "", message, core);
        self.update_symbols(core);
    }

    /// Labels whose expressions spent the work bound ([`fuel`]) in one of a
    /// tile's label jobs: told once a tile and style.
    fn warn_label_work(&mut self, (source, tile, z): &SymbolKey, steps: u64, spent: Spent, core: &mut Core) {
        let Some(work) = super::overdraw::expression_work(steps, "this tile's share of the view's", spent) else { return };
        if !self.symbols.warned_work.insert((source.clone(), *tile, *z)) {
            return;
        }
        core.emit(Event::new(EventKind::Warning, self.id).source(source.clone()).message(format!(
            "labels of tile {}/{}/{} of source \"{source}\": {work}",
            tile.z, tile.x, tile.y
        )));
    }

    /// A label job that panicked: the tile draws without labels.
    pub(super) fn label_job_failed(&mut self, source: String, tile: TileId, z: u8, message: &str, core: &mut Core) {
        core.emit(Event::new(EventKind::TileError, self.id).source(source.clone()).message(format!(
            "labels of tile {}/{}/{} of source \"{source}\": {message}; the tile is drawn without them",
            tile.z, tile.x, tile.y
        )));
        self.symbols.tiles.insert((source, tile, z), SymbolSlot::Ready(Arc::new(SymbolTile::default())));
    }

    fn warn_glyphs(&mut self, stack: &str, range: u32, url: &str, why: &str, core: &mut Core) {
        if self.symbols.warned.insert((stack.to_string(), range)) {
            let mut ev = Event::new(EventKind::Warning, self.id).url(url.to_string()).message(format!(
                "glyphs {} of font stack \"{stack}\": {why}; labels are drawn without them",
                crate::text::glyph::range_name(range)
            ));
            ev.resource_kind = Some(ResourceKind::Glyphs);
            core.emit(ev);
        }
    }

    /// The map's images (runtime images over sprite images) as symbols
    /// use them, converted once per image generation.
    fn icon_images(&mut self) -> Arc<IconImages> {
        if let Some((generation, images)) = &self.symbols.images {
            if *generation == self.symbols.image_generation {
                return images.clone();
            }
        }
        let images = self.build_icon_images();
        self.symbols.images = Some((self.symbols.image_generation, images.clone()));
        images
    }

    fn build_icon_images(&self) -> Arc<IconImages> {
        let mut out = IconImages::new();
        for (id, img) in self.sprite_images.iter().chain(self.images.iter()) {
            if let Some(icon) = IconImage::new(img.width, img.height, img.pixel_ratio, img.sdf, &img.rgba) {
                out.insert(id.clone(), Arc::new(icon.with_stretch(img.stretch.clone())));
            }
        }
        Arc::new(out)
    }

    /// Records that images changed (layouts shape icons again).
    pub(crate) fn images_changed(&mut self) {
        self.symbols.image_generation = self.symbols.image_generation.wrapping_add(1);
        self.symbols.images = None;
    }

    /// One warning per image id that an `icon-image` named and nobody had.
    fn warn_missing_icons(&mut self, tile: &SymbolTile, core: &mut Core) {
        for id in &tile.missing_images {
            if self.symbols.warned_images.len() < 1024 && self.symbols.warned_images.insert(id.clone()) {
                core.emit(Event::new(EventKind::Warning, self.id).message(format!(
                    "image \"{id}\" is missing (neither added nor in the sprite): icons that use it are not drawn, their text is"
                )));
            }
        }
    }

    /// One warning per tile whose symbol layers were cut at the layout's
    /// bounds ([`SymbolBounds`]), naming them.
    fn warn_cut(&mut self, key: &SymbolKey, tile: &SymbolTile, core: &mut Core) {
        let cut: Vec<String> = tile.layers.iter().filter(|l| l.truncated).map(|l| format!("\"{}\"", l.layer)).collect();
        if cut.is_empty() || self.symbols.warned_cut.len() >= 1024 || !self.symbols.warned_cut.insert((key.0.clone(), key.1)) {
            return;
        }
        let (shown, more) = (&cut[..cut.len().min(5)], cut.len().saturating_sub(5));
        let id = key.1;
        let b = tile.bounds;
        core.emit(Event::new(EventKind::Warning, self.id).message(format!(
            "tile {}/{}/{} of source \"{}\": symbol layer{} {}{} laid out only part of the tile's labels (a tile lays out at most {} symbols per layer and {} over all its layers, its share of the view's {} symbols, with at most {} glyphs, its share of the view's {}, from at most {} features read)",
            id.z,
            id.x,
            id.y,
            key.0,
            if cut.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() },
            MAX_SYMBOLS_PER_LAYER,
            b.symbols,
            b.view,
            b.glyphs,
            b.view_glyphs,
            b.reads
        )));
    }

    /// What symbol layout still waits for (for `describe_pending`).
    pub(super) fn pending_symbols(&self, limit: usize) -> Vec<String> {
        let Some(style) = self.style() else { return vec![] };
        let mut out = Vec::new();
        for source in symbol_sources(style, self.camera.zoom) {
            let Some(state) = self.sources.get(&source) else { continue };
            for covered in self.needed_tiles(state) {
                if state.tile(covered.id).is_none() {
                    continue;
                }
                let key = (source.clone(), covered.id, covered.overscaled_z);
                if !matches!(self.symbols.tiles.get(&key), Some(SymbolSlot::Ready(_))) {
                    out.push(format!("labels of tile {}/{}/{} of \"{source}\"", covered.id.z, covered.id.x, covered.id.y));
                    if out.len() >= limit {
                        return out;
                    }
                }
            }
        }
        out
    }
}

impl Map {
    /// Lays out the symbols of every tile whose layout is ready again, on
    /// the calling thread, and returns how many symbols that made (for
    /// benchmarks: the per-tile work that normally runs on workers).
    pub fn relayout_symbols(&self) -> usize {
        let Some(style) = self.style() else { return 0 };
        let glyphs = self.symbols.glyphs.set();
        let images = self.build_icon_images();
        let mut n = 0;
        for ((source, id, z), slot) in &self.symbols.tiles {
            let (SymbolSlot::Ready(ready), Some(data)) = (slot, self.sources.get(source).and_then(|s| s.tile(*id))) else { continue };
            let tile = layout_tile(style, source, data, *id, *z as f64, &glyphs, &images, ready.bounds);
            n += tile.layers.iter().map(|l| l.symbols.len()).sum::<usize>();
        }
        n
    }
}

