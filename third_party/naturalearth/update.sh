#!/bin/sh
# Regenerates the bundled Natural Earth data (countries.geojson,
# country_labels.geojson, populated_places.geojson) from the PyPI package geopandas 0.14.4, whose
# geopandas/datasets/ folder ships Natural Earth 1:110m "admin 0 countries"
# (naturalearth_lowres) and "populated places" (naturalearth_cities) as
# shapefiles. Needs only pip and python3 (no GIS libraries): the shapefiles
# are read by the small converter below. Run from anywhere:
#   third_party/naturalearth/update.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pip download geopandas==0.14.4 --no-deps -d "$tmp" >/dev/null
python3 - "$tmp"/geopandas-0.14.4-py3-none-any.whl "$here" <<'EOF'
import io, json, math, struct, sys, zipfile

whl, out = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(whl)
base = "geopandas/datasets/"

def dbf(data):
    n, hlen, rlen = struct.unpack("<IHH", data[4:12])
    fields, off = [], 32
    while data[off] != 0x0D:
        name = data[off:off + 11].split(b"\0")[0].decode()
        fields.append((name, chr(data[off + 11]), data[off + 16]))
        off += 32
    rows = []
    for i in range(n):
        rec, pos, row = data[hlen + i * rlen: hlen + (i + 1) * rlen], 1, {}
        for name, typ, ln in fields:
            raw = rec[pos:pos + ln].decode("latin-1").strip()  # the .cpg files say ISO-8859-1
            pos += ln
            if typ in "NF":
                row[name] = (float(raw) if "." in raw else int(raw)) if raw else None
            else:
                row[name] = raw
        rows.append(row)
    return rows

def ring_area(r):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(r, r[1:])) / 2

def shapes(data):
    pos, out = 100, []
    while pos < len(data):
        _, clen = struct.unpack(">ii", data[pos:pos + 8])
        rec = data[pos + 8: pos + 8 + clen * 2]
        pos += 8 + clen * 2
        st = struct.unpack("<i", rec[:4])[0]
        if st == 1:
            x, y = struct.unpack("<2d", rec[4:20])
            out.append({"type": "Point", "coordinates": [round(x, 4), round(y, 4)]})
        elif st == 5:
            nparts, npts = struct.unpack("<2i", rec[36:44])
            parts = list(struct.unpack("<%di" % nparts, rec[44:44 + 4 * nparts])) + [npts]
            p0 = 44 + 4 * nparts
            pts = [struct.unpack("<2d", rec[p0 + 16 * i: p0 + 16 * i + 16]) for i in range(npts)]
            polys = []
            for a, b in zip(parts, parts[1:]):
                ring = [[round(x, 4), round(y, 4)] for x, y in pts[a:b]]
                # Shapefile: outer rings clockwise (negative area), holes
                # counter-clockwise. GeoJSON (RFC 7946): outer CCW, holes CW.
                if ring_area(ring) < 0 or not polys:
                    polys.append([ring[::-1]])
                else:
                    polys[-1].append(ring[::-1])
            out.append({"type": "Polygon", "coordinates": polys[0]} if len(polys) == 1
                       else {"type": "MultiPolygon", "coordinates": polys})
        else:
            raise SystemExit("unexpected shape type %d" % st)
    return out

def convert(name, props, outname):
    shp = z.read(base + name + "/" + name + ".shp")
    rows = dbf(z.read(base + name + "/" + name + ".dbf"))
    geoms = shapes(shp)
    feats = [{"type": "Feature", "properties": {k.lower(): r[k] for k in props}, "geometry": g}
             for r, g in zip(rows, geoms)]
    if outname:
        write(feats, outname)
    return feats

def write(feats, outname):
    with open(out + "/" + outname, "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, separators=(",", ":"), ensure_ascii=False)
        f.write("\n")
    print(outname, len(feats), "features")

def polygons(g):
    return [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]

def inside(x, y, rings):
    # Even-odd over the rings (holes included).
    c = False
    for r in rings:
        for (x0, y0), (x1, y1) in zip(r, r[1:]):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                c = not c
    return c

def edge_distance(x, y, rings):
    best = float("inf")
    for r in rings:
        for (x0, y0), (x1, y1) in zip(r, r[1:]):
            dx, dy = x1 - x0, y1 - y0
            t = 0 if dx == dy == 0 else max(0, min(1, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)))
            best = min(best, math.hypot(x - x0 - t * dx, y - y0 - t * dy))
    return best

def label_point(g):
    # The point of the largest polygon farthest from its edges (a grid
    # search to 0.1 degree, on a cos(latitude)-corrected x axis).
    poly = max(polygons(g), key=lambda p: abs(ring_area(p[0])))
    xs = [x for x, _ in poly[0]]
    ys = [y for _, y in poly[0]]
    best, step = None, max(max(xs) - min(xs), max(ys) - min(ys)) / 40
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys)) / 2
    while True:
        n = int(span / step) + 1
        for i in range(-n, n + 1):
            for j in range(-n, n + 1):
                x, y = cx + i * step, cy + j * step
                if inside(x, y, poly):
                    k = math.cos(math.radians(y))
                    d = edge_distance(x * k, y, [[(a * k, b) for a, b in r] for r in poly])
                    if best is None or d > best[0]:
                        best = (d, x, y)
        if best is None or step < 0.1:
            break
        _, cx, cy = best
        span, step = step * 2, step / 4
    return [round(best[1], 2), round(best[2], 2)] if best else poly[0][0]

def rank_of_area(a):
    return next((i + 1 for i, lim in enumerate([600, 150, 40, 8]) if a >= lim), 5)

countries = convert("naturalearth_lowres", ["name", "iso_a3", "continent", "pop_est"], "countries.geojson")
places = convert("naturalearth_cities", ["name"], None)

# Country label points, ranked by land area (square degrees of latitude).
labels = []
for f in countries:
    g = f["geometry"]
    area = sum(abs(ring_area(p[0])) * math.cos(math.radians(sum(y for _, y in p[0]) / len(p[0]))) for p in polygons(g))
    labels.append({"type": "Feature", "properties": {"name": f["properties"]["name"], "rank": rank_of_area(area)},
                   "geometry": {"type": "Point", "coordinates": label_point(g)}})
write(labels, "country_labels.geojson")

# Places: Natural Earth lists them from the least to the most important
# (its scalerank order; the bundled copy keeps only the names), so the
# position gives `order` (0 = most important) and `rank` (1 = the 40 most
# important, 2 = the next 40, ... 5). Two names lost letters outside
# ISO-8859-1 in the shapefile; they are restored.
FIXED = {"?saka": "\u014csaka", "Chi?in?u": "Chi\u0219in\u0103u"}
for i, f in enumerate(places):
    order = len(places) - 1 - i
    f["properties"]["name"] = FIXED.get(f["properties"]["name"], f["properties"]["name"])
    f["properties"]["order"] = order
    f["properties"]["rank"] = min(5, 1 + order // 40)
write(places, "populated_places.geojson")
EOF
