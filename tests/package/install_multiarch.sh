#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A distribution's install: the source tree configured as Debian's
# dh_auto_configure does (-DCMAKE_INSTALL_PREFIX=/usr and a multiarch
# -DCMAKE_INSTALL_LIBDIR=lib/<triplet>), built (the library and the tool
# only, unoptimized, for speed) and installed with DESTDIR into a scratch
# root. README.md's example is then built against that root and run:
#  - through pkg-config with PKG_CONFIG_PATH (the relocatable espi.pc),
#  - through pkg-config with PKG_CONFIG_SYSROOT_DIR (PKG_CONFIG_LIBDIR: the
#    root's pkgconfig folder, then the host's, for libespi's dependencies),
#  - through find_package(espi) with CMAKE_PREFIX_PATH=<root>/usr,
#  - and, reconfigured with -DESPI_RELOCATABLE_PC=OFF (what debian/rules
#    does: espi.pc names /usr outright), through the sysroot again.
# Needs cmake, a C compiler, pkg-config, ldd and readelf; a few seconds.
set -euo pipefail
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source folder}"
: "${ESPI_BUILD:?set ESPI_BUILD to the build folder}"
if [ -n "${ESPI_SANITIZED:-}" ]; then
    echo "SKIP: sanitizer build (the normal build runs this)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/package/install_common.bash
. "$(dirname "$0")/install_common.bash"

readme_example "$tmp/count.c"
EXPECTED=$(expected_output "$FIXTURE") || fail "espi dump $FIXTURE fails"

triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || true)
[ -n "$triplet" ] || triplet=$(cc -dumpmachine)
# the compiler the tested build uses
compiler=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$ESPI_BUILD/CMakeCache.txt")
b=$tmp/build
cmake -S "$ESPI_SOURCE" -B "$b" -DCMAKE_BUILD_TYPE= -DESPI_BUILD_TESTS=OFF \
    ${compiler:+-DCMAKE_C_COMPILER="$compiler"} \
    -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR="lib/$triplet" >"$tmp/configure.log" 2>&1 ||
    { cat "$tmp/configure.log"; fail "configure with a multiarch libdir"; }
cmake --build "$b" -j "$(nproc 2>/dev/null || echo 2)" >"$tmp/build.log" 2>&1 ||
    { tail -30 "$tmp/build.log"; fail "build"; }

# install_into ROOT: DESTDIR install; everything where Debian wants it
install_into() {
    DESTDIR=$1 cmake --install "$b" >"$1.log" 2>&1 || { cat "$1.log"; fail "DESTDIR=$1 cmake --install"; }
    local f
    for f in usr/bin/espi usr/include/espi.h "usr/lib/$triplet/libespi.so.0" "usr/lib/$triplet/libespi.so" \
        "usr/lib/$triplet/libespi.a" "usr/lib/$triplet/pkgconfig/espi.pc" \
        "usr/lib/$triplet/cmake/espi/espiConfig.cmake"; do
        [ -e "$1/$f" ] || fail "DESTDIR install: no $f"
    done
    f=$(find "$1" -path "$1/usr/lib/$triplet" -prune -o -path "$1/usr/lib/*" -print)
    [ -z "$f" ] || fail "DESTDIR install: outside usr/lib/$triplet: $f"
    [ "$(find "$1" -mindepth 1 -maxdepth 1)" = "$1/usr" ] || fail "DESTDIR install: outside usr/"
}

root=$tmp/root
install_into "$root"
pcdir=$root/usr/lib/$triplet/pkgconfig
# shellcheck disable=SC2016 # ${pcfiledir} is pkg-config's, literally
grep -q '^prefix=${pcfiledir}/../../..$' "$pcdir/espi.pc" ||
    fail "espi.pc does not find /usr from lib/$triplet/pkgconfig: $(grep '^prefix=' "$pcdir/espi.pc")"
echo "ok   /usr, libdir lib/$triplet, installed with DESTDIR"
host_pc_path=$(pkg-config --variable pc_path pkg-config)
pc_consumer "DESTDIR root, PKG_CONFIG_PATH" "$root" "PKG_CONFIG_PATH=$pcdir"
pc_consumer "DESTDIR root, PKG_CONFIG_SYSROOT_DIR" "$root" \
    "PKG_CONFIG_SYSROOT_DIR=$root" "PKG_CONFIG_LIBDIR=$pcdir:$host_pc_path"
cmake_consumer "DESTDIR root, CMAKE_PREFIX_PATH" "$root" -DCMAKE_PREFIX_PATH="$root/usr"

# A distribution package's espi.pc: the prefix written out
cmake "$b" -DESPI_RELOCATABLE_PC=OFF >"$tmp/reconfigure.log" 2>&1 ||
    { cat "$tmp/reconfigure.log"; fail "reconfigure with -DESPI_RELOCATABLE_PC=OFF"; }
root=$tmp/root2
install_into "$root"
pcdir=$root/usr/lib/$triplet/pkgconfig
grep -q '^prefix=/usr$' "$pcdir/espi.pc" || fail "-DESPI_RELOCATABLE_PC=OFF: $(grep '^prefix=' "$pcdir/espi.pc")"
pc_consumer "ESPI_RELOCATABLE_PC=OFF, PKG_CONFIG_SYSROOT_DIR" "$root" \
    "PKG_CONFIG_SYSROOT_DIR=$root" "PKG_CONFIG_LIBDIR=$pcdir:$host_pc_path"
