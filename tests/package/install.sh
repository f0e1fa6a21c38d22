#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The installed library, relocated: installs the build into a scratch
# prefix, moves the whole prefix elsewhere, and builds README.md's example
# (the C block of its "Install" section) against the moved copy, through
# pkg-config and through find_package(espi), with the shared and the static
# library; each runs on a fixture and must agree with `espi dump` (a build
# configured with -DESPI_RELOCATABLE_PC=OFF, whose espi.pc cannot move, is
# tried through PKG_CONFIG_SYSROOT_DIR instead).
# Then a program that links only espi::espi must configure where the
# dependencies' development files are missing (pkg-config finds none of
# them, or there is no pkg-config), and COMPONENTS static must fail there
# saying what is missing. install_multiarch.sh does a /usr install with a
# multiarch libdir. Needs cmake, a C compiler, pkg-config, ldd and readelf.
set -euo pipefail
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source folder}"
: "${ESPI_BUILD:?set ESPI_BUILD to the build folder}"
if [ -n "${ESPI_SANITIZED:-}" ]; then
    # an instrumented library is not what users install; the normal build checks this
    echo "SKIP: sanitizer build"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/package/install_common.bash
. "$(dirname "$0")/install_common.bash"

readme_example "$tmp/count.c"
EXPECTED=$(expected_output "$FIXTURE") || fail "espi dump $FIXTURE fails"

cmake --install "$ESPI_BUILD" --prefix "$tmp/first" >/dev/null
mv "$tmp/first" "$tmp/moved"
root=$tmp/moved
pcfile=$(find "$root" -path '*/pkgconfig/espi.pc')
[ -n "$pcfile" ] || fail "no pkgconfig/espi.pc installed"
echo "ok   installed, then moved to $root"

if grep -q '^ESPI_RELOCATABLE_PC:BOOL=OFF$' "$ESPI_BUILD/CMakeCache.txt"; then
    # espi.pc names the configured prefix (a distribution's build, such as
    # debian/rules): it cannot follow a move, but works in a DESTDIR root
    # through PKG_CONFIG_SYSROOT_DIR
    DESTDIR=$tmp/dest cmake --install "$ESPI_BUILD" >/dev/null
    pcfile=$(find "$tmp/dest" -path '*/pkgconfig/espi.pc')
    [ -n "$pcfile" ] || fail "no pkgconfig/espi.pc installed"
    pc_consumer "ESPI_RELOCATABLE_PC=OFF, DESTDIR root, PKG_CONFIG_SYSROOT_DIR" "$tmp/dest" \
        "PKG_CONFIG_SYSROOT_DIR=$tmp/dest" \
        "PKG_CONFIG_LIBDIR=$(dirname "$pcfile"):$(pkg-config --variable pc_path pkg-config)"
else
    pc_consumer "moved prefix, PKG_CONFIG_PATH" "$root" "PKG_CONFIG_PATH=$(dirname "$pcfile")"
fi
cmake_consumer "moved prefix, CMAKE_PREFIX_PATH" "$root" -DCMAKE_PREFIX_PATH="$root"

# Without the dependencies' development files: espi::espi alone.
mkdir -p "$tmp/shared_only" "$tmp/no_pc_modules"
cp "$tmp/count.c" "$tmp/shared_only/"
cat >"$tmp/shared_only/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.21)
project(count C)
find_package(espi 0.1 REQUIRED)
if(TARGET espi::static)
  message(FATAL_ERROR "espi::static is defined although its dependencies cannot be found")
endif()
add_executable(count count.c)
target_link_libraries(count PRIVATE espi::espi)
CM
no_deps() { # no_deps LABEL BUILD-DIR CMAKE-ARGS...: configure, build and run the shared-only program
    local label=$1 b=$2
    shift 2
    cmake -S "$tmp/shared_only" -B "$b" -DCMAKE_PREFIX_PATH="$root" "$@" >"$b.log" 2>&1 ||
        { cat "$b.log"; fail "$label: a program using only espi::espi does not configure"; }
    grep -q 'espi::static (libespi.a) is not available' "$b.log" ||
        { cat "$b.log"; fail "$label: find_package(espi) does not say why espi::static is missing"; }
    cmake --build "$b" >"$b.build.log" 2>&1 || { cat "$b.build.log"; fail "$label: it does not build"; }
    check_run "$label" "$b/count" "$root" ""
    echo "ok   find_package ($label): espi::espi configures, builds and runs without espi::static"
}
# pkg-config finds none of libxml-2.0, libxslt, yajl, libcrypto, libzip
PKG_CONFIG_LIBDIR=$tmp/no_pc_modules PKG_CONFIG_PATH='' no_deps "no -dev packages" "$tmp/nodev"
grep -q 'pkg-config finds no libxml-2.0 libxslt yajl libcrypto libzip' "$tmp/nodev.log" ||
    { cat "$tmp/nodev.log"; fail "the message does not list the missing modules"; }
# no pkg-config at all
no_deps "no pkg-config" "$tmp/nopc" -DPKG_CONFIG_EXECUTABLE="$tmp/no/pkg-config"

# ... and a program that requires espi::static is told what is missing
mkdir "$tmp/static_required"
cat >"$tmp/static_required/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.21)
project(count C)
find_package(espi 0.1 REQUIRED COMPONENTS static)
CM
if PKG_CONFIG_LIBDIR=$tmp/no_pc_modules PKG_CONFIG_PATH='' cmake -S "$tmp/static_required" \
    -B "$tmp/static_required/build" -DCMAKE_PREFIX_PATH="$root" >"$tmp/required.log" 2>&1; then
    fail "find_package(espi REQUIRED COMPONENTS static) succeeds without the dependencies"
fi
grep -q 'pkg-config finds no libxml-2.0' "$tmp/required.log" ||
    { cat "$tmp/required.log"; fail "find_package(espi REQUIRED COMPONENTS static) does not say what is missing"; }
echo "ok   find_package(espi REQUIRED COMPONENTS static) without the dependencies fails and says why"
