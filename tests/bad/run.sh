#!/bin/sh
# bad/run.sh - the program against bad logs: each case must end without a crash or a hang, say
# clearly what it could not read (naming the file and the line), and still read the good log
# that sits next to the bad one.
#
# A case NAME is a folder tests/bad/cases/NAME/ holding the bad file(s) and good.log (three
# lines of a real NDESPlugin.log), and tests/bad/cases/NAME.expect, one expectation a line:
#   note: FILE: TEXT    --sources lists FILE (relative to the case folder) with TEXT in its block
#   sources: TEXT       the output of --sources holds TEXT
#   stdout: TEXT        the output of --report holds TEXT
#   stderr: TEXT        the standard error of --report holds TEXT
#   status: N           --report exits with N
# {case} in TEXT stands for the case folder. Inputs too big or too special to commit (a 50 MB
# line, a file of NULs, a FIFO, symbolic link loops, an unreadable file, a file that shrinks or
# grows while it is read) are made here, in a temporary folder, with their expectations.
#
# usage: tests/bad/run.sh BIN [BUILD_DIR]     (run from the top of the repository)
# Prints one line per check and ends with "bad: N passed, N failed".
bin=${1:-./scepscope}
dir=tests/bad/cases
good=tests/bad/cases/empty-file/good.log
passed=0; failed=0
tmp=$(mktemp -d) || exit 1
chmod 755 "$tmp"
cleanup() {
    [ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
    chmod -R u+rwX "$tmp" 2>/dev/null; rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok   $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1"; failed=$((failed + 1)); }

# run ARGS...: the program under `timeout 60`, output in $tmp/out, $tmp/err, status in $st
run() {
    timeout 60 "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    st=$?
}

# sane LABEL: the last run neither crashed nor hung, and no sanitizer spoke
sane() {
    case $st in
    0 | 1 | 2) ;;
    124) ko "$1: hung (stopped after 60 s)"; return 1 ;;
    *) ko "$1: exit status $st (a crash?)"; head -n 20 "$tmp/err" | sed 's/^/    /'; return 1 ;;
    esac
    if grep -q -E 'Sanitizer|runtime error:' "$tmp/err"; then
        ko "$1: sanitizer report"; head -n 30 "$tmp/err" | sed 's/^/    /'; return 1
    fi
    ok "$1: no crash, no hang (status $st)"
}

# block FILE SOURCES: the lines --sources printed for FILE (its name line up to the next one)
block() {
    awk -v f="$1" '$0 == f { on = 1; print; next } /^[^ ]/ { on = 0 } on' "$2"
}

# events FILE SOURCES: the events counted for FILE, or nothing when it was not read
events() {
    block "$1" "$2" | sed -n 's/^    lines [0-9]*: events \([0-9]*\) .*/\1/p'
}

# subst TEXT PATH: TEXT with {case} replaced by PATH
subst() {
    s=$1; r=
    while :; do
        case $s in
        *'{case}'*) r=$r${s%%\{case\}*}$2; s=${s#*\{case\}} ;;
        *) printf '%s' "$r$s"; return ;;
        esac
    done
}

# check NAME PATH EXPECT: runs the modes on the case folder PATH and checks EXPECT
check() {
    name=$1; path=$2; expect=$3
    run --sources "$path"; sane "$name: --sources" || return
    cp "$tmp/out" "$tmp/sources"
    run --sources --json "$path"; sane "$name: --sources --json"
    run --timeline "$path"; sane "$name: --timeline"
    run --timeline --json "$path"; sane "$name: --timeline --json"
    run --report --json "$path"; sane "$name: --report --json"
    run --report "$path"; sane "$name: --report" || return
    n=$(events "$path/good.log" "$tmp/sources")
    if [ -f "$path/good.log" ]; then
        if [ "${n:-0}" -gt 0 ]; then ok "$name: good.log still read ($n events)"
        else ko "$name: good.log not read"; fi
    fi
    while IFS= read -r line || [ -n "$line" ]; do
        [ -z "$line" ] && continue
        kind=${line%%: *}; text=$(subst "${line#*: }" "$path")
        case $kind in
        note)
            file=${text%%: *}; text=${text#*: }
            if block "$path/$file" "$tmp/sources" | grep -q -F -- "$text"; then ok "$name: $file: $text"
            else ko "$name: --sources says nothing like '$text' for $file"; block "$path/$file" "$tmp/sources" | sed 's/^/    /'; fi ;;
        sources)
            if grep -q -F -- "$text" "$tmp/sources"; then ok "$name: --sources: $text"
            else ko "$name: --sources lacks '$text'"; sed 's/^/    /' "$tmp/sources" | head -n 30; fi ;;
        stdout)
            if grep -q -F -- "$text" "$tmp/out"; then ok "$name: --report: $text"
            else ko "$name: --report lacks '$text'"; fi ;;
        stderr)
            if grep -q -F -- "$text" "$tmp/err"; then ok "$name: --report stderr: $text"
            else ko "$name: --report stderr lacks '$text'"; sed 's/^/    /' "$tmp/err" | head -n 20; fi ;;
        status)
            if [ "$st" = "$text" ]; then ok "$name: --report status $text"
            else ko "$name: --report status $st, expected $text"; fi ;;
        *) ko "$name: unknown expectation '$line'" ;;
        esac
    done <"$expect"
}

# newcase NAME: a fresh case folder in the temporary folder, with good.log; prints its path
newcase() {
    mkdir -p "$tmp/$1" && cp "$good" "$tmp/$1/good.log" && echo "$tmp/$1"
}

# ---- the committed cases ----------------------------------------------------------------------
sums() { find "$dir" -type f | LC_ALL=C sort | while IFS= read -r f; do cksum "$f"; done; }
sums >"$tmp/sums.before"
for e in "$dir"/*.expect; do
    name=$(basename "$e" .expect)
    check "$name" "$dir/$name" "$e"
done
sums >"$tmp/sums.after"
if cmp -s "$tmp/sums.before" "$tmp/sums.after"; then ok "the input files are as they were (nothing written to them)"
else ko "an input file changed:"; diff "$tmp/sums.before" "$tmp/sums.after" | sed 's/^/    /'; fi

# ---- made here ---------------------------------------------------------------------------------
fields="#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
w3cline="2016-06-10 02:44:06 10.20.1.15 GET /certsrv/mscep/mscep.dll/pkiclient.exe operation=GetCACert&message=MDM 443 - 10.20.0.8 - - 200 0 0 0"
cmopen='<![LOG['
cmclose=']LOG]!><time="02:44:12.200+00" date="06-10-2016" component="NDESPlugin" context="" type="1" thread="2900" file="ndesplugin.cpp:834">'

# a 50 MB single line: as a CMTrace message, as an IIS line, and as a file of one line that is
# no log at all (no line end anywhere)
c=$(newcase huge-line)
{ printf '%s' "$cmopen"; head -c 52428800 /dev/zero | tr '\0' 'A'; printf '%s\r\n' "$cmclose"; } >"$c/NDESPlugin.log"
{ printf '%s\r\n' "#Software: Microsoft Internet Information Services 8.5" "$fields"
  printf '2016-06-10 02:44:06 '; head -c 52428800 /dev/zero | tr '\0' 'x'; printf '\r\n%s\r\n' "$w3cline"; } >"$c/u_ex160610.log"
head -c 52428800 /dev/zero | tr '\0' 'B' >"$c/oneline.txt"
cat >"$tmp/huge-line.expect" <<'X'
note: NDESPlugin.log: lines 1: events 1 (unparsed 0)
note: u_ex160610.log: line 3: kept as raw: 3 fields where #Fields (line 2) names 15
note: u_ex160610.log: events 2 (unparsed 1)
note: oneline.txt: skipped: no known log format (first line: "BBBB
X
check huge-line "$c" "$tmp/huge-line.expect"

# 400,000 PKIOperations logged in one second, each taking a millisecond longer than the one
# before: their starts run backwards through the file. Sorting the exchanges as if they came
# nearly sorted (as IIS logs them) took the square of their number: hours. The report must come.
c=$(newcase backwards)
awk -v f="$fields" 'BEGIN { print f; for (i = 0; i < 400000; i++)
    printf "2016-06-10 12:00:00 10.20.1.15 GET /certsrv/mscep/mscep.dll/pkiclient.exe " \
           "operation=PKIOperation&message=M%d 443 - 10.20.0.8 - - 200 0 0 %d\n", i, i }' \
    >"$c/u_ex160610.log"
run --report "$c"
if sane "backwards: --report"; then
    if grep -q -F "Summary: 400000 attempts shown, 0 failed." "$tmp/out"; then
        ok "backwards: every PKIOperation an attempt"
    else ko "backwards: the report lacks its 400000 attempts"; grep Summary "$tmp/out"; fi
fi
rm -rf "$c"

# a file of NULs (4 MB), and a log whose end was never written (a tail of NULs, as a crash
# leaves a preallocated file)
c=$(newcase nuls)
head -c 4194304 /dev/zero >"$c/NDESPlugin.log"
{ cat "$good"; head -c 2097152 /dev/zero; } >"$c/CRP.log"
cat >"$tmp/nuls.expect" <<'X'
note: NDESPlugin.log: skipped: binary data (many NUL bytes), not a text log
note: CRP.log: line 4: kept as raw: line outside any <![LOG[ entry
note: CRP.log: line 4: the file ends inside this line
note: CRP.log: the file ends with 2097152 NUL bytes: space reserved but never written
stderr: scepscope: skipped {case}/NDESPlugin.log: binary data (many NUL bytes), not a text log
X
check nuls "$c" "$tmp/nuls.expect"

# folder loops through symbolic links: a/b -> .., self -> ., and x -> y -> x
c=$(newcase symlink-loop)
mkdir -p "$c/a" && cp "$good" "$c/a/inner.log"
ln -s .. "$c/a/b"; ln -s . "$c/self"; ln -s y "$c/x"; ln -s x "$c/y"
cat >"$tmp/symlink-loop.expect" <<'X'
note: a/b: skipped: symbolic link to a folder that contains it (a loop): not followed
note: self: skipped: symbolic link to a folder that contains it (a loop): not followed
note: x: skipped: symbolic link loop (links that point to each other): not followed
note: a/inner.log: events 3
X
check symlink-loop "$c" "$tmp/symlink-loop.expect"
# given by its looping name, the walk still ends
cat >"$tmp/symlink-loop-given.expect" <<'X'
note: a/b: skipped: symbolic link to a folder that contains it (a loop): not followed
X
check symlink-loop-given "$c/a/b" "$tmp/symlink-loop-given.expect"

# a FIFO in the case folder (listed as skipped), and given by name with nobody writing to it
c=$(newcase fifo)
if mkfifo "$c/pipe.log" 2>/dev/null; then
    cat >"$tmp/fifo.expect" <<'X'
note: pipe.log: skipped: a named pipe (FIFO): not read inside a folder
X
    check fifo "$c" "$tmp/fifo.expect"
    run --sources "$c/pipe.log" "$good"; sane "fifo given, no writer: --sources"
    if grep -q -F "skipped: nothing to read: the pipe or special file gave no bytes" "$tmp/out"; then
        ok "fifo given, no writer: skipped with 'nothing to read'"
    else ko "fifo given, no writer: no reason given"; sed 's/^/    /' "$tmp/out"; fi
    # with a writer, what it writes is read
    { cat "$good" >"$c/pipe.log"; } &
    bgpid=$!
    # the writer must be waiting in its open(): a reader finding no writer reads nothing
    i=0
    while [ $i -lt 500 ] && [ "$(cat "/proc/$bgpid/wchan" 2>/dev/null)" != wait_for_partner ]; do
        [ -r "/proc/$bgpid/wchan" ] || { sleep 1; break; }
        sleep 0.01 2>/dev/null || sleep 1; i=$((i + 1))
    done
    run --sources "$c/pipe.log"; sane "fifo given, with a writer: --sources"
    wait "$bgpid" 2>/dev/null; bgpid=
    n=$(events "$c/pipe.log" "$tmp/out")
    if [ "${n:-0}" -gt 0 ]; then ok "fifo given, with a writer: read ($n events)"
    else ko "fifo given, with a writer: not read"; sed 's/^/    /' "$tmp/out"; fi
else
    ko "fifo: mkfifo failed"
fi

# a file the user running the program cannot read. chmod 000 does not stop root: then the
# program runs as nobody, from a copy nobody can execute.
c=$(newcase unreadable)
cp "$good" "$c/NDESPlugin.log"; chmod 000 "$c/NDESPlugin.log"
chmod -R go+rX "$c"; chmod go-rwx "$c/NDESPlugin.log"
if [ "$(id -u)" != 0 ]; then
    cat >"$tmp/unreadable.expect" <<'X'
note: NDESPlugin.log: skipped: cannot open: Permission denied
stderr: scepscope: skipped {case}/NDESPlugin.log: cannot open: Permission denied
X
    check unreadable "$c" "$tmp/unreadable.expect"
else
    as=
    if command -v setpriv >/dev/null 2>&1; then as="setpriv --reuid=65534 --regid=65534 --clear-groups"
    elif command -v runuser >/dev/null 2>&1; then as="runuser -u nobody --"; fi
    if [ -z "$as" ]; then
        echo "skipped: unreadable file: running as root and neither setpriv nor runuser is here"
    else
        cp "$bin" "$tmp/scepscope-copy" && chmod 755 "$tmp/scepscope-copy"
        timeout 60 $as "$tmp/scepscope-copy" --sources "$c" >"$tmp/out" 2>"$tmp/err"; st=$?
        sane "unreadable (as nobody): --sources"
        if block "$c/NDESPlugin.log" "$tmp/out" | grep -q -F "skipped: cannot open: Permission denied"; then
            ok "unreadable (as nobody): NDESPlugin.log: skipped: cannot open: Permission denied"
        else ko "unreadable (as nobody): no reason given"; sed 's/^/    /' "$tmp/out" "$tmp/err" | head -n 20; fi
        n=$(events "$c/good.log" "$tmp/out")
        if [ "${n:-0}" -gt 0 ]; then ok "unreadable (as nobody): good.log still read ($n events)"
        else ko "unreadable (as nobody): good.log not read"; fi
        timeout 60 $as "$tmp/scepscope-copy" --report "$c" >"$tmp/out" 2>"$tmp/err"; st=$?
        sane "unreadable (as nobody): --report"
        if grep -q -F "scepscope: skipped $c/NDESPlugin.log: cannot open: Permission denied" "$tmp/err"; then
            ok "unreadable (as nobody): --report stderr names the file and the reason"
        else ko "unreadable (as nobody): --report stderr says nothing"; sed 's/^/    /' "$tmp/err" | head; fi
    fi
fi

# wait_mapped PID FILE: until the process has FILE mapped (at most about 10 s)
wait_mapped() {
    i=0
    while [ $i -lt 1000 ]; do
        grep -q -F "$2" "/proc/$1/maps" 2>/dev/null && return 0
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.01 2>/dev/null || sleep 1
        i=$((i + 1))
    done
    return 1
}

# finish_bg PID: waits for the background run (at most about 60 s, then kills it); its status
# in st (124: killed)
finish_bg() {
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i + 1)); done
    if kill -9 "$1" 2>/dev/null; then wait "$1"; st=124; else wait "$1"; st=$?; fi
    bgpid=
}

# big_w3c FILE: about 200 MB of IIS log
big_w3c() {
    { printf '%s\r\n' "#Software: Microsoft Internet Information Services 8.5" "$fields"
      yes "$w3cline" | head -c 209715200; } >"$1"
}

# a file cut short while it is read: the pages lost read as zeros (SIGBUS handled). If the
# cut comes too late to be seen, the read is a normal one: either way, no crash.
c=$(newcase shrinking)
big_w3c "$c/u_ex160610.log"
"$bin" --sources "$c" >"$tmp/out" 2>"$tmp/err" &
pid=$!; bgpid=$pid
wait_mapped "$pid" "$c/u_ex160610.log"
truncate -s 1000000 "$c/u_ex160610.log"
finish_bg "$pid"
sane "shrinking: --sources"
if block "$c/u_ex160610.log" "$tmp/out" | grep -q -F "the file shrank while it was read"; then
    ok "shrinking: noted: $(block "$c/u_ex160610.log" "$tmp/out" | grep -F 'shrank' | sed 's/^ *//')"
elif block "$c/u_ex160610.log" "$tmp/out" | grep -q -F "the file shrank after it was read"; then
    ok "shrinking: cut after the read, noted as such"
elif [ "$(events "$c/u_ex160610.log" "$tmp/out")" -gt 0 ] 2>/dev/null; then
    ok "shrinking: the cut came too late to be seen: a normal read"
else
    ko "shrinking: neither a note nor a normal read"; sed 's/^/    /' "$tmp/out" | head -n 20
fi
n=$(events "$c/good.log" "$tmp/out")
if [ "${n:-0}" -gt 0 ]; then ok "shrinking: good.log still read ($n events)"; else ko "shrinking: good.log not read"; fi

# a file that grows while it is read: read up to the size it had when opened
c=$(newcase growing)
big_w3c "$c/u_ex160610.log"
"$bin" --sources "$c" >"$tmp/out" 2>"$tmp/err" &
pid=$!; bgpid=$pid
wait_mapped "$pid" "$c/u_ex160610.log"
yes "$w3cline" | head -n 1000 >>"$c/u_ex160610.log"
finish_bg "$pid"
sane "growing: --sources"
if block "$c/u_ex160610.log" "$tmp/out" | grep -q -F "the file grew while it was read: read up to the"; then
    ok "growing: noted: $(block "$c/u_ex160610.log" "$tmp/out" | grep -F 'grew' | sed 's/^ *//')"
elif [ "$(events "$c/u_ex160610.log" "$tmp/out")" -gt 0 ] 2>/dev/null; then
    ok "growing: the growth came too late to be seen: a normal read"
else
    ko "growing: neither a note nor a normal read"; sed 's/^/    /' "$tmp/out" | head -n 20
fi
rm -rf "$tmp/shrinking" "$tmp/growing"

echo "bad: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
