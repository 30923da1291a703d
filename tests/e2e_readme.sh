#!/bin/sh
# The README's preset table must be what `grokscope presets --markdown` prints,
# so the list cannot drift from the presets. Fix with: sh tests/update_readme_presets.sh
cd "$(dirname "$0")/.." || exit 1
bin=${GROKSCOPE_BIN:-./grokscope}
expected=$(mktemp)
actual=$(mktemp)
trap 'rm -f "$expected" "$actual"' EXIT
"$bin" presets --markdown > "$expected" || exit 1
awk '/<!-- presets:end/ { skip = 0 } skip { print } /<!-- presets:begin/ { skip = 1 }' README.md > "$actual"
if ! diff -u "$expected" "$actual"; then
    echo "FAIL: README.md's preset table differs from 'grokscope presets --markdown';" \
         "run sh tests/update_readme_presets.sh" >&2
    exit 1
fi
echo "e2e_readme: the preset table matches"
