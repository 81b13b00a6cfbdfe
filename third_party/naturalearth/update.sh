#!/bin/sh
# Regenerates the bundled Natural Earth data (countries.geojson,
# populated_places.geojson) from the PyPI package geopandas 0.14.4, whose
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
import io, json, struct, sys, zipfile

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
    with open(out + "/" + outname, "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, separators=(",", ":"), ensure_ascii=False)
        f.write("\n")
    print(outname, len(feats), "features")

convert("naturalearth_lowres", ["name", "iso_a3", "continent", "pop_est"], "countries.geojson")
convert("naturalearth_cities", ["name"], "populated_places.geojson")
EOF
