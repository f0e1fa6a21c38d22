# SPDX-License-Identifier: Apache-2.0
# common.bash - sourced by tests/faults/*.sh (not a test itself: the glob
# takes *.sh only). ctest sets ESPI (the binary), ESPI_SOURCE and ESPI_BUILD.
#
# Every check prints "ok - ..." or "FAIL - ..."; finish exits 1 when one
# failed, 77 (skip) when told to skip everything, else 0.
set -u
ESPI=${ESPI:?ESPI must name the espi binary}
SRC=${ESPI_SOURCE:-$(pwd)}
BUILD=${ESPI_BUILD:-$(dirname "$(dirname "$(dirname "$ESPI")")")}
UPDATED="--updated 2026-11-28T00:00:00Z"
work=$(mktemp -d)
chmod 755 "$work" # an unprivileged user may have to reach it
cleanups=()
cleanup() {
    local c
    for c in "${cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT
fails=0

ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "skip - $*"; }

# run ARGS...: runs espi with stdout and stderr in $work/stdout, $work/stderr;
# sets $rc. RUN_PREFIX (an array) goes before the binary (setpriv ...).
RUN_PREFIX=()
run() {
    "${RUN_PREFIX[@]}" "$ESPI" "$@" >"$work/stdout" 2>"$work/stderr"
    rc=$?
}

# check WHAT WANT_RC STDERR_REGEX: the last run's exit code and message, and
# no sanitizer report.
check() {
    local what=$1 want=$2 re=$3 good=1
    if [ "$rc" != "$want" ]; then
        bad "$what: exit code $rc, expected $want"
        good=0
    fi
    if [ -n "$re" ] && ! grep -Eq -- "$re" "$work/stderr"; then
        bad "$what: stderr has no line matching: $re"
        good=0
    fi
    if grep -Eq 'Sanitizer|runtime error:|==[0-9]+==' "$work/stderr"; then
        bad "$what: sanitizer or valgrind report"
        good=0
    fi
    if [ $good = 0 ]; then
        sed 's/^/    stderr: /' "$work/stderr" | head -8
    else
        ok "$what"
    fi
}

# no_temp WHAT DIR: no temporary output file (".NAME.XXXXXX") left in DIR.
no_temp() {
    local left
    left=$(find "$2" -maxdepth 1 -name '.*.??????' 2>/dev/null | head -1)
    if [ -n "$left" ]; then bad "$1: temporary file left behind: $left"; else ok "$1: no temporary file left"; fi
}

# absent WHAT FILE
absent() {
    if [ -e "$2" ]; then bad "$1: $2 exists"; else ok "$1: no output file"; fi
}

# same WHAT FILE SUM: FILE's sha256 is still SUM.
sum() { sha256sum "$1" | cut -d' ' -f1; }
same() {
    if [ -f "$2" ] && [ "$(sum "$2")" = "$3" ]; then ok "$1: existing output untouched"
    else bad "$1: existing output $2 changed or gone"; fi
}

# Inputs, made once per script: a small SmartHub poll, a Green Button feed.
small_json=$SRC/testdata/smarthub/valid_15min_netmeter_cost_week.json
small_xml=$SRC/testdata/bad/valid_feed.xml

# gen_feed N FILE: a valid Green Button feed of N hourly readings (about
# 250 bytes of XML and 190 bytes of CSV each), from the benchmark generator.
gen_feed() {
    "$BUILD/tests/gen_feed" --readings "$1" >"$2" || { bad "gen_feed failed"; finish; }
}

finish() {
    if [ $fails -ne 0 ]; then
        echo "$fails check(s) failed"
        exit 1
    fi
    exit 0
}

# nothread_shim: builds $work/nothread.so, an LD_PRELOAD shim whose pthread_create always
# fails (EAGAIN), so that espi's ways without a thread run; returns 1 with the reason in
# $shim_why when it cannot (no C compiler, a sanitizer build, a compile error).
nothread_shim() {
    local cc
    cc=$(command -v cc || command -v gcc || true)
    if [ -z "$cc" ]; then
        shim_why="no C compiler"
        return 1
    fi
    if ldd "$ESPI" 2>/dev/null | grep -q 'libasan\|libtsan'; then
        shim_why="sanitizer build: an LD_PRELOAD shim does not load before its runtime"
        return 1
    fi
    cat >"$work/nothread.c" <<'EOF'
#include <errno.h>
#include <pthread.h>
int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg)
{
    (void)t, (void)a, (void)f, (void)arg;
    return EAGAIN;
}
EOF
    if ! "$cc" -shared -fPIC -o "$work/nothread.so" "$work/nothread.c" 2>"$work/cc.err"; then
        shim_why="the LD_PRELOAD shim does not build: $(head -1 "$work/cc.err")"
        return 1
    fi
}
