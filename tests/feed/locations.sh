#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Where findings stand, on generated feeds: an intervalLength that disagrees with 20,000
# readings is one finding, on the <espi:intervalLength>, with the count and the first and
# last reading (line:column and ISO 8601 time, local time in parentheses); --verbose adds the
# readings without counting them; findings come in file order; the same feed written on one
# line (Hydro One style) gets the same finding on line 1; every rule fixture's findings come in
# file order; and every rule fixture written on one line has its finding on line 1, at the
# column where its element then stands.
#
# The feeds are made from testdata/rules/reading-duration.fail.xml (intervalLength 900 s,
# hourly readings, LocalTimeParameters at UTC-8 with US DST): its block is given 20,000 hourly
# readings, from 2026-01-15 (standard time) to 2028-04-27 (daylight time).
# Positions are computed here, independently of espi: the '<' of each start tag, columns
# counted in characters from 1.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source locations.sh [SHARED]
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

python3 - "$src/testdata/rules/reading-duration.fail.xml" "$tmp" <<'EOF'
import re
import sys

template, out = sys.argv[1], sys.argv[2]
text = open(template, encoding="utf-8").read()
head, sep, body = text.partition("-->")
n, start = 20000, 1768464000
reading = ("<espi:IntervalReading>\n<espi:timePeriod>\n<espi:duration>3600</espi:duration>\n"
           "<espi:start>%d</espi:start>\n</espi:timePeriod>\n<espi:value>%d</espi:value>\n"
           "</espi:IntervalReading>\n")
block = ("<espi:IntervalBlock>\n<espi:interval>\n<espi:duration>%d</espi:duration>\n"
         "<espi:start>%d</espi:start>\n</espi:interval>\n%s</espi:IntervalBlock>" %
         (n * 3600, start, "".join(reading % (start + i * 3600, 100 + i % 7) for i in range(n))))
body = re.sub(r"<espi:IntervalBlock>.*</espi:IntervalBlock>", lambda m: block, body, flags=re.S)
many = head + sep + body
# one line: the declaration and comment dropped, no white space between tags
one = re.sub(r">\s+<", "><", body.strip())
one = '<?xml version="1.0" encoding="UTF-8"?>' + one
for name, doc in (("many", many), ("one", one)):
    open("%s/%s.xml" % (out, name), "w", encoding="utf-8").write(doc)
EOF

for name in many one; do
    f=$tmp/$name.xml
    {
        "$ESPI" validate "$f" >"$tmp/$name.txt"
        echo "rc=$?" >&2
        "$ESPI" validate --format json "$f" >"$tmp/$name.json"
        "$ESPI" validate --verbose "$f" >"$tmp/$name.verbose"
    } 2>"$tmp/$name.err"
    python3 - "$f" "$tmp/$name" "$name" >"$tmp/$name.log" 2>&1 <<'EOF'
import json
import re
import sys

path, base, name = sys.argv[1], sys.argv[2], sys.argv[3]
doc = open(path, encoding="utf-8").read()


def places(tag):
    """(line, column) of each start tag <tag, columns in characters from 1."""
    found, line, line_start, at = [], 1, 0, 0
    for m in re.finditer(re.escape("<" + tag) + r"[\s>/]", doc):
        line += doc.count("\n", at, m.start())
        nl = doc.rfind("\n", 0, m.start())
        line_start, at = (nl + 1 if nl >= 0 else 0), m.start()
        found.append((line, m.start() - line_start + 1))
    return found


interval = places("espi:intervalLength")[0]
readings = places("espi:IntervalReading")
first, last = readings[0], readings[-1]
results = []


def check(ok, what):
    results.append(("ok   " if ok else "FAIL ") + "%s: %s" % (name, what))


text = open(base + ".txt", encoding="utf-8").read().splitlines()
rows = [l for l in text if l.startswith(path + ":")]
found = [l for l in rows if ": reading-duration: " in l]
check(len(found) == 1, "one reading-duration finding for 20000 readings (%d)" % len(found))
want = "%s:%d:%d: warning: reading-duration: intervalLength 900 s disagrees with 20000 reading(s) " \
       "of 1 h (first at %d:%d 2026-01-15T08:00:00Z (2026-01-15T00:00:00-08:00 local), " \
       "last at %d:%d 2028-04-27T15:00:00Z (2028-04-27T08:00:00-07:00 local))" % (
           (path,) + interval + first + last)
check(bool(found) and found[0].startswith(want),
      "on <espi:intervalLength> at %d:%d, with the first and last reading" % interval +
      ("" if found and found[0].startswith(want) else ": got %r, want %r" % (found[:1], want)))
pos = []
for l in rows:
    m = re.match(re.escape(path) + r":(\d+):(\d+): ", l)
    if m:
        pos.append((int(m.group(1)), int(m.group(2))))
check(pos == sorted(pos) and len(pos) == len([l for l in rows if ": " in l[len(path):]]) - 1,
      "findings in file order, each with line and column: %s" % pos)
if name == "one":
    check(len(set(pos)) == len(pos) and all(p[0] == 1 for p in pos),
          "one line: distinct columns on line 1 (%s)" % pos)
verdict = text[-1] if text else ""
check(", 0 errors, 1 warning, " in verdict, "the verdict counts one warning: %s" % verdict)

files = json.load(open(base + ".json", encoding="utf-8"))
js = [x for x in files[0]["findings"] if x["rule"] == "reading-duration"]
check(len(js) == 1 and (js[0]["line"], js[0]["column"]) == interval,
      "JSON: one finding at %d:%d (%s)" % (interval + ([(x["line"], x["column"]) for x in js],)))

verbose = open(base + ".verbose", encoding="utf-8").read().splitlines()
per = [l for l in verbose if ": reading-duration: this reading lasts 1 h" in l]
summing = [l for l in verbose if l.startswith("%s:%d:%d: warning: reading-duration: intervalLength"
                                             % ((path,) + interval))]
check(len(per) >= 100 and len(summing) == 1 and ", 0 errors, 1 warning, " in verbose[-1],
      "--verbose: the finding and %d readings listed, still one warning counted" % len(per))
check(bool(per) and per[0].startswith("%s:%d:%d: " % ((path,) + first)) and
      per[1].startswith("%s:%d:%d: " % ((path,) + readings[1])),
      "--verbose: each at its <espi:IntervalReading> (the first two at %d:%d, %d:%d)" %
      (first + readings[1]))
print("\n".join(results))
EOF
    if grep -q "rc=[01]$" "$tmp/$name.err" && [ "$(grep -cv '^rc=' "$tmp/$name.err")" -eq 0 ]; then
        ok "$name: espi validate exits 0 or 1, nothing on stderr"
    else
        bad "$name: espi validate: $(first_lines "$tmp/$name.err")"
    fi
    while IFS= read -r l; do
        case $l in
            "ok   "*) ok "${l#ok   }" ;;
            "FAIL "*) bad "${l#FAIL }" ;;
            *) bad "$name: check: $l" ;;
        esac
    done <"$tmp/$name.log"
done

# Every rule fixture written on one line: its finding on line 1, at the column where the same
# element now stands (fixtures whose finding is libxml2's own place, not a '<', are left out).
python3 - "$src/testdata/rules" "$tmp" "$ESPI" >"$tmp/oneline.log" 2>&1 <<'EOF'
import glob
import os
import re
import subprocess
import sys

rules, tmp, espi = sys.argv[1], sys.argv[2], sys.argv[3]


def squeeze(text):
    """The text on one line, and where each of its characters went."""
    out, where, i = [], [], 0
    for m in re.finditer(r">\s+<|\s*\n\s*", text):
        for k in range(i, m.start()):
            where.append(len(out))
            out.append(text[k])
        keep = "><" if m.group(0).startswith(">") else " "
        for k in range(m.start(), m.end()):
            where.append(len(out) + (len(keep) - 1 if text[k] == "<" else 0))
        out.extend(keep)
        i = m.end()
    for k in range(i, len(text)):
        where.append(len(out))
        out.append(text[k])
    where.append(len(out))
    return "".join(out), where


def in_order(path, out):
    """Whether the findings about path come in file order (line, then column)."""
    pos = [tuple(int(x) for x in m.groups()) for m in
           re.finditer(r"(?m)^" + re.escape(path) + r":(\d+):(\d+): ", out)]
    return pos == sorted(pos), len(pos)


checked = ordered = 0
for fixture in sorted(glob.glob(os.path.join(rules, "*.fail.xml"))):
    rule = os.path.basename(fixture)[:-len(".fail.xml")]
    text = open(fixture, encoding="utf-8").read()
    profile = re.search(r"(?m)^profile: (\S+)$", text)
    flags = ["--profile", profile.group(1)] if profile else []
    good, n = in_order(fixture, subprocess.run([espi, "validate"] + flags + [fixture],
                                               capture_output=True, text=True).stdout)
    ordered += n > 1
    if not good:
        print("FAIL file order: %s: its findings are not in file order" % rule)
    head = re.search(r"(?m)^expect: (\d+):(\d+)$", text)
    if not head or re.search(r"(?m)^generate: ", text):
        continue
    line, col = int(head.group(1)), int(head.group(2))
    lines = text.split("\n")
    offset = sum(len(l) + 1 for l in lines[:line - 1]) + col - 1
    if text[offset:offset + 1] != "<" or text.startswith("<!", offset):
        continue
    one, where = squeeze(text)
    path = os.path.join(tmp, "one-" + rule + ".xml")
    open(path, "w", encoding="utf-8").write(one)
    args = [espi, "validate"] + flags + [path]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    want = "%s:1:%d: " % (path, where[offset] + 1)
    got = [l for l in out.splitlines() if (": %s: " % rule) in l]
    if any(l.startswith(want) for l in got):
        print("ok   one line: %s at 1:%d" % (rule, where[offset] + 1))
    else:
        print("FAIL one line: %s: no finding at 1:%d: %s" % (rule, where[offset] + 1, got[:2]))
    checked += 1
print("ok   one line: %d fixtures checked" % checked if checked > 40 else
      "FAIL one line: only %d fixtures checked" % checked)
print("ok   file order: the findings of every fixture (%d with several)" % ordered
      if ordered > 20 else "FAIL file order: only %d fixtures with several findings" % ordered)
EOF
while IFS= read -r l; do
    case $l in
        "ok   "*) ok "${l#ok   }" ;;
        "FAIL "*) bad "${l#FAIL }" ;;
        *) bad "one line check: $l" ;;
    esac
done <"$tmp/oneline.log"

finish_checks
