#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi fetch smarthub against the stand-in (tests/fetch/standin.py, 127.0.0.1 only):
#   * 100 days of 15-minute data, 2026-01-20 to 2026-04-29 (across spring-forward), come in 4
#     windows of at most 30 days whose true UTC bounds are the local midnights (07:00Z after
#     the change, 08:00Z before), each posted again with the identical body after PENDING; one
#     login, one user-data, one connection for every request; every secured call carries the
#     bearer token and X-NISC-SMARTHUB-USERNAME; the User-Agent names espi and its version;
#   * the feed is valid (3.3 and 4.0, no error, no warning) and tests/tools/check_feed.py, the
#     independent oracle, finds every reading right (UTC start, duration, Wh, cost) against the
#     answers kept with --save-raw;
#   * espi convert of the --save-raw folder gives the feed byte for byte; so it does with
#     --time-frame daily --bills (daily and MONTHLY answers, the bills as UsageSummaries);
#   * not on a terminal nothing is printed; on one (script(1)) a line per window
#     ("2026-01-20..2026-02-18: 2,879 readings"), none with -q; -o - writes stdout.
# usage: ESPI=... ESPI_SOURCE=... download.sh
. "$ESPI_SOURCE/tests/fetch/lib.bash"

start_standin
scenario '"pending": 1'
raw=$tmp/raw
run hundred $(smarthub) --start 2026-01-20 --end 2026-04-29 --save-raw "$raw" -o "$tmp/feed.xml"
if [ "$(rc_of hundred)" = 0 ]; then ok "100 days: exit 0"; else bad "100 days: exit $(rc_of hundred): $(cat "$tmp/hundred.err")"; fi
check "100 days: nothing on stderr when it is not a terminal" test ! -s "$tmp/hundred.err"

# the windows: [frame, start, end] in true UTC seconds
want='[["HOURLY", 1768896000, 1771488000], ["HOURLY", 1771488000, 1774076400], ["HOURLY", 1774076400, 1776668400], ["HOURLY", 1776668400, 1777532400]]'
got=$(ctl stats | python3 -c 'import json,sys; s=json.load(sys.stdin); print(json.dumps([w for w in s["windows"]]))')
check "4 windows of at most 30 days, bounds at local midnight in true UTC (08:00Z, then 07:00Z)" \
    test "$got" = "$want"
check "PENDING once per window, each posted again with the identical body" test "$(stat_of pending)" = 4
check "one login, one user-data" test "$(stat_of logins) $(stat_of user_data)" = "1 1"
check "one connection for all $(($(stat_of polls) + 2)) requests" \
    test "$(stat_of connections | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1
check "every secured call had its token and X-NISC-SMARTHUB-USERNAME" test "$(stat_of bad_headers)" = 0
check "the User-Agent names espi and its version" \
    grep -q "\"espi/$("$ESPI" --version | sed -n 's/^espi //p') " <(stat_of user_agents)

check "--save-raw kept user-data and the 4 windows, named by window" test \
    "$(cd "$raw" && ls | tr '\n' ' ')" = "hourly_2026-01-20_2026-02-18.json hourly_2026-02-19_2026-03-20.json hourly_2026-03-21_2026-04-19.json hourly_2026-04-20_2026-04-29.json user-data.json "
if python3 "$ESPI_SOURCE/tests/tools/check_feed.py" --tz America/Los_Angeles "$raw"/hourly_*.json \
    "$tmp/feed.xml" >"$tmp/oracle.log" 2>&1; then
    ok "oracle: $(cut -c1-60 "$tmp/oracle.log" | head -1)... $(grep -o '[0-9]* readings, [0-9]* Wh' "$tmp/oracle.log")"
else
    bad "oracle: $(cat "$tmp/oracle.log")"
fi
check "9,595 readings (100 days of 96, less the spring-forward hour and one null)" \
    grep -q '9595 readings' "$tmp/oracle.log"
"$ESPI" validate --espi 3.3 "$tmp/feed.xml" >"$tmp/validate.log" 2>&1
check "espi validate --espi 3.3: valid, 0 errors, 0 warnings" grep -q 'valid (.*), 0 errors, 0 warnings' "$tmp/validate.log"
"$ESPI" convert --tz America/Los_Angeles -q -o "$tmp/again.xml" "$raw"/*.json
check "espi convert DIR/*.json gives the feed byte for byte" cmp -s "$tmp/feed.xml" "$tmp/again.xml"

# daily and the bills
run bills $(smarthub) --tz America/Los_Angeles --start 2026-01-01 --end 2026-03-31 --time-frame daily --bills \
    --save-raw "$tmp/raw2" -o "$tmp/bills.xml"
check "daily + bills: exit 0" test "$(rc_of bills)" = 0
check "daily + bills: daily and monthly answers kept" test \
    "$(cd "$tmp/raw2" && ls | tr '\n' ' ')" = "daily_2026-01-01_2026-01-30.json daily_2026-01-31_2026-03-01.json daily_2026-03-02_2026-03-31.json monthly_2026-01-01_2026-03-31.json user-data.json "
"$ESPI" dump --what summaries "$tmp/bills.xml" >"$tmp/summaries.csv" 2>/dev/null
check "daily + bills: the 3 billing periods that start in the range are UsageSummaries (quality 19)" \
    test "$(grep -c ',USD,19,' "$tmp/summaries.csv")" = 3
"$ESPI" convert --tz America/Los_Angeles -q -o "$tmp/bills_again.xml" "$tmp/raw2"/*.json
check "daily + bills: espi convert DIR/*.json gives the feed byte for byte" cmp -s "$tmp/bills.xml" "$tmp/bills_again.xml"

# stdout, terminal progress, quiet
run stdout $(smarthub) --start 2026-01-20 --end 2026-04-29 -o -
check "-o - writes the same feed to stdout" cmp -s "$tmp/stdout.out" "$tmp/feed.xml"
if command -v script >/dev/null; then
    cmd="ESPI_SMARTHUB_PASSWORD=\$(python3 $here/standin_ctl.py password) $ESPI fetch $(smarthub) --start 2026-01-20 --end 2026-04-29 -o $tmp/tty.xml"
    timeout 60 script -qec "$cmd" /dev/null </dev/null >"$tmp/tty.log" 2>&1
    check "on a terminal: one line per window" grep -q '^2026-01-20\.\.2026-02-18: 2,879 readings' "$tmp/tty.log"
    check "on a terminal: the spring-forward window has 4 readings less" grep -q '^2026-02-19\.\.2026-03-20: 2,876 readings' "$tmp/tty.log"
    timeout 60 script -qec "$cmd -q" /dev/null </dev/null >"$tmp/tty_q.log" 2>&1
    check "on a terminal with -q: nothing" test ! -s "$tmp/tty_q.log"
else
    echo "note: no script(1): the terminal progress is not checked"
fi
finish
