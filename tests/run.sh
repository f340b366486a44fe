#!/bin/sh
# run.sh - runs every test: the cmocka unit tests, the golden CLI tests and the interface
# tests in tmux, first with the plain build, then with the ASan+UBSan build.
# Ends with "tests: N passed, N failed".
# usage: tests/run.sh PLAIN_BUILD_DIR ASAN_BUILD_DIR TEST_NAME...
plain=$1; asan=$2; shift 2
passed=0; failed=0
log=$(mktemp); trap 'rm -f "$log"' EXIT

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp"

count() { # $1: label, $2: exit status; reads cmocka output in $log
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\./\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:/\1/p' "$log" | tail -n 1)
    p=${p:-0}; f=${f:-0}
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed, or a sanitizer stopped it
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then echo "FAIL: $1"; cat "$log"; fi
}

tally() { # $1: suite, $2: exit status; reads "SUITE: N passed, N failed" in $log
    p=$(sed -n "s/^$1: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed\$/\1/p" "$log")
    f=$(sed -n "s/^$1: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed\$/\2/p" "$log")
    p=${p:-0}; f=${f:-0}
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # it stopped before its count
    passed=$((passed + p)); failed=$((failed + f))
}

for build in "$plain" "$asan"; do
    echo "== unit tests ($build)"
    for t in "$@"; do
        "$build/tests/$t" >"$log" 2>&1
        st=$?
        count "$build/tests/$t" $st
        grep -E '^\[  (PASSED|FAILED)  \]' "$log" | sed "s|^|  $t: |"
    done
    bin=./scepscope
    [ "$build" = "$asan" ] && bin="$asan/scepscope"
    echo "== golden tests ($bin)"
    sh tests/golden/run.sh "$bin" >"$log" 2>&1
    tally golden $?
    cat "$log"
    # the golden and bad-input cases again with every array from 64 bytes on mapped on its own
    # (core/bigmem), and every log read through a window of 512 bytes (core/textwin: a line or
    # two each, longer lines past it), as only large cases' are otherwise: those paths' reuse,
    # trims, window ends, lines longer than the window and UTF-8 checks then run on every case
    # (under ASan, where arrays are never mapped, the bad-input cases: the hostile logs through
    # the window)
    suites="golden bad"
    [ "$build" = "$asan" ] && suites="bad"
    for suite in $suites; do
        echo "== $suite tests, arrays mapped, logs read through windows" \
             "(SCEPSCOPE_BIGMEM=64 SCEPSCOPE_TEXTWIN=512 $bin)"
        SCEPSCOPE_BIGMEM=64 SCEPSCOPE_TEXTWIN=512 sh "tests/$suite/run.sh" "$bin" "$build" \
            >"$log" 2>&1
        tally "$suite" $?
        tail -n 3 "$log"
    done
    echo "== interface tests in tmux ($bin)"
    sh tests/tui/run.sh "$bin" >"$log" 2>&1
    tally tui $?
    grep -v '^    |' "$log" | tail -n 20
    # further suites: tests/SUITE/run.sh BIN BUILD_DIR, ending with "SUITE: N passed, N failed"
    for suite in fuzz bad safety; do
        [ -f "tests/$suite/run.sh" ] || continue
        echo "== $suite tests ($bin)"
        sh "tests/$suite/run.sh" "$bin" "$build" >"$log" 2>&1
        tally "$suite" $?
        tail -n 30 "$log"
    done
done

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
