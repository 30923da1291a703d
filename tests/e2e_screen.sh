#!/bin/sh
# End-to-end tests of the screen: run the real binary in a detached tmux
# session of a fixed size, send keys, read the pane with capture-pane.
#
#   GROKSCOPE_BIN     binary to test (default ./grokscope)
#   GROKSCOPE_PRESET  preset to open (default: grokking-cubic, which has
#                     several panels and tunable parameters); the header must
#                     show this name
#
# Checks:
#   - the header shows the preset, and ? lists the keys;
#   - a parameter change shows in the parameter panel, or is rejected with
#     its bounds;
#   - l and z act on the focused plot;
#   - a 60x20 terminal gets the size message, and 100x30 brings the screen back;
#   - under LANG=C the screen is pure ASCII;
#   - q and Ctrl-C restore the terminal and exit (q with status 0).
# Prints one line per check and exits 1 if any failed. Needs tmux.
set -u

bin=${GROKSCOPE_BIN:-./grokscope}
preset=${GROKSCOPE_PRESET:-grokking-cubic}
if ! command -v tmux >/dev/null 2>&1; then
    echo "e2e_screen: tmux is not installed; run make deps" >&2
    exit 1
fi
if [ ! -x "$bin" ]; then
    echo "e2e_screen: $bin is not an executable; build it with make or set GROKSCOPE_BIN" >&2
    exit 1
fi

# One tmux server per session, so a server shutting down never meets the next.
runs=0
socket="grokscope-e2e-$$-0"
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

# Wait up to $2 tenths of a second for $1 to leave the pane.
wait_gone() {
    i=0
    while [ "$i" -lt "$2" ]; do
        if ! tm capture-pane -p -t e2e 2>/dev/null | grep -qF -- "$1"; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

start() {
    # $1: environment assignments, e.g. "LANG=C LC_ALL=C"; the shell echoes
    # the exit status after the binary returns so the test can read it.
    tm kill-server 2>/dev/null
    runs=$((runs + 1))
    socket="grokscope-e2e-$$-$runs"
    tm new-session -d -s e2e -x 100 -y 30 \
        "env $1 '$bin' '$preset'; echo EXIT=\$?; sleep 30"
    # Pass Esc through at once instead of waiting for a longer sequence.
    tm set-option -s escape-time 0
}

cleanup() { tm kill-server 2>/dev/null; }
trap cleanup EXIT INT TERM

# ---- UTF-8 session ---------------------------------------------------------
start "LANG=C.UTF-8 LC_ALL=C.UTF-8"
if wait_for "$preset" 50 && tm capture-pane -p -t e2e | head -n 1 | grep -qF "step"; then
    pass "header shows preset $preset and the step"
else
    fail "header shows preset $preset and the step"
fi

tm send-keys -t e2e '?'
if wait_for "pause or resume training" 20 && wait_for "quit" 1; then
    pass "help lists the keys"
else
    fail "help lists the keys"
fi
tm send-keys -t e2e Escape
if wait_gone "pause or resume training" 20; then
    pass "Esc closes the help"
else
    fail "Esc closes the help"
fi

# The selected parameter's line carries the marker; raise it by one step.
before=$(tm capture-pane -p -t e2e | grep -F "▶" | head -n 1 | sed 's/^.*▶//; s/│.*$//' | tr -s ' ')
tm send-keys -t e2e Right
changed=0
i=0
while [ "$i" -lt 30 ]; do
    after=$(tm capture-pane -p -t e2e | grep -F "▶" | head -n 1 | sed 's/^.*▶//; s/│.*$//' | tr -s ' ')
    if [ -n "$before" ] && [ "$after" != "$before" ]; then
        changed=1
        break
    fi
    if tm capture-pane -p -t e2e | grep -qF "outside its bounds"; then
        changed=1
        break
    fi
    sleep 0.1
    i=$((i + 1))
done
if [ "$changed" -eq 1 ]; then
    pass "parameter change shows in the panel ($before -> $after)"
else
    fail "parameter change shows in the panel"
fi

# l toggles log-y on the focused plot (panel 1): its title changes.
title_before=$(tm capture-pane -p -t e2e | grep -o "┌ 1 [^─]*" | head -n 1)
tm send-keys -t e2e l
i=0
title_after=$title_before
while [ "$i" -lt 20 ] && [ "$title_after" = "$title_before" ]; do
    sleep 0.1
    title_after=$(tm capture-pane -p -t e2e | grep -o "┌ 1 [^─]*" | head -n 1)
    i=$((i + 1))
done
if [ -n "$title_before" ] && [ "$title_after" != "$title_before" ]; then
    pass "l changes the focused plot ($title_before -> $title_after)"
else
    fail "l changes the focused plot"
fi
tm send-keys -t e2e l

# z zooms panel 1 over the grid; Esc brings the grid back.
tm send-keys -t e2e z
if wait_gone "┌ 2 " 20 && wait_for "┌ 1 " 1; then
    pass "z zooms the focused panel"
else
    fail "z zooms the focused panel"
fi
tm send-keys -t e2e Escape
if wait_for "┌ 2 " 20; then
    pass "Esc leaves the zoom"
else
    fail "Esc leaves the zoom"
fi

tm resize-window -t e2e -x 60 -y 20
if wait_for "Terminal too small: 60x20" 30; then
    pass "60x20 shows the size message"
else
    fail "60x20 shows the size message"
fi
tm resize-window -t e2e -x 100 -y 30
if wait_for "[?] help" 30; then
    pass "screen returns at 100x30"
else
    fail "screen returns at 100x30"
fi

tm send-keys -t e2e q
if wait_for "EXIT=0" 50 && ! tm capture-pane -p -t e2e | grep -qF "[?] help"; then
    pass "q restores the terminal and exits with 0"
else
    fail "q restores the terminal and exits with 0"
fi

# ---- Ctrl-C ------------------------------------------------------------------
start "LANG=C.UTF-8 LC_ALL=C.UTF-8"
if wait_for "[?] help" 50; then
    tm send-keys -t e2e C-c
    if wait_for "EXIT=" 50 && wait_gone "[?] help" 10; then
        pass "Ctrl-C restores the terminal and exits"
    else
        fail "Ctrl-C restores the terminal and exits"
    fi
else
    fail "screen starts for the Ctrl-C check"
fi

# ---- ASCII session ---------------------------------------------------------
start "LANG=C LC_ALL=C"
if wait_for "[?] help" 50; then
    screen=$(tm capture-pane -p -t e2e)
    if printf '%s\n' "$screen" | LC_ALL=C grep -q '[^ -~]'; then
        fail "LANG=C screen is ASCII only"
    elif printf '%s\n' "$screen" | grep -q '^+ 1 '; then
        pass "LANG=C screen is ASCII only, with +-| boxes"
    else
        fail "LANG=C screen is ASCII only, with +-| boxes"
    fi
else
    fail "LANG=C screen starts"
fi
tm send-keys -t e2e q
if wait_for "EXIT=0" 50; then
    pass "q exits the ASCII screen with 0"
else
    fail "q exits the ASCII screen with 0"
fi

echo "e2e screen: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
