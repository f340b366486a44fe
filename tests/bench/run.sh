#!/bin/sh
# tests/bench/run.sh [SIZES...] - benchmark ./scepscope --report against baselines on the same files.
#
#   sh tests/bench/run.sh            sizes 100 and 1000 MB (BENCH_BIG=1: also 4000)
#   sh tests/bench/run.sh 100 250    the sizes given, in MB (10^6 bytes)
#
# Environment: BENCH_DIR (scratch folder, default /tmp/scepscope-bench, never inside the
# repository), BENCH_SEED (generator seed, default 1), BENCH_RUNS (timed runs, default 5),
# BENCH_BIG=1 (add 4000 MB to the default sizes). See tests/bench/README.md.
set -u

CALLER=$(pwd)
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd -P)
BENCH_DIR=${BENCH_DIR:-/tmp/scepscope-bench}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-5}
LNAV_LIMIT=120   # seconds: lnav's warm-up run must finish within this to be timed
LNAV_SLOW=30     # seconds: a slower lnav warm-up is timed 3 times instead of $RUNS
GEN=build/bench/gen
PROG=./scepscope

die() { echo "bench: $*" >&2; exit 2; }

if [ $# -gt 0 ]; then
    SIZES="$*"
else
    SIZES="100 1000"
    [ "${BENCH_BIG:-0}" = 1 ] && SIZES="$SIZES 4000"
fi
for s in $SIZES; do
    case $s in ''|*[!0-9]*|0) die "size '$s' is not a whole number of MB" ;; esac
done
case $RUNS in ''|*[!0-9]*|0) die "BENCH_RUNS must be a positive integer" ;; esac
case $SEED in ''|*[!0-9]*) die "BENCH_SEED must be a non-negative integer" ;; esac

# ---- the scratch folder: never inside the repository (checked before and after creating it) --
case $BENCH_DIR in /*) ;; *) BENCH_DIR=$CALLER/$BENCH_DIR ;; esac
case $BENCH_DIR/ in
    "$ROOT"/*|"$(pwd)"/*) die "BENCH_DIR=$BENCH_DIR is inside the repository: use a folder outside it" ;;
esac
existed=0
[ -d "$BENCH_DIR" ] && existed=1
mkdir -p "$BENCH_DIR" || die "cannot create $BENCH_DIR"
real=$(cd "$BENCH_DIR" && pwd -P) || die "cannot enter $BENCH_DIR"
case $real/ in
    "$ROOT"/*) [ "$existed" = 0 ] && rmdir "$BENCH_DIR" 2>/dev/null
               die "BENCH_DIR=$BENCH_DIR is inside the repository: use a folder outside it" ;;
esac
BENCH_DIR=$real

# ---- the program and the generator ----------------------------------------------------------
[ -x "$PROG" ] || die "$PROG is missing: run make first"
# (re)compile when missing or older than its source (find -newer: POSIX, unlike test -nt)
if [ ! -x "$GEN" ] || [ -n "$(find tests/bench/gen.c -newer "$GEN" 2>/dev/null)" ]; then
    mkdir -p build/bench || die "cannot create build/bench"
    echo "bench: compiling $GEN"
    ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$GEN" tests/bench/gen.c || die "cannot compile tests/bench/gen.c"
fi
GENSUM=$(cksum < tests/bench/gen.c | awk '{print $1 "-" $2}')

# ---- clocks ------------------------------------------------------------------------------------
# wall time in nanoseconds: GNU date's %N, else perl, else whole seconds
if [ "$(date +%N 2>/dev/null)" != N ] && date +%s%N 2>/dev/null | grep -qx '[0-9]*'; then
    now_ns() { date +%s%N; }
elif command -v perl >/dev/null 2>&1; then
    now_ns() { perl -MTime::HiRes=time -e 'printf "%.0f\n", time() * 1e9'; }
else
    echo "bench: no sub-second clock (GNU date or perl): times are in whole seconds"
    now_ns() { echo "$(date +%s)000000000"; }
fi
# peak RSS through GNU time (Debian package "time")
TIMEBIN=""
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o /dev/null true >/dev/null 2>&1; then
    TIMEBIN=/usr/bin/time
else
    echo "bench: /usr/bin/time (GNU time) not installed: no peak RSS (apt-get install time)"
fi
TIMEOUT=""
command -v timeout >/dev/null 2>&1 && TIMEOUT=timeout

TMP=$(mktemp -d "${TMPDIR:-/tmp}/scepscope-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# run_once LIMIT CMD...: one run, output discarded; sets WALL (s), RSS (KB or -), RC
run_once() {
    limit=$1; shift
    lim=""
    [ "$limit" != 0 ] && [ -n "$TIMEOUT" ] && lim="$TIMEOUT $limit"
    t0=$(now_ns)
    if [ -n "$TIMEBIN" ]; then
        $lim $TIMEBIN -f %M -o "$TMP/rss" "$@" >/dev/null 2>"$TMP/err"
        RC=$?
    else
        $lim "$@" >/dev/null 2>"$TMP/err"
        RC=$?
    fi
    t1=$(now_ns)
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    RSS=-
    if [ -n "$TIMEBIN" ] && [ -s "$TMP/rss" ]; then
        RSS=$(tail -n 1 "$TMP/rss" | awk '/^[0-9]+$/ { print; exit }')
        [ -n "$RSS" ] || RSS=-
    fi
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }

# bench NAME OKCODES N WARM CMD...: WARM=1: one warm-up run first; then N timed runs, all on
# the same files; appends a row (name, median wall s, median peak RSS KB, runs) to $TMP/rows
bench() {
    name=$1; okcodes=$2; n=$3; warm=$4; shift 4
    : > "$TMP/w"; : > "$TMP/r"
    [ "$warm" = 1 ] && run_once 0 "$@"
    i=0
    while [ "$i" -lt "$n" ]; do
        run_once 0 "$@"
        case " $okcodes " in *" $RC "*) ;; *)
            echo "bench: $name exited with status $RC: $(head -c 300 "$TMP/err")"
            echo "$name - - -" >> "$TMP/rows"; return 1 ;;
        esac
        echo "$WALL" >> "$TMP/w"; echo "$RSS" >> "$TMP/r"
        i=$((i + 1))
    done
    echo "$name $(median < "$TMP/w") $(grep -v '^-$' "$TMP/r" | median) $n" >> "$TMP/rows"
}

# ui_timings DIR: the interface on DIR in tmux (200x50), keys sent as a user would; the times
# come from the program's own SCEPSCOPE_TRACE, not from the sleeps here: start to first frame,
# start to loaded, and for G (jump to the end) and a GUID filter, key to the frame answering it.
ui_timings() {
    if ! command -v tmux >/dev/null 2>&1; then
        echo "interface: not measured (tmux is missing)"; return
    fi
    guid=$(grep -rhoE -m 1 '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$1" 2>/dev/null | head -n 1)
    sock=scepscope-bench-$$
    tr=$TMP/ui.trace
    rm -f "$tr"
    tmux -L "$sock" -f /dev/null new-session -d -x 200 -y 50 \
        "env TERM=xterm-256color LANG=C.UTF-8 SCEPSCOPE_TRACE=$tr $(pwd)/$PROG $1; sleep 5" || {
        echo "interface: not measured (tmux failed)"; return; }
    # wait_trace WORD [SECONDS]: until the trace has a line with WORD after the lines counted
    wait_trace() {
        i=0
        while [ "$i" -lt $((${2:-60} * 20)) ]; do
            [ -f "$tr" ] && tail -n +$((seen + 1)) "$tr" | grep -q " $1" && return 0
            sleep 0.05; i=$((i + 1))
        done
        return 1
    }
    seen=0
    if ! wait_trace loaded 300; then
        tmux -L "$sock" kill-server 2>/dev/null; echo "interface: not measured (it did not load)"; return
    fi
    seen=$(wc -l < "$tr")
    tmux -L "$sock" send-keys G
    wait_trace frame 30
    g_ms=$(tail -n +$((seen + 1)) "$tr" | awk '$2 == "key" && !k { k = $1 } $2 == "frame" && k && !f { f = $1 } END { if (f) printf "%.1f", f - k; else print "-" }')
    f_ms=-
    if [ -n "$guid" ]; then
        tmux -L "$sock" send-keys f
        sleep 0.3
        tmux -L "$sock" send-keys -l "$guid"
        sleep 0.3
        seen=$(wc -l < "$tr")
        tmux -L "$sock" send-keys Enter
        wait_trace frame 30
        f_ms=$(tail -n +$((seen + 1)) "$tr" | awk '$2 == "key" && !k { k = $1 } $2 == "frame" && k && !f { f = $1 } END { if (f) printf "%.1f", f - k; else print "-" }')
    fi
    tmux -L "$sock" send-keys q
    sleep 0.2
    tmux -L "$sock" kill-server 2>/dev/null
    awk -v g="$g_ms" -v f="$f_ms" '$2 == "first-frame" { ff = $1 } $2 == "loaded" { ld = $1 }
        END { printf "interface: first frame %.1f ms, loaded %.0f ms, G (end of timeline) %s ms, GUID filter %s ms (key to frame)\n", ff, ld, g, f }' "$tr"
}

echo "scepscope benchmark: sizes $SIZES MB, seed $SEED, $RUNS timed runs each after one warm-up run, median"
echo "scratch folder: $BENCH_DIR   machine: $(uname -sm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs"
command -v lnav >/dev/null 2>&1 && LNAV=lnav || LNAV=""
[ -n "$LNAV" ] || echo "lnav: not installed (apt-get install lnav)"

: > "$TMP/linear"
for size in $SIZES; do
    name=size-$size-seed-$SEED
    dir=$BENCH_DIR/$name
    stamp=$BENCH_DIR/$name.stamp
    want="size=$size seed=$SEED gen=$GENSUM"
    echo
    echo "== $size MB =="
    if [ -d "$dir" ] && [ -f "$stamp" ] && [ "$(head -n 1 "$stamp")" = "$want" ]; then
        echo "data: reusing $dir ($(sed -n 2p "$stamp"))"
    else
        rm -rf "$dir" "$stamp"
        t0=$(now_ns)
        out=$("$GEN" "$dir" "$size" "$SEED") || die "the generator failed for $size MB"
        t1=$(now_ns)
        echo "$out"
        awk -v a="$t0" -v b="$t1" -v s="$size" 'BEGIN { t = (b - a) / 1e9; if (t <= 0) t = 0.001;
            printf "data: generated in %.2f s (%.0f MB/s)\n", t, s / t }'
        printf '%s\n%s\n' "$want" "$(echo "$out" | sed 's/^gen: [^:]*: //')" > "$stamp"
    fi
    FILES=$(find "$dir" -type f | LC_ALL=C sort)
    # shellcheck disable=SC2086
    bytes=$(cat $FILES | wc -c | tr -d ' ')
    nfiles=$(echo "$FILES" | wc -l | tr -d ' ')
    mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
    events=$("$PROG" --sources --json "$dir" 2>/dev/null |
             sed -n 's/.*"events":\([0-9][0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    echo "data: $mb MB in $nfiles files; scepscope reads $events events"

    : > "$TMP/rows"
    # shellcheck disable=SC2086
    bench "wc -l" "0" "$RUNS" 1 wc -l $FILES
    # shellcheck disable=SC2086
    bench "grep -c" "0 1" "$RUNS" 1 grep -c PKIOperation $FILES
    if [ -n "$LNAV" ]; then
        # lnav does not look into subfolders: it is given the same files as wc and grep
        # shellcheck disable=SC2086
        run_once "$LNAV_LIMIT" lnav -n -c ';SELECT count(*) FROM all_logs' $FILES
        if [ "$RC" = 124 ] || awk -v w="$WALL" -v l="$LNAV_LIMIT" 'BEGIN { exit !(w >= l) }'; then
            echo "lnav: skipped: its warm-up run took more than $LNAV_LIMIT s"
        elif [ "$RC" != 0 ]; then
            echo "lnav: skipped: its warm-up run exited with status $RC: $(head -c 200 "$TMP/err")"
        else
            n=$RUNS
            if awk -v w="$WALL" -v l="$LNAV_SLOW" 'BEGIN { exit !(w > l) }' && [ "$RUNS" -gt 3 ]; then
                n=3
                echo "lnav: warm-up took $WALL s: timed 3 times instead of $RUNS"
            fi
            # shellcheck disable=SC2086
            bench "lnav" "0" "$n" 0 lnav -n -c ';SELECT count(*) FROM all_logs' $FILES
        fi
    fi
    # exit status 1 is normal: the data holds failed enrollments
    bench "scepscope" "0 1" "$RUNS" 1 "$PROG" --report "$dir"

    # one more run with SCEPSCOPE_TRACE: how long each phase took, and the heap at each
    SCEPSCOPE_TRACE=$TMP/trace "$PROG" --report "$dir" >/dev/null 2>&1
    heap_kb=$(sed -n 's/.* anon_kb=\([0-9][0-9]*\).*/\1/p' "$TMP/trace" | sort -n | tail -n 1)
    faults=$(sed -n 's/.* minflt=\([0-9][0-9]*\) .*/\1/p' "$TMP/trace" | sort -n | tail -n 1)
    awk 'BEGIN { printf "phases:" } { if ($2 == "key" || $2 == "frame") next
         printf " %s %.2f s", $2, ($1 - prev) / 1000; prev = $1 } END { printf "\n" }' "$TMP/trace"
    ui_line=$(ui_timings "$dir")

    awk -v mb="$mb" -v bytes="$bytes" -v events="$events" -v size="$size" -v linear="$TMP/linear" '
        { name[NR] = $1 (NF > 4 ? " " $2 : ""); off = (NF > 4); t[NR] = $(2 + off); r[NR] = $(3 + off); n[NR] = $(4 + off)
          if (name[NR] == "wc -l") wc = t[NR]; if (name[NR] == "scepscope") { sc = t[NR]; sr = r[NR] }
          if (name[NR] == "lnav") ln = t[NR] }
        END {
            printf "%-12s %12s %10s %12s %5s\n", "tool", "median s", "MB/s", "peak RSS MB", "runs"
            for (i = 1; i <= NR; i++) {
                if (t[i] == "-") { printf "%-12s %12s %10s %12s %5s\n", name[i], "failed", "-", "-", "-"; continue }
                mbs = t[i] > 0 ? sprintf("%.0f", mb / t[i]) : "-"
                rss = r[i] == "-" ? "-" : sprintf("%.1f", r[i] / 1024)
                printf "%-12s %12.3f %10s %12s %5s\n", name[i], t[i], mbs, rss, n[i]
            }
            if (sc != "" && sc != "-") {
                if (wc != "" && wc != "-" && wc > 0) printf "scepscope/wc:    %.1fx the time of wc -l (the floor: reading the bytes)\n", sc / wc
                if (ln != "" && ln != "-" && sc > 0) printf "lnav/scepscope:  %.2fx (above 1: scepscope is faster than lnav)\n", ln / sc
                else printf "lnav/scepscope:  - (lnav not measured)\n"
                if (sr != "" && sr != "-" && events > 0)
                    printf "scepscope memory: %.0f bytes of peak RSS per event (%d events), %.2f bytes per input byte\n", sr * 1024 / events, events, sr * 1024 / bytes
                printf "%s %s %s %s\n", size, mb, mb / sc, (wc > 0 ? mb / wc : 0) >> linear
            }
        }' "$TMP/rows"
    if [ -n "$heap_kb" ] && [ "$events" -gt 0 ]; then
        awk -v kb="$heap_kb" -v ev="$events" 'BEGIN {
            printf "scepscope heap: %.1f MB at most (anonymous memory, the mapped logs not counted): %.1f bytes per event\n", kb / 1024, kb * 1024 / ev }'
    fi
    [ -n "$faults" ] && echo "scepscope page faults: $faults (minor: first touches of the mapped logs and of fresh memory)"
    echo "$ui_line"
done

# ---- linearity: throughput of the smallest size against the largest -------------------------
if [ "$(wc -l < "$TMP/linear")" -ge 2 ]; then
    echo
    sort -n "$TMP/linear" | awk '
        NR == 1 { s0 = $1; m0 = $2; t0 = $3; w0 = $4 } { s1 = $1; m1 = $2; t1 = $3; w1 = $4 }
        END {
            printf "linearity: scepscope %.0f MB/s at %s MB, %.0f MB/s at %s MB: %.2f of the throughput at %.1fx the size", t0, s0, t1, s1, t1 / t0, m1 / m0
            printf " (1.00 = linear; wc -l: %.2f)\n", (w0 > 0 ? w1 / w0 : 0)
        }'
fi
