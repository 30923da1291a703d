#!/bin/sh
# Build the .gsr reader fuzz target with clang's libFuzzer and ASan+UBSan,
# write a seed corpus from a real recording, and fuzz for N seconds.
#   sh tests/run_fuzz.sh [SECONDS]        (default 20)
# Crashes are written to build-fuzz/ as crash-*; the corpus grows in
# build-fuzz/corpus and is reused by later runs.
set -e
seconds=${1:-20}
out=build-fuzz
cc=${FUZZ_CC:-clang}
mkdir -p "$out/corpus"

flags="-g -O1 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -Itests -fno-omit-frame-pointer $(pkg-config --cflags openblas 2>/dev/null)"
# The SVG exporter reads panel titles from the preset text, so the fuzz build
# takes the whole engine (with the built-in presets) and links BLAS.
sh tests/embed_presets.sh presets/*.ini > "$out/presets_builtin.c"
sources=$(ls src/*.c src/*/*.c | grep -v '^src/main.c$' | tr '\n' ' ')
sources="$sources $out/presets_builtin.c"
libs="-llapacke $(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lz -lm -pthread"

$cc $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -o "$out/fuzz_replay" tests/fuzz_replay.c $sources $libs
$cc $flags -o "$out/fuzz_replay_seeds" tests/fuzz_replay_seeds.c $sources $libs
"$out/fuzz_replay_seeds" "$out/corpus"

# rss_limit_mb: a chunk may legitimately decode to 65536 records of 16.6 KB.
"$out/fuzz_replay" -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=2048 \
    -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus"
