#!/usr/bin/env bash
# Minimises each fuzz target's corpus (cargo fuzz cmin: the smallest set of
# inputs with the same coverage) and writes it, compressed, to
# rust/fuzz/corpus-snapshot/TARGET.tar.xz for committing, so that the next
# `make fuzz` (on any machine) starts from the coverage already found instead
# of from the seeds. Run after `make fuzz`; needs what tools/fuzz.sh installs.
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
mkdir -p corpus-snapshot
for t in "${targets[@]}"; do
  [ -d "corpus/$t" ] || { echo "fuzz_snapshot: no corpus for $t"; continue; }
  before=$(ls "corpus/$t" | wc -l)
  cargo +nightly fuzz cmin "$t" "corpus/$t" -- -rss_limit_mb=1024 -timeout=20 -max_len=65536 > "/tmp/fuzz-cmin-$t.log" 2>&1 \
    || { echo "fuzz_snapshot: cmin $t failed (see /tmp/fuzz-cmin-$t.log)"; exit 1; }
  # Sorted names and fixed metadata: the same corpus gives the same bytes.
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - -C corpus "$t" | xz -9 -T1 > "corpus-snapshot/$t.tar.xz"
  echo "fuzz_snapshot: $t: $before -> $(ls "corpus/$t" | wc -l) inputs, $(stat -c %s "corpus-snapshot/$t.tar.xz") bytes"
done
