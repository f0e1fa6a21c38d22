#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi fetch smarthub --update FILE against the stand-in (127.0.0.1 only):
#   * a feed of 2026-01-20 to 2026-03-31 is fetched; the stand-in then revises the days from
#     2026-03-30 (0.01 kWh more per reading, as SmartHub revises recent days); --update --end
#     2026-04-29 asks again from the feed's last day minus 2 (2026-03-29) to 2026-04-29 only,
#     and writes FILE back: byte for byte the feed a whole fetch of 2026-01-20 to 2026-04-29
#     gives now; the readings before 2026-03-29 are those of the old feed, the revised days
#     carry the revised values (10 Wh more), the new days are there; on a terminal it says
#     that SmartHub revised readings (off one, nothing is printed);
#   * a feed fetched with --bills (bills as UsageSummaries and as billing-period readings):
#     the update fetches the bills again and equals a whole fetch, byte for byte;
#   * an update that fails (a refused login) leaves FILE as it was; a feed of another
#     location (a fixture converted by espi convert) is refused (exit 1), FILE unchanged.
# usage: ESPI=... ESPI_SOURCE=... update.sh
. "$ESPI_SOURCE/tests/fetch/lib.bash"

start_standin
scenario '"pending": 0'
run first $(smarthub) --start 2026-01-20 --end 2026-03-31 -o "$tmp/feed.xml"
check "first fetch: exit 0" test "$(rc_of first)" = 0
cp "$tmp/feed.xml" "$tmp/old.xml"

scenario '"pending": 0, "revise_from": "2026-03-30"'
run update $(smarthub) --update "$tmp/feed.xml" --end 2026-04-29
check "--update: exit 0, nothing printed off a terminal" test "$(rc_of update)" = 0 -a ! -s "$tmp/update.err"
got=$(stat_of windows)
check "--update asked from the last day minus 2 (2026-03-29, 07:00Z) to 2026-04-29 only" \
    test "$got" = '[["HOURLY", 1774767600, 1777359600], ["HOURLY", 1777359600, 1777532400]]'
run whole $(smarthub) --start 2026-01-20 --end 2026-04-29 -o "$tmp/whole.xml"
check "the updated feed is byte for byte a whole fetch of the range" cmp -s "$tmp/feed.xml" "$tmp/whole.xml"

"$ESPI" dump "$tmp/old.xml" | cut -d, -f7,11 | sort >"$tmp/old.csv"
"$ESPI" dump "$tmp/feed.xml" | cut -d, -f7,11 | sort >"$tmp/new.csv"
python3 - "$tmp/old.csv" "$tmp/new.csv" >"$tmp/cmp.log" <<'PY'
import sys
def rows(p):
    out = {}
    for line in open(p):
        start, value = line.strip().split(',')
        if start != 'start_utc':
            out[start] = int(value)
    return out
old, new = rows(sys.argv[1]), rows(sys.argv[2])
cut, revised = '2026-03-29T07:00:00Z', '2026-03-30T07:00:00Z'
kept = all(new.get(s) == v for s, v in old.items() if s < cut)
changed = [s for s, v in old.items() if s >= revised]
rev_ok = all(new.get(s) == v + 10 for s, v in old.items() if s >= revised)
added = [s for s in new if s not in old]
print('kept' if kept else 'not kept', len(changed), 'revised' if rev_ok else 'not revised',
      len(added), min(added), max(added))
PY
read -r kept nrev revised nadded first last <"$tmp/cmp.log"
check "the old feed's readings before 2026-03-29 are kept as they were" test "$kept" = kept
check "the $nrev readings of the revised days (2026-03-30, -31) carry the new values" test "$revised $nrev" = "revised 192"
check "the new days are added: $nadded readings, $first to $last" \
    test "$nadded $first $last" = "2784 2026-04-01T07:00:00Z 2026-04-30T06:45:00Z"

if command -v script >/dev/null; then
    cp "$tmp/old.xml" "$tmp/tty.xml"
    timeout 60 script -qec "ESPI_SMARTHUB_PASSWORD=\$(python3 $here/standin_ctl.py password) $ESPI fetch $(smarthub) --update $tmp/tty.xml --end 2026-04-29" /dev/null </dev/null >"$tmp/tty.log" 2>&1
    check "on a terminal: the revisions are told" grep -q 'SmartHub revised readings since the last download' "$tmp/tty.log"
fi

scenario '"pending": 0'
run bills_first $(smarthub) --tz America/Los_Angeles --start 2026-02-20 --end 2026-04-05 --bills -o "$tmp/bills.xml"
run bills_update $(smarthub) --tz America/Los_Angeles --update "$tmp/bills.xml" --end 2026-04-20
run bills_whole $(smarthub) --tz America/Los_Angeles --start 2026-02-20 --end 2026-04-20 --bills -o "$tmp/bills_whole.xml"
check "a feed with bills: --update fetches them again, and gives the whole fetch byte for byte" \
    test "$(rc_of bills_update)" = 0 -a "$(cmp -s "$tmp/bills.xml" "$tmp/bills_whole.xml" && echo same)" = same

cp "$tmp/old.xml" "$tmp/keep.xml"
ESPI_SMARTHUB_PASSWORD=wrong timeout 60 "$ESPI" fetch $(smarthub) --update "$tmp/keep.xml" --end 2026-04-29 \
    >/dev/null 2>"$tmp/refused.err"
check "a failed update (refused login): exit 1, FILE unchanged" \
    test $? = 1 -a "$(cmp -s "$tmp/keep.xml" "$tmp/old.xml" && echo same)" = same

"$ESPI" convert --tz America/Los_Angeles -q -o "$tmp/other.xml" \
    "$ESPI_SOURCE/testdata/smarthub/valid_15min_netmeter_cost_week.json"
cp "$tmp/other.xml" "$tmp/other_before.xml"
run other $(smarthub) --update "$tmp/other.xml" --end 2026-04-29
expect_run other 1 "update-channel: .*none of the channels of account 1234567001 location 80012345"
check "another location's feed: unchanged" cmp -s "$tmp/other.xml" "$tmp/other_before.xml"
finish
