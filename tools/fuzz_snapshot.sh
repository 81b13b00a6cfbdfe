#!/usr/bin/env bash
# Minimises each fuzz target's corpus (cargo fuzz cmin: the smallest set of
# inputs with the same coverage) and writes it, compressed, to
# rust/fuzz/corpus-snapshot/TARGET.tar.xz for committing, so that the next
# `make fuzz` (on any machine) starts from the coverage already found instead
# of from the seeds. Run after `make fuzz`; needs what tools/fuzz.sh installs.
#
# FUZZ_SANITIZER=none minimises with the build without AddressSanitizer
# (rust/fuzz/target-none, as tools/fuzz.sh makes it): the same coverage,
# several times as fast where ASan's checks take most of the time (capi).
#
#   tools/fuzz_snapshot.sh [TARGET...]     (default: every target with a corpus)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZ="$ROOT/rust/fuzz"
CARGO_FUZZ_VERSION=0.13.1
export PATH="$ROOT/bin/cargo-fuzz-$CARGO_FUZZ_VERSION/bin:$PATH"
command -v cargo-fuzz >/dev/null || { echo "fuzz_snapshot: run make fuzz first (installs cargo-fuzz)"; exit 1; }
cd "$FUZZ"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in corpus/*/; do [ -d "$d" ] && targets+=("$(basename "$d")"); done
fi
SHARED=${SHARED:-${MAPCORE_SHARED:-$ROOT/../shared}}
SANITIZER=${FUZZ_SANITIZER:-address}
case "$SANITIZER" in address | none) ;; *) echo "fuzz_snapshot: FUZZ_SANITIZER is address or none, not $SANITIZER"; exit 2 ;; esac
build=(-s "$SANITIZER"); [ "$SANITIZER" = address ] || build+=(--target-dir "target-$SANITIZER")
mkdir -p corpus-snapshot
# The shared suites' files are used in place, never copied into the project,
# and the fuzzers start from some of them (tools/fuzz.sh seeds them again
# whenever ../shared is there): inputs mostly made of shared bytes (over a
# quarter of their 16-byte windows found in the shared seed files, so copies,
# truncations and light mutations of them) stay out of the snapshots.
shared_filter() {  # shared_filter DIR: removes such inputs from DIR, prints how many
  python3 - "$SHARED/conformance" "$1" <<'PY'
import os, sys
root, corpus = sys.argv[1], sys.argv[2]
W = 16
seen = set()
if os.path.isdir(root):
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            if os.path.getsize(p) > 262144 or "expected" in f:
                continue
            data = open(p, "rb").read()
            seen.update(hash(data[i:i + W]) for i in range(0, max(len(data) - W + 1, 0)))
dropped = 0
for f in os.listdir(corpus):
    p = os.path.join(corpus, f)
    data = open(p, "rb").read()
    n = max(len(data) - W + 1, 0)
    if n and sum(hash(data[i:i + W]) in seen for i in range(n)) * 4 > n:
        os.remove(p)
        dropped += 1
print(dropped)
PY
}
for t in "${targets[@]}"; do
  [ -d "corpus/$t" ] || { echo "fuzz_snapshot: no corpus for $t"; continue; }
  before=$(ls "corpus/$t" | wc -l)
  cargo +nightly fuzz cmin "${build[@]}" "$t" "corpus/$t" -- -rss_limit_mb=1024 -timeout=20 -max_len=65536 > "/tmp/fuzz-cmin-$t.log" 2>&1 \
    || { echo "fuzz_snapshot: cmin $t failed (see /tmp/fuzz-cmin-$t.log)"; exit 1; }
  stage=$(mktemp -d)
  cp -r "corpus/$t" "$stage/$t"
  dropped=$(shared_filter "$stage/$t")
  # Sorted names and fixed metadata: the same corpus gives the same bytes.
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - -C "$stage" "$t" | xz -9 -T1 > "corpus-snapshot/$t.tar.xz"
  rm -rf "$stage"
  echo "fuzz_snapshot: $t: $before -> $(ls "corpus/$t" | wc -l) inputs ($dropped copies of shared files left out), $(stat -c %s "corpus-snapshot/$t.tar.xz") bytes"
done
