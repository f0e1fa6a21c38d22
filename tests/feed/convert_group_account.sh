#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi convert --output-dir --group account: the FILEs grouped by the SmartHub account and
# service location they hold, each group merged into DIR/ACCOUNT-LOCATION.xml (docs/scale.md,
# "Groups"). On the set testdata/batch/make_set.py writes (three accounts, each with four
# poll windows of which two overlap, a CSV export naming only the account and a user-data
# file; account 3's windows disagree, an error under --strict; a truncated poll), plus a
# Green Button file, given in an order that mixes the accounts, with --strict. Checked:
#   * exit 1; the outputs are the two good accounts' and the Green Button file's (named as
#     --group input names it); a status line per group, in the order of the accounts, then
#     the FILEs of no account by name; each line's inputs are the group's FILEs in
#     command-line order (every FILE of the account: windows, CSV, user-data);
#   * each output is byte for byte what `espi convert -o` of the group's FILEs writes, with
#     the same exit code; the broken account's separate run fails too, with the message of
#     its status line, and nothing is written for it;
#   * the truncated poll: its error on stderr once, a status line "error" naming it (its
#     group could not be told), counted in the closing line; the other groups go on;
#   * -j 1 and -j 2, and the FILEs in another order, give the same outputs, status lines
#     ("seconds" aside) and stderr;
#   * --skip-existing: a run again converts nothing that is done (skipped), the broken ones
#     fail again; one window of account 2 touched: only account 2 is converted again;
#   * a poll file holding two accounts (a JSON array) and a user-data file of both join both
#     groups, and each group's output is that of a separate run with that account's poll alone;
#   * a CSV export of an account with polls of two locations: a warning naming the CSV and
#     both outputs, and a group of its own, ACCOUNT.xml.
# Needs bash, python3 (standard library), cmp, diff, sed, touch, and the espi binary.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source convert_group_account.sh [SHARED]
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3 cmp diff sed touch

set_dir=$tmp/set
python3 "$src/testdata/batch/make_set.py" "$set_dir" || { echo "FAIL make_set.py"; exit 1; }
cp "$src/testdata/espi/repair/repair_nisc.zip" "$set_dir/utility.zip"
cd "$set_dir" || exit 1

# The FILEs, account 3 first and the accounts mixed; the other order: reversed.
files=(acct-3/*.json stray/poll-truncated.json acct-1/poll-2026-02-04.json acct-2/*
    acct-3/export.csv utility.zip acct-1/export.csv acct-1/user-data.json
    acct-1/poll-2026-02-0[23].json acct-1/poll-2026-02-04-05.json)
reversed=()
for ((i = ${#files[@]} - 1; i >= 0; i--)); do reversed+=("${files[i]}"); done
common=(--strict --updated 2026-11-28T00:00:00Z --tz America/Los_Angeles)

# run NAME [OPTIONS] FILE...: into out-NAME (out-$into when set); exit code, stderr (the
# folder made OUT), status lines without seconds in NAME.rc, NAME.err, NAME.status.
run() {
    local name=$1 dir=out-${into:-$1}
    shift
    "$ESPI" convert "${common[@]}" --output-dir "$dir" --group account \
        --status "$name.jsonl" "$@" >"$name.out" 2>"$name.err.raw"
    echo $? >"$name.rc"
    sed "s|$dir/|OUT/|g" "$name.err.raw" >"$name.err"
    sed -e "s|$dir/|OUT/|g" -e 's/, "seconds": [0-9.]*}$/}/' "$name.jsonl" >"$name.status"
}

run j1 -j 1 "${files[@]}"
[ "$(cat j1.rc)" = 1 ] && ok "exit 1 (a broken account, a broken FILE)" || bad "exit $(cat j1.rc)"
(cd out-j1 && ls) >j1.list
printf '%s\n' 5100200001-72000101.xml 5100200002-72000202.xml utility.xml >want.list
diff want.list j1.list >/dev/null && ok "outputs: the two good accounts and the Green Button file" ||
    bad "outputs: $(tr '\n' ' ' <j1.list)"
grep -qx 'espi: 5 outputs: 3 ok, 0 invalid, 2 errors, 0 skipped' j1.err &&
    ok "closing line: 5 outputs, 3 ok, 2 errors" || bad "closing line: $(tail -1 j1.err)"
[ "$(grep -c 'poll-truncated.json:[0-9:]* error: json-syntax' j1.err)" = 1 ] &&
    ok "the truncated poll's error said once" || bad "the truncated poll's error: $(grep -c truncated j1.err)"
[ ! -s j1.out ] && ok "nothing on stdout" || bad "stdout not empty"

# The status lines: order, inputs, status.
python3 - "${files[@]}" <<'PY' >check.txt 2>&1 && ok "status lines: order, inputs, status, message" || bad "status lines: $(cat check.txt)"
import json, sys
order = sys.argv[1:]
lines = [json.loads(l) for l in open("j1.jsonl")]
def group(n):
    return [f for f in order if f.startswith("acct-%d/" % n)]
want = [
    ("out-j1/5100200001-72000101.xml", group(1), "ok"),
    ("out-j1/5100200002-72000202.xml", group(2), "ok"),
    ("out-j1/5100200003-72000303.xml", group(3), "error"),
    ("out-j1/poll-truncated.xml", ["stray/poll-truncated.json"], "error"),
    ("out-j1/utility.xml", ["utility.zip"], "ok"),
]
got = [(l["output"], l["inputs"], l["status"]) for l in lines]
assert got == want, "got %r" % got
assert all(len(w[1]) == 6 for w in want[:3]), "6 FILEs per account"
assert "merge-conflict" in lines[2]["message"], lines[2]["message"]
assert "json-syntax" in lines[3]["message"] and lines[3]["errors"] == 1, lines[3]
assert lines[0]["readings"] == 96 and lines[0]["errors"] == 0, lines[0]
PY

# Each group against a separate run of its FILEs.
python3 -c '
import json
for l in map(json.loads, open("j1.jsonl")):
    print(l["output"].split("/")[-1], l["status"], "\t".join(l["inputs"]), sep="\t")
' >groups.tsv
mkdir -p sep
while IFS=$'\t' read -r name status rest; do
    IFS=$'\t' read -r -a inputs <<<"$rest"
    "$ESPI" convert "${common[@]}" -o "sep/$name" "${inputs[@]}" >/dev/null 2>"sep/$name.err"
    rc=$?
    case $status in
    ok)
        [ "$rc" = 0 ] && cmp -s "sep/$name" "out-j1/$name" &&
            ok "$name: the bytes of a separate run" || bad "$name: differs from a separate run (exit $rc)"
        ;;
    error)
        msg=$(python3 -c 'import json,sys
for l in map(json.loads, open("j1.jsonl")):
    if l["output"].endswith("/" + sys.argv[1]): print(l["message"])' "$name")
        [ "$rc" = 1 ] && [ ! -e "sep/$name" ] && [ ! -e "out-j1/$name" ] &&
            grep -qxF "$msg" "sep/$name.err" &&
            ok "$name: fails as a separate run does, with its message" ||
            bad "$name: separate run exit $rc, message '$msg'"
        ;;
    esac
done <groups.tsv

# -j 2, and the other order.
for variant in j2 reversed; do
    if [ $variant = j2 ]; then run j2 -j 2 "${files[@]}"; else run reversed -j 2 "${reversed[@]}"; fi
    diff -r out-j1 "out-$variant" >/dev/null && ok "$variant: identical outputs" ||
        bad "$variant: outputs differ"
    cmp -s j1.rc "$variant.rc" && ok "$variant: same exit code" || bad "$variant: exit $(cat $variant.rc)"
done
diff j1.status j2.status >/dev/null && ok "j2: identical status lines" ||
    bad "j2: status lines differ: $(diff j1.status j2.status | head -3)"
diff j1.err j2.err >/dev/null && ok "j2: identical stderr" ||
    bad "j2: stderr differs: $(diff j1.err j2.err | head -3)"
# (the inputs come in command-line order, and which of two disagreeing windows is named
# first depends on it, as with -o)
sed 's/"inputs": .*"readings"/"readings"/; s/, "message": .*//' j1.status >j1.short
sed 's/"inputs": .*"readings"/"readings"/; s/, "message": .*//' reversed.status >reversed.short
diff j1.short reversed.short >/dev/null && ok "reversed: the same groups in the same order" ||
    bad "reversed: status lines differ: $(diff j1.short reversed.short | head -3)"

# --skip-existing.
cp -rp out-j1 out-skip
into=skip run skip1 -j 2 --skip-existing "${files[@]}"
[ "$(grep -c '"status": "skipped"' skip1.jsonl)" = 3 ] && [ "$(grep -c '"status": "error"' skip1.jsonl)" = 2 ] &&
    ok "--skip-existing: the three outputs kept, the two errors again" ||
    bad "--skip-existing: $(grep -o '"status": "[a-z]*"' skip1.jsonl | tr '\n' ' ')"
sleep 0.02
touch acct-2/poll-2026-02-03.json
into=skip run skip2 -j 2 --skip-existing "${files[@]}"
python3 - <<'PY' >check.txt 2>&1 && ok "a window of account 2 touched: only account 2 converted again" || bad "touched: $(cat check.txt)"
import json
s = {l["output"].split("/")[-1]: l["status"] for l in map(json.loads, open("skip2.jsonl"))}
assert s == {"5100200001-72000101.xml": "skipped", "5100200002-72000202.xml": "ok",
             "5100200003-72000303.xml": "error", "poll-truncated.xml": "error",
             "utility.xml": "skipped"}, s
PY
cmp -s out-j1/5100200002-72000202.xml out-skip/5100200002-72000202.xml &&
    ok "account 2 converted again to the same bytes" || bad "account 2 differs after --skip-existing"

# Files of two accounts.
"$ESPI" convert "${common[@]}" --output-dir out-two --group account --status two.jsonl \
    acct-1/poll-2026-02-02.json acct-2/poll-2026-02-02.json extra/polls-2026-02-06.json \
    extra/user-data-two.json >/dev/null 2>two.err
rc=$?
[ "$rc" = 0 ] && ok "two accounts in one file: exit 0" || bad "two accounts in one file: exit $rc"
for n in 1 2; do
    name=$(sed -n "${n}p" <<<$'5100200001-72000101.xml\n5100200002-72000202.xml')
    grep -q "\"out-two/$name\", \"inputs\": \[\"acct-$n/poll-2026-02-02.json\", \"extra/polls-2026-02-06.json\", \"extra/user-data-two.json\"\]" two.jsonl &&
        ok "account $n: its group holds both files of two accounts" || bad "account $n: $(grep "$name" two.jsonl)"
    (cd extra/only-$n && "$ESPI" convert "${common[@]}" -o "$set_dir/sep-two-$n.xml" \
        "$set_dir/acct-$n/poll-2026-02-02.json" polls-2026-02-06.json ../user-data-two.json \
        >/dev/null 2>&1)
    cmp -s "sep-two-$n.xml" "out-two/$name" &&
        ok "account $n: the bytes of a separate run with its own poll alone" ||
        bad "account $n: differs from a separate run with its own poll alone"
done
[ "$(grep -c 'info: convert-left-out: 1 usage point of another account' two.err)" = 2 ] &&
    ok "the usage point of the other account left out, said once per group" ||
    bad "convert-left-out: $(grep -c convert-left-out two.err)"

# A CSV export of an account with two locations: its own group, with a warning.
sed 's/72000101/72000199/g; s/99100001/99100091/g' acct-1/poll-2026-02-03.json >second-location.json
"$ESPI" convert "${common[@]}" --output-dir out-csv --group account --status csv.jsonl \
    acct-1/poll-2026-02-02.json second-location.json acct-1/export.csv >/dev/null 2>csv.err
rc=$?
grep -q '^acct-1/export.csv: warning: group-account: .*72000101.xml, 5100200001-72000199.xml.*5100200001.xml' csv.err &&
    ok "CSV of two locations: the warning names it and both outputs" || bad "CSV of two locations: $(cat csv.err)"
python3 - <<'PY' >check.txt 2>&1 && ok "CSV of two locations: ACCOUNT.xml of the CSV alone, its warning counted" || bad "CSV group: $(cat check.txt)"
import json
s = [(l["output"], l["inputs"], l["status"], l["warnings"]) for l in map(json.loads, open("csv.jsonl"))]
assert [x[0] for x in s] == ["out-csv/5100200001.xml", "out-csv/5100200001-72000101.xml",
                             "out-csv/5100200001-72000199.xml"], s
assert s[0][1] == ["acct-1/export.csv"] and s[0][3] >= 1, s[0]
PY

finish_checks
