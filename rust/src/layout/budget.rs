//! Bounds on the layout of one frame, over all its layers and tiles. Each
//! layer reads the features of its source layer in every tile it covers
//! and makes draw commands from them, so a style that repeats a layer
//! thousands of times multiplies a tile's features by its layer count:
//! 5,000 copies of one line layer (1.7 MB of style) made a 1 GB display list
//! over one street tile. A frame reads at most [`FrameBudget::max_reads`]
//! features and makes at most [`FrameBudget::max_commands`] commands (and
//! extrusion faces); the (layer, tile) pairs past either are left out,
//! whole, and named in a warning.

use std::collections::BTreeSet;

/// Features read per frame pixel (at least [`MIN_READS`]): a 512 x 512
/// street map reads about 10^6.
pub const READS_PER_PIXEL: u64 = 4;
pub const MIN_READS: u64 = 4 << 20;
/// Draw commands per frame pixel (at least [`MIN_COMMANDS`]): a 1024 x 1024
/// street map makes about 10^4.
pub const PIXELS_PER_COMMAND: u64 = 16;
pub const MIN_COMMANDS: usize = 500_000;
/// Density texels a frame's heatmap kernels may cover, over all its heatmap
/// layers (a texel each costs a few nanoseconds): 50,000 points of radius
/// 30 cover about 2 * 10^7 texels, while as many kernels the size of the
/// frame covered 3 * 10^9 (23 s at 1024 x 1024).
pub const MAX_HEATMAP_TEXELS: u64 = 1 << 28;

#[derive(Debug)]
pub struct FrameBudget {
    pub max_reads: u64,
    pub max_commands: usize,
    pub max_heatmap_texels: u64,
    reads: u64,
    heatmap_texels: u64,
    /// Commands (and extrusion faces) made so far.
    pub commands: usize,
    /// Indices (in the style's layers) of the layers left out in part.
    pub left_out: BTreeSet<usize>,
}

impl FrameBudget {
    /// The bounds of a `w` x `h` frame.
    pub fn for_frame(w: u32, h: u32) -> FrameBudget {
        let pixels = u64::from(w) * u64::from(h);
        let max_commands = usize::try_from(pixels / PIXELS_PER_COMMAND).unwrap_or(usize::MAX).max(MIN_COMMANDS);
        FrameBudget::new(pixels.saturating_mul(READS_PER_PIXEL).max(MIN_READS), max_commands)
    }

    pub fn new(max_reads: u64, max_commands: usize) -> FrameBudget {
        FrameBudget { max_reads, max_commands, max_heatmap_texels: MAX_HEATMAP_TEXELS, reads: 0, heatmap_texels: 0, commands: 0, left_out: BTreeSet::new() }
    }

    /// No bounds.
    pub fn unbounded() -> FrameBudget {
        FrameBudget { max_heatmap_texels: u64::MAX, ..FrameBudget::new(u64::MAX, usize::MAX) }
    }

    /// Whether heatmap layer `layer` may add a kernel covering `texels` more
    /// density texels (counted when it may); a refusal is recorded.
    pub fn admit_kernel(&mut self, layer: usize, texels: u64) -> bool {
        let total = self.heatmap_texels.saturating_add(texels);
        if total > self.max_heatmap_texels {
            self.left_out.insert(layer);
            return false;
        }
        self.heatmap_texels = total;
        true
    }

    /// Whether layer `layer` may read `features` more features (counted
    /// when it may); a refusal is recorded.
    pub fn admit(&mut self, layer: usize, features: usize) -> bool {
        let reads = self.reads.saturating_add(features as u64);
        if reads > self.max_reads || self.commands >= self.max_commands {
            self.left_out.insert(layer);
            return false;
        }
        self.reads = reads;
        true
    }

    /// Whether anything was left out.
    pub fn cut(&self) -> bool {
        !self.left_out.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_commands_past_the_bounds_leave_their_layers_out() {
        let mut b = FrameBudget::new(100, 10);
        assert!(b.admit(0, 60));
        assert!(!b.admit(1, 50), "60 + 50 reads is past 100");
        assert!(b.admit(2, 40), "a smaller read still fits");
        b.commands = 10;
        assert!(!b.admit(3, 0), "the commands are spent");
        assert_eq!(b.left_out.iter().copied().collect::<Vec<_>>(), vec![1, 3]);
        assert!(b.cut());
        let big = FrameBudget::for_frame(4096, 4096);
        assert_eq!((big.max_reads, big.max_commands), (4096 * 4096 * 4, 4096 * 4096 / 16));
        let small = FrameBudget::for_frame(256, 256);
        assert_eq!((small.max_reads, small.max_commands), (MIN_READS, MIN_COMMANDS));
        assert!(!FrameBudget::unbounded().cut());
        let mut b = FrameBudget::new(100, 10);
        b.max_heatmap_texels = 1000;
        assert!(b.admit_kernel(4, 600) && !b.admit_kernel(4, 500) && b.admit_kernel(5, 400), "600 + 400 fit, 500 more did not");
        assert_eq!(b.left_out.iter().copied().collect::<Vec<_>>(), vec![4]);
    }
}
