# SPDX-License-Identifier: Apache-2.0
# lib.bash - sourced by tests/fetch/*.sh: the SmartHub stand-in (standin.py) started on
# 127.0.0.1 and stopped at exit, espi fetch run with a time limit, and the counters.
# Every test talks to 127.0.0.1 only: the proxy variables are cleared, NO_PROXY is set.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
here=$ESPI_SOURCE/tests/fetch
tmp=$(mktemp -d)
pass=0
fail=0
standin_pid=
port=
base=

stop_standin() {
    if [ -n "$standin_pid" ]; then
        kill "$standin_pid" 2>/dev/null
        wait "$standin_pid" 2>/dev/null
    fi
    standin_pid=
}
trap 'stop_standin; rm -rf "$tmp"' EXIT

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY SOURCE_DATE_EPOCH
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# shellcheck source=../tools/testlib.sh
. "$ESPI_SOURCE/tests/tools/testlib.sh"
need_tools python3 timeout

ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

# start_standin [ARGS...]: the stand-in on a free port of 127.0.0.1; sets port and base.
start_standin() {
    stop_standin
    rm -f "$tmp/port"
    unset STANDIN_CA
    if [ "${1:-}" = --tls ]; then export STANDIN_CA=$2; fi
    python3 "$here/standin.py" --port-file "$tmp/port" --lifetime 120 "$@" &
    standin_pid=$!
    local i
    for i in $(seq 100); do
        [ -s "$tmp/port" ] && break
        sleep 0.1
    done
    [ -s "$tmp/port" ] || { echo "FAIL: the stand-in did not start"; echo "0 passed, 1 failed"; exit 1; }
    port=$(cat "$tmp/port")
    base=http://127.0.0.1:$port
}

ctl() { python3 "$here/standin_ctl.py" "$port" "$@"; }
stat_of() { python3 "$here/standin_ctl.py" "$port" stats "$1"; }
scenario() { ctl control "{\"reset\": true${1:+, $1}}"; }

PASSWORD=$(python3 "$here/standin_ctl.py" password)

# run NAME ARGS...: espi fetch ARGS with the password in the environment, at most 60 s;
# stdout, stderr and the exit code go to $tmp/NAME.{out,err,rc}.
run() {
    local name=$1
    shift
    timeout 60 env ESPI_SMARTHUB_PASSWORD="$PASSWORD" "$ESPI" fetch "$@" \
        >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
    echo $? >"$tmp/$name.rc"
}
rc_of() { cat "$tmp/$1.rc"; }
# expect_run NAME RC REGEX: the run ended with RC and its stderr matches REGEX
expect_run() {
    local name=$1 want=$2 re=$3 got
    got=$(rc_of "$name")
    if [ "$got" != "$want" ]; then
        bad "$name: exit $got, expected $want: $(head -c 400 "$tmp/$name.err")"
    elif ! grep -Eq -- "$re" "$tmp/$name.err"; then
        bad "$name: stderr does not match /$re/: $(head -c 400 "$tmp/$name.err")"
    else
        ok "$name: exit $want, $(grep -Eo -- "$re" "$tmp/$name.err" | head -1 | cut -c1-90)"
    fi
}

# the usual SmartHub arguments for the stand-in, quick polls
smarthub() { echo "smarthub --url $base --user pat@example.com --poll-interval 0.05"; }

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
