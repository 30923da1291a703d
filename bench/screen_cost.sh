#!/bin/sh
# What the live screen and recording cost the training loop. The same preset
# and steps run, alternating, REPEATS times:
#
#   headless            steps/s from the run's own summary (wall_s)
#   headless + record   the same with --record; the summary gives the recording's cost
#   live + record       the screen in a tmux session (100x40), recording too
#
# The screen's cost compares the training rates of the last two while they
# train, from the wall clock stamped on the recorded frames (first frame after
# 10% of the steps to the last frame), so start-up, shutdown and this script's
# own polling of tmux (once a second) stay out of it. On two cores the training
# threads fill both, so any other process, this script included, slows them.
#
# Usage: sh bench/screen_cost.sh [PRESET] [STEPS] [REPEATS]
cd "$(dirname "$0")/.." || exit 1
preset=${1:-grokking-cubic}
steps=${2:-100000}
repeats=${3:-3}
bin=./grokscope
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; tmux -L grokscope-bench kill-server 2>/dev/null' EXIT

headless_wall() {
    "$bin" run "$preset" --headless --quiet --steps "$steps" "$@" 2>/dev/null | tail -n 1 |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["wall_s"])'
}

# Training rate in steps/s between the first frame past 10% of the steps and the last frame.
recorded_rate() {
    "$bin" export "$1" --csv "$tmp/frames.csv" >/dev/null 2>&1 || { echo nan; return; }
    /usr/bin/python3 - "$tmp/frames.csv" "$steps" <<'PY'
import csv, sys
rows = [(int(r["step"]), float(r["wall_s"])) for r in csv.DictReader(open(sys.argv[1]))]
start = next(r for r in rows if r[0] >= 0.1 * int(sys.argv[2]))
end = rows[-1]
print((end[0] - start[0]) / (end[1] - start[1]))
PY
}

live_record() {
    tmux -L grokscope-bench -f /dev/null new-session -d -x 100 -y 40 \
        "$bin run $preset --steps $steps --record $tmp/live.gsr; sleep 60"
    while ! tmux -L grokscope-bench capture-pane -p 2>/dev/null | grep -q "training finished"; do
        sleep 1
    done
    tmux -L grokscope-bench send-keys q
    sleep 1
    tmux -L grokscope-bench kill-server 2>/dev/null
}

: > "$tmp/h"; : > "$tmp/r"; : > "$tmp/hr"; : > "$tmp/lr"
i=0
while [ $i -lt "$repeats" ]; do
    headless_wall >> "$tmp/h"
    rm -f "$tmp/headless.gsr"
    headless_wall --record "$tmp/headless.gsr" >> "$tmp/r"
    recorded_rate "$tmp/headless.gsr" >> "$tmp/hr"
    rm -f "$tmp/live.gsr"
    live_record
    recorded_rate "$tmp/live.gsr" >> "$tmp/lr"
    i=$((i + 1))
done
/usr/bin/python3 - "$tmp/h" "$tmp/r" "$tmp/hr" "$tmp/lr" "$preset" "$steps" <<'PY'
import statistics, sys
h, r, hr, lr = (statistics.median(float(x) for x in open(p)) for p in sys.argv[1:5])
steps = int(sys.argv[6])
print(f"{sys.argv[5]}, {steps} steps, medians of {sum(1 for _ in open(sys.argv[1]))} runs")
print(f"  headless               {h:8.2f} s  {steps / h:9.0f} steps/s")
print(f"  headless + record      {r:8.2f} s  recording cost {100 * (r / h - 1):+5.1f}%")
print(f"  training rate, headless + record {hr:9.0f} steps/s")
print(f"  training rate, live + record     {lr:9.0f} steps/s  screen cost {100 * (hr / lr - 1):+5.1f}%")
PY
