# SPDX-License-Identifier: Apache-2.0
# Helpers of tests/package/install*.sh (sourced; not a test of its own: only
# *.sh files are). The program built against every installed copy is the C
# example of README.md's "Install" section, so the README and the tests
# cannot drift apart. Needs ESPI, ESPI_SOURCE and $tmp (a scratch folder).

: "${tmp:?set tmp to a scratch folder before sourcing install_common.bash}"
FIXTURE=$ESPI_SOURCE/testdata/espi/valid_dump_dst_days.xml

fail() {
    echo "FAIL: $*"
    exit 1
}

# readme_example DEST: the first ```c block of README.md's "## Install"
# section, written to DEST; fails when the section has none.
readme_example() {
    awk '
        /^## / { in_section = ($0 == "## Install"); next }
        in_section && !in_block && /^```c[[:space:]]*$/ { in_block = 1; next }
        in_block && /^```[[:space:]]*$/ { found = 1; exit }
        in_block { print }
        END { exit found ? 0 : 1 }
    ' "$ESPI_SOURCE/README.md" >"$1" ||
        fail "README.md has no \`\`\`c block in its \"## Install\" section (the example these tests build)"
    grep -q 'espi_' "$1" || fail "the C example of README.md's Install section uses no espi_ function"
}

# expected_output FILE: what the example prints for FILE, from `espi dump`:
# its CSV rows counted, their value_raw column summed.
expected_output() {
    "$ESPI" dump -q "$1" | awk -F, '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == "value_raw") col = i; next }
        { n++; sum += $col }
        END { if (!col) exit 1; printf "%d readings, values sum to %.0f\n", n, sum }'
}

# check_run LABEL EXE ROOT [LIBDIR]: EXE prints the expected line for the
# fixture; a shared EXE (LIBDIR given, used as LD_LIBRARY_PATH when not
# empty) loads libespi.so.0 from under ROOT, a static one needs no libespi;
# neither needs libcurl (libespi opens it with dlopen when a fetch needs it).
check_run() {
    local label=$1 exe=$2 root=$3 shared=${4+yes} libdir=${4-} out
    local env=(env)
    [ -n "$libdir" ] && env+=("LD_LIBRARY_PATH=$libdir")
    out=$("${env[@]}" "$exe" "$FIXTURE") || fail "$label: the example exits with $?"
    [ "$out" = "$EXPECTED" ] || fail "$label: the example prints \"$out\", espi dump says \"$EXPECTED\""
    if [ -n "$shared" ]; then
        out=$("${env[@]}" ldd "$exe")
        grep -q "libespi\.so\.0 => $root/" <<<"$out" ||
            fail "$label: libespi.so.0 is not loaded from under $root: $(grep libespi <<<"$out" || echo none)"
    else
        out=$(readelf -d "$exe")
        ! grep -q 'NEEDED.*libespi' <<<"$out" || fail "$label: the static build needs libespi.so"
    fi
    out=$("${env[@]}" ldd "$exe")
    ! grep -q 'libcurl' <<<"$out" || fail "$label: the program loads libcurl: $(grep libcurl <<<"$out")"
}

# pc_consumer LABEL ROOT ENV...: builds the example through pkg-config (run
# with ENV), against the shared and then the static library of an install
# under ROOT, and runs both. --cflags must name a folder under ROOT holding
# espi.h, --libs a folder under ROOT holding libespi.so.
pc_consumer() {
    local label=$1 root=$2 cflags libs static d incdir="" libdir=""
    shift 2
    local pc=(env "$@" pkg-config)
    cflags=$("${pc[@]}" --cflags espi) || fail "$label: pkg-config --cflags espi fails"
    libs=$("${pc[@]}" --libs espi) || fail "$label: pkg-config --libs espi fails"
    static=$("${pc[@]}" --libs --static espi) || fail "$label: pkg-config --libs --static espi fails"
    case " $static " in *" -lcurl "*) fail "$label: pkg-config --libs --static espi names -lcurl: $static" ;; esac
    for d in $cflags; do
        case $d in -I"$root"/*) [ -e "${d#-I}/espi.h" ] && incdir=${d#-I} ;; esac
    done
    [ -n "$incdir" ] || fail "$label: pkg-config --cflags espi gives \"$cflags\": no folder under $root with espi.h"
    for d in $libs; do
        case $d in -L"$root"/*) [ -e "${d#-L}/libespi.so" ] && libdir=${d#-L} ;; esac
    done
    [ -n "$libdir" ] || fail "$label: pkg-config --libs espi gives \"$libs\": no folder under $root with libespi.so"
    local w=$tmp/pc_$RANDOM
    mkdir "$w"
    # shellcheck disable=SC2086 # pkg-config's output is several words on purpose
    cc -std=c11 -Wall -Wextra -Werror "$tmp/count.c" $cflags $libs -o "$w/count_shared" ||
        fail "$label: the example does not build with pkg-config --cflags --libs espi"
    check_run "$label, shared" "$w/count_shared" "$root" "$libdir"
    # static: libespi.a in place of -lespi, then what it needs
    local args=()
    for d in $static; do
        [ "$d" = -lespi ] && d=$libdir/libespi.a
        args+=("$d")
    done
    # shellcheck disable=SC2086
    cc -std=c11 -Wall -Wextra -Werror "$tmp/count.c" $cflags "${args[@]}" -o "$w/count_static" ||
        fail "$label: the example does not build with libespi.a and pkg-config --libs --static espi"
    check_run "$label, static" "$w/count_static" "$root"
    echo "ok   pkg-config ($label): $cflags $libs; shared and static build and run"
}

# cmake_consumer LABEL ROOT CMAKE-ARGS...: builds the example through
# find_package(espi) with espi::espi and espi::static, and runs both; the
# package must be found under ROOT.
cmake_consumer() {
    local label=$1 root=$2 w=$tmp/cmake_$RANDOM
    shift 2
    mkdir "$w"
    cp "$tmp/count.c" "$w/"
    cat >"$w/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.21)
project(count C)
find_package(espi 0.1 REQUIRED COMPONENTS shared static)
add_executable(count_shared count.c)
target_link_libraries(count_shared PRIVATE espi::espi)
add_executable(count_static count.c)
target_link_libraries(count_static PRIVATE espi::static)
set_target_properties(count_shared count_static PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)
target_compile_options(count_shared PRIVATE -Wall -Wextra -Werror)
target_compile_options(count_static PRIVATE -Wall -Wextra -Werror)
CM
    cmake -S "$w" -B "$w/build" "$@" >"$w/configure.log" 2>&1 ||
        { cat "$w/configure.log"; fail "$label: find_package(espi) fails"; }
    grep -q "^espi_DIR:PATH=$root/" "$w/build/CMakeCache.txt" ||
        fail "$label: find_package(espi) found $(grep '^espi_DIR' "$w/build/CMakeCache.txt"), not the package under $root"
    cmake --build "$w/build" >"$w/build.log" 2>&1 ||
        { cat "$w/build.log"; fail "$label: the example does not build with espi::espi and espi::static"; }
    # no LD_LIBRARY_PATH: CMake's build RPATH must lead to the library
    check_run "$label, espi::espi" "$w/build/count_shared" "$root" ""
    check_run "$label, espi::static" "$w/build/count_static" "$root"
    echo "ok   find_package ($label): espi::espi and espi::static build and run"
}
