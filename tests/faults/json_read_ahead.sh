#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A large SmartHub poll response is read ahead by a second thread, which
# also runs the token guard (src/convert/smarthub/json_stream.c). Inputs of
# many chunks with what the guard and the start check handle: a byte order
# mark, part of one, 150,000 blanks first, a string and a number longer
# than 64 KiB in the middle (the string after a byte order mark too), a long string across a chunk boundary, a
# syntax error, a file cut short; inside the repeated lists that are taken
# out when read ahead (meterToChartData): a syntax error, the file cut
# short, nesting too deep, bytes not UTF-8; and a pretty-printed file with a
# bad point after them (lines counted through them). Each gives its code and, when an
# LD_PRELOAD shim can stop every thread (a C compiler at hand, no
# sanitizer), the very stderr, exit code and bytes of the reading without
# the thread. And the thread is started for a file, named or given as stdin, and
# not for a pipe.
. "$(dirname "$0")/common.bash"

gen="$BUILD/tests/gen_poll"
if [ ! -x "$gen" ]; then
    echo "skip: $gen is not built"
    exit 77
fi
"$gen" --days 60 --minutes 15 >"$work/p.json" || { bad "gen_poll failed"; finish; }
python3 - "$work" <<'EOF' || { bad "making the inputs failed"; finish; }
import sys
w = sys.argv[1]
s = open(w + "/p.json", "rb").read()
def put(name, data):
    open(w + "/" + name + ".json", "wb").write(data)
put("bom", b"\xef\xbb\xbf" + s)
put("part_bom", b"\xef\xbb" + s)
put("blanks", b" " * 100000 + b"\n" * 50000 + s)
i = s.find(b'"seriesId"', 2000000)
put("long_string", s[:i] + b'"zz":"' + b"a" * 70000 + b'",' + s[i:])
put("long_number", s[:i] + b'"zz":' + b"1" * 70000 + b"," + s[i:])
put("bom_long", b"\xef\xbb\xbf" + s[:i] + b'"zz":"' + b"a" * 70000 + b'",' + s[i:])
e = 65536 * 3 - 3
put("across", s[:e] + b'"' + b"b" * 65534 + b'",' + s[e:])
j = s.find(b'"x":', 4000000)
put("syntax", s[:j] + b'"x":: ' + s[j + 4:])
put("cut", s[:3000001])
# inside the lists every point is repeated in (meterToChartData), which
# are taken out before the parse when read ahead
m = s.find(b'"meterToChartData":{') + len(b'"meterToChartData":{')
k = s.find(b'"x":', m + 100000)
put("dup_syntax", s[:k] + b'"x":: ' + s[k + 4:])
c = s.find(b',{', m + 200000)
put("dup_cut", s[:c + 1])
put("dup_deep", s[:m] + b'"deep":' + b"[" * 70 + b"]" * 70 + b"," + s[m:])
put("dup_utf8", s[:k] + b'"x":"\xc3\x28",' + s[k:])
import json
d = json.loads(s)
d["data"]["ELECTRIC"][1]["series"][0]["data"][5]["y"] = "1.2.3"
put("pretty", json.dumps(d, indent=1).encode())
EOF

# NAME EXIT STDERR_REGEX
expect() {
    local name=$1 want=$2 re=$3
    "$ESPI" convert --from smarthub-json $UPDATED -o "$work/out.xml" "$work/$name.json" \
        >/dev/null 2>"$work/stderr"
    rc=$?
    check "$name" "$want" "$re"
    cp "$work/stderr" "$work/$name.threaded"
    [ "$rc" = 0 ] && mv "$work/out.xml" "$work/$name.xml"
}
expect bom 0 '^espi: wrote .*17280 readings'
expect part_bom 1 'part_bom.json:1:2: error: json-syntax: '
expect blanks 0 '^espi: wrote .*17280 readings'
expect long_string 1 'long_string.json:1:[0-9]+: error: json-token-too-long: '
expect long_number 1 'long_number.json:1:[0-9]+: error: json-token-too-long: '
expect bom_long 1 'bom_long.json:1:[0-9]+: error: json-token-too-long: '
expect across 1 'across.json:1:196608: error: json-syntax: '
expect syntax 1 'syntax.json:1:[0-9]+: error: json-syntax: malformed JSON: parse error'
expect cut 1 'cut.json:1:3000002: error: json-syntax: malformed JSON: parse error: premature EOF'
expect dup_syntax 1 'dup_syntax.json:1:[0-9]+: error: json-syntax: malformed JSON: parse error'
expect dup_cut 1 'dup_cut.json:1:[0-9]+: error: json-syntax: malformed JSON: parse error: premature EOF'
expect dup_deep 1 'dup_deep.json:1:[0-9]+: error: json-too-deep: JSON nesting deeper than 64 levels'
expect dup_utf8 1 'dup_utf8.json:1:[0-9]+: error: json-syntax: malformed JSON: lexical error: invalid bytes in UTF8 string'
expect pretty 1 'pretty.json:[0-9]+:[0-9]+: error: '

# A pipe is not read ahead: a syntax error early in a large input is said at once, even while
# the writer keeps the pipe open (a reading thread would wait for its next bytes first).
head -c 70000 "$work/syntax.json" >"$work/early.json"
j=$(grep -bo '"x":' "$work/early.json" | head -1 | cut -d: -f1)
python3 - "$work/early.json" "$j" <<'PY'
import sys
p, j = sys.argv[1], int(sys.argv[2])
s = open(p, "rb").read()
open(p, "wb").write(s[:j] + b'"x":: ' + s[j + 4:])
PY
mkfifo "$work/fifo"
(cat "$work/early.json"; sleep 20) >"$work/fifo" &
writer=$!
timeout 15 "$ESPI" convert --from smarthub-json $UPDATED -o "$work/out.xml" - \
    <"$work/fifo" >/dev/null 2>"$work/stderr"
rc=$?
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
if [ "$rc" = 124 ]; then
    bad "pipe held open: espi still waiting after 15 s"
else
    check "pipe held open, an early syntax error, said at once" 1 \
        '<stdin>:1:[0-9]+: error: json-syntax: '
fi

# The thread is used where it pays: a regular file named on the command line or
# given as stdin, not a pipe. Counted by a shim that notes each pthread_create
# (--dry-run: the feed is not written, so no check runs on threads of its own).
threads_started() { # file, stdin or pipe; prints the count
    : >"$work/threads.log"
    export ESPI_TEST_THREAD_LOG="$work/threads.log"
    case $1 in
    file) LD_PRELOAD="$work/countthread.so" "$ESPI" convert --dry-run -q $UPDATED \
        "$work/bom.json" >/dev/null 2>&1 ;;
    stdin) LD_PRELOAD="$work/countthread.so" "$ESPI" convert --dry-run -q $UPDATED - \
        <"$work/bom.json" >/dev/null 2>&1 ;;
    pipe) cat "$work/bom.json" | LD_PRELOAD="$work/countthread.so" "$ESPI" convert \
        --dry-run -q $UPDATED - >/dev/null 2>&1 ;;
    esac
    unset ESPI_TEST_THREAD_LOG
    wc -l <"$work/threads.log"
}
cc=$(command -v cc || command -v gcc || true)
if [ -z "$cc" ] || ldd "$ESPI" 2>/dev/null | grep -q 'libasan\|libtsan'; then
    skip "no C compiler, or a sanitizer build: the threads started are not counted"
elif [ "$(nproc)" -lt 2 ]; then
    skip "one core: nothing is read ahead"
else
    cat >"$work/countthread.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
typedef int create_fn(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg)
{
    create_fn *real = (create_fn *)dlsym(RTLD_NEXT, "pthread_create");
    const char *log = getenv("ESPI_TEST_THREAD_LOG");
    FILE *out = log ? fopen(log, "a") : NULL;
    if (out) {
        fputs("thread\n", out);
        fclose(out);
    }
    return real(t, a, f, arg);
}
EOF
    if ! "$cc" -shared -fPIC -o "$work/countthread.so" "$work/countthread.c" -ldl 2>"$work/cc.err"; then
        skip "the counting shim does not build: $(head -1 "$work/cc.err")"
    else
        n=$(threads_started file)
        if [ "$n" -ge 1 ]; then ok "a file is read ahead ($n thread)"
        else bad "a file named on the command line was not read ahead (no thread started)"; fi
        n=$(threads_started stdin)
        if [ "$n" -ge 1 ]; then ok "a file given as stdin is read ahead ($n thread)"
        else bad "a regular file on stdin was not read ahead (no thread started)"; fi
        n=$(threads_started pipe)
        if [ "$n" = 0 ]; then ok "a pipe is not read ahead"
        else bad "a pipe was read ahead ($n threads started)"; fi
    fi
fi

if ! nothread_shim; then
    skip "$shim_why: not compared with the reading without the thread"
else
    for name in bom part_bom blanks long_string long_number bom_long across syntax cut \
        dup_syntax dup_cut dup_deep dup_utf8 pretty; do
        LD_PRELOAD="$work/nothread.so" "$ESPI" convert --from smarthub-json $UPDATED \
            -o "$work/out.xml" "$work/$name.json" >/dev/null 2>"$work/stderr"
        if cmp -s "$work/stderr" "$work/$name.threaded"; then ok "$name: as without the thread"
        else
            bad "$name: stderr differs from the reading without the thread"
            diff "$work/$name.threaded" "$work/stderr" | head -4 | sed 's/^/    /'
        fi
        if [ -f "$work/$name.xml" ] && ! cmp -s "$work/out.xml" "$work/$name.xml"; then
            bad "$name: output differs from the reading without the thread"
        fi
        rm -f "$work/out.xml"
    done
fi
finish
