#!/usr/bin/env python3
"""Writes a CFF-outline (OpenType "OTTO") copy of a TrueType font, and,
given a third path, a collection ("ttcf") of the two:

    python3 -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools
    /tmp/ft/bin/python tools/fonts/make_cff.py \\
        tests/fixtures/fonts/OpenSans-Semibold-Latin1.ttf \\
        tests/fixtures/fonts/OpenSans-Semibold-Latin1-CFF.otf \\
        tests/fixtures/fonts/OpenSans-Semibold-Latin1-pair.ttc

Every glyph keeps its outline (a quadratic curve is drawn as the cubic that
traces the same curve), advance and code points; the layout tables (GDEF,
GSUB, GPOS), OS/2, hhea and name are copied, so the two fonts differ only in
how their outlines are stored. The tests compare the glyphs of the two, so
cubic outlines (`curve_to`) are checked against quadratic ones.
"""
import sys

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.ttCollection import TTCollection


def main(src, dst, pair=None):
    ttf = TTFont(src)
    order = ttf.getGlyphOrder()
    glyphs = ttf.getGlyphSet()
    metrics = ttf["hmtx"].metrics
    charstrings = {}
    for name in order:
        pen = T2CharStringPen(metrics[name][0], glyphs)
        glyphs[name].draw(pen)
        charstrings[name] = pen.getCharString()
    fb = FontBuilder(ttf["head"].unitsPerEm, isTTF=False)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap(ttf.getBestCmap())
    ps_name = ttf["name"].getDebugName(6) or "Font"
    fb.setupCFF(ps_name, {"FullName": ttf["name"].getDebugName(4) or ps_name}, charstrings, {})
    fb.setupHorizontalMetrics(metrics)
    fb.setupHorizontalHeader()
    fb.setupPost()
    font = fb.font
    for tag in ("OS/2", "hhea", "name", "GDEF", "GSUB", "GPOS"):
        if tag in ttf:
            font[tag] = ttf[tag]
    for field in ("fontRevision", "macStyle", "created", "modified"):
        setattr(font["head"], field, getattr(ttf["head"], field))
    font.recalcTimestamp = False  # the same bytes on every run
    font.save(dst)
    if pair:
        collection = TTCollection()
        collection.fonts = [TTFont(src, recalcTimestamp=False), TTFont(dst, recalcTimestamp=False)]
        collection.save(pair)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
