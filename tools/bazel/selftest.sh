#!/usr/bin/env bash
# Proves that tools/bazel/check.sh catches broken Bazel graphs: each case breaks
# a scratch copy of the tree in one way and requires check.sh to fail with the
# expected message. The working tree is never modified.
# Usage: BUILDIFIER=path GAZELLE=path tools/bazel/selftest.sh [repo_root]
set -uo pipefail

ROOT="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
CHECK="$ROOT/tools/bazel/check.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Copy of the tree as git sees it (tracked + new files, nothing ignored).
fresh_copy() {
  rm -rf "$work/repo"
  mkdir -p "$work/repo"
  (cd "$ROOT" && git ls-files -co --exclude-standard -z | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) \
    | tar -C "$work/repo" -xf -
  git -C "$work/repo" init -q && git -C "$work/repo" add -A >/dev/null 2>&1
}

pass=0
fail=0
# expect_failure NAME EXPECTED-SUBSTRING: check.sh on the broken copy must fail
# and say EXPECTED-SUBSTRING.
expect_failure() {
  local name="$1" expected="$2" out
  git -C "$work/repo" add -A >/dev/null 2>&1
  if out="$("$CHECK" "$work/repo" 2>&1)"; then
    echo "selftest: FAIL: $name: check.sh passed on a broken tree" >&2
    fail=$((fail + 1))
  elif ! grep -qF -- "$expected" <<<"$out"; then
    echo "selftest: FAIL: $name: check.sh failed, but without \"$expected\":" >&2
    echo "$out" | sed 's/^/    /' >&2
    fail=$((fail + 1))
  else
    echo "selftest: ok: $name -> $(grep -F -m1 -- "$expected" <<<"$out" | cut -c1-160)"
    pass=$((pass + 1))
  fi
}

# 0. The unbroken copy passes (otherwise every case below proves nothing).
fresh_copy
if out="$("$CHECK" "$work/repo" 2>&1)"; then
  echo "selftest: ok: unmodified tree passes"
else
  echo "$out" >&2
  echo "selftest: FAIL: the unmodified tree does not pass check.sh; fix that first" >&2
  exit 1
fi

# 1. buildifier: a badly formatted BUILD file.
fresh_copy
printf 'filegroup(name="selftest",srcs=[ "check.sh" ])\n' >>"$work/repo/tools/bazel/BUILD.bazel"
expect_failure "buildifier format" "buildifier: FAILED"

# 2. buildifier lint: a native rule used without its load().
fresh_copy
mkdir -p "$work/repo/selftest_lint"
printf 'cc_library(\n    name = "x",\n)\n' >"$work/repo/selftest_lint/BUILD.bazel"
expect_failure "buildifier lint" "native-cc-library"

# 3. gazelle: a Go package nobody wrote a BUILD file for.
fresh_copy
mkdir -p "$work/repo/go/selftestpkg"
printf 'package selftestpkg\n\n// X is a selftest.\nfunc X() int { return 1 }\n' >"$work/repo/go/selftestpkg/x.go"
expect_failure "gazelle: new Go package" "gazelle: FAILED"

# 4. gazelle: a Go rule whose srcs do not match the directory (first Go BUILD file).
fresh_copy
gobuild="$(cd "$work/repo" && grep -rl --include=BUILD.bazel 'go_library(' . 2>/dev/null | sort | head -n1)"
if [ -n "$gobuild" ]; then
  gofile="$(grep -m1 -o '"[A-Za-z0-9_]*\.go"' "$work/repo/$gobuild" | tr -d '"')"
  sed -i "/\"$gofile\",/d; s/srcs = \[\"$gofile\"\]/srcs = []/" "$work/repo/$gobuild"
  expect_failure "gazelle: $gobuild without $gofile" "gazelle: FAILED"
else
  echo "selftest: skip: no go_library yet"
fi

# 5. coverage: a C ABI test program without a cc_test.
fresh_copy
mkdir -p "$work/repo/tests/c"
printf 'int main(void) { return 0; }\n' >"$work/repo/tests/c/test_selftest_unlisted.c"
expect_failure "C test not listed" "test_selftest_unlisted.c"

# 6. coverage: crate srcs that miss Rust files in subdirectories.
fresh_copy
sed -i 's|glob(\["src/\*\*/\*\.rs"\])|glob(["src/*.rs"])|' "$work/repo/rust/BUILD.bazel"
expect_failure "Rust sources not reachable" "is not in srcs"

# 7. labels: a dependency on a target that does not exist.
fresh_copy
sed -i 's|"//include:headers"|"//include:header"|' "$work/repo/rust/BUILD.bazel"
expect_failure "missing label" "'//include:header': no target or file 'header' in //include"

# 8. labels: a file that does not exist.
fresh_copy
printf '\nexports_files(["no_such_file.txt"])\n' >>"$work/repo/tools/bazel/BUILD.bazel"
expect_failure "missing file" "no_such_file.txt"

# 9. coverage: the crate embeds a file that is not in compile_data.
fresh_copy
printf '\n#[allow(dead_code)]\nconst SELFTEST: &[u8] = include_bytes!("../Cargo.toml");\n' >>"$work/repo/rust/src/lib.rs"
expect_failure "embedded file not in compile_data" "which is not in compile_data"

# 9b. coverage: a test's own source (the fuzz replay's entries.rs) embeds a
# file that is not in the test's compile_data.
fresh_copy
printf '\n#[allow(dead_code)]\nconst SELFTEST: &[u8] = include_bytes!("../../Cargo.toml");\n' >>"$work/repo/rust/fuzz/src/entries.rs"
expect_failure "test source embeds a file not in compile_data" "entries.rs embeds rust/Cargo.toml, which is not in compile_data"

# 10. hermeticity: a test reading ../shared that is not tagged manual.
fresh_copy
if [ -f "$work/repo/tests/c/BUILD.bazel" ]; then
  printf '#include <stdlib.h>\nint main(void) { return getenv("MAPCORE_SHARED") == 0; }\n' \
    >"$work/repo/tests/c/test_selftest_shared.c"
  printf '\nmapcore_c_test(name = "test_selftest_shared")\n' >>"$work/repo/tests/c/BUILD.bazel"
  expect_failure "shared-data test not manual" 'is not tagged "manual"'
else
  echo "selftest: skip: no tests/c/BUILD.bazel yet"
fi

# 11. labels: a reference to a target that is not visible.
fresh_copy
sed -i 's|":mapcore_static",|"//rust:mapcore_static",|' "$work/repo/rust/BUILD.bazel"
mkdir -p "$work/repo/selftest_vis"
cat >"$work/repo/selftest_vis/BUILD.bazel" <<'EOF'
load("@rules_cc//cc:cc_library.bzl", "cc_library")

cc_library(
    name = "x",
    deps = ["//rust:mapcore_static"],
)
EOF
expect_failure "invisible target" "is not visible to //selftest_vis"

# 12. cgo: a package that includes mapcore.h but does not link the C API library
# (Gazelle does not manage cdeps, so only check_graph can see this).
fresh_copy
cgobuild="$(cd "$work/repo" && grep -rl --include=BUILD.bazel 'cdeps = \["//rust:mapcore"\]' go 2>/dev/null | sort | head -n1)"
if [ -n "$cgobuild" ]; then
  sed -i '/cdeps = \["\/\/rust:mapcore"\],/d' "$work/repo/$cgobuild"
  expect_failure "cgo without cdeps ($cgobuild)" "cdeps does not include //rust:mapcore"
else
  echo "selftest: skip: no cgo package yet"
fi

# 13. versions: the Rust toolchain's edition drifts from rust/Cargo.toml.
fresh_copy
sed -i 's/    edition = "2021",/    edition = "2024",/' "$work/repo/MODULE.bazel"
expect_failure "Rust edition differs from Cargo.toml" "but rust/Cargo.toml says '2021'"

# 14. hermeticity: a Go test (not a benchmark) that reaches ../shared through a
# helper, in a go_test that is not tagged manual.
fresh_copy
if [ -f "$work/repo/go/BUILD.bazel" ]; then
  cat >"$work/repo/go/selftest_shared_test.go" <<'GOEOF'
package mapcore

import (
	"os"
	"testing"
)

func selftestSharedDir() string { return os.Getenv("MAPCORE_SHARED") }

func TestSelftestShared(t *testing.T) { _ = selftestSharedDir() }
GOEOF
  (cd "$work/repo" && GOPROXY=off "$GAZELLE" update -repo_root=. -external=static . >/dev/null 2>&1)
  expect_failure "Go test reading ../shared not manual" "TestSelftestShared()"
else
  echo "selftest: skip: no go/BUILD.bazel yet"
fi

echo "selftest: $pass cases caught, $fail missed"
[ "$fail" -eq 0 ]
