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

flags="-g -O1 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -Itests -fno-omit-frame-pointer"
sources="src/recfmt.c src/replay.c src/export.c src/export_svg.c src/log.c"

$cc $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -o "$out/fuzz_replay" tests/fuzz_replay.c $sources -lz -lm -pthread
$cc $flags -o "$out/fuzz_replay_seeds" tests/fuzz_replay_seeds.c \
    src/recorder.c $sources -lz -lm -pthread
"$out/fuzz_replay_seeds" "$out/corpus"

# rss_limit_mb: a chunk may legitimately decode to 65536 records of 16.6 KB.
"$out/fuzz_replay" -max_total_time="$seconds" -max_len=8192 -rss_limit_mb=2048 \
    -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus"
