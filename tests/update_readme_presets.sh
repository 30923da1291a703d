#!/bin/sh
# Rewrite the preset table in README.md from `grokscope presets --markdown`.
cd "$(dirname "$0")/.." || exit 1
bin=${GROKSCOPE_BIN:-./grokscope}
table=$(mktemp)
"$bin" presets --markdown > "$table" || exit 1
awk -v table="$table" '
    /<!-- presets:begin/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
    /<!-- presets:end/ { skip = 0 }
    !skip { print }
' README.md > README.md.new && mv README.md.new README.md
rm -f "$table"
