#!/usr/bin/env python3
"""Draws the small POI sprite of the Berlin demo map from simple shapes.

Writes tests/fixtures/sprites/berlin.{json,png} (pixel ratio 1) and
berlin@2x.{json,png} (pixel ratio 2). Python's standard library only:

    python3 tools/make_demo_sprite.py

Icons (16 px at ratio 1): park (green disc with a tree), school (orange
square with a book), rail (blue disc with a white bar), church (purple disc
with a cross), shop (red disc with a bag), dot (grey disc), and "pill": a
20x14 rounded label background whose middle stretches (stretchX, stretchY,
content) for icon-text-fit.
"""

import json
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "sprites")


def png(width, height, rgba):
    raw = b"".join(b"\0" + bytes(rgba[y * width * 4:(y + 1) * width * 4]) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


class Canvas:
    """A straight-alpha RGBA canvas; shapes are given in 16-px units and
    supersampled 4x4 per pixel for smooth edges."""

    def __init__(self, w, h, scale):
        self.w, self.h, self.s = w * scale, h * scale, scale
        self.px = [0] * (self.w * self.h * 4)

    def fill(self, inside, color, ox=0, oy=0):
        n = 4
        for y in range(self.h):
            for x in range(self.w):
                hits = sum(
                    inside((x + (i + 0.5) / n) / self.s - ox, (y + (j + 0.5) / n) / self.s - oy)
                    for i in range(n)
                    for j in range(n)
                )
                if hits:
                    self.over(x, y, color, hits / (n * n))

    def over(self, x, y, color, coverage):
        i = (y * self.w + x) * 4
        r, g, b, a = color
        sa = a / 255 * coverage
        da = self.px[i + 3] / 255
        oa = sa + da * (1 - sa)
        if oa <= 0:
            return
        for k, c in enumerate((r, g, b)):
            self.px[i + k] = round((c * sa + self.px[i + k] * da * (1 - sa)) / oa)
        self.px[i + 3] = round(oa * 255)


def disc(cx, cy, r):
    return lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def rect(x0, y0, x1, y1):
    return lambda x, y: x0 <= x <= x1 and y0 <= y <= y1


def rounded(x0, y0, x1, y1, r):
    def inside(x, y):
        cx = min(max(x, x0 + r), x1 - r)
        cy = min(max(y, y0 + r), y1 - r)
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

    return inside


def triangle(ax, ay, bx, by, cx, cy):
    def side(px, py, qx, qy, x, y):
        return (qx - px) * (y - py) - (qy - py) * (x - px)

    def inside(x, y):
        d = [side(ax, ay, bx, by, x, y), side(bx, by, cx, cy, x, y), side(cx, cy, ax, ay, x, y)]
        return all(v >= 0 for v in d) or all(v <= 0 for v in d)

    return inside


WHITE = (255, 255, 255, 255)
RING = (255, 255, 255, 255)

ICONS = {
    "park": ((60, 150, 70, 255), [(triangle(8, 3.5, 4.5, 10, 11.5, 10), WHITE), (rect(7.2, 10, 8.8, 12.5), WHITE)]),
    "school": ((230, 130, 30, 255), [(rect(4.5, 5, 7.6, 11), WHITE), (rect(8.4, 5, 11.5, 11), WHITE)]),
    "rail": ((40, 90, 200, 255), [(rect(4, 7, 12, 9), WHITE), (rect(7, 4, 9, 12), WHITE)]),
    "church": ((120, 70, 160, 255), [(rect(7.1, 3.5, 8.9, 12.5), WHITE), (rect(4.5, 6, 11.5, 7.8), WHITE)]),
    "shop": ((200, 50, 60, 255), [(rounded(4.5, 6.5, 11.5, 12, 1), WHITE), (triangle(6, 6.5, 8, 3.8, 10, 6.5), WHITE)]),
    "dot": ((120, 120, 120, 255), [(disc(8, 8, 2.5), WHITE)]),
}


def draw_icon(color, marks, scale):
    c = Canvas(16, 16, scale)
    c.fill(disc(8, 8, 7.5), RING)
    c.fill(disc(8, 8, 6.5), color)
    for shape, mark in marks:
        c.fill(shape, mark)
    return c


def draw_pill(scale):
    c = Canvas(20, 14, scale)
    c.fill(rounded(0, 0, 20, 14, 5), WHITE)
    c.fill(rounded(1, 1, 19, 13, 4), (40, 90, 200, 255))
    return c


def sheet(scale):
    images = [(name, draw_icon(color, marks, scale)) for name, (color, marks) in ICONS.items()]
    images.append(("pill", draw_pill(scale)))
    width = sum(c.w for _, c in images)
    height = max(c.h for _, c in images)
    rgba = [0] * (width * height * 4)
    index = {}
    x = 0
    for name, c in images:
        for row in range(c.h):
            start = (row * width + x) * 4
            rgba[start:start + c.w * 4] = c.px[row * c.w * 4:(row + 1) * c.w * 4]
        entry = {"x": x, "y": 0, "width": c.w, "height": c.h, "pixelRatio": scale}
        if name == "pill":
            s = scale
            entry.update({"stretchX": [[6 * s, 14 * s]], "stretchY": [[5 * s, 9 * s]], "content": [5 * s, 4 * s, 15 * s, 10 * s]})
        index[name] = entry
        x += c.w
    return index, png(width, height, rgba)


def main():
    os.makedirs(OUT, exist_ok=True)
    for scale, suffix in ((1, ""), (2, "@2x")):
        index, data = sheet(scale)
        with open(os.path.join(OUT, f"berlin{suffix}.json"), "w") as f:
            json.dump(index, f, indent=1, sort_keys=True)
            f.write("\n")
        with open(os.path.join(OUT, f"berlin{suffix}.png"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
