#!/usr/bin/env bash
# Checks the C API three ways: every function the headers declare is exported
# by the library, every mapcore_* symbol the library exports is declared in a
# header, and every declared function is called by some C ABI test.
set -euo pipefail
lib=${1:?usage: check_exports.sh LIBMAPCORE.a}
cd "$(dirname "$0")/.."
declared=$(grep -hoE '\bmapcore_[a-z0-9_]+\(' include/mapcore/*.h | tr -d '(' | sort -u)
exported=$(nm -g --defined-only "$lib" 2>/dev/null | awk '$2=="T"{print $3}' | grep -E '^mapcore_' | sort -u)
fail=0
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
extra=$(comm -13 <(echo "$declared") <(echo "$exported"))
untested=$(for f in $declared; do grep -qE "\b$f\(" tests/c/*.c tests/c/*.h || echo "$f"; done)
if [ -n "$missing" ]; then echo "declared in include/ but not exported by the library:"; echo "$missing" | sed 's/^/  /'; fail=1; fi
if [ -n "$extra" ]; then echo "exported by the library but not declared in include/:"; echo "$extra" | sed 's/^/  /'; fail=1; fi
if [ -n "$untested" ]; then echo "declared but called by no C ABI test (tests/c):"; echo "$untested" | sed 's/^/  /'; fail=1; fi
n=$(echo "$declared" | wc -l)
[ $fail -eq 0 ] && echo "check-exports: $n functions declared, exported and called by C tests"
exit $fail
