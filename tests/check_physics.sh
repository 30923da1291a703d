#!/bin/sh
# make check-physics: long headless scans that put each preset's network
# beside its theory at the same sizes. Not part of make test: it takes about
# an hour on 2 cores. Prints one table per preset; the numbers are for the
# issue notes and the README, not pass/fail checks.
#
#   STEPS_SCALE=0.1 make check-physics   a ten-times shorter run, for a smoke test
cd "$(dirname "$0")/.." || exit 1
bin=./grokscope
py=/usr/bin/python3
scale=${STEPS_SCALE:-1}
export OPENBLAS_NUM_THREADS=1
steps() { $py -c "import sys; print(max(1000, int(float(sys.argv[1]) * float(sys.argv[2]))))" "$1" "$scale"; }

# Run one headless job; print the chosen fields of its JSON summary.
field_run() {  # field_run "FIELDS" ARGS...
    fields=$1
    shift
    "$bin" run "$@" --headless --quiet 2>/dev/null | tail -n 1 |
        $py -c '
import json, sys
s = json.load(sys.stdin)
fields = sys.argv[1].split()
print("  ".join("%12.5g" % s[f] if isinstance(s.get(f), (int, float)) else "%12s" % "n/a" for f in fields))
' "$fields"
}

echo "== nngp-outputs: averaged network output against the GP mean, by width =="
echo "   N  disc_gp (|f-f_GP|^2/|f_GP|^2)  disc_gp_fwc  fwc_norm  test_mse_avg  gp_test_mse"
for N in 100 400 1600; do
    printf "%5s " "$N"
    field_run "disc_gp disc_gp_fwc fwc_norm test_mse_avg gp_test_mse" nngp-outputs --set N=$N --steps "$(steps 400000)"
done

echo
echo "== grokking-cubic: learned components against sigma^2 at two scales =="
for beta in 0.125 0.25; do
    echo "-- beta = $beta --"
    echo "  sigma^2  cubic_learned  theory(eps-c)  lin_learned  theory(1-b)  droplets  theory  test_mse_avg  theory"
    for T in 0.30 0.24 0.20 0.17 0.14 0.12; do
        printf "%8s " "$T"
        field_run "cubic_learned gc_cubic_learned lin_learned gc_linear_learned droplet_count gc_droplets test_mse_avg gc_test_mse" \
            grokking-cubic --set beta=$beta --set T=$T --steps "$(steps 200000)"
    done
done

echo
echo "== grokking-modular (full table): learned fraction against sigma^2 =="
echo "  sigma^2  learned_fraction  theory(1+a)  mode_condensed  theory(p)  sigma^2_c"
for T in 0.008 0.006 0.005 0.0045 0.004 0.003 0.002; do
    printf "%8s " "$T"
    field_run "learned_fraction gm_learned_fraction mode_condensed gm_condensed_fraction gm_sigma2_c1" \
        grokking-modular --set T=$T --steps "$(steps 150000)"
done
