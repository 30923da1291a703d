#!/bin/sh
# Run every unit test binary given after the build folder; print one summary
# line "N passed, N failed" and fail if any test binary failed.
build=$1
shift
passed=0
failed=0
failed_names=""
export OPENBLAS_NUM_THREADS=1
export GROKSCOPE_BIN="$build/grokscope"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
for t in "$@"; do
    if "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $(basename "$t")"
    fi
done
echo "unit tests ($build): $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed:$failed_names"; exit 1; }
