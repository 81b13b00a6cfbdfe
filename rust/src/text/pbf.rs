//! Glyph PBF decoding (MapLibre's glyphs.proto: `glyphs { repeated fontstack
//! stacks = 1 }`, `fontstack { name = 1; range = 2; repeated glyph glyphs = 3 }`,
//! `glyph { id = 1; bitmap = 2; width = 3; height = 4; left = 5; top = 6;
//! advance = 7 }`).
//!
//! A hand-written streaming reader: every length is checked against the
//! remaining input, and the output is bounded — at most [`MAX_GLYPHS`] glyphs
//! are kept (a range holds 256 codepoints; later duplicates and glyphs
//! outside the requested range are skipped), a glyph larger than
//! [`MAX_GLYPH_SIZE`] px is dropped, and a bitmap whose size disagrees with
//! its metrics is dropped with its glyph kept as an advance only. What was
//! dropped is counted in [`DecodedRange::skipped`] so that the caller can warn.

use std::sync::Arc;

use super::glyph::{Glyph, GlyphMetrics, SdfBitmap, RANGE_SIZE, SDF_BUFFER};

/// Most glyphs kept from one PBF.
pub const MAX_GLYPHS: usize = RANGE_SIZE as usize;
/// Largest glyph ink box (px) accepted: MapLibre's SDFs are 24 px glyphs.
pub const MAX_GLYPH_SIZE: u32 = 256;

/// The glyphs of one range.
#[derive(Debug, Default)]
pub struct DecodedRange {
    pub glyphs: Vec<Glyph>,
    /// Glyph messages skipped (outside the range, duplicate, oversized,
    /// over the limit) or whose bitmap was dropped.
    pub skipped: usize,
}

/// Why a PBF could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PbfError(pub String);

impl std::fmt::Display for PbfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "glyph PBF: {}", self.0)
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Other,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64, PbfError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.buf.get(self.pos) else { return Err(PbfError("truncated varint".into())) };
            self.pos += 1;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(PbfError("varint longer than 10 bytes".into()))
    }

    fn skip(&mut self, n: u64) -> Result<(), PbfError> {
        let rest = (self.buf.len() - self.pos) as u64;
        if n > rest {
            return Err(PbfError(format!("field of {n} bytes with {rest} left")));
        }
        self.pos += n as usize;
        Ok(())
    }

    /// The next (tag, field), or None at the end.
    fn next(&mut self) -> Result<Option<(u32, Field<'a>)>, PbfError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let tag = (key >> 3) as u32;
        let field = match key & 7 {
            0 => Field::Varint(self.varint()?),
            1 => {
                self.skip(8)?;
                Field::Other
            }
            2 => {
                let n = self.varint()?;
                let start = self.pos;
                self.skip(n)?;
                Field::Bytes(&self.buf[start..self.pos])
            }
            5 => {
                self.skip(4)?;
                Field::Other
            }
            w => return Err(PbfError(format!("unsupported wire type {w}"))),
        };
        Ok(Some((tag, field)))
    }
}

fn zigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Decodes a glyph PBF holding range `range` (256 codepoints from
/// `range * 256`). Glyphs of every font stack in the message are merged, as
/// MapLibre does (servers send one stack per range).
pub fn decode_range(bytes: &[u8], range: u32) -> Result<DecodedRange, PbfError> {
    let lo = range.saturating_mul(RANGE_SIZE);
    let hi = lo.saturating_add(RANGE_SIZE);
    let mut out = DecodedRange::default();
    let mut seen = vec![false; RANGE_SIZE as usize];
    let mut top = Reader::new(bytes);
    while let Some((tag, field)) = top.next()? {
        let (1, Field::Bytes(stack)) = (tag, field) else { continue };
        let mut r = Reader::new(stack);
        while let Some((tag, field)) = r.next()? {
            let (3, Field::Bytes(g)) = (tag, field) else { continue };
            match glyph(g)? {
                Some(glyph) if (lo..hi).contains(&glyph.0.id) && out.glyphs.len() < MAX_GLYPHS => {
                    let slot = &mut seen[(glyph.0.id - lo) as usize];
                    if *slot {
                        out.skipped += 1;
                        continue;
                    }
                    *slot = true;
                    if glyph.1 {
                        out.skipped += 1;
                    }
                    out.glyphs.push(glyph.0);
                }
                _ => out.skipped += 1,
            }
        }
    }
    Ok(out)
}

/// One glyph message; the flag says its bitmap was dropped. None when the
/// glyph itself is unusable (no id, oversized).
fn glyph(bytes: &[u8]) -> Result<Option<(Glyph, bool)>, PbfError> {
    let mut r = Reader::new(bytes);
    let (mut id, mut bitmap, mut m) = (None, None, GlyphMetrics::default());
    while let Some((tag, field)) = r.next()? {
        match (tag, field) {
            (1, Field::Varint(v)) => id = u32::try_from(v).ok(),
            (2, Field::Bytes(b)) => bitmap = Some(b),
            (3, Field::Varint(v)) => m.width = v.min(u32::MAX as u64) as u32,
            (4, Field::Varint(v)) => m.height = v.min(u32::MAX as u64) as u32,
            (5, Field::Varint(v)) => m.left = zigzag(v).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            (6, Field::Varint(v)) => m.top = zigzag(v).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            (7, Field::Varint(v)) => m.advance = v.min(u32::MAX as u64) as u32,
            _ => {}
        }
    }
    let Some(id) = id else { return Ok(None) };
    if m.width > MAX_GLYPH_SIZE || m.height > MAX_GLYPH_SIZE || m.advance > 4 * MAX_GLYPH_SIZE || m.left.unsigned_abs() > 4 * MAX_GLYPH_SIZE || m.top.unsigned_abs() > 4 * MAX_GLYPH_SIZE {
        return Ok(None);
    }
    let mut dropped = false;
    let bitmap = match bitmap {
        Some(b) if m.width > 0 && m.height > 0 => {
            let (w, h) = (m.width + 2 * SDF_BUFFER, m.height + 2 * SDF_BUFFER);
            if b.len() == (w * h) as usize {
                Some(Arc::new(SdfBitmap { width: w, height: h, data: b.to_vec() }))
            } else {
                dropped = true;
                None
            }
        }
        _ => None,
    };
    Ok(Some((Glyph { id, metrics: m, bitmap }, dropped)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn glyph_offsets_at_i32_min_are_refused_without_overflow() {
        // Found by the glyph_pbf fuzz target: a `left` of i32::MIN, whose
        // abs() overflowed (and wrapped past the size check in release).
        let bytes = include_bytes!("../../fuzz/regressions/glyph_pbf/left-i32-min-abs-overflow");
        if let Ok(range) = decode_range(bytes, 0) {
            for g in &range.glyphs {
                assert!(g.metrics.left.unsigned_abs() <= 4 * MAX_GLYPH_SIZE && g.metrics.top.unsigned_abs() <= 4 * MAX_GLYPH_SIZE, "{g:?}");
            }
        }
    }

    fn varint(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn bytes_field(out: &mut Vec<u8>, tag: u32, b: &[u8]) {
        varint(out, ((tag as u64) << 3) | 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }

    fn varint_field(out: &mut Vec<u8>, tag: u32, v: u64) {
        varint(out, (tag as u64) << 3);
        varint(out, v);
    }

    /// A glyph message (metrics as given; bitmap of `bitmap_len` bytes of 200).
    pub(crate) fn glyph_msg(id: u32, w: u32, h: u32, left: i32, top: i32, advance: u32, bitmap_len: usize) -> Vec<u8> {
        let mut g = Vec::new();
        varint_field(&mut g, 1, id as u64);
        if bitmap_len > 0 {
            bytes_field(&mut g, 2, &vec![200u8; bitmap_len]);
        }
        varint_field(&mut g, 3, w as u64);
        varint_field(&mut g, 4, h as u64);
        varint_field(&mut g, 5, ((left << 1) ^ (left >> 31)) as u32 as u64);
        varint_field(&mut g, 6, ((top << 1) ^ (top >> 31)) as u32 as u64);
        varint_field(&mut g, 7, advance as u64);
        g
    }

    /// A PBF with one font stack holding `glyphs` (encoded glyph messages).
    pub(crate) fn pbf(glyphs: &[Vec<u8>]) -> Vec<u8> {
        let mut stack = Vec::new();
        bytes_field(&mut stack, 1, b"Test");
        bytes_field(&mut stack, 2, b"0-255");
        for g in glyphs {
            bytes_field(&mut stack, 3, g);
        }
        let mut out = Vec::new();
        bytes_field(&mut out, 1, &stack);
        out
    }

    #[test]
    fn decodes_metrics_and_bitmaps() {
        let data = pbf(&[glyph_msg(65, 10, 12, 1, -2, 14, 16 * 18), glyph_msg(32, 0, 0, 0, 0, 6, 0)]);
        let r = decode_range(&data, 0).unwrap();
        assert_eq!(r.skipped, 0);
        assert_eq!(r.glyphs.len(), 2);
        let a = &r.glyphs[0];
        assert_eq!(a.metrics, GlyphMetrics { width: 10, height: 12, left: 1, top: -2, advance: 14 });
        let bm = a.bitmap.as_ref().unwrap();
        assert_eq!((bm.width, bm.height, bm.data.len()), (16, 18, 288));
        assert!(r.glyphs[1].bitmap.is_none());
    }

    #[test]
    fn hostile_input_is_bounded() {
        // Truncated in the middle of a glyph.
        let data = pbf(&[glyph_msg(65, 10, 12, 1, -2, 14, 16 * 18)]);
        assert!(decode_range(&data[..data.len() - 5], 0).is_err());
        // A huge varint length.
        let mut huge = vec![0x0a];
        huge.extend_from_slice(&[0xff; 9]);
        huge.push(0x01);
        assert!(decode_range(&huge, 0).is_err());
        // An 11-byte varint.
        assert!(decode_range(&[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 0).is_err());
        // A bitmap that disagrees with the metrics: the glyph stays, without ink.
        let r = decode_range(&pbf(&[glyph_msg(66, 10, 12, 0, 0, 12, 7)]), 0).unwrap();
        assert_eq!((r.glyphs.len(), r.skipped), (1, 1));
        assert!(r.glyphs[0].bitmap.is_none());
        // Oversized metrics, out-of-range ids, duplicates: skipped.
        let r = decode_range(&pbf(&[glyph_msg(67, 100_000, 5, 0, 0, 1, 0), glyph_msg(300, 1, 1, 0, 0, 1, 0), glyph_msg(68, 1, 1, 0, 0, 1, 0), glyph_msg(68, 1, 1, 0, 0, 1, 0)]), 0).unwrap();
        assert_eq!((r.glyphs.len(), r.skipped), (1, 3));
    }

    #[test]
    fn a_million_glyphs_keep_at_most_one_range() {
        let one = glyph_msg(70, 0, 0, 0, 0, 5, 0);
        let many: Vec<Vec<u8>> = (0..1_000_000u32).map(|i| if i % 2 == 0 { one.clone() } else { glyph_msg(i % 256, 0, 0, 0, 0, 5, 0) }).collect();
        let r = decode_range(&pbf(&many), 0).unwrap();
        assert!(r.glyphs.len() <= MAX_GLYPHS);
        assert_eq!(r.glyphs.len() + r.skipped, 1_000_000);
    }

    #[test]
    fn reads_the_suite_range_when_present() {
        let Some(dir) = crate::test_support::shared_dir() else {
            crate::test_support::skipped("../shared/conformance/assets/glyphs");
            return;
        };
        let path = dir.join("conformance/assets/glyphs/Open Sans Semibold,Arial Unicode MS Bold/0-255.pbf");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let r = decode_range(&bytes, 0).unwrap();
        let a = r.glyphs.iter().find(|g| g.id == 'A' as u32).expect("A in range 0");
        assert!(a.bitmap.is_some() && a.metrics.advance > 0);
    }
}
