#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# report_screenshots.sh - regenerates the screenshots of `espi report` in docs/ (not a test).
#
#   docs/report-netmeter.png  a week of 15-minute data of a net-metered home, with cost, a bill
#                             and the spring-forward day: testdata/smarthub/
#                             valid_15min_netmeter_cost_week.json converted by espi (as
#                             ./build.sh's demo does), then reported
#   docs/report-gas.png       26 days of daily gas in therm with cost (America/Denver):
#                             testdata/summary/oracle_gas.xml
#
# Each page is loaded by headless Chromium (Debian's chromium) at 1200x1800, with the network
# off as in tests/report/browser.sh; the inputs are copied to a scratch folder first so that the
# page names a plain file name, not a path of this machine.
# usage: tests/tools/report_screenshots.sh [ESPI]   (default: build/src/cli/espi; CHROMIUM=... picks
# the browser). Run from anywhere; writes into the source tree's docs/.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
espi=$(realpath "${1:-$src/build/src/cli/espi}")
browser=${CHROMIUM:-chromium}
command -v "$browser" >/dev/null || { echo "report_screenshots.sh: no $browser" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
netns=""
if unshare -n true 2>/dev/null; then netns="unshare -n"; fi

# shot PAGE PNG: a 1200x1800 screenshot of PAGE
shot() {
    # shellcheck disable=SC2086 # $netns is a command and its option, or nothing
    HOME=$tmp timeout -k 5 90 $netns "$browser" --headless=new --no-sandbox --disable-gpu \
        --disable-dev-shm-usage --hide-scrollbars --no-first-run --disable-extensions \
        --disable-sync --disable-background-networking --disable-component-update \
        --proxy-server=127.0.0.1:9 "--host-resolver-rules=MAP * ~NOTFOUND" \
        --force-color-profile=srgb --window-size=1200,1800 "--user-data-dir=$tmp/profile" \
        "--screenshot=$2" "file://$1" >/dev/null 2>"$tmp/chromium.log" ||
        { tail -5 "$tmp/chromium.log" >&2; exit 1; }
    rm -rf "$tmp/profile"
    echo "$2: $(wc -c <"$2") bytes"
}

cd "$tmp"
"$espi" convert -q --tz America/Los_Angeles -o net-metered-week.xml \
    "$src/testdata/smarthub/valid_15min_netmeter_cost_week.json"
"$espi" report net-metered-week.xml -o netmeter.html
shot "$tmp/netmeter.html" "$src/docs/report-netmeter.png"

cp "$src/testdata/summary/oracle_gas.xml" gas-daily.xml
"$espi" report gas-daily.xml -o gas.html
shot "$tmp/gas.html" "$src/docs/report-gas.png"
