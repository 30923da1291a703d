#!/bin/sh
# End-to-end checks of the headless command line, as a batch job uses it:
# the JSON summary, CSV output, exit codes, messages for bad input, and a
# clean stop with a summary on SIGTERM.
bin=${GROKSCOPE_BIN:-./grokscope}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {  # check DESCRIPTION CONDITION...
    desc=$1
    shift
    if "$@"; then :; else
        echo "FAIL: $desc" >&2
        fails=$((fails + 1))
    fi
}
py=/usr/bin/python3
[ -x "$py" ] || py=python3

# A small preset of the user's own, loaded by path.
cat > "$tmp/tiny.ini" <<'INI'
[preset]
name = tiny
summary = a tiny linear-teacher run
[model]
activation = erf
layers = 2
[data]
inputs = gaussian
teacher = linear
[params]
d = 4
n_test = 30
burn_in = 100
metric_every = 50
[param T]
value = 0.1
min = 0.001
max = 10
[param h]
value = 0.01
min = 1e-6
max = 1
[param N]
value = 16
min = 2
max = 100
[param n]
value = 20
min = 2
max = 100
[series train_mse]
kind = train
[series test_mse_avg]
INI

# 1. A headless run ends with one JSON object holding the summary and every series.
"$bin" run "$tmp/tiny.ini" --headless --steps 2000 --csv "$tmp/out.csv" --set T=0.2 --seed 7 \
    > "$tmp/stdout" 2> "$tmp/stderr"
check "run exits 0" [ $? -eq 0 ]
tail -n 1 "$tmp/stdout" > "$tmp/summary.json"
check "summary is JSON with the required keys" $py -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["preset"] == "tiny", s
assert s["seed"] == 7, s
assert s["steps"] == 2000, s
assert s["wall_s"] > 0, s
assert s["steps_per_s"] > 0, s
assert isinstance(s["train_mse"], (int, float)), s
assert isinstance(s["test_mse_avg"], (int, float)), s
' "$tmp/summary.json"
check "CSV has a header and one row per metric frame" $py -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0] == ["step", "t", "wall_s", "train_mse", "test_mse_avg"], rows[0]
assert len(rows) == 1 + 2000 // 50, len(rows)
assert rows[-1][0] == "2000", rows[-1]
assert abs(float(rows[-1][1]) - 20.0) < 1e-9, rows[-1]
' "$tmp/out.csv"

# 2. Same seed, same numbers.
"$bin" run "$tmp/tiny.ini" --headless --steps 2000 --set T=0.2 --seed 7 --quiet 2>/dev/null | tail -n 1 > "$tmp/again.json"
check "a run repeats for its seed" $py -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["train_mse"] == b["train_mse"], (a, b)
assert a["test_mse_avg"] == b["test_mse_avg"], (a, b)
' "$tmp/summary.json" "$tmp/again.json"

# 2b. One and two training threads give the same numbers.
for threads in 1 2; do
    "$bin" run "$tmp/tiny.ini" --headless --steps 1000 --set N=64 --set n=90 --seed 3 --threads $threads \
        --quiet 2>/dev/null | tail -n 1 > "$tmp/threads$threads.json"
done
check "one and two threads give the same summary" $py -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["threads"] == 1, a["threads"]
assert b["threads"] == 2, b["threads"]
timing = {"wall_s", "steps_per_s", "threads"}
for key in a:
    if key not in timing:
        assert a[key] == b[key], (key, a[key], b[key])
' "$tmp/threads1.json" "$tmp/threads2.json"

# 3. Bad input: exit 2 and a message naming the problem.
"$bin" run "$tmp/tiny.ini" --headless --steps 10 --set T=50 > /dev/null 2> "$tmp/err"
check "out-of-range --set exits 2" [ $? -eq 2 ]
check "out-of-range message states the bounds" grep -q "outside the accepted range \[0.001, 10\]" "$tmp/err"
"$bin" run "$tmp/tiny.ini" --headless --steps 10 --set Tee=1 > /dev/null 2> "$tmp/err"
check "unknown parameter suggests the nearest" grep -q "did you mean 'T'" "$tmp/err"
printf '[preset]\nname = broken\n[model]\nactivaton = erf\n' > "$tmp/broken.ini"
"$bin" run "$tmp/broken.ini" --headless --steps 10 > /dev/null 2> "$tmp/err"
check "a bad preset exits 2" [ $? -eq 2 ]
check "a bad preset names file and line" grep -q "broken.ini:4: unknown key 'activaton' in \[model\]; did you mean 'activation'" "$tmp/err"
"$bin" run "$tmp/tiny.ini" --headless --steps ten > /dev/null 2> "$tmp/err"
check "a bad --steps exits 2" [ $? -eq 2 ]
"$bin" run no-such-preset --headless --steps 10 > /dev/null 2> "$tmp/err"
check "an unknown preset exits 2" [ $? -eq 2 ]
check "an unknown preset lists the presets" grep -q "Presets:" "$tmp/err"

# 4. SIGTERM stops cleanly after the current step and still prints the summary.
"$bin" run "$tmp/tiny.ini" --headless --quiet > "$tmp/term.out" 2>/dev/null &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
check "SIGTERM exits 0" [ $? -eq 0 ]
check "SIGTERM still prints the summary" $py -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["stopped_early"] is True, s
assert s["steps"] > 0, s
' "$tmp/term.out"

# 5. Without a terminal, a plain 'grokscope PRESET' runs headless.
"$bin" "$tmp/tiny.ini" --steps 200 --quiet > "$tmp/plain.out" 2>/dev/null
check "no terminal means headless" $py -c 'import json,sys; assert json.load(open(sys.argv[1]))["steps"] == 200' "$tmp/plain.out"

# 6. A user's own data from CSV files, paths relative to the preset file.
mkdir -p "$tmp/own"
$py -c '
import math, random, sys
random.seed(3)
for name, rows in (("train.csv", 40), ("test.csv", 25)):
    with open(sys.argv[1] + "/" + name, "w") as f:
        f.write("x1,x2,x3,y\n")
        for _ in range(rows):
            x = [random.gauss(0, 1) for _ in range(3)]
            f.write(",".join("%.6f" % v for v in x) + ",%.6f\n" % math.tanh(x[0] - x[2]))
' "$tmp/own"
cat > "$tmp/own/mine.ini" <<'INI'
[preset]
name = mine
[model]
activation = tanh
[data]
inputs = file
teacher = file
train_file = train.csv
test_file = test.csv
[params]
T = 0.05
h = 0.005
N = 20
burn_in = 100
metric_every = 50
[series test_mse_avg]
INI
(cd / && "$bin" run "$tmp/own/mine.ini" --headless --steps 1000 --quiet > "$tmp/own.json" 2> "$tmp/own.err")
check "a preset with CSV data runs" $py -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["steps"] == 1000, s
assert 0 < s["test_mse_avg"] < 2, s
' "$tmp/own.json"
printf 'x1,x2,x3,y\n1,2,3,4\n1,2\n' > "$tmp/own/train.csv"
(cd / && "$bin" run "$tmp/own/mine.ini" --headless --steps 10 > /dev/null 2> "$tmp/own.err")
check "ragged CSV exits 2" [ $? -eq 2 ]
check "ragged CSV names file and line" grep -q "train.csv:3: this row has 2 columns" "$tmp/own.err"

# 7. Help and the preset list.
"$bin" run --help | grep -q "likelihood noise variance"
check "run --help explains units" [ $? -eq 0 ]
"$bin" presets | grep -q "nngp-outputs"
check "presets lists nngp-outputs" [ $? -eq 0 ]

[ $fails -eq 0 ] && echo "e2e_cli: all checks passed"
exit $fails
