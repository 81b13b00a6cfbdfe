#!/usr/bin/env python3
"""Render the oracle suite's expected images with MapLibre Native (pymgl).

    EGL_PLATFORM=surfaceless /work/main/.mglenv/bin/python tools/oracle/regenerate.py [SUBSTR ...]

For every tests/oracle/FEATURE/CASE/style.json (or those whose FEATURE/CASE
name contains one of the SUBSTR arguments) this writes expected.png beside it:
the image MapLibre Native draws for the style, in the format of the 2017
render suite (premultiplied RGBA values stored as they are in an 8-bit RGBA
PNG), so mapcore-conformance compares it with the same code as render tests.

The style is read as the runner reads it: metadata.test gives width, height
and pixelRatio (defaults 512, 512, 1); the camera is the style's center,
zoom, bearing and pitch; local://X names tests/oracle/X. Operations in
metadata.test.operations are applied when pymgl offers them (wait,
setPaintProperty, setZoom, setCenter, setBearing, setPitch, setFilter);
any other operation is an error, so a style never silently means something
else to the two renderers.

Needs pymgl (PyPI, MapLibre Native) with Mesa's EGL: see ../shared/bench/README.md.
"""
import json
import os
import struct
import sys
import zlib

import pymgl

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SUITE = os.path.join(ROOT, "tests", "oracle")


def write_png(path, width, height, rgba):
    """Writes 8-bit RGBA rows (bytes, width*height*4) as a PNG."""
    raw = b"".join(b"\x00" + rgba[y * width * 4:(y + 1) * width * 4] for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def premultiply(buf):
    """pymgl returns straight alpha; the suite stores premultiplied values
    (the same rounding as the Go runner's mapcore.Premultiply)."""
    out = bytearray(buf)
    for i in range(0, len(out), 4):
        a = out[i + 3]
        if a == 255:
            continue
        for j in range(3):
            out[i + j] = (out[i + j] * 0x101 * a // 0xFF) >> 8 if a else 0
    return bytes(out)


def apply(m, op):
    name, args = op[0], op[1:]
    if name == "wait":
        m.render()
    elif name == "setPaintProperty":
        m.setPaintProperty(args[0], args[1], json.dumps(args[2]))
    elif name == "setFilter":
        m.setFilter(args[0], json.dumps(args[1]) if len(args) > 1 and args[1] is not None else None)
    elif name == "setZoom":
        m.setZoom(args[0])
    elif name == "setCenter":
        m.setCenter(args[0][0], args[0][1])
    elif name == "setBearing":
        m.setBearing(args[0])
    elif name == "setPitch":
        m.setPitch(args[0])
    else:
        raise ValueError("operation %s is not supported by regenerate.py" % name)


def render_once(text, style):
    test = style.get("metadata", {}).get("test", {})
    width, height = test.get("width", 512), test.get("height", 512)
    ratio = test.get("pixelRatio", 1)
    text = text.replace("local://", "file://" + SUITE + "/")
    lon, lat = style.get("center", [0, 0])
    m = pymgl.Map(text, width, height, ratio, lon, lat, style.get("zoom", 0))
    if style.get("bearing"):
        m.setBearing(style["bearing"])
    if style.get("pitch"):
        m.setPitch(style["pitch"])
    for op in test.get("operations", []):
        apply(m, op)
    buf = bytes(m.renderBuffer())
    w, h = int(width * ratio), int(height * ratio)
    if len(buf) != w * h * 4:
        raise ValueError("pymgl returned %d bytes for %dx%d" % (len(buf), w, h))
    return w, h, buf


# MapLibre Native draws frames while tiles load; a DEM tile drawn before a
# neighbour arrived can keep a seam along that edge (its border is not
# backfilled on the GPU), and which edges depends on load order: hillshade
# images differ from run to run. Styles with a hillshade layer are rendered
# RUNS times in fresh maps and each pixel takes its most frequent value
# (ties: the earliest run's), which is the seam-free value wherever seams
# are the exception.
RUNS = int(os.environ.get("ORACLE_RUNS", "7"))


def consensus(bufs):
    import numpy as np
    stack = np.stack([np.frombuffer(b, dtype=np.uint32) for b in bufs])  # runs x pixels
    out = stack[0].copy()
    best = (stack == stack[0]).sum(axis=0)
    for i in range(1, len(bufs)):
        count = (stack == stack[i]).sum(axis=0)
        better = count > best
        out[better], best[better] = stack[i][better], count[better]
    return out.tobytes()


def render(case_dir):
    with open(os.path.join(case_dir, "style.json")) as f:
        text = f.read()
    style = json.loads(text)
    runs = RUNS if any(l.get("type") == "hillshade" for l in style.get("layers", [])) else 1
    shots = [render_once(text, style) for _ in range(runs)]
    w, h, _ = shots[0]
    buf = consensus([s[2] for s in shots]) if runs > 1 else shots[0][2]
    write_png(os.path.join(case_dir, "expected.png"), w, h, premultiply(buf))


def main(filters):
    cases = []
    for feature in sorted(os.listdir(SUITE)):
        fdir = os.path.join(SUITE, feature)
        if not os.path.isdir(fdir):
            continue
        for case in sorted(os.listdir(fdir)):
            name = feature + "/" + case
            if os.path.isfile(os.path.join(fdir, case, "style.json")) and (
                    not filters or any(s in name for s in filters)):
                cases.append(name)
    failed = 0
    for name in cases:
        try:
            render(os.path.join(SUITE, name))
            print("rendered", name)
        except Exception as e:  # report every case, then fail
            failed += 1
            print("FAILED %s: %s" % (name, e), file=sys.stderr)
    print("%d rendered, %d failed" % (len(cases) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
