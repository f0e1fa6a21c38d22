#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The installed libraries export exactly the functions include/espi.h
# declares: no internal symbol (outbuf_init, graph_new, ...) can clash with
# a program's own, and nothing public is missing. Checks libespi.a (its
# global defined symbols) and libespi.so (its dynamic ones) against the
# names of the header's ESPI_API declarations.
set -euo pipefail
: "${ESPI_BUILD:?set ESPI_BUILD to the build folder}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source folder}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Declarations may span lines: join the header, then take the name before
# the first "(" of each ESPI_API declaration.
grep -v '^#' "$ESPI_SOURCE/include/espi.h" | tr '\n' ' ' | grep -o 'ESPI_API[^(;]*(' |
    sed -E 's/.*[^a-z0-9_]([a-z0-9_]+)[[:space:]]*\($/\1/' | sort -u >"$tmp/header"
[ -s "$tmp/header" ] || { echo "FAIL: no ESPI_API declaration found in espi.h"; exit 1; }

status=0
check() { # check LABEL FILE-OF-SYMBOLS
    sort -u "$2" >"$2.sorted"
    if ! diff -u "$tmp/header" "$2.sorted" >"$tmp/diff"; then
        echo "FAIL: $1 does not export exactly the functions of espi.h (- header only, + library only):"
        grep '^[-+][a-z_]' "$tmp/diff" || true
        status=1
    else
        echo "ok   $1: $(wc -l <"$tmp/header") functions, all declared in espi.h"
    fi
}
nm -g --defined-only "$ESPI_BUILD/src/libespi.a" | awk 'NF == 3 { print $3 }' >"$tmp/static"
check libespi.a "$tmp/static"
nm -D --defined-only "$ESPI_BUILD/src/libespi.so" | awk 'NF == 3 { print $3 }' >"$tmp/shared"
check libespi.so "$tmp/shared"

# A program that defines a name the library uses inside links with it.
cat >"$tmp/clash.c" <<'C'
#include <espi.h>
#include <stdio.h>
int outbuf_init(void);
int graph_new(void);
int outbuf_init(void) { return 1; }
int graph_new(void) { return 2; }
int main(void)
{
    printf("%d %s\n", outbuf_init() + graph_new(), espi_status_text(ESPI_OK));
    return 0;
}
C
# an instrumented library needs the sanitizers' runtimes at link time
sanitize=()
[ -n "${ESPI_SANITIZED:-}" ] && sanitize=(-fsanitize=address,undefined)
# (not libcurl: the library opens it with dlopen when a fetch needs it)
# shellcheck disable=SC2046 # the library's dependencies, as several words
cc "${sanitize[@]}" -I"$ESPI_SOURCE/include" "$tmp/clash.c" "$ESPI_BUILD/src/libespi.a" \
    $(pkg-config --libs libxml-2.0 libxslt yajl libcrypto libzip zlib) -ldl -lm -o "$tmp/clash" 2>"$tmp/link.err" ||
    { echo "FAIL: a program defining outbuf_init and graph_new does not link with libespi.a:"; cat "$tmp/link.err"; exit 1; }
"$tmp/clash" >/dev/null
echo "ok   a program with its own outbuf_init and graph_new links with libespi.a"
exit $status
