#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Merging: several inputs make the same feed as one input holding all of it, whatever
# their order; disagreements are reported (later input wins) or refused (--strict).
#
# UNION = testdata/smarthub/valid_15min_netmeter_cost_week.json (15-minute USAGE + COST, a net
# meter, 2026-03-05 to 03-11 across the spring-forward day); BILLS =
# testdata/smarthub/bills_netmeter_usage_cost.json (MONTHLY bills of the same account, location
# and meter). At test time the points (series data, xToOrderedInterval; every other key kept)
# are cut by x into W1 = [start, 2026-03-09 12:00) and W2 = [2026-03-08 00:00, end), which
# overlap by 36 wall hours, the DST day included. Checked (all with --updated 2026-11-28T00:00:00Z):
#   * every order of W1 W2 BILLS (6 permutations), BILLS UNION, and the inputs repeated
#     (W1 W2 BILLS W2 W1 BILLS, UNION W1 BILLS W2 UNION BILLS) give byte for byte the feed of
#     `convert UNION BILLS` (which espi validate finds clean), with exit 0 and no merge
#     warning, and so does --strict, since they agree;
#   * W2X = W2 with one consumption y in the overlap changed (2026-03-08 12:00 wall, 0.074 ->
#     1.234 kWh): `W1 W2X` exits 0 with a merge-conflict warning at W2X:LINE naming W1:LINE and
#     dump shows 1.234 kWh at 2026-03-08T19:00:00Z; `W2X W1` warns at W1:LINE and keeps
#     0.074; --strict exits 1 with a merge-conflict error and writes nothing;
#   * bills: BILLS with one closed period's kWh changed gives a merge-bill-conflict warning,
#     the later input's kWh, and with --strict exit 1 (not a crash) and nothing written;
#     BILLS with only the open cycle's cost to date changed is a disagreement too (the newest
#     bill to date is the later input's, in both orders); a MONTHLY response one month
#     older (the Oct 2026 period still open) merged with BILLS in either order gives the feed of
#     BILLS alone, with no conflict: the two agree on every closed period;
#   * every testdata/smarthub/bills_*.json given twice gives the feed of it given once;
#   * W2 moved to another service location: two usage points, no merge, every reading of both;
#   * --dry-run exits 0, prints its summary (the counts of the real run) and writes no file;
#   * refused with exit 1 and no file: two Green Button inputs whose ReadingTypes scale the same
#     meter reading differently, a billing period whose total passes 48 bits, a reading time
#     before 1970 in a file to repair;
#   * bills that differ only in statusTimeStamp are a disagreement in either order (the later
#     kept); one file giving a period twice gets two summaries with ids of their own; the
#     older usage CSV (no account) joins the only service location of the other inputs;
#   * resolutions (testdata/smarthub/merge/valid_res_*): hourly + daily of 2026-10-31 to 11-02
#     (the fall-back day, USAGE + COST) and 15-minute + hourly of 2026-06-15 to 06-16 (a net
#     meter, consumption and generation) give, in every argument order (A B, B A, and with
#     an input repeated), the same bytes, exit 0 and no merge warning; both resolutions are
#     there (one ReadingType per resolution and direction, each with its intervalLength);
#     espi validate and espi validate --espi 3.3 find 0 errors and 0 warnings;
#     tests/tools/check_feed.py (all inputs, with the convert log) agrees, the sums of the
#     finer readings agreeing with the coarser ones (an info says so); the daily input with
#     one day's kWh raised by 0.2 kWh gives one resolution-sum warning naming that day (the
#     oracle agrees), and the feed still holds both resolutions as given.
# Needs bash, python3 (standard library) and the espi binary.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source merge.sh [SHARED]
# (CTest sets ESPI and ESPI_SOURCE; the shared folder is not needed.)
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
updated=2026-11-28T00:00:00Z
union=$src/testdata/smarthub/valid_15min_netmeter_cost_week.json
bills=$src/testdata/smarthub/bills_netmeter_usage_cost.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3

# The poll tool: cuts, edits and relocates SmartHub JSON; writes one point per line so
# that a point's line is easy to name.
cat >"$tmp/polltool.py" <<'EOF'
import calendar, json, sys
from datetime import datetime

def wall_ms(text):
    return calendar.timegm(datetime.strptime(text, '%Y-%m-%d %H:%M').timetuple()) * 1000

def write(doc, path):
    def emit(v, ind):
        one = json.dumps(v, separators=(', ', ': '))
        if not isinstance(v, (dict, list)) or not v or len(one) + ind <= 130:
            return one
        pad = ' ' * (ind + 1)
        if isinstance(v, dict):
            items = ['%s%s: %s' % (pad, json.dumps(k), emit(x, ind + 1)) for k, x in v.items()]
            return '{\n' + ',\n'.join(items) + '\n' + ' ' * ind + '}'
        return '[\n' + ',\n'.join(pad + emit(x, ind + 1) for x in v) + '\n' + ' ' * ind + ']'
    with open(path, 'w', encoding='utf-8') as f:
        f.write(emit(doc, 0) + '\n')

def load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)

def line_of(path, needle):
    with open(path, encoding='utf-8') as f:
        for n, l in enumerate(f, 1):
            if needle in l:
                return n
    sys.exit('%s: no line holds %s' % (path, needle))

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == 'window':                        # SRC DST FROM_WALL TO_WALL ('' = open)
    doc = load(args[0])
    lo = wall_ms(args[2]) if args[2] else -2**62
    hi = wall_ms(args[3]) if args[3] else 2**62
    for e in doc['data']['ELECTRIC']:
        for s in e['series']:
            s['data'] = [p for p in s['data'] if lo <= p['x'] < hi]
        e['xToOrderedInterval'] = {k: v for k, v in e['xToOrderedInterval'].items() if lo <= int(k) < hi}
    write(doc, args[1])
elif cmd == 'sety':                        # SRC DST SERIES WALL NEWY: prints OLDY
    doc = load(args[0])
    x, old = wall_ms(args[3]), None
    e = [e for e in doc['data']['ELECTRIC'] if e['type'] == 'USAGE'][0]
    for s in e['series']:
        if s['name'] == args[2]:
            for p in s['data']:
                if p['x'] == x:
                    old, p['y'] = p['y'], json.loads(args[4])
    if old is None:
        sys.exit('no point of %s at %s' % (args[2], args[3]))
    write(doc, args[1])
    print(old)
elif cmd == 'line':                        # FILE WALL Y: the first line with that point
    print(line_of(args[0], '{"x": %d, "y": %s,' % (wall_ms(args[1]), args[2])))
elif cmd == 'relocate':                    # SRC DST LOCATION
    doc = load(args[0])
    def walk(v):
        if isinstance(v, dict):
            for k in v:
                if k == 'serviceLocationNumber':
                    v[k] = args[2]
                else:
                    walk(v[k])
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(doc)
    write(doc, args[1])
elif cmd == 'older':                       # BILLS DST: the response of a month before
    doc = load(args[0])
    oct_x = wall_ms('2026-10-01 00:00')
    open_y = {'88120045 - Consumption': (400.1, 47.5), '88120045 - Generation': (-120.0, -14.1),
              '88120045 - Net': (280.1, 33.4)}
    for e in doc['data']['ELECTRIC']:
        opened = None
        for k, v in list(e['xToOrderedInterval'].items()):
            if int(k) == oct_x:
                opened = v['interval']['start']
                del e['xToOrderedInterval'][k]
        for v in e['xToOrderedInterval'].values():
            if v['orderedName'] == 'Dec 9999':
                v['interval']['start'] = opened
        for s in e['series']:
            s['data'] = [p for p in s['data'] if p['x'] != oct_x]
            for p in s['data']:
                if p['x'] > wall_ms('9000-01-01 00:00'):
                    p['y'] = open_y[s['name']][0 if e['type'] == 'USAGE' else 1]
        e['endDateTime'] = wall_ms('2026-11-10 08:00')     # true UTC: midnight PST
    write(doc, args[1])
else:
    sys.exit('unknown command ' + cmd)
EOF
tool() { python3 "$tmp/polltool.py" "$@"; }

# conv OUT ERR ARGS...: espi convert with the fixed options; the exit code
conv() {
    local out=$1 err=$2
    shift 2
    "$ESPI" convert --updated "$updated" -o "$out" "$@" 2>"$err"
}

# reading_at FEED FLOW START_UTC: the kWh value of the reading (one line, or nothing)
reading_at() {
    "$ESPI" dump --unit kWh "$1" 2>/dev/null | awk -F, -v flow="$2" -v start="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $col["flow_direction"] == flow && $col["start_utc"] == start { print $col["value"] }'
}

# summary_field FEED START_UTC COLUMN: a column of the summary of that billing start
summary_field() {
    "$ESPI" dump --what summaries "$1" 2>/dev/null | awk -F, -v start="$2" -v want="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $col["billing_start_utc"] == start { print $col[want] }'
}

# --- inputs
w1=$tmp/w1.json w2=$tmp/w2.json w2x=$tmp/w2x.json
if ! tool window "$union" "$w1" '' '2026-03-09 12:00' || ! tool window "$union" "$w2" '2026-03-08 00:00' '' ||
    ! old_y=$(tool sety "$w2" "$w2x" '88120045 - Consumption' '2026-03-08 12:00' 1.234); then
    bad "setup: could not cut $union into windows"
    finish_checks
    exit 1
fi
conflict_utc=2026-03-08T19:00:00Z   # 12:00 PDT, the afternoon of the spring-forward day

# --- the reference and every order
ref=$tmp/ref.xml
if ! conv "$ref" "$tmp/ref.err" "$union" "$bills"; then
    bad "reference: convert UNION BILLS failed: $(first_lines "$tmp/ref.err")"
    finish_checks
    exit 1
fi
ref_line=$(grep '^espi: wrote' "$tmp/ref.err" | sed 's/^espi: wrote [^:]*: //')
if "$ESPI" validate "$ref" >"$tmp/ref.validate" 2>&1 && grep -q ', 0 errors, 0 warnings, ' "$tmp/ref.validate"; then
    ok "reference: convert UNION BILLS: $ref_line; espi validate: 0 errors, 0 warnings"
else
    bad "reference: espi validate of convert UNION BILLS is not clean: $(first_lines "$tmp/ref.validate")"
fi

same_as_ref() {
    local label=$1 n=$2
    shift 2
    local out=$tmp/perm.$n.xml err=$tmp/perm.$n.err rc
    conv "$out" "$err" "$@"
    rc=$?
    if [ $rc -ne 0 ]; then
        bad "$label: exit $rc: $(grep -v '^espi: wrote' "$err" | head -n 2 | tr '\n' ' ')"
    elif grep -q 'merge-' "$err"; then
        bad "$label: a merge warning although the inputs agree: $(grep -m 1 'merge-' "$err")"
    elif ! cmp -s "$out" "$ref"; then
        bad "$label: the feed differs from convert UNION BILLS: $(cmp "$out" "$ref" 2>&1 | head -n 1)"
    else
        ok "$label: the same bytes as convert UNION BILLS"
    fi
}
n=0
for order in "W1 W2 BILLS" "W1 BILLS W2" "W2 W1 BILLS" "W2 BILLS W1" "BILLS W1 W2" "BILLS W2 W1"; do
    declare -a files=()
    for name in $order; do
        case $name in W1) files+=("$w1") ;; W2) files+=("$w2") ;; BILLS) files+=("$bills") ;; esac
    done
    n=$((n + 1))
    same_as_ref "order $order" $n "${files[@]}"
done
same_as_ref "order BILLS UNION" 7 "$bills" "$union"
same_as_ref "repeated W1 W2 BILLS W2 W1 BILLS" 8 "$w1" "$w2" "$bills" "$w2" "$w1" "$bills"
same_as_ref "repeated UNION W1 BILLS W2 UNION BILLS" 9 "$union" "$w1" "$bills" "$w2" "$union" "$bills"
same_as_ref "--strict W2 BILLS W1 (they agree)" 10 --strict "$w2" "$bills" "$w1"

# --- readings that disagree
l_w1=$(tool line "$w1" '2026-03-08 12:00' "$old_y")
l_w2x=$(tool line "$w2x" '2026-03-08 12:00' 1.234)
kwh() { python3 -c 'import sys; from decimal import Decimal; print(format(Decimal(sys.argv[1]).quantize(Decimal("0.001")), "f"))' "$1"; }
old_kwh=$(kwh "$old_y")

# conflict LABEL FIRST SECOND LATER_LINE EARLIER_LINE KEPT_KWH
conflict() {
    local label=$1 first=$2 second=$3 later_line=$4 earlier_line=$5 kept=$6 out err rc got
    out=$tmp/conflict.$label.xml err=$tmp/conflict.$label.err
    conv "$out" "$err" "$first" "$second"
    rc=$?
    local later=$second earlier=$first
    if [ $rc -ne 0 ]; then
        bad "conflict $label: exit $rc, expected 0 (later input wins): $(grep -v '^espi: wrote' "$err" | head -n 2 | tr '\n' ' ')"
        return
    fi
    if ! grep -q "^$later:$later_line: warning: merge-conflict: .*$conflict_utc.* $earlier:$earlier_line " "$err"; then
        bad "conflict $label: no merge-conflict warning at $later:$later_line naming $earlier:$earlier_line; stderr: $(first_lines "$err")"
        return
    fi
    got=$(reading_at "$out" 1 "$conflict_utc")
    if [ "$got" != "$kept" ]; then
        bad "conflict $label: forward reading at $conflict_utc is '${got}' kWh, expected the later input's $kept"
        return
    fi
    ok "conflict $label: exit 0, warning at $(basename "$later"):$later_line naming $(basename "$earlier"):$earlier_line, $kept kWh kept"
}
conflict "W1-W2X" "$w1" "$w2x" "$l_w2x" "$l_w1" 1.234
conflict "W2X-W1" "$w2x" "$w1" "$l_w1" "$l_w2x" "$old_kwh"

# strict LABEL ERRCODE FILES...: exit 1, an error with that code, no output file
strict() {
    local label=$1 code=$2 out=$tmp/strict.xml err=$tmp/strict.err rc
    shift 2
    rm -f "$out"
    conv "$out" "$err" --strict "$@"
    rc=$?
    if [ $rc -gt 128 ]; then
        bad "$label: espi crashed (exit $rc, signal $((rc - 128))), expected exit 1; its last words:" \
            "$(grep -v -e 'smarthub-bill-flow' "$err" | head -n 3 | tr '\n' ' ' | cut -c1-400)"
    elif [ $rc -ne 1 ]; then
        bad "$label: exit $rc, expected 1: $(grep -v -e 'smarthub-bill-flow' "$err" | head -n 3 | tr '\n' ' ' | cut -c1-300)"
    elif ! grep -q ": error: $code: " "$err"; then
        bad "$label: exit 1 but no '$code' error: $(first_lines "$err")"
    elif [ -e "$out" ] || [ -n "$(find "$tmp" -maxdepth 1 -name '.strict.xml.*')" ]; then
        bad "$label: exit 1 but the output (or a temporary file) was written"
    else
        ok "$label: exit 1, $code error, nothing written"
    fi
}
strict "strict W1 W2X" merge-conflict "$w1" "$w2x"

# --- bills that disagree
bills_kwh=$tmp/bills_kwh.json bills_open=$tmp/bills_open_cost.json bills_old=$tmp/bills_older.json
sed 's/{"x": 1788220800000, "y": 642.07,/{"x": 1788220800000, "y": 642.08,/' "$bills" >"$bills_kwh"
sed 's/{"x": 253399622400000, "y": 47.21,/{"x": 253399622400000, "y": 49.99,/' "$bills" >"$bills_open"
tool older "$bills" "$bills_old"
if cmp -s "$bills" "$bills_kwh" || cmp -s "$bills" "$bills_open"; then
    bad "setup: the bills fixture no longer has the values this script edits (Sep 642.07 kWh, open \$47.21)"
fi
l_sep=$(grep -n -m 1 '{"x": 1788220800000, "y": 642.07,' "$bills" | cut -d: -f1)
sep_utc=2026-09-15T07:00:00Z oct_utc=2026-10-15T07:00:00Z
out=$tmp/bill_conflict.xml
conv "$out" "$tmp/bill_conflict.err" "$bills" "$bills_kwh"
rc=$?
got=$(summary_field "$out" "$sep_utc" consumption_raw)
if [ $rc -ne 0 ]; then
    bad "bill conflict: exit $rc, expected 0: $(first_lines "$tmp/bill_conflict.err")"
elif ! grep -q "^$bills_kwh:$l_sep: warning: merge-bill-conflict: .*$sep_utc.* $bills:$l_sep" "$tmp/bill_conflict.err"; then
    bad "bill conflict: no merge-bill-conflict warning at $bills_kwh:$l_sep naming $bills:$l_sep: $(first_lines "$tmp/bill_conflict.err")"
elif [ "$got" != 642080 ]; then
    bad "bill conflict: the $sep_utc period has $got Wh, expected the later input's 642080"
else
    ok "bill conflict: exit 0, merge-bill-conflict warning naming both files, 642080 Wh kept"
fi
strict "strict bill conflict" merge-bill-conflict "$bills" "$bills_kwh"

for order in "BILLS OPEN" "OPEN BILLS"; do
    if [ "$order" = "BILLS OPEN" ]; then set -- "$bills" "$bills_open"; want=4999000; else set -- "$bills_open" "$bills"; want=4721000; fi
    out=$tmp/open_cost.xml
    conv "$out" "$tmp/open_cost.err" "$@"
    rc=$?
    got=$(summary_field "$out" "$oct_utc" bill_to_date_raw)
    if [ $rc -ne 0 ]; then
        bad "open-cycle cost $order: exit $rc: $(first_lines "$tmp/open_cost.err")"
    elif [ "$got" != "$want" ] || ! grep -q 'warning: merge-bill-conflict: ' "$tmp/open_cost.err"; then
        bad "open-cycle cost $order: two inputs whose open cycle cost differs (\$47.21, \$49.99):" \
            "newest bill_to_date_raw $got, expected the later input's $want with a merge-bill-conflict warning;" \
            "warnings: $(grep -c 'merge-bill-conflict' "$tmp/open_cost.err")"
    else
        ok "open-cycle cost $order: the later input's bill to date $want, with a merge-bill-conflict warning"
    fi
done

alone=$tmp/bills_alone.xml
if conv "$alone" "$tmp/bills_alone.err" "$bills"; then
    for order in "OLDER BILLS" "BILLS OLDER"; do
        if [ "$order" = "OLDER BILLS" ]; then set -- "$bills_old" "$bills"; else set -- "$bills" "$bills_old"; fi
        out=$tmp/older.xml
        conv "$out" "$tmp/older.err" "$@"
        rc=$?
        if [ $rc -ne 0 ]; then
            bad "month-older response $order: exit $rc: $(first_lines "$tmp/older.err")"
        elif grep -q 'merge-bill-conflict' "$tmp/older.err" || ! cmp -s "$out" "$alone"; then
            bad "month-older response $order: two responses that agree on every closed period:" \
                "$(grep -c 'merge-bill-conflict' "$tmp/older.err") merge-bill-conflict warning(s)," \
                "$(grep -c 'currentBillingPeriodOverAllConsumption>' "$out" | awk '{print $1/2}') summaries with the open cycle," \
                "feed $(cmp -s "$out" "$alone" && echo equal || echo differs from) convert BILLS alone"
        else
            ok "month-older response $order: the feed of BILLS alone, no conflict"
        fi
    done
else
    bad "convert BILLS alone failed: $(first_lines "$tmp/bills_alone.err")"
fi

# --- every bills fixture given twice is the feed of it given once
for f in "$src"/testdata/smarthub/bills_*.json; do
    name=$(basename "$f" .json)
    if ! conv "$tmp/once.xml" "$tmp/once.err" "$f"; then
        bad "repeated $name: convert of it alone failed: $(first_lines "$tmp/once.err")"
        continue
    fi
    conv "$tmp/twice.xml" "$tmp/twice.err" "$f" "$f"
    rc=$?
    if [ $rc -ne 0 ]; then
        bad "repeated $name: exit $rc: $(first_lines "$tmp/twice.err")"
    elif ! cmp -s "$tmp/once.xml" "$tmp/twice.xml"; then
        bad "repeated $name: given twice, the feed differs from the file given once:" \
            "$(grep '^espi: wrote' "$tmp/once.err" | sed 's/^espi: wrote [^:]*: //; s/;.*//') once," \
            "$(grep '^espi: wrote' "$tmp/twice.err" | sed 's/^espi: wrote [^:]*: //; s/;.*//') twice"
    else
        ok "repeated $name: the same feed as once"
    fi
done

# --- two service locations
w2loc=$tmp/w2_other_location.json
tool relocate "$w2" "$w2loc" 71005599
out=$tmp/two_locations.xml
conv "$out" "$tmp/two_locations.err" "$w1" "$w2loc"
rc=$?
conv "$tmp/w1.xml" /dev/null "$w1"
conv "$tmp/w2.xml" /dev/null "$w2"
readings() { "$ESPI" dump "$1" 2>/dev/null | tail -n +2 | wc -l; }
ups=$("$ESPI" dump --what usage-points "$out" 2>/dev/null | tail -n +2 | wc -l)
n_both=$(readings "$out") n_w1=$(readings "$tmp/w1.xml") n_w2=$(readings "$tmp/w2.xml")
if [ $rc -ne 0 ]; then
    bad "two locations: exit $rc: $(first_lines "$tmp/two_locations.err")"
elif [ "$ups" -ne 2 ] || ! grep -q ': 2 usage points, 6 channels, ' "$tmp/two_locations.err"; then
    bad "two locations: $ups usage point(s) in the dump, expected 2; $(grep '^espi: wrote' "$tmp/two_locations.err")"
elif grep -q 'merge-' "$tmp/two_locations.err"; then
    bad "two locations: readings of different locations were merged: $(grep -m 1 'merge-' "$tmp/two_locations.err")"
elif [ "$n_both" -ne $((n_w1 + n_w2)) ]; then
    bad "two locations: $n_both readings, expected $n_w1 + $n_w2"
else
    ok "two locations: 2 usage points, $n_w1 + $n_w2 readings, nothing merged"
fi

# --- dry run
mkdir -p "$tmp/dry"
"$ESPI" convert --updated "$updated" --dry-run -o "$tmp/dry/feed.xml" "$w1" "$w2" "$bills" >"$tmp/dry.out" 2>"$tmp/dry.err"
rc=$?
counts=$(echo "$ref_line" | sed -E 's/^([0-9]+ usage points?, [0-9]+ channels?), [0-9]+ interval blocks?, ([0-9]+ readings?) \([^)]*\), ([0-9]+ billing summar[a-z]+).*/\1, \2, \3/')
if [ $rc -ne 0 ]; then
    bad "dry run: exit $rc: $(first_lines "$tmp/dry.err")"
elif [ -n "$(ls -A "$tmp/dry")" ] || [ -s "$tmp/dry.out" ]; then
    bad "dry run: something was written: $(ls -A "$tmp/dry" | head -n 3 | tr '\n' ' ') $(head -c 100 "$tmp/dry.out")"
elif ! grep -qF "espi: dry run: $counts; nothing written" "$tmp/dry.err"; then
    bad "dry run: no 'espi: dry run: $counts; nothing written' line: $(first_lines "$tmp/dry.err")"
else
    ok "dry run: exit 0, nothing written, '$counts' as the real run"
fi
"$ESPI" convert --updated "$updated" --dry-run --strict -o "$tmp/dry/feed.xml" "$w1" "$w2x" >/dev/null 2>"$tmp/dry2.err"
rc=$?
if [ $rc -ne 1 ] || ! grep -q 'error: merge-conflict: ' "$tmp/dry2.err" || [ -n "$(ls -A "$tmp/dry")" ]; then
    bad "dry run --strict with a conflict: exit $rc, expected 1 with a merge-conflict error and no file: $(first_lines "$tmp/dry2.err")"
else
    ok "dry run --strict with a conflict: exit 1, merge-conflict error, nothing written"
fi

# --- review regressions
# expect_refusal LABEL CODE INPUT...: exit 1, an error with CODE, nothing written
expect_refusal() {
    local label=$1 code=$2
    shift 2
    mkdir -p "$tmp/refuse"
    "$ESPI" convert --updated "$updated" -o "$tmp/refuse/feed.xml" "$@" >/dev/null 2>"$tmp/refuse.err"
    local rc=$?
    if [ $rc -ne 1 ] || ! grep -q "error: $code: " "$tmp/refuse.err" || [ -e "$tmp/refuse/feed.xml" ]; then
        bad "$label: exit $rc, expected 1 with a $code error and no file: $(first_lines "$tmp/refuse.err")"
    else
        ok "$label: exit 1, $code, nothing written"
    fi
}

# two Green Button files whose ReadingTypes scale the same meter reading differently
dup=$src/testdata/espi/repair/repair_duplicates.xml
sed 's#<espi:powerOfTenMultiplier>0<#<espi:powerOfTenMultiplier>3<#' "$dup" >"$tmp/dup_kwh.xml"
expect_refusal "ReadingTypes that differ" merge-reading-type --from espi "$dup" "$tmp/dup_kwh.xml"

# a billing period whose total passes the 48-bit limit (two meters summed)
python3 - "$src/testdata/smarthub/bills_two_meters_usage_only.json" "$tmp/bills_big.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding='utf-8'))
for entry in doc['data']['ELECTRIC']:
    for series in entry['series']:
        series['data'][0]['y'] = 140737488355.327
json.dump(doc, open(sys.argv[2], 'w', encoding='utf-8'))
PY
expect_refusal "bill total past 48 bits" value-range "$tmp/bills_big.json"

# a reading time before 1970 cannot be repaired
python3 - "$dup" "$tmp/dup_old.xml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
at = text.index('<espi:timePeriod>')  # the first reading's, not the block's interval
text = text[:at] + re.sub(r'<espi:start>\d+</espi:start>', '<espi:start>-99999999999</espi:start>',
                          text[at:], count=1)
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
expect_refusal "a time before 1970" repair-bad-time --from espi "$tmp/dup_old.xml"

# bills that agree on every amount but not on statusTimeStamp are a disagreement, whichever
# order they come in, and the later input's is kept
billing=$src/testdata/espi/valid_dump_billing_only.xml
sed 's#<espi:statusTimeStamp>1707289200<#<espi:statusTimeStamp>1707292800<#' "$billing" >"$tmp/billing_late.xml"
for order in "A B" "B A"; do
    if [ "$order" = "A B" ]; then set -- "$billing" "$tmp/billing_late.xml"; want=1707292800
    else set -- "$tmp/billing_late.xml" "$billing"; want=1707289200; fi
    "$ESPI" convert --from espi --updated "$updated" -o "$tmp/st.xml" "$@" 2>"$tmp/st.err"
    rc=$?
    if [ $rc -ne 0 ] || ! grep -q 'warning: merge-bill-conflict: ' "$tmp/st.err" ||
        ! grep -q "<espi:statusTimeStamp>$want</espi:statusTimeStamp>" "$tmp/st.xml"; then
        bad "statusTimeStamp only, $order: exit $rc, expected a merge-bill-conflict warning and $want kept: $(first_lines "$tmp/st.err")"
    else
        ok "statusTimeStamp only, $order: merge-bill-conflict warning, the later input's $want kept"
    fi
done

# one file giving the same billing period twice: two summaries with ids of their own
python3 - "$billing" "$tmp/billing_twice.xml" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
text = text.replace('<espi:start>1707030000</espi:start>', '<espi:start>1704438000</espi:start>')
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
"$ESPI" convert --from espi --updated "$updated" -o "$tmp/twice.xml" "$tmp/billing_twice.xml" 2>/dev/null
rc=$?
"$ESPI" validate "$tmp/twice.xml" >"$tmp/twice.val" 2>&1
# (exit 1 with the feed written: its two readings of one start remain, and are said)
if [ $rc -gt 1 ] || [ ! -s "$tmp/twice.xml" ] ||
    grep -qE 'entry-id-duplicate|link-self-duplicate' "$tmp/twice.val"; then
    bad "a period given twice in one file: exit $rc, or repeated ids: $(grep -E 'duplicate' "$tmp/twice.val" | head -n 2)"
else
    ok "a period given twice in one file: two summaries, each with an id and self link of its own"
fi

# the older usage CSV names no account: it joins the only service location of the other inputs
"$ESPI" convert --updated "$updated" -o "$tmp/csvjoin.xml" \
    "$src/testdata/smarthub/valid_hourly_netmeter_5h.json" \
    "$src/testdata/smarthub/csv/valid_usage_cost.csv" 2>"$tmp/csvjoin.err"
rc=$?
if [ $rc -ne 0 ] || ! grep -q 'wrote .*: 1 usage point,' "$tmp/csvjoin.err"; then
    bad "older usage CSV with a poll: exit $rc, expected one usage point: $(first_lines "$tmp/csvjoin.err")"
else
    ok "older usage CSV with a poll: one usage point"
fi

# --- resolutions: channels of their own, whatever the order of the inputs
oracle=$src/tests/tools/check_feed.py
res=$src/testdata/smarthub/merge

# resolutions LABEL A B LENGTHS: every order of A and B gives one feed holding both
# resolutions (ReadingType intervalLengths LENGTHS, sorted, space separated), clean
resolutions() {
    local label=$1 a=$2 b=$3 want=$4 ref=$tmp/res.ref.xml got n=0 order
    if ! conv "$ref" "$tmp/res.ref.err" "$a" "$b"; then
        bad "$label: convert A B failed: $(first_lines "$tmp/res.ref.err")"
        return
    fi
    got=$(sed -n 's#.*<espi:intervalLength>\([0-9]*\)<.*#\1#p' "$ref" | sort -n | tr '\n' ' ' | sed 's/ $//')
    if grep -q 'merge-' "$tmp/res.ref.err"; then
        bad "$label: a merge warning between two resolutions: $(grep -m 1 'merge-' "$tmp/res.ref.err")"
    elif [ "$got" != "$want" ]; then
        bad "$label: ReadingType intervalLengths '$got', expected '$want' (both resolutions, each its own)"
    elif ! "$ESPI" validate "$ref" >"$tmp/res.val" 2>&1 || ! grep -q ', 0 errors, 0 warnings, ' "$tmp/res.val" ||
        ! "$ESPI" validate --espi 3.3 "$ref" >"$tmp/res.val33" 2>&1 || ! grep -q ', 0 errors, 0 warnings, ' "$tmp/res.val33"; then
        bad "$label: espi validate is not clean: $(first_lines "$tmp/res.val") $(first_lines "$tmp/res.val33")"
    elif ! python3 "$oracle" --convert-log "$tmp/res.ref.err" "$a" "$b" "$ref" >"$tmp/res.oracle" 2>&1; then
        bad "$label: check_feed.py: $(head -n 6 "$tmp/res.oracle" | tr '\n' ' ')"
    else
        ok "$label: both resolutions (intervalLength $want), validate clean, the oracle agrees: $(sed -n 's/^check_feed: OK [^[]*\[[^]]*\]: //p' "$tmp/res.oracle" | cut -c1-200)"
    fi
    for order in "B A" "A B A" "B A B" "B B A"; do
        local -a files=()
        for x in $order; do
            if [ "$x" = A ]; then files+=("$a"); else files+=("$b"); fi
        done
        n=$((n + 1))
        conv "$tmp/res.$n.xml" "$tmp/res.$n.err" "${files[@]}"
        if ! cmp -s "$tmp/res.$n.xml" "$ref" || grep -q 'merge-' "$tmp/res.$n.err"; then
            bad "$label: order $order: not the bytes of A B, or a merge warning: $(cmp "$tmp/res.$n.xml" "$ref" 2>&1 | head -n 1) $(grep -m 1 'merge-' "$tmp/res.$n.err")"
        else
            ok "$label: order $order: the same bytes as A B"
        fi
    done
}
resolutions "hourly + daily" "$res/valid_res_hourly_fall.json" "$res/valid_res_daily_fall.json" "3600 86400"
resolutions "15-minute + hourly" "$res/valid_res_15min_june.json" "$res/valid_res_hourly_june.json" \
    "900 900 3600 3600"

# the daily kWh of 2026-11-01 raised by 0.2 kWh: the sums no longer agree
python3 - "$res/valid_res_daily_fall.json" "$tmp/daily_off.json" <<'PY'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
for i, l in enumerate(lines):
    if '"x": 1793491200000, "y": ' in l:   # 2026-11-01 00:00 wall, the USAGE series first
        y = l.split('"y": ')[1].split(',')[0]
        lines[i] = l.replace('"y": %s,' % y, '"y": %s,' % format(float(y) + 0.2, '.2f'))
        break
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(lines))
PY
off_line=$(grep -n '"x": 1793491200000, "y": ' "$tmp/daily_off.json" | head -n 1 | cut -d: -f1)
conv "$tmp/off.xml" "$tmp/off.err" "$res/valid_res_hourly_fall.json" "$tmp/daily_off.json"
rc=$?
if [ $rc -ne 0 ] || [ "$(grep -c 'warning: resolution-sum: ' "$tmp/off.err")" -ne 1 ] ||
    ! grep -q "^$tmp/daily_off.json:$off_line: warning: resolution-sum: Energy delivered: the daily reading of 2026-11-01 00:00 local (90000 s)" "$tmp/off.err"; then
    bad "daily sum off by 0.2 kWh: exit $rc, expected one resolution-sum warning at daily_off.json:$off_line naming 2026-11-01: $(first_lines "$tmp/off.err")"
elif ! python3 "$oracle" --convert-log "$tmp/off.err" "$res/valid_res_hourly_fall.json" "$tmp/daily_off.json" "$tmp/off.xml" >"$tmp/off.oracle" 2>&1; then
    bad "daily sum off by 0.2 kWh: check_feed.py: $(head -n 4 "$tmp/off.oracle" | tr '\n' ' ')"
else
    ok "daily sum off by 0.2 kWh: one resolution-sum warning naming 2026-11-01, both resolutions kept as given, the oracle agrees"
fi

finish_checks
