#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# stdout closed by the reader (espi dump big.xml | head -1) or closed before
# the start (>&-): exit code 3, one message naming <stdout>, no crash (no
# death by SIGPIPE: espi ignores it and reports EPIPE), no sanitizer report.
. "$(dirname "$0")/common.bash"

gen_feed 20000 "$work/big.xml" # 4 MB of CSV: far more than a pipe holds

# one_line WHAT REGEX: stderr is exactly one line, and it matches
one_line() {
    local n
    n=$(wc -l <"$work/stderr")
    if [ "$n" = 1 ]; then ok "$1: one line on stderr"; else bad "$1: $n lines on stderr"; fi
}

"$ESPI" dump "$work/big.xml" 2>"$work/stderr" | head -1 >"$work/head"
rc=${PIPESTATUS[0]}
check "dump big.xml | head -1" 3 '^<stdout>: error: write: cannot write the output: Broken pipe'
one_line "dump | head -1"
grep -q '^usage_point,' "$work/head" && ok "dump | head -1: head got the header" || bad "dump | head -1: no header"

"$ESPI" dump --format jsonl "$work/big.xml" 2>"$work/stderr" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
check "dump --format jsonl | head -1" 3 '^<stdout>: error: write: cannot write the output: Broken pipe'
one_line "dump --format jsonl | head -1"

"$ESPI" convert -q $UPDATED "$SRC/testdata/smarthub/valid_15min_netmeter_cost_week.json" 2>"$work/stderr" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
check "convert | head -1" 3 '^<stdout>: error: io: cannot write the output: Broken pipe'
one_line "convert | head -1"

# closed from the start: the descriptor stays taken by espi (so no temporary
# file gets it) and every write fails with EBADF
"$ESPI" dump "$small_xml" 2>"$work/stderr" >&-
rc=$?
check "dump >&-" 3 '^<stdout>: error: write: cannot write the output: Bad file descriptor'
"$ESPI" convert $UPDATED "$small_json" 2>"$work/stderr" >&-
rc=$?
check "convert >&-" 3 '^<stdout>: error: io: cannot write the output: Bad file descriptor'
"$ESPI" validate "$small_xml" 2>"$work/stderr" >&-
rc=$?
check "validate >&-" 3 '^<stdout>: error: write: cannot write the report: Bad file descriptor'
finish
