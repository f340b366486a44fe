#!/bin/sh
# run.sh - runs each fuzz harness (linked with tests/fuzz/driver.c, no libFuzzer needed) over
# its seed corpus, tests/fuzz/corpus/NAME/, and over the inputs that once crashed it,
# tests/fuzz/crashes/NAME/, so that a fixed crash stays fixed. One pass per harness and
# folder. Ends with "fuzz: N passed, N failed".
# usage: tests/fuzz/run.sh BIN BUILD_DIR   (BIN is unused: the harnesses are BUILD_DIR/fuzz/*)
build=$2
passed=0; failed=0
log=$(mktemp); trap 'rm -f "$log"' EXIT
limit=""
command -v timeout >/dev/null 2>&1 && limit="timeout 600"

for src in tests/fuzz/fuzz_*.c; do
    name=${src#tests/fuzz/fuzz_}; name=${name%.c}
    bin="$build/fuzz/fuzz_$name"
    for dir in "tests/fuzz/corpus/$name" "tests/fuzz/crashes/$name"; do
        [ -d "$dir" ] || continue
        [ -n "$(ls -A "$dir")" ] || continue
        if [ ! -x "$bin" ]; then
            echo "FAIL: $bin: not built"; failed=$((failed + 1)); continue
        fi
        $limit "$bin" "$dir" >"$log" 2>&1
        st=$?
        n=$(sed -n 's/^\([0-9][0-9]*\) inputs run$/\1/p' "$log")
        if [ $st -eq 0 ] && [ -n "$n" ]; then
            passed=$((passed + 1))
            echo "ok: $name over $dir ($n inputs)"
        else
            failed=$((failed + 1))
            input=$(sed -n 's/^input \(.*\) ([0-9]* bytes)$/\1/p' "$log" | tail -n 1)
            echo "FAIL: $name over $dir: status $st on input ${input:-?}"
            tail -n 40 "$log"
        fi
    done
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
