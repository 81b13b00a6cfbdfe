#!/usr/bin/env bash
# Static checks of the Bazel graph, run by `make bazel-check` (tools/bazel/bazel.mk).
# Bazel's module registry is not reachable from our machines, so instead of a
# Bazel run the graph is checked by:
#   1. buildifier   formatting + lint warnings of every BUILD, .bzl and MODULE file
#   2. gazelle      `bazel run //:gazelle` would change nothing (diff mode)
#   3. check_graph  labels exist, Rust/Go/C-test coverage, hermetic test tags
# Usage: BUILDIFIER=path GAZELLE=path tools/bazel/check.sh [repo_root]
set -uo pipefail

ROOT="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
BUILDIFIER="${BUILDIFIER:-buildifier}"
GAZELLE="${GAZELLE:-gazelle}"
PYTHON="${PYTHON:-python3}"
cd "$ROOT" || exit 2

fail=0

# Starlark files of the repository (tracked or new, not ignored); outside a git
# checkout fall back to find, skipping build outputs.
starlark_files() {
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$ROOT" ls-files -co --exclude-standard -- \
      'BUILD' 'BUILD.bazel' '*/BUILD' '*/BUILD.bazel' '*.bzl' 'MODULE.bazel' '*.MODULE.bazel' \
      | while read -r f; do [ -f "$f" ] && echo "$f"; done
  else
    find . \( -name .git -o -name bin -o -name build -o -name out -o -name target -o -name 'bazel-*' \) -prune \
      -o -type f \( -name BUILD -o -name BUILD.bazel -o -name '*.bzl' -o -name MODULE.bazel \) -print | sed 's|^\./||'
  fi
}

# ---- 1. buildifier --------------------------------------------------------------
mapfile -t files < <(starlark_files | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "bazel-check: no BUILD/MODULE/.bzl files found" >&2
  exit 1
fi
if out="$("$BUILDIFIER" -mode=check -lint=warn -- "${files[@]}" 2>&1)"; then
  echo "buildifier: OK: ${#files[@]} files formatted, no lint warnings"
else
  echo "$out" >&2
  echo "buildifier: FAILED: fix with: $BUILDIFIER -lint=fix ${files[*]}" >&2
  fail=1
fi

# ---- 2. gazelle (diff mode over the whole repository, like `bazel run //:gazelle`)
# Run on a scratch copy so a gazelle bug can never touch the working tree.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mkdir -p "$tmp/repo"
  git -C "$ROOT" ls-files -co --exclude-standard -z \
    | (cd "$ROOT" && tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$tmp/repo" -xf -
else
  mkdir -p "$tmp/repo" && tar -C "$ROOT" --exclude=./.git --exclude=./bin --exclude=./build \
    --exclude=./out --exclude=./rust/target -cf - . | tar -C "$tmp/repo" -xf -
fi
# No network: gazelle only needs the Go sources, go.mod and the BUILD files.
if out="$(cd "$tmp/repo" && GOFLAGS=-mod=mod GOPROXY=off "$GAZELLE" update -repo_root=. -mode=diff -external=static . 2>&1)"; then
  [ -n "$out" ] && echo "$out"
  echo "gazelle: OK: BUILD files match what gazelle generates"
else
  echo "$out" | sed "s|$tmp/repo/||g" >&2
  echo "gazelle: FAILED: BUILD files differ from gazelle's; fix with: $GAZELLE update -repo_root=. -external=static ." >&2
  fail=1
fi

# ---- 3. labels and coverage -------------------------------------------------------
if ! "$PYTHON" "$ROOT/tools/bazel/check_graph.py" "$ROOT"; then
  fail=1
fi

if [ "$fail" -ne 0 ]; then
  echo "bazel-check: FAILED" >&2
  exit 1
fi
echo "bazel-check: OK"
