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
    /// Bytes the style's document may take once parsed
    /// ([`crate::data::json::max_parsed_bytes`]): `0,` is 2 bytes of text
    /// and 80 parsed.
    pub max_parsed_bytes: u64,
    /// The size and nesting of its expressions.
    pub expressions: crate::style::expression::parse::ExpressionLimits,
}

/// A style member whose length is capped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capped {
    Layers,
    Sources,
    /// `sprite` as an array of sheets.
    SpriteSheets,
}

impl Capped {
    /// The member's key in the style.
    pub fn key(self) -> &'static str {
        match self {
            Capped::Layers => "layers",
            Capped::Sources => "sources",
            Capped::SpriteSheets => "sprite",
        }
    }

    /// Why a style with `count` of this member is refused, `cap` being
    /// the most it may have.
    pub fn over(self, count: usize, cap: usize) -> String {
        match self {
            Capped::Layers => format!("the style has {count} layers, more than max_style_layers ({cap}, a runtime option)"),
            Capped::Sources => format!("the style has {count} sources, more than max_style_sources ({cap}, a runtime option)"),
            Capped::SpriteSheets => format!("the style names {count} sprite sheets, more than the {cap} a style may name"),
        }
    }
}

impl StyleCaps {
    /// Real styles have hundreds of layers and a few sources; the largest
    /// known ones about a thousand layers.
    pub const DEFAULT_MAX_LAYERS: u32 = 10_000;
    pub const DEFAULT_MAX_SOURCES: u32 = 10_000;
    /// [`crate::data::json::max_parsed_bytes`] of `max_resource_bytes`'
    /// default (64 MiB).
    pub const DEFAULT_MAX_PARSED_BYTES: u64 = 256 << 20;

    /// The cap on `member`.
    pub fn of(&self, member: Capped) -> usize {
        match member {
            Capped::Layers => self.max_layers,
            Capped::Sources => self.max_sources,
            Capped::SpriteSheets => MAX_SPRITE_SHEETS,
        }
    }
}

/// Sprite sheets a style may name (`sprite` as an array): each is two
/// requests, and real styles name one to a few.
pub const MAX_SPRITE_SHEETS: usize = 256;

impl Default for StyleCaps {
    fn default() -> StyleCaps {
        StyleCaps {
            max_layers: StyleCaps::DEFAULT_MAX_LAYERS as usize,
            max_sources: StyleCaps::DEFAULT_MAX_SOURCES as usize,
            max_parsed_bytes: StyleCaps::DEFAULT_MAX_PARSED_BYTES,
            expressions: Default::default(),
        }
    }
}

/// Layers or sources the reader left out: `skipped` after the first `kept`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cut {
    pub member: Capped,
    pub kept: usize,
    pub skipped: usize,
}

impl Cut {
    /// Why the strict parse refuses the style.
    pub fn refusal(&self) -> String {
        self.member.over(self.kept + self.skipped, self.kept)
    }
}

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (member, kept) = (self.member.key(), self.kept);
        write!(f, "{member}: {}: the first {kept} are kept, the other {} skipped", self.refusal(), self.skipped)
    }
}
