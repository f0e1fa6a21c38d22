#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `espi report` in a real browser (issue 14, docs/report-format.md "The HTML page").
#
# For every fixture (the summary oracle's testdata/summary/oracle_*.xml: DST spring and fall,
# net metering, TOU, gas, gaps, ...; and testdata/report/billing_only.xml, hostile_titles.xml):
#   espi report FILE -o PAGE.html; espi report --format xml FILE (exit 0 both)
#   espi summary --per day|month --format csv FILE, with --unit kWh when the readings are in Wh
#     (what the report does by default)
#   headless Chromium, with the network off, loads PAGE.html: a screenshot (1200x2000), the DOM
#     (--dump-dom) and the network log (--log-net-log)
#   tests/tools/check_report_page.py: one rect.bar-day per local day from summary's first to
#     last day (days without readings too); span.headline-total equals the sum of summary's
#     monthly values for the delivered meter reading; no script, event handler or external
#     resource in the HTML or the DOM; the hostile titles are text; the file's bills
#     (UsageSummary billLastPeriod) are in the page; the screenshot is not blank; the network
#     log has no URL but file:/data:/chrome: and no host lookup.
# First the checker's --self-test, and a canary page that does fetch http://127.0.0.1:9/: the
# checker must see that request in Chromium's network log, or the log proves nothing.
#
# Network off: Chromium runs in a network namespace of its own (`unshare -n`, or `unshare -rn`
# without root: no interface but a loopback that is down), with a proxy that goes nowhere and
# no host resolution as well. Its own background traffic (component updates, network time) is
# turned off by flags and the component updater points at a file that does not exist, so the
# log of a good page is clean. Where no namespace can be made (or with ESPI_REPORT_NETNS=none),
# the proxy settings alone keep the network off; Chromium then sees a network and checks its
# sign-in (accounts.google.com) whatever the flags, so the log check leaves out the browser's
# own requests (no initiating document, not for the page; check_report_page.py
# --allow-browser-own) and still fails on any request of the page.
#
# Skips (exit 77) without Chromium (CHROMIUM=/path/to/chrome picks one; ./build.sh installs
# Debian's chromium). Needs bash, python3 (standard library only), timeout and espi.
# ESPI_REPORT_KEEP=DIR keeps what Chromium made (pages, DOMs, screenshots, network logs).
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source browser.sh [SHARED]
# Prints one ok/FAIL line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
checker=$src/tests/tools/check_report_page.py
fixtures="$(cd "$src/testdata" && ls summary/oracle_*.xml) report/billing_only.xml report/hostile_titles.xml"
# the titles of testdata/report/hostile_titles.xml's usage point and meter reading, as text
hostile_title='<script>alert(1)</script> & ]]>'
hostile_reading='<img src="http://127.0.0.1:9/t.png" onerror="alert(2)"></title><style>body{display:none}</style>'
pass=0
fail=0

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3 timeout

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for b in chromium chromium-browser; do
        if command -v "$b" >/dev/null 2>&1; then
            browser=$b
            break
        fi
    done
fi
if [ -z "$browser" ]; then
    echo "SKIP: no Chromium (Debian package chromium, which ./build.sh installs; or set CHROMIUM)"
    exit 77
fi

tmp=$(mktemp -d)
# ESPI_REPORT_KEEP=DIR keeps the pages, DOMs, screenshots and network logs there
trap 'if [ -n "${ESPI_REPORT_KEEP:-}" ]; then mkdir -p "$ESPI_REPORT_KEEP" && cp "$tmp"/*.html "$tmp"/*.dom "$tmp"/*.png "$tmp"/*.json "$ESPI_REPORT_KEEP"/ 2>/dev/null; fi; rm -rf "$tmp"' EXIT
mkdir "$tmp/home"

# netns: the command that runs Chromium without a network, empty when none can be made
netns=""
if [ "${ESPI_REPORT_NETNS:-}" = none ]; then
    :
elif unshare -n true 2>/dev/null; then
    netns="unshare -n"
elif unshare -rn true 2>/dev/null; then
    netns="unshare -rn"
fi
if [ -n "$netns" ]; then
    echo "# network off: a network namespace of its own ($netns) and a proxy to nowhere"
else
    echo "# network off: no namespace can be made here; a proxy to nowhere and no host resolution"
fi

# browse PAGE OUT: OUT.png (screenshot), OUT.dom (--dump-dom), OUT.net.json (network log),
# OUT.log (Chromium's messages). Both outputs come from one run; a Chromium that writes only
# one of them when asked for both is run once more for the screenshot.
browse() {
    local page=$1 out=$2
    # shellcheck disable=SC2054 # the commas are in --disable-features' value
    local -a flags=(--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage
        --hide-scrollbars --no-first-run --no-default-browser-check --disable-extensions
        --disable-sync --disable-background-networking --disable-component-update
        --disable-default-apps --disable-domain-reliability --no-pings
        --disable-features=NetworkTimeServiceQuerying,MediaRouter,OptimizationHints
        "--component-updater=url-source=file://$tmp/no-updates"
        --proxy-server=127.0.0.1:9 "--host-resolver-rules=MAP * ~NOTFOUND"
        --force-color-profile=srgb --window-size=1200,2000)
    # shellcheck disable=SC2086 # $netns is a command and its option, or nothing
    HOME=$tmp/home timeout -k 5 90 $netns "$browser" "${flags[@]}" \
        "--user-data-dir=$out.profile" "--log-net-log=$out.net.json" \
        "--screenshot=$out.png" --dump-dom "file://$page" >"$out.dom" 2>"$out.log"
    local rc=$?
    if [ "$rc" -eq 0 ] && [ ! -s "$out.png" ]; then
        # shellcheck disable=SC2086
        HOME=$tmp/home timeout -k 5 90 $netns "$browser" "${flags[@]}" \
            "--user-data-dir=$out.profile" "--log-net-log=$out.net2.json" \
            "--screenshot=$out.png" "file://$page" >/dev/null 2>>"$out.log"
        rc=$?
    fi
    rm -rf "$out.profile"
    return "$rc"
}

# browser_failed WHAT OUT: a FAIL line with the tail of Chromium's messages
browser_failed() {
    bad "$1: Chromium failed (exit $2); its last messages:"
    grep -v 'dbus\|unexpected operator' "$3.log" | tail -n 8 | sed 's/^/  /'
}

netlogs() {
    local n
    [ -n "$netns" ] || echo --allow-browser-own
    for n in "$1.net.json" "$1.net2.json"; do
        [ -f "$n" ] && printf -- '--netlog\n%s\n' "$n"
    done
}

if python3 "$checker" --self-test >"$tmp/self.out" 2>&1; then
    ok "check_report_page.py --self-test ($(grep -c '^ok' "$tmp/self.out") checks)"
else
    bad "check_report_page.py --self-test:"
    grep -v '^ok' "$tmp/self.out" | head -20 | sed 's/^/  /'
fi

# The canary: a page that fetches from 127.0.0.1:9. Its request must show in the network log.
cat >"$tmp/canary.html" <<'EOF'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>canary</title></head>
<body><p>canary</p><img src="http://127.0.0.1:9/canary.png" alt=""></body></html>
EOF
start=$(date +%s)
browse "$tmp/canary.html" "$tmp/canary"
rc=$?
if [ "$rc" -ne 0 ]; then
    browser_failed "the canary page" "$rc" "$tmp/canary"
elif ! grep -q 'canary' "$tmp/canary.dom"; then
    bad "the canary page: no DOM from --dump-dom"
else
    mapfile -t logs < <(netlogs "$tmp/canary")
    if python3 "$checker" "${logs[@]}" >"$tmp/canary.out" 2>&1; then
        bad "the canary page's request to 127.0.0.1:9 is not in Chromium's network log: the log check would see nothing"
    elif grep -q '127.0.0.1:9/canary.png' "$tmp/canary.out"; then
        ok "the network log shows a page's request (the canary's to 127.0.0.1:9)"
    else
        bad "the canary page: the network check failed for another reason:"
        sed 's/^/  /' "$tmp/canary.out" | head -5
    fi
fi

for fx in $fixtures; do
    f=$src/testdata/$fx
    name=$(basename "$fx" .xml)
    out=$tmp/$name
    if [ ! -f "$f" ]; then
        bad "$fx: not found in testdata"
        continue
    fi
    "$ESPI" report "$f" -o "$out.html" 2>"$out.err"
    rc=$?
    if [ "$rc" -ne 0 ] || [ ! -s "$out.html" ]; then
        bad "$name: espi report exit $rc: $(first_lines "$out.err")"
        continue
    fi
    "$ESPI" report --format xml "$f" -o "$out.report.xml" 2>"$out.err"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        bad "$name: espi report --format xml exit $rc: $(first_lines "$out.err")"
        continue
    fi
    "$ESPI" summary --per month --format csv "$f" >"$out.raw.csv" 2>"$out.err"
    unit=$(python3 "$checker" --pick-unit "$out.raw.csv")
    summary_ok=1
    for per in day month; do
        "$ESPI" summary --per "$per" ${unit:+--unit "$unit"} --format csv "$f" \
            >"$out.$per.csv" 2>"$out.err"
        rc=$?
        if [ "$rc" -ne 0 ]; then
            bad "$name: espi summary --per $per exit $rc: $(first_lines "$out.err")"
            summary_ok=0
        fi
    done
    [ "$summary_ok" -eq 1 ] || continue
    t0=$(date +%s%N)
    browse "$out.html" "$out"
    rc=$?
    t1=$(date +%s%N)
    if [ "$rc" -ne 0 ] || [ ! -s "$out.dom" ] || [ ! -s "$out.png" ]; then
        browser_failed "$name" "$rc" "$out"
        continue
    fi
    titles=()
    [ "$name" = hostile_titles ] && titles=(--title "$hostile_title" --title "$hostile_reading")
    mapfile -t logs < <(netlogs "$out")
    if python3 "$checker" --report-xml "$out.report.xml" --day-csv "$out.day.csv" \
        --month-csv "$out.month.csv" --html "$out.html" --dom "$out.dom" --png "$out.png" --feed "$f" \
        "${logs[@]}" "${titles[@]}" >"$out.check" 2>&1; then
        ok "$name (${unit:-native units}; Chromium $(((t1 - t0) / 1000000)) ms): $(grep -c '^ok' "$out.check") checks"
        sed 's/^ok  /    /' "$out.check"
    else
        bad "$name (${unit:-native units}):"
        sed 's/^/  /' "$out.check" | head -40
    fi
done

echo "# $(($(date +%s) - start)) s in all"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
