#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi convert's verdict is espi validate's (docs/repair.md, "After the repair"), on the repair
# fixtures of this repository (tests/shared/repair_samples.sh does the same on the public
# samples, when they are there):
#   * SmartHub's Green Button download (testdata/espi/repair/repair_smarthub_download.xml,
#     zipped here with its HTML view as SmartHub delivers it: a W channel said to be energy,
#     negative received energy, a non-schema <uom> inside every interval) repairs to a feed
#     that `espi validate` accepts: convert exits 0, validate exits 0;
#   * for every testdata/espi/repair/repair_*.xml: convert writes its output and exits 0 or 1;
#     the rules it lists as remaining (errors and warnings) are exactly the rules espi validate
#     reports on the output, and it exits 0 exactly when espi validate does;
#   * repair_cost_without_currency.xml, whose cost no currency qualifies, is one that exits 1.
# Needs bash and python3.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source repair_verdict.sh
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3

# remaining LOG: the rules convert's stderr lists as remaining, sorted, on one line
remaining() {
    sed -n 's/^espi: .* remains\{0,1\} after conversion ([^)]*): \(.*\); run espi validate .*/\1/p' "$1" |
        tr ',' '\n' | sed -n 's/^ *\([a-z0-9-]*\) x[0-9].*/\1/p' | sort -u | tr '\n' ' '
}

# found REPORT: the rules an espi validate report lists (errors and warnings), likewise
found() {
    sed -n 's/^[^ ]*:[0-9:]* \(error\|warning\): \([a-z0-9-]*\): .*/\2/p' "$1" | sort -u | tr '\n' ' '
}

# verdict INPUT NAME: convert, then validate the output; both agree. Sets $rc.
verdict() {
    local in=$1 name=$2 out=$tmp/$2.xml log=$tmp/$2.log vrc listed reported
    "$ESPI" convert --updated 2026-11-28T00:00:00Z -o "$out" "$in" 2>"$log"
    rc=$?
    if [ ! -s "$out" ] || [ $rc -gt 1 ]; then
        bad "$name: convert exited $rc without writing: $(grep ': error: ' "$log" | head -n 1)"
        return 1
    fi
    "$ESPI" validate "$out" >"$tmp/$name.val" 2>&1
    vrc=$?
    listed=$(remaining "$log")
    reported=$(found "$tmp/$name.val")
    if [ $rc -eq 1 ] && [ -z "$listed" ]; then # an unparsed list would agree with anything
        bad "$name: convert exited 1 and lists no remaining rule: $(grep '^espi: ' "$log" | head -n 1)"
    elif [ "$listed" != "$reported" ]; then
        bad "$name: convert lists [${listed}] as remaining, espi validate reports [${reported}]"
    elif [ $rc -ne $vrc ]; then
        bad "$name: convert exited $rc, espi validate $vrc"
    elif [ $rc -eq 0 ] && ! grep -q '; valid (' "$log"; then
        bad "$name: exit 0 without 'valid' in the closing line"
    elif [ $rc -eq 1 ] && ! grep -q '; invalid: [0-9]* errors\{0,1\} remains\{0,1\}' "$log"; then
        bad "$name: exit 1 without 'invalid: N errors remain' in the closing line"
    else
        ok "$name: convert and espi validate agree (exit $rc; remaining: ${listed:-none})"
        return 0
    fi
    return 1
}

zip=$tmp/green_button_data_1760853600000.zip
python3 - "$src/testdata/espi/repair/repair_smarthub_download.xml" "$zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[1], 'green_button_data_1760853600000.xml')
    z.writestr('green_button_data_1760853600000_formatted.html', '<html></html>')
PY
if verdict "$zip" smarthub_zip; then
    if [ $rc -eq 0 ]; then
        ok "smarthub_zip: SmartHub's download repairs to a feed espi validate accepts"
    else
        bad "smarthub_zip: SmartHub's download repairs to an invalid feed"
    fi
fi

for f in "$src"/testdata/espi/repair/repair_*.xml; do
    name=$(basename "$f" .xml)
    verdict "$f" "$name" || continue
    if [ "$name" = repair_cost_without_currency ] && [ $rc -ne 1 ]; then
        bad "$name: a cost in no stated currency, yet convert exited $rc"
    fi
done

finish_checks
