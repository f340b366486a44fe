#!/bin/sh
# golden/run.sh - runs the program on each case in tests/golden/cases/ and compares what it
# prints with the expected files. A case NAME is:
#   NAME.args    the arguments, one per line (run from the top of the repository)
#   NAME.out     the expected standard output
#   NAME.err     the expected standard error (optional; not compared when absent)
#   NAME.status  the expected exit status (optional; 0 when absent)
# UPDATE=1 rewrites the expected files from what the program prints now.
# build/golden/gen-3-7 is a case made by the benchmark's generator (3 MB, seed 7: 91 attempts,
# more than a report shows in full); it is made again when missing or older than gen.c.
bin=${1:-./scepscope}
dir=tests/golden/cases
passed=0; failed=0
out=$(mktemp); err=$(mktemp); trap 'rm -f "$out" "$err"' EXIT
gen=build/golden/gen
if [ ! -x "$gen" ] || [ -n "$(find tests/bench/gen.c -newer "$gen" 2>/dev/null)" ] ||
   [ ! -d build/golden/gen-3-7 ]; then
    mkdir -p build/golden && rm -rf build/golden/gen-3-7 &&
    ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$gen" tests/bench/gen.c &&
    "$gen" build/golden/gen-3-7 3 7 >/dev/null || { echo "golden: cannot make build/golden/gen-3-7"; exit 1; }
fi
for a in "$dir"/*.args; do
    name=${a%.args}
    # arguments one per line, so that paths with spaces survive
    set --
    while IFS= read -r line || [ -n "$line" ]; do set -- "$@" "$line"; done <"$a"
    "$bin" "$@" >"$out" 2>"$err"
    st=$?
    want=0; [ -f "$name.status" ] && want=$(cat "$name.status")
    if [ "${UPDATE:-0}" = 1 ]; then
        cp "$out" "$name.out"
        if [ -s "$err" ] || [ -f "$name.err" ]; then cp "$err" "$name.err"; fi
        if [ $st -ne 0 ]; then echo $st >"$name.status"; else rm -f "$name.status"; fi
        echo "updated $(basename "$name")"; passed=$((passed + 1)); continue
    fi
    ok=1
    if [ $st -ne "$want" ]; then echo "FAIL $(basename "$name"): exit status $st, expected $want"; ok=0; fi
    if ! diff -u "$name.out" "$out" >/dev/null; then
        echo "FAIL $(basename "$name"): standard output differs:"; diff -u "$name.out" "$out" | head -40; ok=0; fi
    if [ -f "$name.err" ] && ! diff -u "$name.err" "$err" >/dev/null; then
        echo "FAIL $(basename "$name"): standard error differs:"; diff -u "$name.err" "$err" | head -40; ok=0; fi
    if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "golden: $passed passed, $failed failed"
[ $failed -eq 0 ]
