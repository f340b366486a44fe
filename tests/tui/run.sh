#!/bin/sh
# tui/run.sh - drives the real program inside tmux, as a user would: sends keys, reads the
# screen with capture-pane and checks what it shows. Waits for the screen to reach a state
# (polling capture-pane), never for a fixed time. Ends with "tui: N passed, N failed".
# usage: tests/tui/run.sh BINARY
bin=${1:-./scepscope}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
base="scepscope-tui-$$"
n_sessions=0
sock="$base-0"
passed=0
failed=0
screen=$(mktemp)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -f "$screen"' EXIT

if ! command -v tmux >/dev/null 2>&1; then
    echo "tui: tmux is missing (make deps installs it)"
    echo "tui: 0 passed, 1 failed"
    exit 1
fi

# start W H ENV... -- ARGS...: a fresh session running the program
start() {
    w=$1; h=$2; shift 2
    envs=""
    while [ "$1" != "--" ]; do envs="$envs $1"; shift; done
    shift
    # each run gets a server of its own: no race with the one being stopped
    tmux -L "$sock" kill-server 2>/dev/null
    n_sessions=$((n_sessions + 1))
    sock="$base-$n_sessions"
    tmux -L "$sock" -f /dev/null new-session -d -x "$w" -y "$h" \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $envs $bin $*; sleep 30"
}

capture() {
    tmux -L "$sock" capture-pane -p "$@" >"$screen" 2>/dev/null
}

# wait_for TEXT: until the screen shows TEXT (a fixed string), at most ~15 s
wait_for() {
    i=0
    while [ $i -lt 150 ]; do
        capture
        if grep -qF -- "$1" "$screen"; then return 0; fi
        i=$((i + 1))
        sleep 0.1
    done
    return 1
}

keys() {
    tmux -L "$sock" send-keys "$@"
}

ok() {
    passed=$((passed + 1))
}

bad() {
    failed=$((failed + 1))
    echo "FAIL: $1"
    sed 's/^/    | /' "$screen"
}

# expect NAME TEXT: the screen shows TEXT (waiting for it)
expect() {
    if wait_for "$2"; then ok; else bad "$1: the screen does not show '$2'"; fi
}

# expect_re NAME REGEX: the current screen (after waiting for WAIT if given) matches REGEX
expect_re() {
    capture
    if grep -qE -- "$2" "$screen"; then ok; else bad "$1: no line matches /$2/"; fi
}

# expect_gone NAME TEXT: the screen stops showing TEXT (waiting for it)
expect_gone() {
    i=0
    while [ $i -lt 150 ]; do
        capture
        if ! grep -qF -- "$2" "$screen"; then ok; return; fi
        i=$((i + 1))
        sleep 0.1
    done
    bad "$1: the screen still shows '$2'"
}

# ---- the six panes, their labels and marks, for every sample, at 80x24 --------------------
check_panes() { # SAMPLE "MARK1 MARK2 ... MARK6" (of the attempt shown first)
    start 80 24 -- "samples/$1"
    if ! wait_for "help"; then bad "$1: the interface did not come up"; return; fi
    set -- "$1" $2
    sample=$1; shift
    n=1
    for label in "Client sync" "Client -> NDES" "NDES -> CRP" "CRP checks" "CA issues" "NDES -> client"; do
        mark=$1; shift
        expect_re "$sample pane $n" " $n $label.* $mark "
        n=$((n + 1))
    done
}

check_panes hybrid-success "OK OK OK OK OK OK"
check_panes step5-ca-denied "-- OK OK OK FAIL --"
check_panes step2-device-404 "OK FAIL -- -- -- --"
check_panes step2-query-too-long "-- FAIL -- -- -- --"
check_panes step2-500-impersonation "-- FAIL -- -- -- --"
check_panes step3-crp-tls-12175 "-- OK FAIL -- -- --"
check_panes step3-crp-no-answer "-- OK FAIL -- -- --"
check_panes step4-challenge-false "-- OK WARN FAIL -- --"
check_panes step4-crp-403-client-cert "-- OK WARN FAIL -- --"
check_panes busy-day "-- OK WARN FAIL -- --"
check_panes step5-ca-denied-certutil "-- OK OK OK FAIL --"
check_panes step2-tls-alert "-- FAIL -- -- -- --"
check_panes step1-profile-failed "FAIL -- -- -- -- --"
check_panes step6-not-in-store "-- OK OK OK OK FAIL"
check_panes android-success "OK OK OK OK OK OK"
check_panes ios-success "OK OK OK OK OK OK"
check_panes ios-ra-response-invalid "OK FAIL -- -- -- --"

# ---- step 1 of a device's own log: the next sync by its platform's schedule ---------------
start 100 30 -- samples/android-success
expect "android up" "attempt 1 of 1"
keys 1
expect "android step 1 sync" "Sync: last sync seen 2016-06-20 05:16:08 (Android): the next automatic sync is due about"
start 100 30 -- samples/ios-ra-response-invalid
expect "ios up" "FAILED at step 2"
keys 1
expect "ios step 1 sync" "Sync: last sync seen 2016-06-21 15:41:18 (iOS): the next automatic sync is due about"
keys 2
expect "ios step 2 finding" "Found: FAILED"
expect "ios step 2 explanation" "The device refused NDES's answer to GetCACert"

# ---- the attempt shown and its diagnosis --------------------------------------------------
start 80 24 -- samples/step4-challenge-false
expect "attempt line" "attempt 2 of 2"
expect "attempt fails" "FAILED at step 4"
expect "device in the attempt line" "device 5c0d8f2e"

# ---- a step selected: the explain panel ---------------------------------------------------
keys 4
expect "explain title" "Step 4: CRP verifies the device and the challenge"
expect "explain finding" "Found: FAILED"
expect "explain fix" "Fix:"
keys e
expect "evidence visited" "evidence 1 of"
keys Escape
expect_gone "explain closed" "Step 4: CRP verifies"

# ---- Enter opens the raw line; back returns ------------------------------------------------
keys 4
expect "decisive line selected" "Found: FAILED"
keys Escape
expect_gone "explain closed again" "Found: FAILED"
keys Enter
expect "raw view header" "line 25 of 26  (cmtrace, crp"
expect_re "raw view marks the line" "^ +25>.*Validation Phase 3 finished with status False"
keys q
expect "back from raw" "attempt 2 of 2"

# ---- search: a bad pattern is an error in the status line, a good one moves ---------------
keys / '(abc' Enter
expect "bad regex message" "missing closing parenthesis"
keys / 'status False' Enter
expect "search result" "Validation Phase 3 finished with status False"
expect "search in status" "/status False"

# ---- help, built from the keymap ------------------------------------------------------------
keys '?'
expect "help title" "Keys (keymap default)"
expect_re "help shows keys of down" "j.*next line|Down.*next line"
keys NPage
expect "help lists search" "search with a regular expression"
keys q
expect "back from help" "attempt 2 of 2"

# ---- walkthrough --------------------------------------------------------------------------
keys w
expect "walkthrough title" "Step 4 of 6:  CRP verifies the device and the challenge"
expect "walkthrough verdict" "FAIL: this step failed"
expect "walkthrough fix" "What to do"
keys Right
expect "walkthrough next" "Step 5 of 6:"
keys Escape
expect "walkthrough left" "attempt 2 of 2"
start 80 24 -- --walkthrough samples/step3-crp-tls-12175
expect "--walkthrough opens on the failing step" "Step 3 of 6:  NDES asks the CRP to verify the challenge"

# ---- the GUID filter on the busy day -------------------------------------------------------
start 80 24 -- samples/busy-day
expect "busy day up" "attempt 15 of 40"
keys f
expect "filter prompt" "filter GUID:"
keys 1f2e
expect "filter offers the GUID typed" "device 1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9 (1)"
keys Enter
expect "filter applied" "1 attempt of device 1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
keys ']'
expect "only one attempt" "no later attempt"
keys G
expect_re "filtered timeline ends in the attempt" "crp +\\[5\\]|ndesplugin +\\[[345]\\]|Verify challenge returns false"
keys F
expect "filter cleared" "filter cleared: all 40 attempts"

# ---- time jump ------------------------------------------------------------------------------
keys t '15:43:10' Enter
expect "time jump" "attempt 31 of 40"

# ---- next/previous attempt ---------------------------------------------------------------
keys ']'
expect "next attempt" "attempt 32 of 40"
keys '['
expect "previous attempt" "attempt 31 of 40"

# ---- mono theme: no colour, marks still there ----------------------------------------------
start 80 24 NO_COLOR=1 -- samples/step4-challenge-false
expect "mono up" "FAILED at step 4"
expect_re "mono marks" "4 CRP checks.* FAIL "
tmux -L "$sock" capture-pane -p -e >"$screen"
if grep -qE '\[(3[0-7]|4[0-7]|38;|48;|9[0-7]|10[0-7])(;|m)' "$screen"; then
    bad "mono theme: colour escapes on screen"
else
    ok
fi

# ---- a large terminal: one row of six panes, dates and file names ---------------------------
start 200 50 -- samples/hybrid-success
expect "wide layout" "help"
expect_re "six panes in a row" "1 Client sync.*2 Client -> NDES.*3 NDES -> CRP.*4 CRP checks.*5 CA issues.*6 NDES -> client"
expect_re "wide rows show the date and file" "2016-06-10T02:44:11.789Z ndesplugin +NDESPlugin.log"

# ---- ASCII line drawing ---------------------------------------------------------------------
start 80 24 -- --ascii samples/hybrid-success
expect "ascii up" "help"
expect_re "ascii borders" "^\\+ 1 Client sync-+ OK \\+"

# ---- resize lays out again -------------------------------------------------------------------
start 80 24 -- samples/hybrid-success
expect "before resize" "help"
tmux -L "$sock" resize-window -x 200 -y 50 2>/dev/null || tmux -L "$sock" resize-pane -x 200 -y 50
if wait_for "6 NDES -> client"; then
    expect_re "resize to wide" "1 Client sync.*6 NDES -> client"
else
    bad "resize: no wide layout"
fi

# ---- a log line cannot drive the terminal --------------------------------------------------
start 80 24 -- tests/fixtures/mixed
expect "escape shown, not obeyed" "\\x1b]0;owned\\x07"

# ---- q quits and gives the terminal back ---------------------------------------------------
start 80 24 -- samples/hybrid-success
expect "up before quit" "help"
keys q
i=0
while [ $i -lt 100 ]; do
    cmd=$(tmux -L "$sock" display-message -p '#{pane_current_command}' 2>/dev/null)
    [ "$cmd" = "sleep" ] && break
    i=$((i + 1)); sleep 0.1
done
if [ "$cmd" = "sleep" ]; then ok; else bad "q did not quit (still running: $cmd)"; fi

echo "tui: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
