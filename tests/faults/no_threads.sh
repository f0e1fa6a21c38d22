#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# -j where threads or the workers' spool files cannot be had: the output is still that of
# -j 1, only slower (docs/scale.md).
#   * no thread can be started (a process limit; here an LD_PRELOAD shim whose
#     pthread_create fails): validate and dump of several FILEs (whose default is -j with the
#     cores) and convert --output-dir -j 2 run every job in the calling thread;
#   * TMPDIR names a folder that does not exist, so no job can spool its stdout: each job is
#     run by the calling thread in its turn.
# Each compared with -j 1: stdout, stderr and exit code (convert: the output folder too).
. "$(dirname "$0")/common.bash"

files=("$SRC"/testdata/espi/valid_*.xml "$SRC"/testdata/espi/invalid_*.xml)
polls=("$SRC"/testdata/smarthub/valid_hourly_netmeter_5h.json
    "$SRC"/testdata/smarthub/invalid_json-syntax_truncated.json
    "$SRC"/testdata/smarthub/valid_15min_netmeter_cost_week.json)

# same WHAT NAME: runs $work/NAME.{out,err,rc} against $work/ref.{out,err,rc}
same_as_ref() {
    if cmp -s "$work/ref.out" "$work/$2.out" && cmp -s "$work/ref.err" "$work/$2.err" &&
        cmp -s "$work/ref.rc" "$work/$2.rc"; then
        ok "$1: as -j 1"
    else
        bad "$1: differs from -j 1 (exit $(cat "$work/$2.rc"), -j 1: $(cat "$work/ref.rc"))"
        diff "$work/ref.err" "$work/$2.err" | head -4 | sed 's/^/    /'
    fi
}

# each NAME ENV... -- ARGS...: espi ARGS with ENV, into $work/NAME.*
each() {
    local name=$1 envs=()
    shift
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    env "${envs[@]}" "$ESPI" "$@" >"$work/$name.out" 2>"$work/$name.err"
    echo $? >"$work/$name.rc"
}

for cmd in validate dump; do
    each ref X=1 -- "$cmd" -j 1 "${files[@]}"
    [ -s "$work/ref.out" ] && ok "$cmd: a report" || bad "$cmd: nothing on stdout"
    each nospool TMPDIR="$work/missing" -- "$cmd" -j 2 "${files[@]}"
    same_as_ref "$cmd -j 2, no spool in TMPDIR" nospool
    if nothread_shim; then
        each nothread LD_PRELOAD="$work/nothread.so" -- "$cmd" "${files[@]}"
        same_as_ref "$cmd, no thread can start" nothread
    else
        skip "$shim_why: $cmd without threads"
    fi
done

each ref X=1 -- convert $UPDATED -j 1 --output-dir "$work/ref.d" "${polls[@]}"
sed -i "s|$work/ref.d|OUT|g" "$work/ref.err"
each nospool TMPDIR="$work/missing" -- convert $UPDATED -j 2 --output-dir "$work/nospool.d" "${polls[@]}"
sed -i "s|$work/nospool.d|OUT|g" "$work/nospool.err"
same_as_ref "convert --output-dir -j 2, no spool in TMPDIR" nospool
diff -r "$work/ref.d" "$work/nospool.d" >/dev/null && ok "convert, no spool: the same outputs" ||
    bad "convert, no spool: outputs differ"
if nothread_shim; then
    each nothread LD_PRELOAD="$work/nothread.so" -- convert $UPDATED -j 2 \
        --output-dir "$work/nothread.d" "${polls[@]}"
    sed -i "s|$work/nothread.d|OUT|g" "$work/nothread.err"
    same_as_ref "convert --output-dir -j 2, no thread can start" nothread
    diff -r "$work/ref.d" "$work/nothread.d" >/dev/null && ok "convert, no thread: the same outputs" ||
        bad "convert, no thread: outputs differ"
fi
finish
