#!/bin/sh
# safety/run.sh - what a hostile case folder cannot do:
#  - drive the terminal: its messages, field values, file and folder names carry escape
#    sequences (CSI, OSC title and clipboard, DCS), C1 controls, bidi overrides, invalid
#    UTF-8, CR, backspaces and NUL; no text output, no error message and no screen of the
#    interface lets one of them through raw;
#  - be written to: a run changes no byte, size, time or name in the case folder;
#  - hang the program: a user playbook's pattern that backtracks without end gives up on a
#    long line, and the user is told.
# The hostile case is made at test time in a temporary folder (file names with ESC in them
# cannot live in git). One line per check; ends with "safety: N passed, N failed".
# usage: tests/safety/run.sh BINARY [BUILD_DIR]
bin=${1:-./scepscope}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
top=$(pwd)
passed=0
failed=0
tmp=$(mktemp -d)
base="scepscope-safety-$$"
nsession=0
sock="$base-0"
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

ok() {
    passed=$((passed + 1))
    echo "ok: $1"
}

bad() {
    failed=$((failed + 1))
    echo "FAIL: $1"
}

# session W H COMMAND: a fresh tmux server (no race with the one being stopped) running the
# shell command; "$tmp/exited" holds the program's exit status when it ends
session() {
    tmux -L "$sock" kill-server 2>/dev/null
    nsession=$((nsession + 1))
    sock="$base-$nsession"
    rm -f "$tmp/exited"
    tmux -L "$sock" -f /dev/null new-session -d -x "$1" -y "$2" "$3; echo \$? >'$tmp/exited'; sleep 30"
}

# wait_exit: until the program has ended (at most ~10 s); true when it did
wait_exit() {
    i=0
    while [ $i -lt 100 ]; do
        [ -s "$tmp/exited" ] && return 0
        i=$((i + 1)); sleep 0.1
    done
    return 1
}

# ---- the hostile case ----------------------------------------------------------------------
# one string with everything (no space: it must fit in one W3C field): CSI clear screen and
# red, OSC 0 title, OSC 52 clipboard write, a DCS query ended by ST, a raw C1 CSI byte (0x9b),
# U+009B in UTF-8, the right-to-left override U+202E and the isolates U+2066..U+2069, bytes
# that are not UTF-8, a lone CR, backspaces
pay='\033[2J\033[31mRED\033]0;pwned\007\033]52;c;cHduZWQ=\007\033P1$qm\033\\\233X\302\233Y\342\200\256EVIL\342\201\246\342\201\247\342\201\250\342\201\251\377\376\300\257CR\rBS\010\010'

make_hostile() { # DIR
    ndes="$1/$(printf 'ndes\033]0;pwned\007\342\200\256')"
    crp="$1/$(printf 'crp\233\033[2J')"
    mkdir -p "$ndes" "$crp"
    f="$ndes/$(printf 'u_ex160613\033]52;c;cHduZWQ=\007.log')"
    {
        printf '#Software: Microsoft Internet Information Services 8.5\r\n'
        printf '#Version: 1.0\r\n'
        printf '#Date: 2016-06-13 10:58:00\r\n'
        printf '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n'
        # a PKIOperation refused with 404.15: the evidence and the diagnosis of step 2
        printf "2016-06-13 10:58:09 10.20.1.15 GET /certsrv/mscep/mscep.dll/pkiclient.exe operation=PKIOperation&message=$pay 443 $pay 10.20.0.8 Mozilla/4.0+$pay - 404 15 0 2\r\n"
        printf "2016-06-13 10:58:10 10.20.1.15 GET /certsrv/mscep/mscep.dll/pkiclient.exe operation=GetCACaps&message=N\000UL$pay 443 - 10.20.0.8 $pay - 200 0 0 2\r\n"
        printf "garbage line $pay\r\n"
    } >"$f"
    f="$ndes/$(printf 'NDESPlugin\342\200\256gol.log')"
    {
        printf '<![LOG[Calling VerifyRequest ...]LOG]!><time="10:58:09.072+00" date="06-13-2016" component="NDESPlugin" context="" type="1" thread="5096" file="ndesplugin.cpp:646">\r\n'
        printf '<![LOG[Sending request to certificate registration point.]LOG]!><time="10:58:09.073+00" date="06-13-2016" component="NDESPlugin" context="" type="1" thread="5096" file="httprequest.cpp:114">\r\n'
        # the step 4 failure, carrying the payload and a NUL
        printf "<![LOG[Verify challenge returns false $pay N\000UL]LOG]!><time=\"10:58:09.482+00\" date=\"06-13-2016\" component=\"NDESPlugin\" context=\"\" type=\"3\" thread=\"5096\" file=\"ndesplugin.cpp:834\">\r\n"
        printf "<![LOG[Exiting VerifyRequest with 0x80070005 $pay]LOG]!><time=\"10:58:09.483+00\" date=\"06-13-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"5096\" file=\"ndesplugin.cpp:874\">\r\n"
        printf "<![LOG[a line of another component $pay]LOG]!><time=\"10:58:10.000+00\" date=\"06-13-2016\" component=\"Comp$pay\" context=\"\" type=\"2\" thread=\"5096\" file=\"x$pay\">\r\n"
        printf "<![LOG[multi line\r\nsecond $pay\r\nthird]LOG]!><time=\"10:58:10.100+00\" date=\"06-13-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"5096\" file=\"\">\r\n"
        printf "<![LOG[truncated entry $pay\r\n"
    } >"$f"
    # the CRP's IIS log: the POST that carries NDES's VerifyRequest, a hostile user agent
    {
        printf '#Software: Microsoft Internet Information Services 8.5\r\n#Version: 1.0\r\n'
        printf '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status sc-bytes time-taken\r\n'
        printf "2016-06-13 10:58:09 10.20.1.30 POST /CMCertificateRegistration/Certificate/VerifyRequest - 443 - 10.20.1.15 NDES_Plugin$pay - 201 0 0 437 365\r\n"
    } >"$crp/$(printf 'u_ex\342\201\246.log')"
    f="$crp/$(printf 'CRP\302\233.log')"
    {
        printf "<![LOG[Validation Phase 1 started.]LOG]!><time=\"10:58:08.6900000\" date=\"6-13-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"221\" file=\"\">\r\n"
        printf "<![LOG[Validation Phase 3 started for device 5c0d8f2e-7b1a-4c3d-9e8f-0a1b2c3d4e5f and user 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b.]LOG]!><time=\"10:58:08.7000000\" date=\"6-13-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"221\" file=\"\">\r\n"
        printf "<![LOG[Validation Phase 3 finished with status False. $pay]LOG]!><time=\"10:58:08.8000000\" date=\"6-13-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"221\" file=\"\">\r\n"
        printf "<![LOG[VerifyRequest Finished with status False]LOG]!><time=\"10:58:08.8100000\" date=\"6-13-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"221\" file=\"\">\r\n"
    } >"$f"
    # not a log: skipped, its name and first line quoted in the notes
    printf 'notes \033]0;pwned\007 \342\200\256 \233\n' >"$1/$(printf 'notes\033[2J\342\200\256.txt')"
}

hostile="$tmp/case"
mkdir "$hostile"
make_hostile "$hostile"

# ---- what may not appear in text ----------------------------------------------------------
# the UTF-8 forms of the C1 controls (U+0080..U+009F) and of the bidi controls
# U+202A..U+202E, U+2066..U+2069: fixed strings for grep -F
forbidden="$tmp/forbidden"
{
    i=128
    while [ $i -lt 160 ]; do printf "\\302\\$(printf %o $i)\n"; i=$((i + 1)); done
    for c in 252 253 254 255 256; do printf "\\342\\200\\$c\n"; done
    for c in 246 247 250 251; do printf "\\342\\201\\$c\n"; done
} >"$forbidden"

# unsafe FILE: what in FILE could drive a terminal; nothing when it is clean
unsafe() {
    n=$(LC_ALL=C tr -d '\t\n\040-\176\200-\377' <"$1" | wc -c)
    [ "$n" -eq 0 ] || echo "$n control bytes (ESC, CR, BS, NUL, BEL...)"
    iconv -f UTF-8 -t UTF-8 <"$1" >/dev/null 2>&1 || echo "not valid UTF-8 (raw 0x9b or a bad byte)"
    LC_ALL=C grep -qF -f "$forbidden" "$1" && echo "a C1 control or a bidi control in UTF-8"
}

# check NAME FILE: FILE is clean
check() {
    why=$(unsafe "$2")
    if [ -z "$why" ]; then ok "$1"; else bad "$1: $(echo $why)"; fi
}

# json_ok NAME FILE LINES: FILE is one JSON document, or JSON Lines when LINES is 1
json_ok() {
    if ! command -v python3 >/dev/null 2>&1; then
        echo "skip: $1: no python3 to read the JSON"
        return
    fi
    if python3 -c 'import json, sys
data = open(sys.argv[1], encoding="utf-8").read()
if sys.argv[2] == "1":
    for line in data.splitlines():
        json.loads(line)
else:
    json.loads(data)' "$2" "$3" 2>"$tmp/json.err"; then
        ok "$1"
    else
        bad "$1: $(tail -n 1 "$tmp/json.err")"
    fi
}

out="$tmp/out"
err="$tmp/err"

# run NAME ARGS...: runs the program, checks its standard output and error; the exit status
# must be one the program means (0, 1 or 2: no crash, no sanitizer stop)
run() {
    name=$1
    shift
    "$bin" "$@" >"$out" 2>"$err"
    st=$?
    if [ $st -gt 2 ]; then bad "$name: exit status $st"; sed 's/^/    | /' "$err" | head -n 20; fi
    check "$name: standard output" "$out"
    check "$name: standard error" "$err"
}

# the payload reached the program: the escaped form is there
run "--report" --report "$hostile"
if grep -qF '\x1b]0;pwned\x07' "$out" && grep -qF '\u202e' "$out" && grep -qF 'Verify challenge returns false' "$out" &&
    grep -qF 'ndes-pkioperation-404-15' "$out"; then
    ok "--report shows the hostile evidence escaped"
else
    bad "--report: the hostile lines are not in the evidence"
    sed 's/^/    | /' "$out" | head -n 40
fi
run "--report --json" --report --json "$hostile"
json_ok "--report --json is JSON" "$out" 0
run "--timeline" --timeline "$hostile"
if grep -qF 'a line of another component \x1b[2J' "$out" && grep -qF 'garbage line' "$out"; then
    ok "--timeline shows the hostile lines escaped"
else
    bad "--timeline: the hostile lines are missing"
fi
run "--timeline --json" --timeline --json "$hostile"
json_ok "--timeline --json is JSON Lines" "$out" 1
run "--sources" --sources "$hostile"
run "--sources --json" --sources --json "$hostile"
json_ok "--sources --json is JSON Lines" "$out" 1

# colour: only the program's own SGR sequences (bold red, yellow, reset) may be there
"$bin" --timeline --color=always "$hostile" >"$out" 2>"$err"
esc=$(printf '\033')
if grep -qF "$esc[1;31m" "$out"; then ok "--color=always colours"; else bad "--color=always: no colour"; fi
LC_ALL=C sed -e "s/$esc\[1;31m//g" -e "s/$esc\[33m//g" -e "s/$esc\[0m//g" "$out" >"$tmp/stripped"
check "--timeline --color=always, the program's colours taken out" "$tmp/stripped"

# arguments that quote hostile bytes back
h=$(printf '\033]0;pwned\007\342\200\256\233\302\233')
run "--report --device HOSTILE" --report --device "$h" "$hostile"
run "--timeline --user HOSTILE" --timeline --user "$h" "$hostile"
run "--timeline --device HOSTILE --json" --timeline --json --device "$h" "$hostile"
json_ok "--timeline --device HOSTILE --json is JSON Lines" "$out" 1
run "--color=HOSTILE" --color="$h" "$hostile"
run "--tz HOSTILE" --tz "$h" "$hostile"
run "--tz GLOB=HOSTILE" --tz "CRP.log=$h" "$hostile"
run "unknown option HOSTILE" "--x$h" "$hostile"
run "missing file HOSTILE" --report "$tmp/nothing$h"
run "--sources of one unreadable file" --sources "$hostile/$(printf 'notes\033[2J\342\200\256.txt')"
run "--playbook of a missing file HOSTILE" --report --playbook "$tmp/none$h.yaml" "$hostile"
# a broken playbook, its name and the text its message quotes hostile ("\e" is ESC in YAML)
pbfile="$tmp/$(printf 'play\033]0;pwned\007\342\200\256.yaml')"
cat >"$pbfile" <<'EOF'
signatures:
  - id: "bad\e]0;pwned\a\u202e\x9b"
    step: 2
    verdict: fail
    message: "(unclosed\e[2J"
    fields: { "cs-\e]52;c;eA==\a": "x" }
EOF
run "broken --playbook quoting HOSTILE" --report --playbook "$pbfile" "$hostile"
if [ "$st" -eq 2 ] && grep -qF 'play\x1b]0;pwned\x07\u202e.yaml' "$err"; then
    ok "broken --playbook refused, its name escaped"
else
    bad "broken --playbook: status $st, message: $(cat "$err")"
fi
# a user playbook that works and captures anything as the device
cat >"$tmp/capture.yaml" <<'EOF'
signatures:
  - id: "grab\e]0;pwned\a"
    step: 4
    verdict: fail
    sources: { role: ndesplugin }
    message: "Verify challenge returns false (?<device>.{1,36})"
    explanation: "Captures log bytes\e[2J as the device."
    fix: "None\u202e."
EOF
run "--report with a playbook capturing log bytes" --report --playbook "$tmp/capture.yaml" "$hostile"
run "--report --json with a playbook capturing log bytes" --report --json --playbook "$tmp/capture.yaml" "$hostile"
json_ok "--report --json with a capturing playbook is JSON" "$out" 0

# ---- read-only -------------------------------------------------------------------------------
# snapshot DIR: every file and folder: name, size, mtime, ctime, mode; and every file's sha256
snapshot() {
    (
        cd "$1" || exit 1
        find . -print | LC_ALL=C sort | while IFS= read -r p; do
            stat -c '%n %s %Y %Z %a %F' -- "$p"
            [ -f "$p" ] && sha256sum -- "$p"
        done
    )
}

busy="$tmp/busy-day"
cp -R "$top/samples/busy-day" "$busy"
# the copy's times are now: make them old, so that a write in the same second still shows
find "$busy" "$hostile" -exec touch -d '2016-06-13 12:00:00' {} +
for c in "$busy" "$hostile"; do
    snapshot "$c" >"$tmp/before"
    "$bin" --report "$c" >/dev/null 2>&1
    "$bin" --report --json "$c" >/dev/null 2>&1
    "$bin" --timeline "$c" >/dev/null 2>&1
    "$bin" --sources "$c" >/dev/null 2>&1
    "$bin" --report --playbook "$top/tests/fixtures/playbooks/extra.yaml" "$c" >/dev/null 2>&1
    # the interface too, in tmux: up, a few keys, quit
    session 100 30 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$bin' '$c'"
    i=0
    while [ $i -lt 150 ]; do
        tmux -L "$sock" capture-pane -p >"$tmp/screen" 2>/dev/null
        grep -qF "help" "$tmp/screen" && break
        i=$((i + 1)); sleep 0.1
    done
    tmux -L "$sock" send-keys j Enter q / 'a' Enter 4
    sleep 0.3
    tmux -L "$sock" send-keys Escape
    sleep 0.3
    tmux -L "$sock" send-keys q
    wait_exit || echo "note: the interface on $c did not quit"
    tmux -L "$sock" kill-server 2>/dev/null
    snapshot "$c" >"$tmp/after"
    label=$(basename "$c")
    [ "$c" = "$hostile" ] && label="the hostile case"
    if [ -s "$tmp/before" ] && cmp -s "$tmp/before" "$tmp/after"; then
        ok "read-only: $label unchanged (contents, sizes, times, modes, no new file) after the CLI and the interface"
    else
        bad "read-only: $label changed:"
        diff "$tmp/before" "$tmp/after" | head -n 20 | sed 's/^/    | /'
    fi
done

# strace, where the container lets it trace: no open for writing, no creation, renaming,
# removal or change of attributes of anything under the case folders
if command -v strace >/dev/null 2>&1 && ! strace -qq -o /dev/null true 2>"$tmp/strace.err"; then
    echo "skip: strace: this container does not allow ptrace ($(head -n 1 "$tmp/strace.err")): the read-only check rests on the checksums above"
elif command -v strace >/dev/null 2>&1; then
    for c in "$busy" "$hostile"; do
        label=$(basename "$c")
        [ "$c" = "$hostile" ] && label="the hostile case"
        : >"$tmp/strace"
        for mode in --report --timeline --sources; do
            # LeakSanitizer cannot run under ptrace: the ASan build runs without it here
            ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=%file,%desc -o "$tmp/strace.one" \
                "$bin" "$mode" "$c" >/dev/null 2>&1
            cat "$tmp/strace.one" >>"$tmp/strace"
        done
        if ! grep -qF "$c" "$tmp/strace"; then
            bad "strace of $label: no open of the case seen (strace output not understood)"
            continue
        fi
        writes=$(grep -F "$c" "$tmp/strace" | grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND|(^|[ ])(creat|mkdir|mkdirat|rename|renameat|renameat2|unlink|unlinkat|rmdir|link|linkat|symlink|symlinkat|chmod|fchmodat|chown|lchown|fchownat|utime|utimes|utimensat|futimesat|truncate|mknod|mknodat|setxattr|lsetxattr|removexattr|lremovexattr)\(')
        if [ -z "$writes" ]; then
            ok "strace of $label: every file opened read-only, nothing created, renamed or changed"
        else
            bad "strace of $label: writes to the case:"
            echo "$writes" | head -n 10 | sed 's/^/    | /'
        fi
    done
else
    echo "skip: strace is not installed: the read-only check rests on the checksums above"
fi

# ---- a user playbook's pattern that backtracks without end ---------------------------------
slow="$tmp/slow"
mkdir "$slow"
{
    printf '#Software: Microsoft Internet Information Services 8.5\n#Version: 1.0\n'
    printf '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n'
    for s in 1 2 3; do
        printf '2016-06-13 10:58:0%d 10.20.1.15 GET /certsrv/mscep/mscep.dll/pkiclient.exe ' $s
        # 50 000 a's and a b: ^(a+)+$ tries every way to split the a's before it fails
        head -c 50000 /dev/zero | tr '\0' a
        printf 'b 443 - 10.20.0.8 UA - 200 0 0 2\n'
    done
    printf '2016-06-13 10:58:09 10.20.1.15 GET /certsrv/mscep/mscep.dll/pkiclient.exe operation=PKIOperation 443 - 10.20.0.8 UA - 200 0 0 2\n'
} >"$slow/u_ex160613.log"
cat >"$tmp/slow.yaml" <<'EOF'
signatures:
  - id: slow-rule
    step: 2
    verdict: fail
    sources: { format: w3c }
    fields: { cs-uri-query: "^(a+)+$" }
    explanation: "A rule whose pattern backtracks without end on a long query."
    fix: "Write it as ^a+$."
  - id: slow-message
    step: 2
    verdict: warn
    sources: { format: w3c }
    message: "(a|aa)+$"
    explanation: "Another one, over the message."
    fix: "Write it as a+$."
EOF
for mode in --report --timeline; do
    start=$(date +%s)
    timeout 20 "$bin" "$mode" --playbook "$tmp/slow.yaml" "$slow" >"$out" 2>"$err"
    st=$?
    took=$(($(date +%s) - start))
    if [ $st -eq 124 ]; then
        bad "catastrophic pattern ($mode): still running after 20 s"
    elif [ $st -gt 2 ]; then
        bad "catastrophic pattern ($mode): exit status $st"; sed 's/^/    | /' "$err" | head -n 20
    else
        ok "catastrophic pattern ($mode): finished in ${took} s with status $st"
    fi
    n=$(grep -c "signature 'slow-rule' .*took too long on .*u_ex160613.log:4 and 2 more lines" "$err")
    if [ "$n" -eq 1 ]; then
        ok "catastrophic pattern ($mode): said once, with the rule and the first file:line"
    else
        bad "catastrophic pattern ($mode): expected one note naming slow-rule and u_ex160613.log:4, got:"
        sed 's/^/    | /' "$err"
    fi
done
if grep -qF "signature 'slow-message'" "$err"; then
    ok "catastrophic pattern over the message: noted too"
else
    bad "catastrophic pattern over the message: no note"
fi

# ---- the interface, its raw byte stream recorded ---------------------------------------------
# pipe-pane -O records every byte the program writes to its terminal; the program waits for
# the recording to start before it runs
stream="$tmp/stream"
screens="$tmp/screens"
: >"$screens"
session 160 45 "while [ ! -f '$tmp/go' ]; do sleep 0.05; done; env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$bin' '$hostile'"
tmux -L "$sock" pipe-pane -O "cat >'$stream'"
touch "$tmp/go"

screen="$tmp/screen"
wait_for() { # TEXT: until the screen shows it, at most ~15 s; every screen is kept
    i=0
    while [ $i -lt 150 ]; do
        tmux -L "$sock" capture-pane -p >"$screen" 2>/dev/null
        if grep -qF -- "$1" "$screen"; then cat "$screen" >>"$screens"; return 0; fi
        i=$((i + 1))
        sleep 0.1
    done
    cat "$screen" >>"$screens"
    return 1
}
expect() { # NAME TEXT
    if wait_for "$2"; then ok "interface: $1"; else bad "interface: $1: the screen does not show '$2'"; sed 's/^/    | /' "$screen"; fi
}
keys() {
    tmux -L "$sock" send-keys "$@"
}
escape() { # Escape alone: the next key must not arrive within curses' escape delay
    sleep 0.2
    tmux -L "$sock" send-keys Escape
    sleep 0.3
}

expect "up on the hostile case" "help"
expect "timeline shows a hostile message escaped" 'a line of another component \x1b[2J\x1b[31mRED\x1b]0;pwned\x07'
keys g
expect "first line" "line 1/"
keys Enter
expect "raw view of a hostile file, its name escaped" 'crp\x9b\x1b[2J/u_ex\u2066.log'
expect "raw view shows a hostile user agent escaped" 'NDES_Plugin\x1b[2J\x1b[31mRED\x1b]0;pwned'
keys q
keys / 'operation=PKIOperation' Enter
expect "search moves to the PKIOperation" "/operation=PKIOperation"
keys Enter
expect "raw view of the NDES IIS log" 'ndes\x1b]0;pwned\x07\u202e/u_ex160613\x1b]52;c;cHduZWQ=\x07.log'
expect "raw view shows the query escaped" 'message=\x1b[2J\x1b[31mRED\x1b]0;pwned\x07'
keys q
keys G
expect "last line" "line 1"
keys Enter
expect "raw view of another file" 'line '
keys q
keys 2
expect "explain panel of step 2" "Step 2"
escape
keys 4
expect "explain panel of step 4" "Step 4"
keys e
expect "evidence of step 4" "evidence"
escape
keys / 'EVIL' Enter
expect "search for a hostile string" "/EVIL"
keys n
keys f
expect "GUID filter prompt" "filter GUID:"
keys 5c0d
expect "GUID filter offers the device" "device 5c0d8f2e"
keys Enter
expect "GUID filter applied" "attempt of device 5c0d8f2e"
keys F
keys '?'
expect "help" "Keys (keymap default)"
keys q
keys w
expect "walkthrough" "Step "
keys Right
escape
keys q
if wait_exit && [ "$(cat "$tmp/exited")" = 0 ]; then
    ok "interface: q quits, status 0"
else
    bad "interface: q did not quit with status 0 ($(cat "$tmp/exited" 2>/dev/null))"
fi
tmux -L "$sock" pipe-pane 2>/dev/null
sleep 0.2

if [ -s "$stream" ]; then ok "interface: its output was recorded ($(wc -c <"$stream") bytes)"; else bad "interface: nothing recorded"; fi
# curses writes its own clear-screen and colour sequences: look for the log's own payloads
leaks=""
leak() { # NAME BYTES (printf format)
    LC_ALL=C grep -qF -- "$(printf "$2")" "$stream" && leaks="$leaks $1"
}
leak "OSC-0-title" '\033]0;pwned'
leak "OSC-52-clipboard" '\033]52;'
leak "DCS" '\033P1$q'
leak "BEL-ended-title" ']0;pwned\007'
leak "backspaces" 'BS\010'
leak "CSI-2J-after-RED" 'RED\033['
if [ -z "$leaks" ]; then ok "interface: no OSC, DCS or backspaces of the log in its output"; else bad "interface: raw sequences of the log in its output:$leaks"; fi
if LC_ALL=C grep -qF -f "$forbidden" "$stream"; then
    bad "interface: a C1 control or a bidi control reached the terminal"
else
    ok "interface: no C1 control, no bidi control in its output"
fi
if iconv -f UTF-8 -t UTF-8 <"$stream" >/dev/null 2>&1; then
    ok "interface: its output is valid UTF-8 (no raw 0x9b, no bad byte)"
else
    bad "interface: its output is not valid UTF-8"
fi
if grep -qF '\u202e' "$screens" && grep -qF '\x9b' "$screens" && grep -qF '\u009b' "$screens"; then
    ok "interface: bidi override and C1 controls shown as \\u202e, \\x9b, \\u009b"
else
    bad "interface: the escaped forms were not seen on the screen"
fi

# the catastrophic pattern in the interface: the playbook's note, then a search that gives up
session 120 30 "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$bin' --playbook '$tmp/slow.yaml' '$slow'"
expect "playbook pattern that gave up: said on the status line" "the pattern took too long on"
keys g / '(a|aa)+$' Enter
expect "search that gives up: stopped and said" "search stopped"
keys q
tmux -L "$sock" kill-server 2>/dev/null

echo "safety: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
