//! The view's tiles counted over all its sources. Each source asks for at
//! most `max_tiles_per_source` tiles for a view, and the tiles the view
//! holds are bounded in bytes ([`super::view_tiles`]), but a tile that
//! fails holds nothing: an 880 KB style naming 5,000 sources of missing
//! tiles asked for 1.28 million tiles in one 4096 x 4096 view (33 s and
//! 720 MB of requests, slots and events). So a view asks for at most
//! `max_tiles_per_view` tiles over all its sources: at each update the
//! sources take their shares in the order the style's layers first use
//! them, each its tiles nearest the centre first, and a source past the
//! bound draws only the tiles it got (or none), with one warning per view
//! naming the bound. A source still loading its metadata (or its GeoJSON
//! index) holds `max_tiles_per_source` of the bound, all it could need,
//! until it knows its tiles: a source's share never shrinks, so the view's
//! requests stay within the bound however its sources' loads interleave.

use super::view_key::ViewKey;

/// Hands out the view's tiles to its sources in order.
pub struct ViewShares {
    /// The view they are handed out in.
    view: ViewKey,
    left: usize,
    max: u32,
    /// The sources that got fewer tiles than they need.
    short: Vec<String>,
}

impl ViewShares {
    pub fn new(max: u32, view: ViewKey) -> ViewShares {
        ViewShares { view, left: max as usize, max, short: Vec::new() }
    }

    /// How many of the `need` tiles `source` needs it may ask for, in this
    /// view.
    pub fn take(&mut self, source: &str, need: usize) -> Share {
        let got = need.min(self.left);
        self.left -= got;
        if got < need {
            self.short.push(source.to_string());
        }
        Share { view: self.view, tiles: got }
    }

    /// Holds `tiles` for a source that does not know its tiles yet.
    pub fn hold(&mut self, tiles: u32) {
        self.left -= self.left.min(tiles as usize);
    }

    /// The warning for a view whose sources needed more than the bound.
    pub fn warning(&self) -> Option<String> {
        let (first, rest) = self.short.split_at(self.short.len().min(5));
        let mut names = first.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
        if !rest.is_empty() {
            names.push_str(&format!(" and {} more", rest.len()));
        }
        (!self.short.is_empty()).then(|| {
            format!(
                "the view's sources need more tiles than the max_tiles_per_view limit of {} (a runtime option): \
                 source{} {names} drew only part of their tiles or none (the style's first sources come first)",
                self.max,
                if self.short.len() == 1 { "" } else { "s" }
            )
        })
    }
}

/// A source's share of the view it was given in: its first `tiles` tiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    pub view: ViewKey,
    pub tiles: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_take_their_shares_in_order_and_the_short_ones_are_named() {
        let mut s = ViewShares::new(12, ViewKey::default());
        let take = |s: &mut ViewShares, source, need| s.take(source, need).tiles;
        assert_eq!(take(&mut s, "a", 4), 4);
        s.hold(2);
        assert!(s.warning().is_none());
        assert_eq!(take(&mut s, "b", 5), 5);
        assert_eq!(take(&mut s, "c", 3), 1);
        assert_eq!(take(&mut s, "d", 2), 0);
        s.hold(2);
        assert_eq!(take(&mut s, "e", 0), 0);
        let w = s.warning().unwrap();
        assert!(w.starts_with("the view's sources need more tiles than the max_tiles_per_view limit of 12"), "{w}");
        assert!(w.contains("sources \"c\", \"d\" drew only part"), "{w}");
    }
}
