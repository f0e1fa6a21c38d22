#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi convert --output-dir: each FILE converted on its own, as `espi convert -o DIR/NAME.xml
# FILE` converts it, in one run (docs/scale.md). Checked, on copies of fixtures in a scratch
# folder (a SmartHub poll, a SmartHub CSV export, a gzipped Green Button file, a ZIP of three
# feeds, SmartHub's ZIP download, a Green Button file whose output keeps an error, and a
# truncated poll):
#   * the run exits 1 (the worst: one input invalid, one broken), every output but the broken
#     one's is written, and the closing line counts them: 7 outputs, 5 ok, 1 invalid, 1 error;
#   * each output is byte for byte what a separate `espi convert -o` of its FILE writes, with
#     the exit code of that run (0, 1 for the invalid one, 1 and no file for the broken one);
#   * --status: one JSON line per output, in the order of the FILEs, each parsed by python3's
#     json: output, inputs, status, readings (those of the separate run's summary line),
#     warnings, errors, the first message (null when none), seconds; the broken input's line
#     says error with its json-syntax message;
#   * the same run again (and with --status -, the lines on stdout) gives the same bytes;
#   * --skip-existing: with every output newer than its FILE, nothing is converted again
#     (status skipped, readings null, the files untouched) but the broken one (no output: an
#     error again); a FILE touched newer than its output, and one exactly as old as its output,
#     are converted again, the others skipped;
#   * --skip-existing on a FILE whose output was removed writes it again.
# Needs bash, python3 (standard library), GNU touch and stat, and the espi binary.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source convert_outdir.sh [SHARED]
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3 cmp touch stat

check() { # check WHAT COMMAND...: ok when the command succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

mkdir -p "$tmp/in"
fixtures=(
    smarthub/valid_hourly_netmeter_5h.json
    smarthub/csv/valid_usage_cost.csv
    inputs/valid_water.xml.gz
    inputs/valid_three_feeds.zip
    espi/repair/repair_nisc.zip
    espi/repair/repair_cost_without_currency.xml
    smarthub/invalid_json-syntax_truncated.json
)
names=(valid_hourly_netmeter_5h valid_usage_cost valid_water valid_three_feeds repair_nisc
    repair_cost_without_currency invalid_json-syntax_truncated)
inputs=()
for f in "${fixtures[@]}"; do
    cp "$src/testdata/$f" "$tmp/in/"
    inputs+=("$tmp/in/${f##*/}")
done
broken=6 # the index of the truncated poll

# --- the run, and each FILE on its own ---------------------------------------------------
rc=0
"$ESPI" convert --output-dir "$tmp/out" --status "$tmp/status.jsonl" "${inputs[@]}" \
    >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
check "one run: exit 1, the worst of all (got $rc)" [ "$rc" -eq 1 ]
check "one run: nothing on stdout without --status -" [ ! -s "$tmp/stdout" ]
check "one run: the closing line counts the outputs" \
    grep -qx 'espi: 7 outputs: 5 ok, 1 invalid, 1 error, 0 skipped' "$tmp/stderr"
check "one run: the broken input's message is on stderr" \
    grep -q 'invalid_json-syntax_truncated.json:18:1: error: json-syntax' "$tmp/stderr"

mkdir -p "$tmp/one"
declare -a codes readings
for i in "${!inputs[@]}"; do
    name=${names[$i]}
    rc=0
    "$ESPI" convert -o "$tmp/one/$name.xml" "${inputs[$i]}" >/dev/null 2>"$tmp/one/$name.err" || rc=$?
    codes[i]=$rc
    readings[i]=$(sed -n 's/^espi: wrote .*, \([0-9]*\) readings\{0,1\} (.*/\1/p' "$tmp/one/$name.err")
    if [ "$i" -eq "$broken" ]; then
        check "$name: no output from the batch, none from its own run (exit $rc)" \
            test ! -e "$tmp/out/$name.xml" -a ! -e "$tmp/one/$name.xml" -a "$rc" -eq 1
    else
        check "$name: the batch's output is the bytes of its own run (exit $rc)" \
            cmp -s "$tmp/out/$name.xml" "$tmp/one/$name.xml"
    fi
done
check "no temporary file left in the output folder" \
    [ "$(find "$tmp/out" -name '.*' -type f | wc -l)" -eq 0 ]
check "the output folder holds the six outputs and nothing else" \
    [ "$(find "$tmp/out" -type f | wc -l)" -eq 6 ]

# --- the status lines ---------------------------------------------------------------------
# One line per FILE, in order: each is JSON with the keys in order; status from the exit
# code of the FILE's own run; readings from its summary line; seconds a number.
cat >"$tmp/status.py" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
assert lines[-1] == '', 'the file ends with a newline'
lines = lines[:-1]
inputs, outdir = sys.argv[2].split('\n'), sys.argv[3]
names, codes = sys.argv[4].split(), [int(c) for c in sys.argv[5].split()]
readings = sys.argv[6].split(',')
want = sys.argv[7].split() if len(sys.argv) > 7 else None
assert len(lines) == len(inputs), '%d lines for %d inputs' % (len(lines), len(inputs))
keys = ['output', 'inputs', 'status', 'readings', 'warnings', 'errors', 'message', 'seconds']
for i, line in enumerate(lines):
    s = json.loads(line)
    assert list(s) == keys, 'keys %s' % list(s)
    assert s['output'] == '%s/%s.xml' % (outdir, names[i]), s['output']
    assert s['inputs'] == [inputs[i]], s['inputs']
    status = want[i] if want else ['ok', 'invalid'][codes[i]] if readings[i] else 'error'
    assert s['status'] == status, '%s: status %s, expected %s' % (names[i], s['status'], status)
    assert isinstance(s['seconds'], float) and 0 <= s['seconds'] < 60, s['seconds']
    if status == 'skipped':
        assert s['readings'] is None and s['message'] is None, line
        assert s['warnings'] == 0 and s['errors'] == 0, line
        continue
    assert s['readings'] == int(readings[i] or 0), '%s: readings %s' % (names[i], s['readings'])
    if status == 'error':
        assert s['errors'] >= 1 and s['message'] and ': error: ' in s['message'], line
    if status == 'invalid':
        assert s['errors'] >= 1 and 'invalid: 1 error remains' in s['message'], line
    if status == 'ok':
        assert s['errors'] == 0, line
        assert (s['message'] is None) == (s['warnings'] == 0), line
print('ok')
EOF
status_ok() { # status_ok FILE OUTDIR [STATUS...]: the status lines check out
    local file=$1 dir=$2
    shift 2
    python3 "$tmp/status.py" "$file" "$(printf '%s\n' "${inputs[@]}")" "$dir" \
        "${names[*]}" "${codes[*]}" "$(IFS=,; echo "${readings[*]}")" "${*:-}" >"$tmp/py.out" 2>&1 ||
        { sed 's/^/     /' "$tmp/py.out" | tail -3; return 1; }
}
check "--status: one JSON line per output, in order, as the separate runs say" \
    status_ok "$tmp/status.jsonl" "$tmp/out"
check "--status: the broken input's line names its json-syntax error" \
    grep -q '"status": "error", "readings": 0, "warnings": 0, "errors": 1, "message": "[^"]*invalid_json-syntax_truncated.json:18:1: error: json-syntax: ' "$tmp/status.jsonl"
check "--status: the repaired ZIP's line has its warnings and first repair" \
    grep -q '"inputs": \["[^"]*/repair_nisc.zip"\], "status": "ok", "readings": 7, "warnings": [1-9][0-9]*, "errors": 0, "message": "[^"]*repair_nisc.zip:green_button_data_1760853600000.xml:13: warning: repair-link-type' "$tmp/status.jsonl"

# --- the same again: the same bytes ---------------------------------------------------------
"$ESPI" convert --output-dir "$tmp/again" --status - "${inputs[@]}" >"$tmp/again.jsonl" 2>/dev/null
same=0
for i in "${!inputs[@]}"; do
    [ "$i" -eq "$broken" ] && continue
    cmp -s "$tmp/out/${names[$i]}.xml" "$tmp/again/${names[$i]}.xml" && same=$((same + 1))
done
check "a second run: the same bytes ($same of 6 outputs)" [ "$same" -eq 6 ]
strip_seconds() { sed -e 's/"seconds": [0-9.]*}$/}/' -e "s|$tmp/again/|DIR/|g; s|$tmp/out/|DIR/|g" "$1"; }
check "a second run, --status -: the same lines on stdout (but seconds)" \
    cmp -s <(strip_seconds "$tmp/status.jsonl") <(strip_seconds "$tmp/again.jsonl")

# --- --skip-existing --------------------------------------------------------------------------
# Every FILE dated 2026-01-01, every output 2026-06-01: all up to date.
touch -d '2026-01-01 00:00:00' "${inputs[@]}"
for n in "${names[@]}"; do [ -e "$tmp/out/$n.xml" ] && touch -d '2026-06-01 00:00:00' "$tmp/out/$n.xml"; done
mtimes() { for n in "${names[@]}"; do stat -c %Y "$tmp/out/$n.xml" 2>/dev/null || echo none; done; }
before=$(mtimes)
rc=0
"$ESPI" convert --output-dir "$tmp/out" --skip-existing --status "$tmp/skip.jsonl" "${inputs[@]}" \
    >/dev/null 2>"$tmp/skip.err" || rc=$?
check "--skip-existing, all up to date: exit 1 (the broken input again; got $rc)" [ "$rc" -eq 1 ]
check "--skip-existing, all up to date: 6 skipped, the broken one an error" \
    grep -qx 'espi: 7 outputs: 0 ok, 0 invalid, 1 error, 6 skipped' "$tmp/skip.err"
check "--skip-existing, all up to date: no output touched" [ "$(mtimes)" = "$before" ]
check "--skip-existing, all up to date: the status lines say skipped" \
    status_ok "$tmp/skip.jsonl" "$tmp/out" skipped skipped skipped skipped skipped skipped error

# The CSV touched after its output; the water file exactly as old as its output.
touch -d '2026-07-01 00:00:00' "${inputs[1]}"
touch -d '2026-06-01 00:00:00' "${inputs[2]}"
rm "$tmp/out/valid_three_feeds.xml"
"$ESPI" convert --output-dir "$tmp/out" --skip-existing --status "$tmp/skip2.jsonl" "${inputs[@]}" \
    >/dev/null 2>"$tmp/skip2.err"
check "--skip-existing, one FILE newer, one as old, one output removed: those three redone" \
    grep -qx 'espi: 7 outputs: 3 ok, 0 invalid, 1 error, 3 skipped' "$tmp/skip2.err"
check "--skip-existing: the status lines say which" \
    status_ok "$tmp/skip2.jsonl" "$tmp/out" skipped ok ok ok skipped skipped error
after=$(mtimes)
changed=$(diff <(echo "$before") <(echo "$after") | grep -c '^>')
check "--skip-existing: exactly the three redone outputs are new files ($changed)" [ "$changed" -eq 3 ]
for i in 1 2 3; do
    check "--skip-existing: ${names[$i]}.xml redone, the same bytes" \
        cmp -s "$tmp/out/${names[$i]}.xml" "$tmp/one/${names[$i]}.xml"
done
check "--skip-existing: the skipped say so on stderr" \
    grep -q "^espi: kept $tmp/out/valid_hourly_netmeter_5h.xml: newer than ${inputs[0]} (--skip-existing)$" "$tmp/skip2.err"

finish_checks
