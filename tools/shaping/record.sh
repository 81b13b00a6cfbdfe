#!/bin/sh
# Makes the small font subsets the shaping tests use (third_party/fonts/subsets)
# and records HarfBuzz's shaping of the test strings with them
# (tests/fixtures/shaping/hb-shape.json), once; the Rust tests compare
# rustybuzz's runs with this file and need neither HarfBuzz nor fontTools.
# Needs Debian's fonts-noto-core (the source fonts), libharfbuzz-bin
# (hb-shape) and fontTools (pyftsubset):
#   apt-get install fonts-noto-core libharfbuzz-bin python3-fonttools
#   tools/shaping/record.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
src=/usr/share/fonts/truetype/noto
sub=$root/third_party/fonts/subsets
fix=$root/tests/fixtures/shaping
mkdir -p "$sub" "$fix"

# font file (without .ttf) and the test string it shapes
set -- \
  "NotoSansDevanagari-Regular|हिन्दी" \
  "NotoSansKhmer-Regular|ភាសាខ្មែរ" \
  "NotoSansArabic-Regular|العربية" \
  "NotoSansHebrew-Regular|עברית"

out=$fix/hb-shape.json
printf '{\n  "hb-shape": "%s",\n  "runs": [\n' "$(hb-shape --version | head -1)" >"$out"
n=0
for entry in "$@"; do
  font=${entry%%|*}
  text=${entry#*|}
  # The string's characters, a space and the dotted circle (for marks that
  # stand alone); every OpenType layout feature and the glyphs they reach
  # are kept, hinting dropped.
  pyftsubset "$src/$font.ttf" --text="$text " --unicodes=U+25CC \
    --layout-features='*' --no-hinting --name-IDs='*' --notdef-outline \
    --output-file="$sub/$font-subset.ttf"
  shaped=$(hb-shape --output-format=json --no-glyph-names "$sub/$font-subset.ttf" "$text")
  n=$((n + 1))
  sep=,
  [ "$n" -eq "$#" ] && sep=
  printf '    {"font": "%s-subset.ttf", "text": "%s", "upem": %s, "glyphs": %s}%s\n' \
    "$font" "$text" \
    "$(python3 -c 'import sys; from fontTools.ttLib import TTFont; print(TTFont(sys.argv[1])["head"].unitsPerEm)' "$sub/$font-subset.ttf")" \
    "$shaped" "$sep" >>"$out"
done
printf '  ]\n}\n' >>"$out"
ls -l "$sub"
cat "$out"
