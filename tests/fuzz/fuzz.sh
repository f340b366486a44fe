#!/bin/sh
# fuzz.sh - runs each libFuzzer harness for a bounded time, one after the other, on a scratch
# copy of its seed corpus (what it finds stays in BUILD/corpus-NAME/, out of the repository),
# keeping crashes in BUILD/crashes/NAME/. Prints per harness: executions, seconds, crashes.
# usage: tests/fuzz/fuzz.sh BUILD_DIR SECONDS NAME...
bf=$1; secs=$2; shift 2
found=0
table=$(mktemp); trap 'rm -f "$table"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
# the leaks of the libraries that are not ours, as make test knows them (libevtx's on a damaged
# file)
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for name in "$@"; do
    corpus="$bf/corpus-$name"; crashes="$bf/crashes/$name"; log="$bf/log-$name.txt"
    mkdir -p "$corpus" "$crashes"
    [ -d "tests/fuzz/corpus/$name" ] && cp -n "tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null
    before=$(ls -A "$crashes" | wc -l)
    echo "== fuzz_$name for ${secs}s (log: $log)"
    "$bf/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" </dev/null >"$log" 2>&1
    st=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9][0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    [ -z "$runs" ] && runs=$(sed -n 's/^Done \([0-9][0-9]*\) runs in.*/\1/p' "$log" | tail -n 1)
    after=$(ls -A "$crashes" | wc -l)
    new=$((after - before))
    if [ $st -ne 0 ] && [ $new -eq 0 ]; then new=1; fi
    [ $new -gt 0 ] && { found=$((found + new)); grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5; ls -t "$crashes" | head -n "$new" | sed "s|^|  kept: $crashes/|"; }
    printf '%-16s %12s %8s %8s\n' "$name" "${runs:-?}" "${took:--}" "$new" >>"$table"
    echo "   ${runs:-?} executions, ${took:--} s, $new new crash(es)"
done

echo
printf '%-16s %12s %8s %8s\n' harness executions seconds crashes
cat "$table"
[ "$found" -eq 0 ]
