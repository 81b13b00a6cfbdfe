//! How many layers and sources a style may have (the runtime options
//! `max_style_layers` and `max_style_sources`).
//!
//! A style is bounded in bytes (`max_resource_bytes`), but 64 MiB of
//! minimal layers is over a million layers, each parsed into a layer with
//! its properties and laid out over every tile: 16 MB of them took 2 GB and
//! 10 s. So the style's reader ([`super::inline_data::read_style_json`])
//! keeps the first layers and sources up to the caps and skips the rest
//! without parsing them. A style loaded whole says so in a warning and
//! draws what it kept; the strict parse and the runtime-styling API refuse
//! a style past a cap.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StyleCaps {
    pub max_layers: usize,
    pub max_sources: usize,
}

impl StyleCaps {
    /// Real styles have hundreds of layers and a few sources; the largest
    /// known ones about a thousand layers.
    pub const DEFAULT_MAX_LAYERS: u32 = 10_000;
    pub const DEFAULT_MAX_SOURCES: u32 = 10_000;
    /// The style members the caps bound.
    pub const MEMBERS: [&'static str; 2] = ["layers", "sources"];

    /// The cap on `member` (`layers` or `sources`).
    pub fn of(&self, member: &str) -> usize {
        if member == "layers" {
            self.max_layers
        } else {
            self.max_sources
        }
    }
}

/// Sprite sheets a style may name (`sprite` as an array): each is two
/// requests, and real styles name one to a few.
pub const MAX_SPRITE_SHEETS: usize = 256;

/// Why a style with `count` of `member` (`layers`, `sources` or `sprite`)
/// is refused.
pub fn over_cap(member: &str, count: usize, cap: usize) -> String {
    match member {
        "layers" => format!("the style has {count} layers, more than max_style_layers ({cap}, a runtime option)"),
        "sources" => format!("the style has {count} sources, more than max_style_sources ({cap}, a runtime option)"),
        _ => format!("the style names {count} sprite sheets, more than the {cap} a style may name"),
    }
}

impl Default for StyleCaps {
    fn default() -> StyleCaps {
        StyleCaps { max_layers: StyleCaps::DEFAULT_MAX_LAYERS as usize, max_sources: StyleCaps::DEFAULT_MAX_SOURCES as usize }
    }
}

/// Layers or sources the reader left out: `skipped` after the first `kept`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    /// `layers`, `sources` or `sprite`.
    pub member: &'static str,
    pub kept: usize,
    pub skipped: usize,
}

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (member, kept) = (self.member, self.kept);
        let why = over_cap(member, kept + self.skipped, kept);
        write!(f, "{member}: {why}: the first {kept} are kept, the other {} skipped", self.skipped)
    }
}
