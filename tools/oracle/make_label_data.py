#!/usr/bin/env python3
"""Writes the oracle suite's label data (deterministic, standard library
only) into tests/oracle/assets/:

- street-grid.geojson: a small street network whose line labels crowd each
  other (near-parallel streets a label's height apart, crossings, bends and
  long names), so which labels MapLibre keeps depends on the exact
  collision circles along each line;
- tile-edge-pois.geojson: 48 named points around (0, 0), where four tiles
  meet at every zoom, so labels compete across tile edges and each tile's
  buffer holds its neighbours' points.

    python3 tools/oracle/make_label_data.py
"""
import json
import math
import os
import random

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ASSETS = os.path.join(ROOT, "tests", "oracle", "assets")

NAMES = ["Main Street", "Canal Embankment", "Oak Lane", "Market Square Road", "Elm", "North Avenue",
         "Harbour Way", "Old Mill Street", "Church Road", "Bridge Street", "Long Boulevard of the Lindens",
         "Station Road", "Park Terrace", "Kings Walk", "Queen Mary Street", "Linden", "Riverside Drive",
         "High Street", "Garden Row", "Meadow Close", "Victoria Embankment", "Cross Street", "Wall Lane",
         "Tower Hill", "Mill Race Path", "West End Avenue"]


def street_grid():
    rnd = random.Random(20261203)
    features = []

    def add(name, coords):
        features.append({"type": "Feature", "properties": {"name": name},
                         "geometry": {"type": "LineString", "coordinates": [[round(x, 7), round(y, 7)] for x, y in coords]}})

    names = iter(NAMES * 3)
    # Near-parallel wavy streets, closer than two label heights at z16.
    for i in range(7):
        y0 = -0.0024 + i * 0.0007 + rnd.uniform(-0.00005, 0.00005)
        amp, phase = rnd.uniform(0.00005, 0.0002), rnd.uniform(0, math.pi)
        add(next(names), [(x, y0 + amp * math.sin(phase + x * 900)) for x in [-0.004 + k * 0.0004 for k in range(21)]])
    # Streets crossing them at different angles, some with a bend.
    for i in range(6):
        x0 = -0.0032 + i * 0.0013
        a = rnd.uniform(-0.6, 0.6)
        bend = rnd.uniform(-0.8, 0.8)
        pts, (x, y) = [], (x0, -0.004)
        for k in range(12):
            ang = math.pi / 2 + a + (bend if k >= 6 else 0.0)
            pts.append((x, y))
            x, y = x + 0.0007 * math.cos(ang), y + 0.0007 * math.sin(ang)
        add(next(names), pts)
    # Diagonals through the middle.
    for i in range(3):
        c = -0.001 + i * 0.001
        add(next(names), [(-0.004, c - 0.003), (-0.001, c - 0.0002), (0.001, c + 0.0004), (0.004, c + 0.003)])
    with open(os.path.join(ASSETS, "street-grid.geojson"), "w") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, indent=0)
        f.write("\n")


POI_NAMES = ["Aldi", "Lidl", "Cafe Nord", "Bakery", "Kiosk", "Pharmacy", "Post", "Bank", "Florist", "Books",
             "Deli", "Tailor", "Barber", "Optician", "Garage", "Bistro"]


def tile_edge_pois():
    rnd = random.Random(7)
    features = []
    for i in range(48):
        x, y = rnd.uniform(-0.0035, 0.0035), rnd.uniform(-0.0025, 0.0025)
        name = POI_NAMES[i % len(POI_NAMES)] + (" %d" % (i // len(POI_NAMES)) if i >= len(POI_NAMES) else "")
        features.append({"type": "Feature", "properties": {"name": name, "rank": i % 5},
                         "geometry": {"type": "Point", "coordinates": [round(x, 7), round(y, 7)]}})
    with open(os.path.join(ASSETS, "tile-edge-pois.geojson"), "w") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, indent=0)


def main():
    street_grid()
    tile_edge_pois()


if __name__ == "__main__":
    main()
