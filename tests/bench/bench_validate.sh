#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench_validate.sh - the validation benchmark (not a test).
#
#   tests/bench/bench_validate.sh [SHARED_DIR] [RUNS]
#
# Builds a Release tree in build-bench/ ($ESPI_BENCH_BUILD overrides the folder),
# generates with gen_feed an hourly Green Button feed of 175,000 readings without cost
# (38 MB, the "about 36 MB" file of the target) and times, median of RUNS runs
# (default 7), peak memory from /usr/bin/time:
#   espi validate FILE    (schema and every rule, one pass)
#   xmllint --stream --noout --nonet --schema OFFICIAL/espi.xsd FILE
# with SHARED_DIR/espi/schemas-official (default ../shared) when present, else the
# bundled schemas/espi.xsd. Then, with 3 GiB free in the temp folder, it generates
# 5,000,000 five-minute readings (1.1 GB, 2010-2057), validates them once and deletes them.
# Targets: validate <= 1.5x xmllint; peak memory < 64 MiB on the large feed. Both
# files must be found valid with no finding.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
shared=${1:-../shared}
runs=${2:-7}
build=${ESPI_BENCH_BUILD:-build-bench}
readings=175000
big_readings=5000000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=benchlib.sh
. tests/bench/benchlib.sh
bench_build "$build"

official=$shared/espi/schemas-official/espi-4.0/espi.xsd
if [ -f "$official" ]; then
    export XML_CATALOG_FILES=$shared/espi/schemas-official/catalog.xml
    xsd=$official
    xsd_name="the official ESPI 4.0 espi.xsd"
else
    xsd=schemas/espi.xsd
    xsd_name="the bundled schemas/espi.xsd (../shared not found)"
fi

clean() { # the verdict line must say valid with no finding
    if ! grep -q ': valid (.*), 0 errors, 0 warnings, 0 infos$' "$1"; then
        echo "error: espi validate does not find the generated feed clean:"
        head -5 "$1"
        exit 1
    fi
}

feed=$work/feed.xml
echo "espi $("$espi" --version | head -1 | cut -d' ' -f2), $(nproc) cores, median of $runs runs; xmllint with $xsd_name"
run_once "$feed" "$gen" --readings "$readings" --no-cost
bytes=$(stat -c %s "$feed")
echo "hourly feed, $readings readings without cost, $(mb "$bytes")"

measure "$work/lint.out" xmllint --stream --noout --nonet --schema "$xsd" "$feed"
lint_s=$secs lint_kib=$kib
echo "  xmllint --stream --noout --schema: $lint_s s, $(per_s "$readings" "$lint_s") readings/s, peak $(mib "$lint_kib")"
measure "$work/validate.out" "$espi" validate "$feed"
clean "$work/validate.out"
val_s=$secs val_kib=$kib
echo "  espi validate (schema + every rule): $val_s s, $(per_s "$readings" "$val_s") readings/s, peak $(mib "$val_kib")"
awk -v v="$val_s" -v l="$lint_s" -v r="$(verdict "$val_s <= 1.5 * $lint_s")" \
    'BEGIN { printf "  ratio validate / xmllint: %.2f (target <= 1.5): %s\n", v / l, r }'
measure "$work/schema.out" "$espi" validate --schema-only "$feed"
echo "  espi validate --schema-only (reference): $secs s, peak $(mib "$kib")"

avail_kib=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
if [ "$avail_kib" -lt $((3 * 1024 * 1024)) ]; then
    echo "large feed skipped: $(mib "$avail_kib") free in $work, 3 GiB needed"
else
    big=$work/big.xml
    # 5-minute readings: five million of them span 2010-2057, plausible times
    run_once "$big" "$gen" --readings "$big_readings" --interval 300 --no-cost
    echo "large feed, $big_readings 5-minute readings without cost, $(mb "$(stat -c %s "$big")") (one run)"
    run_once "$work/big.out" "$espi" validate "$big"
    clean "$work/big.out"
    echo "  espi validate: $secs s, $(per_s "$big_readings" "$secs") readings/s," \
         "peak $(mib "$kib") (target < 64 MiB): $(verdict "$kib < 64 * 1024")"
    rm -f "$big"
fi
