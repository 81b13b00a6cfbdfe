#!/usr/bin/env python3
"""The 2017 render suite's styles under another camera, drawn by today's
MapLibre Native (pymgl), as a temporary suite to compare mapcore with:

    EGL_PLATFORM=surfaceless .mglenv/bin/python tools/oracle/native_sweep.py OUT \\
        [--zoom DZ] [--bearing B] [--pitch P] [--filter SUBSTR ...]
    ./build/bin/mapcore-conformance render -suite OUT -assets ../shared/conformance/assets -out OUT-report -q

Each style keeps its data and layers; its camera moves by DZ zoom levels,
turns by B degrees and takes pitch P (if given). Styles with operations or
debug overlays are left out (pymgl does not run them), and so are styles
pymgl cannot draw. The images are premultiplied as the suite's. A test that
fails there is a difference from today's Native on a view the 2017 suite
does not hold (its transparent-background tests compare loosely: Native's
straight-alpha buffer is premultiplied here in 8 bits). Nothing here is
committed: what a sweep finds becomes an oracle style (tests/oracle).
"""
import argparse
import json
import os
import sys

import regenerate

SHARED = os.environ.get("MAPCORE_SHARED", os.path.join(regenerate.ROOT, "..", "shared"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--zoom", type=float, default=0.0)
    ap.add_argument("--bearing", type=float, default=0.0)
    ap.add_argument("--pitch", type=float)
    ap.add_argument("--filter", nargs="*", default=[])
    args = ap.parse_args()
    suite = os.path.join(SHARED, "conformance", "render-tests")
    regenerate.SUITE = os.path.join(SHARED, "conformance", "assets")
    kept = skipped = 0
    for group in sorted(os.listdir(suite)):
        for test in sorted(os.listdir(os.path.join(suite, group))):
            name = group + "/" + test
            path = os.path.join(suite, name, "style.json")
            if not os.path.isfile(path) or (args.filter and not any(s in name for s in args.filter)):
                continue
            style = json.load(open(path))
            meta = style.get("metadata", {}).get("test", {})
            if meta.get("operations") or meta.get("debug") or meta.get("collisionDebug"):
                continue
            style["zoom"] = style.get("zoom", 0) + args.zoom
            style["bearing"] = (style.get("bearing", 0) + args.bearing) % 360
            if args.pitch is not None:
                style["pitch"] = args.pitch
            text = json.dumps(style)
            try:
                w, h, buf = regenerate.render_once(text, style)
            except Exception as e:  # pymgl cannot draw it: leave it out
                print("left out %s: %s" % (name, e), file=sys.stderr)
                skipped += 1
                continue
            d = os.path.join(args.out, name)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "style.json"), "w") as f:
                f.write(text)
            regenerate.write_png(os.path.join(d, "expected.png"), w, h, regenerate.premultiply(buf))
            kept += 1
    print("%d styles drawn, %d left out" % (kept, skipped))


if __name__ == "__main__":
    main()
