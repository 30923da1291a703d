#!/bin/sh
# What the live screen and recording cost the training loop: the same preset
# and steps run headless, headless with --record, and live on the screen in a
# tmux session (100x40), alternating, REPEATS times; prints the median
# wall time of each and the ratios. Usage: sh bench/screen_cost.sh [PRESET] [STEPS] [REPEATS]
cd "$(dirname "$0")/.." || exit 1
preset=${1:-grokking-cubic}
steps=${2:-60000}
repeats=${3:-3}
bin=./grokscope
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; tmux -L grokscope-bench kill-server 2>/dev/null' EXIT
export OPENBLAS_NUM_THREADS=1

now() { date +%s.%N; }
headless() {
    "$bin" run "$preset" --headless --quiet --steps "$steps" "$@" 2>/dev/null | tail -n 1 |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["wall_s"])'
}
live() {
    start=$(now)
    tmux -L grokscope-bench -f /dev/null new-session -d -x 100 -y 40 \
        "$bin run $preset --steps $steps; sleep 30"
    while ! tmux -L grokscope-bench capture-pane -p 2>/dev/null | grep -q "training finished"; do
        sleep 0.1
    done
    end=$(now)
    tmux -L grokscope-bench kill-server 2>/dev/null
    /usr/bin/python3 -c "print($end - $start)"
}

: > "$tmp/h"; : > "$tmp/r"; : > "$tmp/l"
i=0
while [ $i -lt "$repeats" ]; do
    headless >> "$tmp/h"
    headless --record "$tmp/run.gsr" >> "$tmp/r"
    live >> "$tmp/l"
    i=$((i + 1))
done
/usr/bin/python3 - "$tmp/h" "$tmp/r" "$tmp/l" "$preset" "$steps" <<'PY'
import statistics, sys
h, r, l = (sorted(float(x) for x in open(p)) for p in sys.argv[1:4])
mh, mr, ml = statistics.median(h), statistics.median(r), statistics.median(l)
print(f"{sys.argv[4]}, {sys.argv[5]} steps, median of {len(h)} runs")
print(f"  headless            {mh:8.2f} s  {int(sys.argv[5]) / mh:9.0f} steps/s")
print(f"  headless + record   {mr:8.2f} s  cost {100 * (mr / mh - 1):+5.1f}%")
print(f"  live screen         {ml:8.2f} s  cost {100 * (ml / mh - 1):+5.1f}%  (includes start-up and the poll interval of 0.1 s)")
PY
