#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# build.sh - the two Quick start commands of README.md.
#
#   ./build.sh        install what is missing (Debian 12), build, convert the
#                     bundled SmartHub sample, validate the result, say where it is
#                     (CC=clang ./build.sh builds with clang, installing it if need be)
#   ./build.sh test   install what is missing, then run the whole test suite twice:
#                     a normal build, and a build with AddressSanitizer and
#                     UndefinedBehaviorSanitizer (any report fails the run);
#                     then the CLI cases once more under valgrind's memcheck on
#                     the normal build (any error or definite leak fails a case)
#
# ESPI_WERROR=ON makes every compiler warning an error (CI sets it).
#
# Packages are installed with apt-get (through sudo when not root). Once they
# are there, the plain CMake flow works too:
#   cmake -S . -B build && cmake --build build && ctest --test-dir build
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential cmake pkg-config libxml2-dev libxml2-utils libyajl-dev libssl-dev
libcmocka-dev libxslt1-dev libcurl4-openssl-dev libzip-dev zlib1g-dev python3 tzdata valgrind openssl xsltproc
groff-base mandoc zsh chromium fonts-dejavu-core parallel openssh-client openssh-server rsync"
JOBS=$(nproc 2>/dev/null || echo 2)
SAMPLE=testdata/smarthub/valid_15min_netmeter_cost_week.json
DEMO=build/demo/SmartHub_Electric_15_Minute_2026-03-05_2026-03-11.xml

install_missing() {
    # CC=clang ./build.sh builds with clang: install it when it is missing
    case "${CC:-}" in *clang*) command -v "$CC" >/dev/null 2>&1 || PACKAGES="$PACKAGES clang" ;; esac
    missing=""
    for p in $PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "== installing:$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    # shellcheck disable=SC2086 # the list is meant to split
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

# build DIR [cmake options...]
build() {
    dir=$1
    shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DESPI_WERROR="${ESPI_WERROR:-OFF}" "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
}

demo() {
    build build
    mkdir -p build/demo
    echo "== converting $SAMPLE"
    ./build/src/cli/espi convert --tz America/Los_Angeles -o "$DEMO" "$SAMPLE"
    echo "== validating the result"
    ./build/src/cli/espi validate --espi 3.3 "$DEMO"
    echo
    echo "Your Green Button file: $(pwd)/$DEMO"
    echo "Try: ./build/src/cli/espi --help"
}

run_tests() {
    echo "== normal build"
    build build
    ctest --test-dir build --output-on-failure -j "$JOBS"
    echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
    build build-asan -DCMAKE_BUILD_TYPE=Debug -DESPI_SANITIZE=ON
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98 \
        ctest --test-dir build-asan --output-on-failure -j "$JOBS"
    # libxml2, yajl and libzip are not instrumented by the sanitizers: valgrind
    # sees their reads of freed memory too (tests/cli/run_case.sh wraps espi).
    echo "== valgrind memcheck over the CLI cases"
    ESPI_VALGRIND=1 ctest --test-dir build --output-on-failure -j "$JOBS" -R '^cli\.'
}

install_missing
case "${1:-demo}" in
demo) demo ;;
test) run_tests ;;
*)
    echo "usage: $0 [test]" >&2
    exit 2
    ;;
esac
