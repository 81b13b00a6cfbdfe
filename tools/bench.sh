#!/usr/bin/env bash
# Renders the shared streets benchmark with mapcore (examples/c/render_style)
# and with MapLibre Native (PyPI pymgl on Mesa llvmpipe) alternately in the
# same run, and prints the median first-still and re-render times and their
# ratios. Installs the reference into .mglenv/ (and Mesa's EGL packages with
# apt) on first use.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$root/../shared}
runs=${RUNS:-5}
ours=$root/build/examples/render_style
style=$shared/bench/streets.json
assets=$shared/conformance/assets
[ -x "$ours" ] || { echo "bench: build $ours first (make bench does)"; exit 2; }
if ! [ -x "$root/.mglenv/bin/python" ] || ! "$root/.mglenv/bin/python" -c 'import pymgl, numpy' 2>/dev/null; then
  echo "bench: installing the reference renderer (pymgl) into .mglenv"
  if command -v apt-get >/dev/null && ! ldconfig -p | grep -q libEGL_mesa; then
    (apt-get update -qq && apt-get install -y -qq libegl1 libegl-mesa0 libgl1-mesa-dri libgles2) >/dev/null
  fi
  python3 -m venv "$root/.mglenv"
  "$root/.mglenv/bin/pip" install -q pymgl numpy
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$runs"); do
  EGL_PLATFORM=surfaceless "$root/.mglenv/bin/python" "$shared/bench/maplibre_native_render.py" \
    "$style" "$assets" "$tmp/ref.png" | tail -1 >> "$tmp/ref.jsonl"
  "$ours" "$style" "$assets" "$tmp/ours.png" >> "$tmp/ours.txt"
done
python3 - "$tmp" <<'PY'
import json, re, statistics, sys
d = sys.argv[1]
ref = [json.loads(l) for l in open(f"{d}/ref.jsonl") if l.strip().startswith("{")]
ours = [re.search(r"first still image ([\d.]+) ms, re-render ([\d.]+) ms", l).groups() for l in open(f"{d}/ours.txt")]
rf = statistics.median(r["first_ms"] for r in ref); rr = statistics.median(r["rerender_median_ms"] for r in ref)
of = statistics.median(float(o[0]) for o in ours); orr = statistics.median(float(o[1]) for o in ours)
print(f"streets 1024x1024, median of {len(ours)} alternating runs")
print(f"  first still image: mapcore {of:7.1f} ms   MapLibre Native {rf:7.1f} ms   ratio {rf/of:5.2f}x")
print(f"  re-render:         mapcore {orr:7.1f} ms   MapLibre Native {rr:7.1f} ms   ratio {rr/orr:5.2f}x")
print("  (both draw the style's labels)")
PY
# The tile loop: 80 views of 256x256 rendered and PNG-encoded by each.
tileloop=$root/build/mapcore-tileloop
if [ -x "$tileloop" ]; then
  python3 "$root/tools/tile_loop.py" "$style" "$assets" "$tileloop" "$root/.mglenv/bin/python"
else
  echo "bench: build $tileloop first (make bench does)"
fi
