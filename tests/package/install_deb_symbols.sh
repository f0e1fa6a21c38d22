#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# debian/libespi0.symbols lists exactly the functions include/espi.h
# declares (the names libespi.so exports, as symbols.sh checks), so the
# Debian build's dpkg-gensymbols check cannot be surprised: a new function
# needs its line ("espi_x@Base VERSION", the version that adds it), a
# removed one needs a new soname. Quick; the .deb build itself is not part
# of the suite (debian/README.source).
set -euo pipefail
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source folder}"
symbols=$ESPI_SOURCE/debian/libespi0.symbols
if [ ! -e "$symbols" ]; then
    echo "SKIP: no debian/libespi0.symbols"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -v '^#' "$ESPI_SOURCE/include/espi.h" | tr '\n' ' ' | grep -o 'ESPI_API[^(;]*(' |
    sed -E 's/.*[^a-z0-9_]([a-z0-9_]+)[[:space:]]*\($/\1/' | grep '^espi_' | sort -u >"$tmp/header"
[ -s "$tmp/header" ] || { echo "FAIL: no ESPI_API declaration found in espi.h"; exit 1; }
sed -n 's/^ \([a-z0-9_]*\)@Base [0-9].*/\1/p' "$symbols" | sort >"$tmp/symbols"

major=$(sed -n 's/^#define ESPI_VERSION_MAJOR \([0-9]*\).*/\1/p' "$ESPI_SOURCE/include/espi.h")
head -1 "$symbols" | grep -qx "libespi.so.$major libespi$major #MINVER#" ||
    { echo "FAIL: $symbols starts with \"$(head -1 "$symbols")\", not libespi.so.$major libespi$major #MINVER#"; exit 1; }
if ! diff -u "$tmp/header" "$tmp/symbols" >"$tmp/diff"; then
    echo "FAIL: debian/libespi0.symbols differs from the functions of espi.h (- header only, + symbols file only):"
    grep '^[-+][a-z_]' "$tmp/diff" || true
    exit 1
fi
echo "ok   debian/libespi0.symbols: the $(wc -l <"$tmp/header") functions of espi.h"
