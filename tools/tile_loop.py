#!/usr/bin/env python3
"""The tile loop of `make bench`: 80 views of 256x256 over the streets
benchmark's area (its 1024x1024 view at z15 cut into 4x4 views at z15 and
8x8 at z16), each rendered and PNG-encoded, by mapcore (mapcore-tileloop: a
one-worker Renderer) and by MapLibre Native (pymgl renderPNG), in the same
run, alternating, RUNS times (default 3). Prints one line with the
medians: tile loop: mapcore N tiles/s, MapLibre Native M tiles/s, ratio R x.

usage: tile_loop.py STYLE ASSETS MAPCORE_TILELOOP MGL_PYTHON
"""
import json, math, os, statistics, subprocess, sys, tempfile, time

style_path, assets, tileloop, mgl_python = sys.argv[1:5]
style = json.load(open(style_path))
b = style["metadata"]["bench"]

def views():
    """Centres of 256 px views tiling the bench view at z15 and z16."""
    lng, lat = b["center"]
    out = []
    for z, n in ((15, 4), (16, 8)):
        world = 512 * 2 ** z
        cx = (lng + 180) / 360 * world
        cy = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2 * world
        x0, y0 = cx - n * 128, cy - n * 128
        for j in range(n):
            for i in range(n):
                x, y = x0 + (i + 0.5) * 256, y0 + (j + 0.5) * 256
                vlng = x / world * 360 - 180
                vlat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / world))))
                out.append([vlng, vlat, z])
    return out

MGL = r'''
import json, sys, time, pymgl
style, views = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
m = pymgl.Map(style, 256, 256, 1, views[0][0], views[0][1], views[0][2])
t = time.time()
for lng, lat, z in views:
    m.setCenter(lng, lat); m.setZoom(z); png = m.renderPNG()
    assert len(png) > 0
print(json.dumps({"tiles": len(views), "seconds": time.time() - t}))
'''

with tempfile.TemporaryDirectory() as d:
    vp = os.path.join(d, "views.json")
    json.dump(views(), open(vp, "w"))
    sp = os.path.join(d, "style.json")
    open(sp, "w").write(open(style_path).read().replace("local://", "file://" + os.path.abspath(assets) + "/"))
    mp = os.path.join(d, "mgl.py")
    open(mp, "w").write(MGL)
    env = dict(os.environ, EGL_PLATFORM="surfaceless")
    # Alternating runs (RUNS, default 3), each a fresh process; medians.
    ours_rates, ref_rates = [], []
    for _ in range(max(1, int(os.environ.get("RUNS", "3")))):
        ours = json.loads(subprocess.check_output([tileloop, "-style", style_path, "-assets", assets, "-views", vp]))
        ref = json.loads(subprocess.check_output([mgl_python, mp, sp, vp], env=env).decode().strip().splitlines()[-1])
        ours_rates.append(ours["tiles"] / ours["seconds"])
        ref_rates.append(ref["tiles"] / ref["seconds"])
o, r = statistics.median(ours_rates), statistics.median(ref_rates)
print(f"tile loop: mapcore {o:.1f} tiles/s, MapLibre Native {r:.1f} tiles/s, ratio {o / r:.2f} x "
      f"({ours['tiles']} views of 256x256, PNG-encoded; medians of {len(ours_rates)} alternating runs)")
