#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fuzz/run.sh SECONDS [TARGET...] - builds the libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined) in build-fuzz/, runs each TARGET
# (default: all) for SECONDS, one process each, all at once, then merges
# what they found into the kept corpus fuzz/corpus/TARGET/ (-merge=1
# -use_counters=0: a small set of inputs with the same edge coverage; files
# named regress-* are kept whatever they cover). Logs: build-fuzz/logs/TARGET.log; crashes,
# hangs and leaks: build-fuzz/artifacts/TARGET/. Exits 1 when any target
# found one.
#
#   fuzz/run.sh 600 smarthub_json smarthub_csv   # two targets, 10 minutes
#   FUZZ_ARGS='-max_len=4096' fuzz/run.sh 60 cli_args
#   fuzz/run.sh 0                                # build only
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
all_targets=(smarthub_json smarthub_csv smarthub_account espi_reader validate repair
             format_detect cli_args har input report json_elide)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

san='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer'
cflags="-g -O1 -std=c11 -D_XOPEN_SOURCE=700 $san"

# The library, instrumented for coverage (built once, kept up to date).
build_library() {
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=None \
      -DESPI_BUILD_TESTS=OFF -DESPI_WERROR=OFF \
      -DCMAKE_C_FLAGS="$cflags -fsanitize=fuzzer-no-link" >/dev/null
  fi
  cmake --build "$build" --target espi_internal -j2 >/dev/null
}

build_target() {
  local t=$1 extra=()
  if [ "$t" = cli_args ]; then
    # every file of the CLI but its main()
    extra=(-I"$root/src/cli" -pthread)
    for f in "$root"/src/cli/*.c; do
      [ "$(basename "$f")" = main.c ] || extra+=("$f")
    done
  fi
  # shellcheck disable=SC2046,SC2086
  clang $cflags -fsanitize=fuzzer -I"$root/include" -I"$root/src" -I"$root/fuzz/targets" \
    "$root/fuzz/targets/fuzz_$t.c" "${extra[@]}" "$build/src/libespi_internal.a" \
    $(pkg-config --libs libxslt libxml-2.0 yajl libcrypto libzip zlib) -ldl -lm -o "$build/fuzz_$t"
}

# Seed inputs from testdata/ (read-only; merged into the kept corpus).
seeds() {
  local td=$root/testdata
  case $1 in
    smarthub_json) echo "$td/smarthub $td/smarthub/merge $td/smarthub/wrap" ;;
    smarthub_csv) echo "$td/smarthub/csv" ;;
    smarthub_account) echo "$td/smarthub/account" ;;
    espi_reader|validate) echo "$td/espi $td/rules $td/attacks" ;;
    repair) echo "$td/espi/repair $td/espi" ;;
    format_detect) echo "$td/smarthub $td/smarthub/csv $td/smarthub/account $td/espi/repair" ;;
    har) echo "$td/smarthub/wrap" ;;
    input) echo "$td/inputs $td/espi/repair" ;;
    report) echo "$td/summary $td/report $td/espi" ;;
    cli_args) echo "" ;;
  esac
}

fuzz_opts=(-max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)

run_target() {
  local t=$1 work=$build/work/$1 art=$build/artifacts/$1
  mkdir -p "$work" "$art" "$root/fuzz/corpus/$t"
  # shellcheck disable=SC2046,SC2086
  "$build/fuzz_$t" "${fuzz_opts[@]}" ${FUZZ_ARGS:-} -max_total_time="$secs" \
    -artifact_prefix="$art/" "$work" "$root/fuzz/corpus/$t" $(seeds "$t") \
    >"$build/logs/$t.log" 2>&1
}

merge_target() {
  local t=$1 kept=$root/fuzz/corpus/$1 fresh=$build/merged/$1
  rm -rf "$fresh" && mkdir -p "$fresh"
  # shellcheck disable=SC2046
  "$build/fuzz_$t" -merge=1 -use_counters=0 "${fuzz_opts[@]}" "$fresh" "$kept" "$build/work/$t" \
    $(seeds "$t") \
    >"$build/logs/$t.merge.log" 2>&1
  find "$kept" -maxdepth 1 -type f ! -name 'regress-*' -delete
  cp "$fresh"/* "$kept"/ 2>/dev/null || true
}

summary() {
  local t=$1 log=$build/logs/$1.log
  local done_line execs
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  execs=$(grep -E 'stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
  printf '%-17s execs=%s  %s  kept=%s files, %s\n' "$t" "${execs:-?}" \
    "$(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+' || echo 'no DONE line')" \
    "$(find "$root/fuzz/corpus/$t" -type f | wc -l)" \
    "$(du -sh --apparent-size "$root/fuzz/corpus/$t" | cut -f1)"
}

mkdir -p "$build/logs" "$build/tmp"
export TMPDIR=$build/tmp # espi convert's temporary output files (cli_args)
build_library
for t in "${targets[@]}"; do build_target "$t"; done
[ "$secs" -gt 0 ] || exit 0

pids=()
for t in "${targets[@]}"; do run_target "$t" & pids+=($!); done
status=0
for i in "${!targets[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "fuzz/run.sh: ${targets[$i]} found a problem: see $build/logs/${targets[$i]}.log" >&2
    status=1
  fi
done
for t in "${targets[@]}"; do merge_target "$t"; summary "$t"; done
exit $status
