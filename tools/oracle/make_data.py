#!/usr/bin/env python3
"""Write the oracle suite's synthetic data: DEM tiles and points.

    python3 tools/oracle/make_data.py

Writes tests/oracle/assets/dem/{terrarium,mapbox}/Z/X/Y.png: the same
made-up terrain (a few Gaussian peaks, a ridge, a valley and a ripple, 150 m
to about 2900 m in whole metres, defined everywhere so neighbouring tiles agree at their
edges) sampled at pixel centres and encoded as Terrarium
(h = R*256 + G + B/256 - 32768) and Mapbox Terrain-RGB
(h = -10000 + (R*65536 + G*256 + B) * 0.1). Tiles cover BOUNDS at zooms
MINZOOM..MAXZOOM, DIM x DIM pixels; styles set the same "bounds" so neither
renderer asks for tiles that do not exist. Deterministic: running it again
rewrites the same bytes. Standard library only.

Also writes tests/oracle/assets/sprites/patterns.{json,png}: a sprite of a
few small pattern images (see PATTERNS) for the *-pattern styles; and
tests/oracle/assets/points.geojson: 300 points around
(7.5, 46.5) from a fixed pseudo-random sequence, in three clumps and a
scatter, each with a numeric "mag" (0..10) and a "kind" (a, b or c), for
heatmap, circle and cluster styles.
"""
import json
import random
import math
import os
import struct
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "oracle", "assets", "dem")
BOUNDS = (7.35, 46.42, 7.65, 46.58)  # west, south, east, north
MINZOOM, MAXZOOM = 6, 12
DIM = 256


def merc(lon, lat):
    """Normalised Web Mercator (0..1, y down)."""
    s = math.sin(math.radians(lat))
    return (lon + 180) / 360, 0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)


CX, CY = merc(7.5, 46.5)
METRES = 40075016.686 * math.cos(math.radians(46.5))  # metres per normalised unit here


def elevation(mx, my):
    x, y = (mx - CX) * METRES, (my - CY) * METRES  # metres east, south of the centre
    h = 600.0
    for px, py, height, sigma in ((-2500, -1500, 2200, 1200), (2500, 1000, 1600, 900),
                                  (500, 3000, 1200, 1500), (-3500, 3000, 900, 700)):
        h += height * math.exp(-((x - px) ** 2 + (y - py) ** 2) / (2 * sigma * sigma))
    d = (x * 0.8 + y * 0.6 - 1000) / 400.0  # a ridge running north-west
    h += 500 * math.exp(-d * d)
    v = (x * 0.3 - y * 0.95 + 3000) / 350.0  # a valley
    h -= 400 * math.exp(-v * v)
    h += 120 * math.sin(x / 250.0) * math.cos(y / 330.0)  # a ripple
    return float(round(max(h, 150.0)))  # whole metres: small PNGs


def terrarium(h):
    v = h + 32768
    r, g = int(v // 256), int(v) % 256
    return r, g, int((v - math.floor(v)) * 256)


def mapbox(h):
    v = int(round((h + 10000) * 10))
    return (v >> 16) & 255, (v >> 8) & 255, v & 255


def write_png(path, rows):
    # PNG filter 2 ("up": each byte minus the one above) keeps smooth terrain small.
    raw, prev = bytearray(), [0] * len(rows[0])
    for r in rows:
        raw += b"\x02" + bytes((a - b) & 255 for a, b in zip(r, prev))
        prev = r
    raw = bytes(raw)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", DIM, DIM, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(png)


def points():
    rnd = random.Random(14)
    feats = []
    clumps = ((7.47, 46.49, 0.012), (7.53, 46.515, 0.008), (7.51, 46.47, 0.02))
    for i in range(300):
        if i < 240:
            lon0, lat0, r = clumps[i % 3]
            lon, lat = rnd.gauss(lon0, r), rnd.gauss(lat0, r * 0.7)
        else:
            lon, lat = rnd.uniform(7.38, 7.62), rnd.uniform(46.43, 46.57)
        feats.append({"type": "Feature", "id": i,
                      "properties": {"mag": round(rnd.uniform(0, 10), 2), "kind": "abc"[i % 3]},
                      "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}})
    path = os.path.join(ROOT, "tests", "oracle", "assets", "points.geojson")
    with open(path, "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, separators=(",", ":"))
        f.write("\n")


# Pattern images for the oracle sprite, as (name, width, height, pixel(x, y) -> RGBA).
def _stripes(x, y):
    # Asymmetric on purpose (its top and left differ from its bottom and
    # right), so a flipped or mirrored pattern shows.
    if x < 2:
        return (30, 30, 30, 255)
    return (200, 40, 40, 255) if y < 4 else (40, 90, 200, 160)


def _dots(x, y):
    d = math.hypot(x + 0.5 - 6, y + 0.5 - 6)
    if d < 2:
        return (250, 250, 250, 255)
    if d < 5:
        return (90, 140, 60, 255)
    return (0, 0, 0, 0)


def _check(x, y):
    return (230, 180, 40, 255) if (x // 4 + y // 4) % 2 else (60, 40, 120, 255)


def _bricks(x, y):
    # Opaque (extrusion faces: see tests/oracle/fill-extrusion-pattern).
    mortar = y % 6 == 5 or (x + (6 if y >= 6 else 0)) % 12 == 0
    return (220, 215, 200, 255) if mortar else (170 - 8 * (y % 6), 70, 50, 255)


PATTERNS = (("stripes", 16, 8, _stripes), ("dots", 12, 12, _dots), ("check", 8, 8, _check), ("bricks", 12, 12, _bricks))


def sprite():
    """tests/oracle/assets/sprites/patterns.{json,png}: PATTERNS side by side
    (one transparent pixel between them), pixel ratio 1."""
    width = sum(w + 1 for _, w, _, _ in PATTERNS)
    height = max(h for _, _, h, _ in PATTERNS)
    pixels = [[(0, 0, 0, 0)] * width for _ in range(height)]
    index, x0 = {}, 0
    for name, w, h, f in PATTERNS:
        for y in range(h):
            for x in range(w):
                pixels[y][x0 + x] = f(x, y)
        index[name] = {"width": w, "height": h, "x": x0, "y": 0, "pixelRatio": 1}
        x0 += w + 1
    out = os.path.join(ROOT, "tests", "oracle", "assets", "sprites")
    os.makedirs(out, exist_ok=True)
    raw = b"".join(b"\x00" + bytes(c for p in row for c in p) for row in pixels)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(os.path.join(out, "patterns.png"), "wb") as f:
        f.write(png)
    with open(os.path.join(out, "patterns.json"), "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    points()
    sprite()
    count = 0
    w, n = merc(BOUNDS[0], BOUNDS[3])
    e, s = merc(BOUNDS[2], BOUNDS[1])
    for z in range(MINZOOM, MAXZOOM + 1):
        tiles = 1 << z
        for x in range(int(w * tiles), int(e * tiles) + 1):
            for y in range(int(n * tiles), int(s * tiles) + 1):
                heights = [[elevation((x + (i + 0.5) / DIM) / tiles, (y + (j + 0.5) / DIM) / tiles)
                            for i in range(DIM)] for j in range(DIM)]
                for name, enc in (("terrarium", terrarium), ("mapbox", mapbox)):
                    rows = [[c for h in row for c in enc(h)] for row in heights]
                    write_png(os.path.join(OUT, name, str(z), str(x), "%d.png" % y), rows)
                count += 1
    print("%d tiles per encoding in %s" % (count, OUT))


if __name__ == "__main__":
    main()
