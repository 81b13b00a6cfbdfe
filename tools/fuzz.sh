#!/usr/bin/env bash
# Runs every fuzz target of rust/fuzz for FUZZ_SECONDS seconds each (cargo fuzz
# on nightly Rust; installs the pinned cargo-fuzz into bin/ when missing).
# Corpora live in rust/fuzz/corpus/TARGET (not committed), restored from the
# committed snapshot rust/fuzz/corpus-snapshot/TARGET.tar.xz when there is one
# (coverage found on one machine carries over to the next; tools/fuzz_snapshot.sh
# writes them) and seeded from rust/fuzz/seeds, tests/fixtures, rust/assets
# and, when present, the shared data (small files only). A crash stops that target; its input is in
# rust/fuzz/artifacts/TARGET: fix it and commit the input under
# rust/fuzz/regressions/TARGET (cargo test replays it). Targets with a
# dictionary in rust/fuzz/dicts (tools/fuzz_dicts.py) run with it. Each run's
# log is kept in rust/fuzz/logs/TARGET.log; the round ends with each target's
# coverage growth by quarter (tools/fuzz_growth.py): run longer while the last
# quarters still add coverage.
#
# FUZZ_SANITIZER=none runs the rounds without AddressSanitizer (built in
# rust/fuzz/target-none), several times as many runs a second where
# ASan's checks take most of the time (the capi target), then runs every
# input of the grown corpus once under AddressSanitizer: coverage is found
# fast, and memory errors are still looked for in every input it found.
#
# FUZZ_RSS_MB (1024) is the whole process's RSS limit. A long render round
# grows past 1 GB with no input to blame (the bundled-glyph cache fills to its
# 48 MB, the allocator keeps what it freed): raise it for rounds of hours. One
# allocation is still held to 1024 MB (-malloc_limit_mb) however high it is.
#
#   tools/fuzz.sh [TARGET...]     FUZZ_SECONDS=60 FUZZ_JOBS=1 FUZZ_SANITIZER=address FUZZ_RSS_MB=1024 SHARED=../shared
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZ="$ROOT/rust/fuzz"
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
SANITIZER=${FUZZ_SANITIZER:-address}
RSS_MB=${FUZZ_RSS_MB:-1024}
case "$RSS_MB" in '' | *[!0-9]*) echo "fuzz: FUZZ_RSS_MB is a number of megabytes, not $RSS_MB"; exit 2 ;; esac
case "$SANITIZER" in address | none) ;; *) echo "fuzz: FUZZ_SANITIZER is address or none, not $SANITIZER"; exit 2 ;; esac
# A build without ASan goes to its own folder: the ASan build stays for the replay.
target_dir=target; [ "$SANITIZER" = address ] || target_dir="target-$SANITIZER"
build=(-s "$SANITIZER"); [ "$SANITIZER" = address ] || build+=(--target-dir "$target_dir")
SHARED=${SHARED:-${MAPCORE_SHARED:-$ROOT/../shared}}
CARGO_FUZZ_VERSION=0.13.1
CARGO_FUZZ="$ROOT/bin/cargo-fuzz-$CARGO_FUZZ_VERSION/bin/cargo-fuzz"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: needs a nightly Rust toolchain (rustup toolchain install nightly)"; exit 1
fi
if [ ! -x "$CARGO_FUZZ" ]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$ROOT/bin/cargo-fuzz-$CARGO_FUZZ_VERSION"
fi

# running TARGET: whether TARGET is one of this round's targets.
running() {
  local t
  for t in "${targets[@]}"; do [ "$t" != "$1" ] || return 0; done
  return 1
}

# seed TARGET FILE...: copies small files (at most 256 KiB) into the corpus of
# a target of this round. An input already there is kept (cp -n): two rounds
# started at the same moment must not race on one file.
seed() {
  local target=$1; shift
  running "$target" || return 0
  mkdir -p "$FUZZ/corpus/$target"
  for f in "$@"; do
    [ -f "$f" ] || continue
    [ "$(stat -c %s "$f")" -le 262144 ] || continue
    cp -n "$f" "$FUZZ/corpus/$target/$(echo "$f" | sha1sum | cut -c1-16)-$(basename "$f" | tr ' ,' '__')" 2>/dev/null || true
  done
}

seed_all() {
  # Only the targets about to run, and never over files already there (an
  # input's name is its hash): two rounds of different targets may start at
  # the same moment.
  local t
  for t in "${targets[@]}"; do
    local snap="$FUZZ/corpus-snapshot/$t.tar.xz"
    [ -f "$snap" ] || continue
    mkdir -p "$FUZZ/corpus"
    tar --skip-old-files -xJf "$snap" -C "$FUZZ/corpus"
  done
  for d in "$FUZZ"/seeds/*/; do seed "$(basename "$d")" "$d"*; done
  # The mbtiles target opens files as a host does: PMTiles too.
  seed mbtiles "$FUZZ"/seeds/pmtiles/*
  seed mvt "$ROOT"/tests/fixtures/tiles/*.mvt
  seed style_json "$ROOT"/rust/assets/default-style.json "$ROOT"/examples/*/style.json "$ROOT"/tests/oracle/*/*/style.json
  # The oracle suite's styles (hillshade over its DEM tiles, heatmaps,
  # gradients, patterns, labels): the render target serves their local://X
  # from tests/oracle/X, as the oracle runner does.
  seed render "$ROOT"/tests/oracle/*/*/style.json
  seed font "$ROOT"/third_party/fonts/subsets/*.ttf "$ROOT"/tests/fixtures/fonts/*.[ot]t[fc]
  if [ -d "$SHARED/conformance" ]; then
    local c="$SHARED/conformance"
    # Every render-test style, for both style targets: the snapshots leave
    # out inputs made mostly of shared bytes (tools/fuzz_snapshot.sh), so the
    # coverage the originals give comes back from here on every machine.
    local styles
    styles=$(find "$c/render-tests" -name style.json | sort)
    seed style_json $styles
    seed render $styles
    seed expression $(find "$c/expression-tests" -name test.json | sort)
    seed mvt "$c"/assets/tiles/*.mvt
    seed image "$c"/assets/tiles/*.png "$c"/assets/image/*.png
    seed geojson "$c"/assets/data/*.geojson "$c"/assets/geojson/*.json
    seed glyph_pbf "$c"/assets/glyphs/*/0-255.pbf
    seed tilejson "$c"/assets/tilesets/*.json
    # Sprites: a 2-byte little-endian index length, the index, the sheet.
    if running sprite; then
      mkdir -p "$FUZZ/corpus/sprite"
      for j in "$c"/assets/sprites/*.json; do
        local p="${j%.json}.png"
        [ -f "$p" ] && [ "$(stat -c %s "$p")" -le 65536 ] || continue
        python3 -c 'import sys,struct; j=open(sys.argv[1],"rb").read(); p=open(sys.argv[2],"rb").read(); sys.stdout.buffer.write(struct.pack("<H",len(j))+j+p)' \
          "$j" "$p" > "$FUZZ/corpus/sprite/shared-$(basename "$j" .json).bin"
      done
    fi
  else
    echo "fuzz: $SHARED/conformance not found: seeding from the repository only"
  fi
}

export PATH="$(dirname "$CARGO_FUZZ"):$PATH"
# AddressSanitizer holds freed memory in quarantine (to catch use after
# free), 256 MB by default; with its redzones that added up to 700 MB to a
# long round's RSS, and with a fresh thread per input (src/lib.rs) a round of
# millions of runs reached -rss_limit_mb with no input using more than a few
# megabytes. 64 MB still catches a use soon after the free.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=64}
# The render target serves the render suite's local:// URLs from here.
if [ -d "$SHARED/conformance/assets" ]; then
  MAPCORE_FUZZ_ASSETS=$(cd "$SHARED/conformance/assets" && pwd)
  export MAPCORE_FUZZ_ASSETS
fi
cd "$FUZZ"
HOST=$(rustc +nightly -vV | sed -n 's/^host: //p')
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
seed_all
failed=0
growth=()
for t in "${targets[@]}"; do
  echo "fuzz: $t for ${SECONDS_EACH}s"
  jobs=(); [ "$JOBS" -le 1 ] || jobs=(--jobs "$JOBS")
  # A dictionary (tools/fuzz_dicts.py): style names and operators; image, sprite and font markers.
  dict=(); [ ! -f "dicts/$t.dict" ] || dict=(-dict="dicts/$t.dict")
  # The run's log (rust/fuzz/logs/TARGET.log) gives its coverage growth
  # (pipefail: a crash still fails the target); -print_pcs=1 logs where each
  # new edge is, so tools/fuzz_growth.py can leave out the edges that random
  # hash keys and thread timing find (see there).
  mkdir -p logs
  if ! cargo +nightly fuzz run "${build[@]}" "$t" "corpus/$t" "${jobs[@]}" -- \
      -max_total_time="$SECONDS_EACH" -rss_limit_mb="$RSS_MB" -malloc_limit_mb=1024 -timeout=20 -max_len=65536 -print_final_stats=1 -print_pcs=1 "${dict[@]}" \
      2>&1 | tee "logs/$t.log"; then
    echo "fuzz: $t FAILED (input in rust/fuzz/artifacts/$t)"; failed=$((failed + 1))
  fi
  # The binary that ran places the bare NEW_PC addresses of a build without ASan.
  growth+=("$(python3 "$ROOT/tools/fuzz_growth.py" --binary "$target_dir/$HOST/release/$t" "logs/$t.log")")
  if [ "$SANITIZER" != address ]; then
    # Every input of the corpus once, under AddressSanitizer.
    echo "fuzz: $t: the corpus under AddressSanitizer"
    if ! cargo +nightly fuzz run "$t" "corpus/$t" -- -runs=0 -rss_limit_mb=1024 -timeout=20 -max_len=65536 \
        > "logs/$t-asan.log" 2>&1; then
      echo "fuzz: $t FAILED under AddressSanitizer (logs/$t-asan.log; input in rust/fuzz/artifacts/$t)"; failed=$((failed + 1))
    else
      growth+=("$t: $(grep -o 'Done [0-9]* runs' "logs/$t-asan.log" | tail -1) of its corpus under AddressSanitizer: no errors")
    fi
  fi
done
printf 'fuzz: %s\n' "${growth[@]}"
echo "fuzz: $((${#targets[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
