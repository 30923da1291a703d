#!/bin/sh
# Build the libFuzzer target for the .npy and CSV parsers and run it for
# SECONDS seconds (default 60) on a seed corpus generated here.
#
#   sh tests/run_fuzz_datafile.sh 60
#
# Needs clang with its libFuzzer runtime (Debian: clang, which ships
# libclang_rt.fuzzer). Output goes to build-fuzz/: the binary, the seeds, the
# corpus the fuzzer grows, and crash-* files for any input that failed.
set -eu

seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build-fuzz"
seeds="$out/seeds_datafile"
corpus="$out/corpus_datafile"
mkdir -p "$out" "$seeds" "$corpus"

clang -std=c11 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I"$root/include" -I"$root/src" \
    -o "$out/fuzz_datafile" "$root/tests/fuzz_datafile.c" \
    "$root/src/data/npy.c" "$root/src/data/csv.c" "$root/src/data/snippet.c" -lm

# Print one byte given as a number 0-255.
byte() {
    printf "\\$(printf '%03o' "$1")"
}

# Write a .npy seed: file, major version, header dict, then the data as a
# printf format string. The dict is padded with spaces and a newline so the
# data starts at a multiple of 64, as NumPy writes it.
npy_seed() {
    file=$1 major=$2 dict=$3 data=$4
    if [ "$major" -eq 1 ]; then prefix=10; else prefix=12; fi
    len=$(( (prefix + ${#dict} + 1 + 63) / 64 * 64 - prefix ))
    {
        printf '\223NUMPY'
        byte "$major"
        byte 0
        byte $((len % 256))
        byte $((len / 256 % 256))
        if [ "$major" -ne 1 ]; then byte 0; byte 0; fi
        printf '%s' "$dict"
        printf "%$((len - ${#dict} - 1))s\n" ""
        printf "$data"
    } > "$seeds/$file"
}

# 1.0f = 00 00 80 3f; 2.0 as float64 = 00 .. 00 40.
f32_one='\000\000\200\077'
f64_two='\000\000\000\000\000\000\000\100'
npy_seed f32_2d.npy 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }" \
    "$f32_one$f32_one$f32_one$f32_one"
npy_seed f64_1d.npy 1 "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }" \
    "$f64_two$f64_two$f64_two"
npy_seed f64_v2.npy 2 "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }" \
    "$f64_two$f64_two"
npy_seed f32_v3.npy 3 "{'shape': (1,), 'fortran_order': False, 'descr': '<f4'}" "$f32_one"
npy_seed fortran.npy 1 "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }" "$f32_one"
npy_seed bigend.npy 1 "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }" "$f32_one"

printf 'x1,x2,y\n1,2.5,-3e2\n# comment\n-.5, 5., "1E-3"\n' > "$seeds/header.csv"
printf '\357\273\2771,2\r\n3,4\r\n' > "$seeds/bom_crlf.csv"
printf '1\n2\n3\n' > "$seeds/column.csv"
printf 'a,b\n1,2\n3\n' > "$seeds/ragged.csv"
printf '1,nan\n"2",3\n' > "$seeds/nan.csv"

cd "$out"
./fuzz_datafile -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 \
    -print_final_stats=1 "$corpus" "$seeds"
