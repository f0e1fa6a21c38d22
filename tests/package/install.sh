#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the build into a scratch prefix and builds two small programs
# against it: one through the CMake package (espi::espi and espi::static),
# one through pkg-config. Needs cmake, a C compiler and pkg-config.
set -euo pipefail
: "${ESPI_BUILD:?set ESPI_BUILD to the build folder}"
if [ -n "${ESPI_SANITIZED:-}" ]; then
    # an instrumented library is not what users install; the normal build checks this
    echo "SKIP: sanitizer build"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$ESPI_BUILD" --prefix "$tmp/prefix" >/dev/null
mkdir "$tmp/consumer"
cat >"$tmp/consumer/main.c" <<'C'
#include <espi.h>
#include <stdio.h>
int main(void)
{
    int64_t t = 0;
    if (espi_time_parse(&t, "2026-11-28T00:00:00Z") != 0 || t != 1795824000)
        return 1;
    printf("%s\n", espi_status_text(ESPI_E_INPUT));
    return 0;
}
C
cat >"$tmp/consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.21)
project(consumer C)
find_package(espi 0.1 REQUIRED)
add_executable(use_shared main.c)
target_link_libraries(use_shared PRIVATE espi::espi)
add_executable(use_static main.c)
target_link_libraries(use_static PRIVATE espi::static)
CM
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer/build" >/dev/null
LD_LIBRARY_PATH=$tmp/prefix/lib "$tmp/consumer/build/use_shared" | grep -qx "invalid input"
"$tmp/consumer/build/use_static" | grep -qx "invalid input"
echo "ok   CMake package: espi::espi and espi::static"
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
cc "$tmp/consumer/main.c" -o "$tmp/pc" $(PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig pkg-config --cflags --libs espi)
LD_LIBRARY_PATH=$tmp/prefix/lib "$tmp/pc" | grep -qx "invalid input"
echo "ok   pkg-config: espi.pc"
