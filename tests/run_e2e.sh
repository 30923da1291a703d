#!/bin/sh
# Run every end-to-end script tests/e2e_*.sh against ./grokscope; each script
# exits 0 on success. Prints "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
export GROKSCOPE_BIN="${GROKSCOPE_BIN:-$PWD/grokscope}"
export OPENBLAS_NUM_THREADS=1
passed=0
failed=0
names=""
for t in tests/e2e_*.sh; do
    [ -f "$t" ] || continue
    if sh "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        names="$names $(basename "$t")"
    fi
done
echo "end-to-end tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed:$names"; exit 1; }
