#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `espi report --format xml` and `--stylesheet` (issue 14, docs/report-format.md).
#
# For every report fixture (testdata/summary/oracle_*.xml, testdata/report/billing_only.xml,
# hostile_titles.xml):
#   espi report --format xml FILE            exit 0; well-formed XML (Python's parser), root
#                                            <report> in urn:x-espi:report:1 with version="1",
#                                            every element in that namespace, one usagePoint
#                                            or more
#   espi report --stylesheet tiny.xsl FILE   exit 0; the output is what xsltproc makes of the
#                                            same XML with testdata/report/tiny.xsl, and what
#                                            Python works out from that XML in tiny.xsl's
#                                            format: the usage point count, then per usage
#                                            point its title, headline/@delivered and unit,
#                                            days and bills
# Then user stylesheets that reach out, each made here with this run's paths, must not get
# anything: document() of a local file (its text must not show in the output), document()
# of http://127.0.0.1:PORT (a listener here must see no connection), exsl:document and
# xsl:document writing a file (no file may appear). Their exit code is shown, not checked.
# xsltproc, which forbids nothing, must read and write with the same stylesheets.
# Needs bash, python3 (standard library only); xsltproc for the comparison (without it that
# check alone is skipped). Does not need ../shared.
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source stylesheet.sh [SHARED]
# Prints one ok/FAIL line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
tiny=$src/testdata/report/tiny.xsl
pass=0
fail=0

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

tmp=$(mktemp -d)
listener=""
cleanup() {
    [ -n "$listener" ] && kill "$listener" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

fixtures=$(ls "$src"/testdata/summary/oracle_*.xml)
fixtures="$fixtures $src/testdata/report/billing_only.xml $src/testdata/report/hostile_titles.xml"

# check_xml FILE: says what is wrong with a report XML, nothing when it is right
check_xml() {
    python3 - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET
NS = "{urn:x-espi:report:1}"
try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError as e:
    sys.exit(f"not well-formed XML: {e}")
if root.tag != NS + "report":
    sys.exit(f"the root is {root.tag}, not {{urn:x-espi:report:1}}report")
if root.get("version") != "1":
    sys.exit(f"version={root.get('version')!r}, not \"1\"")
stray = sorted({e.tag for e in root.iter() if not e.tag.startswith(NS)})
if stray:
    sys.exit(f"elements outside the namespace: {stray[:5]}")
ups = root.findall(NS + "usagePoint")
if not ups:
    sys.exit("no usagePoint")
print(f"{len(ups)} usagePoint, {sum(1 for _ in root.iter())} elements")
EOF
}

# tiny_expect XML: what testdata/report/tiny.xsl makes of a report XML, worked out here with
# Python: "usage points: N", then per usage point "TITLE: DELIVERED UNIT" (or "no readings"),
# ", D days, B bills"
tiny_expect() {
    python3 - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET
NS = "{urn:x-espi:report:1}"
root = ET.parse(sys.argv[1]).getroot()
ups = root.findall(NS + "usagePoint")
out = [f"usage points: {len(ups)}"]
for up in ups:
    head = up.find(NS + "headline")
    total = head.get("delivered") if head is not None else None
    what = f"{total} {up.get('unit', '')}" if total is not None else "no readings"
    days = len(up.findall(f"{NS}days/{NS}day"))
    bills = len(up.findall(f"{NS}bills/{NS}bill"))
    out.append(f"{up.get('title', '')}: {what}, {days} days, {bills} bills")
sys.stdout.write("\n".join(out) + "\n")
EOF
}

for f in $fixtures; do
    name=$(basename "$f" .xml)
    out=$tmp/$name
    "$ESPI" report --format xml "$f" -o "$out.xml" 2>"$out.err"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        bad "$name: espi report --format xml exit $rc: $(first_lines "$out.err")"
        continue
    fi
    if why=$(check_xml "$out.xml" 2>&1); then
        ok "$name: --format xml is report XML version 1 ($why)"
    else
        bad "$name: --format xml: $why"
        continue
    fi
    if [ ! -f "$tiny" ]; then
        bad "testdata/report/tiny.xsl: not found"
        continue
    fi
    "$ESPI" report --stylesheet "$tiny" "$f" -o "$out.tiny" 2>"$out.err"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        bad "$name: espi report --stylesheet tiny.xsl exit $rc: $(first_lines "$out.err")"
        continue
    fi
    if command -v xsltproc >/dev/null 2>&1; then
        xsltproc "$tiny" "$out.xml" >"$out.want" 2>"$out.err"
        if cmp -s "$out.want" "$out.tiny"; then
            ok "$name: --stylesheet tiny.xsl gives what xsltproc gives on the --format xml output"
        else
            bad "$name: --stylesheet tiny.xsl differs from xsltproc's output on the same XML:"
            diff "$out.want" "$out.tiny" | head -10 | sed 's/^/  /'
        fi
    fi
    tiny_expect "$out.xml" >"$out.expect"
    if cmp -s "$out.expect" "$out.tiny"; then
        ok "$name: --stylesheet tiny.xsl writes the usage point count and each headline total"
    else
        bad "$name: --stylesheet tiny.xsl output differs from the figures of the report XML:"
        diff "$out.expect" "$out.tiny" | head -10 | sed 's/^/  /'
    fi
done

# Stylesheets that reach out. The listener accepts on 127.0.0.1 and writes what it saw.
port_file=$tmp/port
python3 - "$port_file" "$tmp/connections" <<'EOF' &
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(5)
s.settimeout(60)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    try:
        c, _ = s.accept()
    except OSError:
        break
    with open(sys.argv[2], "a") as log:
        log.write("connection\n")
    c.close()
EOF
listener=$!
for _ in $(seq 50); do
    [ -s "$port_file" ] && break
    sleep 0.1
done
port=$(cat "$port_file" 2>/dev/null)
echo '<secret>ESPI-SECRET-4711</secret>' >"$tmp/secret.xml"
xsl_head='<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl">
<xsl:output method="text"/>
<xsl:template match="/">'
cat >"$tmp/read.xsl" <<EOF
${xsl_head}[<xsl:value-of select="document('$tmp/secret.xml')"/>]</xsl:template></xsl:stylesheet>
EOF
cat >"$tmp/read-uri.xsl" <<EOF
${xsl_head}[<xsl:value-of select="document('file://$tmp/secret.xml')"/>]</xsl:template></xsl:stylesheet>
EOF
cat >"$tmp/fetch.xsl" <<EOF
${xsl_head}[<xsl:value-of select="document('http://127.0.0.1:${port:-9}/x.xml')"/>]</xsl:template></xsl:stylesheet>
EOF
cat >"$tmp/write-exsl.xsl" <<EOF
${xsl_head}<exsl:document href="$tmp/written-exsl.txt" method="text">pwned</exsl:document>done</xsl:template></xsl:stylesheet>
EOF
cat >"$tmp/write-xsl.xsl" <<EOF
<xsl:stylesheet version="1.1" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text"/>
<xsl:template match="/"><xsl:document href="$tmp/written-xsl.txt" method="text">pwned</xsl:document>done</xsl:template></xsl:stylesheet>
EOF
feed=$src/testdata/report/hostile_titles.xml
for x in read read-uri fetch write-exsl write-xsl; do
    "$ESPI" report --stylesheet "$tmp/$x.xsl" "$feed" -o "$tmp/$x.out" >"$tmp/$x.stdout" 2>"$tmp/$x.err"
    rc=$?
    what="exit $rc$([ -s "$tmp/$x.err" ] && echo ": $(first_lines "$tmp/$x.err" | cut -c1-160)")"
    case $x in
        read*)
            if grep -qs 'ESPI-SECRET-4711' "$tmp/$x.out" "$tmp/$x.stdout"; then
                bad "--stylesheet $x.xsl read a local file with document() ($what)"
            else
                ok "--stylesheet $x.xsl: document() of a local file reads nothing ($what)"
            fi ;;
        fetch)
            if [ -z "$port" ]; then
                bad "the listener for fetch.xsl did not start"
            elif [ -s "$tmp/connections" ]; then
                bad "--stylesheet fetch.xsl connected to 127.0.0.1:$port ($what)"
            else
                ok "--stylesheet fetch.xsl: document() of an http URL connects nowhere ($what)"
            fi ;;
        write*)
            written=$tmp/written-${x#write-}.txt
            if [ -e "$written" ]; then
                bad "--stylesheet $x.xsl wrote $written ($what)"
            else
                ok "--stylesheet $x.xsl: writes no file ($what)"
            fi ;;
    esac
done

# The same stylesheets do reach out when nothing forbids it (xsltproc): the checks above can fail.
if command -v xsltproc >/dev/null 2>&1; then
    xsltproc "$tmp/read.xsl" "$tmp/secret.xml" >"$tmp/xp.read" 2>&1
    xsltproc "$tmp/write-exsl.xsl" "$tmp/secret.xml" >/dev/null 2>&1
    if grep -q 'ESPI-SECRET-4711' "$tmp/xp.read" && [ -e "$tmp/written-exsl.txt" ]; then
        ok "xsltproc, unrestricted, does read with read.xsl and write with write-exsl.xsl"
    else
        bad "read.xsl or write-exsl.xsl does not reach out even in xsltproc: the checks above prove nothing"
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
