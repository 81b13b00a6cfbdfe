#!/usr/bin/env bash
# Prints CGO_LDFLAGS for the static library LIB. Go's build cache keys cgo
# links on the flags' text, not on the contents of the archive they name, so
# a rebuilt libmapcore.a under the same path would not be relinked. The
# library is therefore linked from build/cgo/<content hash>/, which changes
# whenever the library does.
set -euo pipefail
lib=${1:?usage: cgo_ldflags.sh LIBMAPCORE.a}
build=$(cd "$(dirname "$0")/.." && pwd)/build/cgo
hash=$(sha1sum "$lib" | cut -c1-16)
dir=$build/$hash
if [ ! -f "$dir/libmapcore.a" ]; then
  mkdir -p "$dir"
  ln -f "$lib" "$dir/libmapcore.a" 2>/dev/null || cp "$lib" "$dir/libmapcore.a"
  # keep only the newest few
  ls -1dt "$build"/*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf
fi
echo "$dir/libmapcore.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
