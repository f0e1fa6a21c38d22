#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# include/espi.h compiles as C++ with -pedantic and every warning an error
# (g++, and clang++ when it is there), and as strict C11 on its own.
set -euo pipefail
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source folder}"
header=$ESPI_SOURCE/include/espi.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <espi.h>\nint main() { return espi_version() == 0; }\n' >"$tmp/use.cpp"
ran=0
for cxx in g++ clang++; do
    command -v "$cxx" >/dev/null || continue
    for std in c++11 c++17; do
        "$cxx" -std=$std -pedantic -Wall -Wextra -Werror -I"$ESPI_SOURCE/include" -c "$tmp/use.cpp" \
            -o "$tmp/use.o"
        echo "ok   $cxx -std=$std -pedantic: espi.h compiles"
        ran=$((ran + 1))
    done
done
[ "$ran" -gt 0 ] || { echo "FAIL: no C++ compiler (g++ comes with build-essential)"; exit 1; }
cc -std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only -x c "$header"
echo "ok   cc -std=c11 -pedantic: espi.h compiles on its own"
