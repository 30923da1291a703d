#!/bin/sh
# Benchmark grokscope against PyTorch and numpy on full-batch Langevin
# training of a two-layer network, and against the time of the step's matrix
# products alone. See bench/README.md for the workload.
#
#   sh bench/run.sh            (or: make bench)
#
# Environment:
#   R=3              repetitions per implementation; the table shows medians
#   H=1e-5           step size h passed to every implementation (h = 0.01
#                    diverges within 15 steps at every size; see peer_torch.py)
#   TARGET_SECONDS=3 wall time aimed at for one timed run
#   SIZES="20,100,200 50,500,1000 64,1000,1500 100,2000,4000"   d,N,n triples
#   ACTS="erf relu"
#
# For every size and activation, each implementation first runs a short
# probe to learn its speed. Then come R timed runs of about TARGET_SECONDS
# each, alternating grokscope, torch, numpy and the products-only program, so
# that load from other processes spreads over all four. A '*' after a number marks
# a run whose weights diverged to inf or NaN, which makes its speed
# meaningless.
set -u
cd "$(dirname "$0")/.." || exit 1

R=${R:-3}
H=${H:-1e-5}
TARGET_SECONDS=${TARGET_SECONDS:-3}
SIZES=${SIZES:-"20,100,200 50,500,1000 64,1000,1500 100,2000,4000"}
ACTS=${ACTS:-"erf relu"}
PYTHON=/usr/bin/python3

# ---- products-only limit ------------------------------------------------
mkdir -p build/bench
cc -O2 $(pkg-config --cflags openblas 2>/dev/null) bench/gemm_limit.c -o build/bench/gemm_limit \
    $(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) || {
    echo "bench: building bench/gemm_limit.c failed; is libopenblas-dev installed?" >&2
    exit 1
}

# Print the value of a numeric JSON field from one line of JSON.
json_number() {
    sed -n "s/.*\"$1\": *\([-0-9.eE+]*\).*/\1/p"
}

# Print the median of the numbers given as arguments.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The numpy peer takes erf from scipy.
"$PYTHON" -c 'import scipy.special' 2>/dev/null || sh tests/install_deps.sh python3-scipy ||
    echo "bench: the numpy peer needs python3-scipy; its column stays empty" >&2

# ---- one run of one implementation ----------------------------------------
# run_once IMPL ACT D N NN STEPS prints the JSON line of the run, or nothing
# when the implementation is missing or the run failed.
run_once() {
    impl=$1 act=$2 d=$3 N=$4 n=$5 steps=$6
    case $impl in
    grokscope)
        [ -x ./grokscope ] || return 0
        if [ "$act" = relu ]; then preset=bench-relu; else preset=bench; fi
        ./grokscope run "$preset" --set d="$d" --set N="$N" --set n="$n" \
            --set h="$H" --headless --quiet --steps "$steps" 2>/dev/null | tail -n 1 | grep steps_per_s
        ;;
    products)
        build/bench/gemm_limit "$d" "$N" "$n"
        ;;
    products2)
        build/bench/gemm_limit --threads 2 "$d" "$N" "$n"
        ;;
    torch | numpy)
        "$PYTHON" "bench/peer_$impl.py" --act "$act" --d "$d" --N "$N" --n "$n" \
            --steps "$steps" --h "$H" 2>/dev/null | tail -n 1 | grep steps_per_s
        ;;
    esac
}

# Probe steps: about 0.1-0.5 s for PyTorch at each size.
probe_steps() {
    work=$(($1 * $2 * $3))
    if [ "$work" -le 400000 ]; then echo 200
    elif [ "$work" -le 25000000 ]; then echo 20
    elif [ "$work" -le 100000000 ]; then echo 8
    else echo 3
    fi
}

# Print the steps that take TARGET_SECONDS at the probed speed. Counts of 100
# or more are rounded to a multiple of 100, the test error interval.
timed_steps() {
    awk -v sps="$1" -v t="$TARGET_SECONDS" 'BEGIN {
        s = sps * t; if (s >= 100) s = int(s / 100 + 0.5) * 100; else s = int(s + 0.5)
        if (s < 5) s = 5; print s }'
}

# Print a / b with two decimals, or nothing when either is missing.
ratio() {
    [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# ---- the table --------------------------------------------------------------
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "h=$H, R=$R runs per cell, about $TARGET_SECONDS s per run; steps/s are medians"
[ -x ./grokscope ] || echo "grokscope: not available (no ./grokscope; build it with make)"
echo
printf '%-16s %-5s %12s %4s %10s %10s %9s %9s %10s %10s %10s %10s\n' "(d, N, n)" act grokscope thr torch \
    numpy "g/torch" "g/numpy" products "g/prod" products2 "g/prod2"
printf '%-16s %-5s %12s %4s %10s %10s %9s %9s %10s %10s %10s %10s\n' "" "" "steps/s" "" "steps/s" "steps/s" \
    "" "" "steps/s" "time x" "steps/s" "time x"

for size in $SIZES; do
    set -- $(echo "$size" | tr ',' ' ')
    d=$1 N=$2 n=$3
    for act in $ACTS; do
        steps_grokscope="" steps_torch="" steps_numpy=""
        for impl in grokscope torch numpy; do
            probe=$(run_once "$impl" "$act" "$d" "$N" "$n" "$(probe_steps "$d" "$N" "$n")")
            speed=$(echo "$probe" | json_number steps_per_s)
            [ -n "$speed" ] && eval "steps_$impl=$(timed_steps "$speed")"
        done

        steps_products=1 steps_products2=1 threads_grokscope=""
        values_grokscope="" values_torch="" values_numpy="" values_products="" values_products2=""
        diverged_grokscope="" diverged_torch="" diverged_numpy="" diverged_products="" diverged_products2=""
        rep=0
        while [ "$rep" -lt "$R" ]; do
            for impl in grokscope torch numpy products products2; do
                eval "steps=\$steps_$impl"
                [ -n "$steps" ] || continue
                line=$(run_once "$impl" "$act" "$d" "$N" "$n" "$steps")
                speed=$(echo "$line" | json_number steps_per_s)
                [ "$impl" = grokscope ] && threads_grokscope=$(echo "$line" | json_number threads)
                [ -n "$speed" ] && eval "values_$impl=\"\$values_$impl $speed\""
                case $line in *'"diverged": true'*) eval "diverged_$impl='*'" ;; esac
            done
            rep=$((rep + 1))
        done

        for impl in grokscope torch numpy products products2; do
            eval "values=\$values_$impl"
            if [ -n "$values" ]; then
                eval "median_$impl=$(median $values)"
            else
                eval "median_$impl=''"
            fi
        done
        # shellcheck disable=SC2154  # set by eval above
        g=$median_grokscope t=$median_torch np=$median_numpy limit=$median_products limit2=$median_products2
        if [ -n "$g" ]; then g_shown="$g$diverged_grokscope"; else g_shown="not available"; fi
        printf '%-16s %-5s %12s %4s %10s %10s %9s %9s %10s %10s %10s %10s\n' "($d, $N, $n)" "$act" "$g_shown" \
            "${threads_grokscope:--}" "${t:--}$diverged_torch" "${np:--}$diverged_numpy" "$(ratio "$g" "$t")" \
            "$(ratio "$g" "$np")" "${limit:--}" "$(ratio "$limit" "$g")" "${limit2:--}" "$(ratio "$limit2" "$g")"
    done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "thr: the threads grokscope trained on (its summary's \"threads\")."
echo "products, products2: bench/gemm_limit, OpenBLAS sgemm/sgemv on one and on two threads (median"
echo "of R runs, each the median of 7 batches). g/prod, g/prod2: grokscope's step time as a multiple"
echo "of the products-only time on one and on two threads."
