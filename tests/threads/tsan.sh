#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/unit/test_threads.c, test_json_stream.c (files read ahead, the
# repeated lists taken out on the reading thread) and test_schema_relay.c
# (the schema checked on a thread of its own) under ThreadSanitizer: the
# library and those tests only, built with -fsanitize=thread in a build tree of their own
# ($ESPI_BUILD/tsan, kept between runs so a re-run only rebuilds what
# changed); any ThreadSanitizer report fails. libxml2, libxslt and the other
# libraries are not instrumented, so this sees races in espi's own memory
# (and through the locks and allocations they make), not inside them.
# Skipped (77) where the compiler cannot build with ThreadSanitizer, and in
# the ASan build (ESPI_SANITIZED), which cannot be combined with it.
set -euo pipefail
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source folder}" "${ESPI_BUILD:?set ESPI_BUILD}"
[ -z "${ESPI_SANITIZED:-}" ] || { echo "skip: ThreadSanitizer runs in the plain build"; exit 77; }
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int main(void) { return 0; }\n' >"$tmp/t.c"
if ! "$cc" -fsanitize=thread "$tmp/t.c" -o "$tmp/t" 2>/dev/null || ! "$tmp/t"; then
    echo "skip: $cc cannot build or run with -fsanitize=thread (libtsan)"
    exit 77
fi

build=$ESPI_BUILD/tsan
flags="-fsanitize=thread -g -O1 -fno-omit-frame-pointer"
cmake -S "$ESPI_SOURCE" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
    -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread -DESPI_SANITIZE=OFF >"$tmp/configure.log" 2>&1 ||
    { cat "$tmp/configure.log"; echo "FAIL: configuring the ThreadSanitizer build"; exit 1; }
tests="test_threads test_json_stream test_schema_relay"
# shellcheck disable=SC2086 # two targets
cmake --build "$build" --target $tests -j "$(nproc)" >"$tmp/build.log" 2>&1 ||
    { tail -40 "$tmp/build.log"; echo "FAIL: building $tests with ThreadSanitizer"; exit 1; }

for test in $tests; do
    # exitcode 66: a report fails the run whatever the test itself said
    status=0
    ESPI_TESTDATA=$ESPI_SOURCE/testdata TSAN_OPTIONS="exitcode=66 halt_on_error=0 second_deadlock_stack=1" \
        "$build/tests/$test" >"$tmp/run.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ] || grep -q "ThreadSanitizer" "$tmp/run.log"; then
        cat "$tmp/run.log"
        echo "FAIL: $test under ThreadSanitizer (exit $status)"
        exit 1
    fi
    grep -E "^\[  PASSED  \]" "$tmp/run.log"
    echo "ok   $test under ThreadSanitizer: no report"
done
