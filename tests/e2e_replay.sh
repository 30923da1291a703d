#!/bin/sh
# End-to-end test of `grokscope replay`: record a short headless run with
# --record, replay it in a detached tmux session of a fixed size, send keys
# and read the pane with capture-pane.
#
#   GROKSCOPE_BIN     binary to test (default ./grokscope)
#
# Checks:
#   - a missing file and a file that is not a recording exit with 2;
#   - the header says replay and shows the position (step of total);
#   - space pauses: PAUSED shows and the step stops moving;
#   - g, a step and Enter move the position to that step;
#   - ? lists the replay keys;
#   - a parameter key only says that a replay shows the recorded values;
#   - q restores the terminal and exits with 0;
#   - a file with a damaged chunk, given without the word replay, still
#     plays, and the count of skipped chunks is printed at the end.
# Prints one line per check and exits 1 if any failed. Needs tmux.
set -u

bin=${GROKSCOPE_BIN:-./grokscope}
if ! command -v tmux >/dev/null 2>&1; then
    echo "e2e_replay: tmux is not installed; run make deps" >&2
    exit 1
fi
if [ ! -x "$bin" ]; then
    echo "e2e_replay: $bin is not an executable; build it with make or set GROKSCOPE_BIN" >&2
    exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/grokscope-e2e-replay.XXXXXX") || exit 1
socket="grokscope-e2e-replay-$$"
tm() { tmux -u -L "$socket" -f /dev/null "$@"; }
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL $1"
    tm capture-pane -p -t e2e 2>/dev/null | sed 's/^/     | /'
}

# Wait up to $2 tenths of a second for the pane to contain $1 (fixed string).
wait_for() {
    i=0
    while [ "$i" -lt "$2" ]; do
        if tm capture-pane -p -t e2e 2>/dev/null | grep -qF -- "$1"; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

header() { tm capture-pane -p -t e2e | head -n 1; }
# The step shown in the header, digits only ("step 4 000 of" -> 4000).
header_step() { header | sed -n 's/.*step \([0-9 ]*\) of.*/\1/p' | tr -d ' '; }

cleanup() {
    tm kill-server 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# ---- files that cannot be replayed ------------------------------------------
"$bin" replay "$dir/missing.gsr" 2>"$dir/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -qF "missing.gsr" "$dir/err"; then
    pass "a missing file exits with 2 and is named"
else
    fail "a missing file exits with 2 and is named (status $rc)"
fi
echo "plain text" >"$dir/text.gsr"
"$bin" replay "$dir/text.gsr" 2>"$dir/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -qF "not a grokscope recording" "$dir/err"; then
    pass "a file that is not a recording exits with 2"
else
    fail "a file that is not a recording exits with 2 (status $rc)"
fi

# ---- a recording ---------------------------------------------------------------
if ! "$bin" run grokking-cubic --headless --quiet --steps 20000 --record "$dir/run.gsr" \
    >/dev/null 2>"$dir/err"; then
    echo "FAIL record a headless run"
    sed 's/^/     | /' "$dir/err"
    exit 1
fi

# A quarter of the recorded pace keeps it playing while the keys arrive.
tm new-session -d -s e2e -x 110 -y 32 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 '$bin' replay --speed 1/4 '$dir/run.gsr'; echo EXIT=\$?; sleep 30"
tm set-option -s escape-time 0

if wait_for "[replay x1/4]" 50 && header | grep -q "step [0-9 ]* of 20 000"; then
    pass "header says replay and shows step of total"
else
    fail "header says replay and shows step of total"
fi

tm send-keys -t e2e ' '
if wait_for "PAUSED" 20; then
    first=$(header_step)
    sleep 0.6
    second=$(header_step)
    if [ -n "$first" ] && [ "$first" = "$second" ]; then
        pass "space pauses at step $first"
    else
        fail "space pauses (step $first, then $second)"
    fi
else
    fail "space shows PAUSED"
fi

tm send-keys -t e2e g 4 0 0 0 Enter
if wait_for "step 4 000 of" 30; then
    pass "g 4000 Enter moves to step 4 000"
else
    fail "g 4000 Enter moves to step 4 000"
fi

tm send-keys -t e2e '?'
if wait_for "replay: go to a step" 20 && wait_for "replay: jump to the next event" 1 \
    && wait_for "replay: play twice as fast" 1; then
    pass "? lists the replay keys"
else
    fail "? lists the replay keys"
fi
tm send-keys -t e2e Escape

tm send-keys -t e2e +
if wait_for "replay: parameters are as recorded" 20; then
    pass "a parameter key says the values are as recorded"
else
    fail "a parameter key says the values are as recorded"
fi

tm send-keys -t e2e q
if wait_for "EXIT=0" 50 && ! tm capture-pane -p -t e2e | grep -qF "[?] help"; then
    pass "q restores the terminal and exits with 0"
else
    fail "q restores the terminal and exits with 0"
fi

# ---- a damaged chunk ---------------------------------------------------------
# Overwrite 8 bytes of the first chunk's zlib data, 16 bytes past its
# 48-byte chunk header (the chunk magic is \x8bGSC\r\n\x1a\n).
cp "$dir/run.gsr" "$dir/damaged.gsr"
magic=$(LC_ALL=C grep -obUa 'GSC' "$dir/damaged.gsr" | head -n 1 | cut -d: -f1)
printf 'DAMAGED!' | dd of="$dir/damaged.gsr" bs=1 seek=$((magic - 1 + 48 + 16)) conv=notrunc 2>/dev/null
tm kill-server 2>/dev/null
socket="grokscope-e2e-replay-$$-damaged"
tm new-session -d -s e2e -x 110 -y 32 \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 '$bin' '$dir/damaged.gsr' --speed 64 2>'$dir/damaged.err'; \
     echo EXIT=\$?; sleep 30"
if wait_for "end of file" 80 && header | grep -q "step 20 000 of 20 000"; then
    pass "grokscope FILE.gsr plays a damaged file to its end"
else
    fail "grokscope FILE.gsr plays a damaged file to its end"
fi
tm send-keys -t e2e q
if wait_for "EXIT=0" 50 && grep -q "skipped [1-9][0-9]* damaged chunk" "$dir/damaged.err"; then
    pass "the skipped chunks are counted on exit: $(cat "$dir/damaged.err")"
else
    fail "the skipped chunks are counted on exit"
    sed 's/^/     | /' "$dir/damaged.err"
fi

echo "e2e replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
