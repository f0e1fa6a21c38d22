#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Green Button Alliance's certification tests and `espi validate --profile`, side by side.
#
# For every rule fixture (testdata/rules/*.xml) and every public sample
# (SHARED/espi/samples/*.xml), with one preset of the GBA web tester, this runs
#   SHARED/espi/gba-fb/gba-check.sh -p PRESET FILE   (the GBA function-block tests, xsltproc)
#   espi validate --format json --profile PRESET FILE
# and compares what each fails, per D code (the GBA test ids, D000-D147):
#   * the D codes that the GBA test fails are those gba-check.sh prints;
#   * the D codes that espi fails are those of its *errors* (a warning or an info is a pass),
#     through the rule's `gba` field (--list-rules), refined where one rule stands for several
#     GBA tests (ENTRY, FIELDS and SEVERAL below: the entry rules by the kind of entry their
#     message names, the field rules by the field it names, and rules whose fault fails more
#     than one test); only the D codes that the preset's FB files test are compared (D144, for
#     example, is a manual test: no FB file checks it);
#   * after an error that stops espi's reading (xml-syntax, xml-entity, the limits), what the
#     GBA test fails is not compared (it reads on), and a "note" line says so.
# A disagreement is a D code that the GBA test fails and espi does not ("gba-only"), or an
# espi error none of whose D codes the GBA test fails ("espi-only"). Each must be listed in
# gba_known_defects.txt next to this script, with the reason: a known defect of the GBA tests
# (SHARED/espi/gba-fb/README.md). The test fails on a disagreement that is not listed and on a
# listed one that no longer occurs.
#
# The preset of a file:
#   * a rule fixture: its "profile: NAME" header when it has one; otherwise the preset of its
#     commodity: temperature when a ReadingType has kind 46, else gas or water by the
#     ServiceCategory kind of its UsagePoint (1, 2) or else the commodity of its ReadingTypes
#     (7 or 8, 9 or 14), else electricity; "-cost" (electricity-cost, gas-cost) when the file
#     holds a cost or a currency anywhere (the cost presets test all that the plain ones do);
#   * a sample: its row in validate_samples.expected (the preset SOURCES.md used); a customer
#     feed (row "none") is not a usage feed and has no preset: it is skipped, saying so.
# FB_04 is quadratic: a file larger than GBA_MAX_BYTES (default 3000000) is skipped, saying so:
# the GBA CMD sample (3.9 MB) alone takes 30 s and more; GBA_MAX_BYTES=4000000 runs it too.
# GBA_JOBS (default 2) files run at once, the largest first. Measured on the two shared cores
# of the development machine: 12 to 17 s when quiet, 45 s under load 6; with the CMD sample
# 73 s (load 4) to 260 s (load 8).
# GBA_REPORT=FILE writes every (file, preset, D code, verdict) row there, tab-separated.
#
# To reproduce the figures (per preset: file runs, D codes both fail, gba-only, espi-only):
#   GBA_MAX_BYTES=4000000 ESPI=build/src/cli/espi ESPI_SOURCE=. \
#       bash tests/shared/gba_differential.sh ../shared
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source gba_differential.sh SHARED
# Exit 77 (skip) without SHARED or without xsltproc; otherwise one line per file and preset,
# one per disagreement, the figures, 'N passed, N failed' and exit 1 on any failure.
set -u
shared=${1:-}
if [ -z "$shared" ] || [ ! -d "$shared" ]; then
    echo "skip: no shared folder at '${shared}': the GBA function-block tests (SHARED/espi/gba-fb) are not there"
    exit 77
fi
if ! command -v xsltproc >/dev/null 2>&1; then
    echo "skip: xsltproc is not installed: the GBA function-block tests cannot run"
    exit 77
fi
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=../tools/testlib.sh
. "$ESPI_SOURCE/tests/tools/testlib.sh"
need_tools python3

exec python3 - "$shared" "$ESPI" "$ESPI_SOURCE" "$here/gba_known_defects.txt" \
    "$here/validate_samples.expected" <<'PY'
import concurrent.futures, json, os, re, subprocess, sys, time

shared, espi, src, known_path, samples_table = sys.argv[1:6]
fb_dir = os.path.join(shared, "espi", "gba-fb")
gba = os.path.join(fb_dir, "gba-check.sh")
max_bytes = int(os.environ.get("GBA_MAX_BYTES", "3000000"))
jobs = max(1, int(os.environ.get("GBA_JOBS", "2")))
report = os.environ.get("GBA_REPORT")
started = time.time()
passed = failed = 0


def ok(text):
    global passed
    passed += 1
    print("ok   " + text)


def bad(text):
    global failed
    failed += 1
    print("FAIL " + text)


# The FB files of each preset, as gba-check.sh runs them, and the D codes each FB file tests.
PRESETS = {
    "electricity": "01 04 05 15", "electricity-cost": "01 04 05 12 15 16 28",
    "gas": "01 04 10 15", "gas-cost": "01 04 10 12 15 16 28",
    "water": "01 04 11 15", "temperature": "01 04 29",
}
fb_codes = {}
for fb in sorted({x for v in PRESETS.values() for x in v.split()}):
    path = os.path.join(fb_dir, "FB_%s.xsl" % fb)
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        bad("%s: %s" % (path, e))
        continue
    text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8", "replace")
    fb_codes[fb] = set(re.findall(r'TestID="(D\d+)"', text))
    if not fb_codes[fb]:
        bad("%s: no TestID found" % path)


def preset_codes(preset):
    return set().union(*(fb_codes.get(fb, set()) for fb in PRESETS[preset].split()))


# espi's rules as GBA D codes. A finding stands for the D codes of its rule's `gba` field,
# except where one rule stands for several GBA tests:
#   * the entry rules, per kind of entry (the GBA tests are per resource type); the kind is the
#     one the message names;
#   * the field rules, per field (the message names it);
#   * rules whose fault fails more than one GBA test.
KINDS = ["UsagePoint", "MeterReading", "IntervalBlock", "ReadingType", "UsageSummary",
         "LocalTimeParameters"]
ENTRY = {  # rule: D code per kind, in KINDS order (no D code for other entries)
    "entry-id": "D011 D018 D031 D048 D082 D138",
    "entry-title": "D012 D019 D033 D050 D084 D137",
    "entry-published": "D009 D029 D040 D069 D101 D141",
    "entry-updated": "D010 D030 D041 D070 D102 D142",
    "entry-self": "D013 D020 D034 D051 D085 D139",
    "entry-up": "D015 D022 D036 D053 D087 D140",
    "link-self-duplicate": "D014 D021 D035 D052 D086 D143",
}
# what the same fault fails besides: an entry with no id fails D004 (its id equals no id), one
# with no self link the uniqueness test of its self link (it is found 0 times, not once)
ENTRY_ALSO = {"entry-id": "D004", "entry-self": "D014 D021 D035 D052 D086 D143"}
FIELDS = {  # rule: [(a word of the message, D codes)]
    "rt-field": [("intervalLength", "D062"), ("kind", "D063"), ("powerOfTenMultiplier", "D065"),
                 ("uom", "D068")],
    "block-interval": [("start", "D039 D042"), ("duration", "D038")],  # no start: none to match
    "reading-field": [("timePeriod/start", "D045"), ("timePeriod/duration", "D044"),
                      ("value", "D046")],
    "summary-field": [("billingPeriod", "D089 D090"), ("overallConsumptionLastPeriod", "D081"),
                      ("qualityOfReading", "D099"), ("statusTimeStamp", "D100")],
    "summary-cost-field": [("billLastPeriod", "D091"), ("billToDate", "D092"),
                           ("costAdditionalLastPeriod", "D093"), ("currency", "D094")],
    "summary-current": [("powerOfTenMultiplier", "D095"), ("timeStamp", "D096"), ("uom", "D097"),
                        ("value", "D098")],
}
SEVERAL = {  # rule: every D code its finding stands for
    "link-mr-rt": "D024 D054",       # one ReadingType: D024 counts entries, D054 links
    "mr-no-block": "D025 D026",      # D026 is D025 for a deltaData (4) ReadingType
    "block-empty": "D042 D043 D044 D045 D046",  # existential tests: none holds in an empty block
}


def codes_of(finding):
    rule, msg = finding.get("rule"), finding.get("message") or ""
    if rule in SEVERAL:
        return set(SEVERAL[rule].split())
    if rule in ENTRY:
        kind = re.search(r"\b(UsagePoint|MeterReading|IntervalBlock|ReadingType|"
                         r"(?:ElectricPower)?UsageSummary|LocalTimeParameters)\b", msg)
        if not kind:
            return set()  # another resource (ApplicationInformation, ...): no GBA test
        k = KINDS.index("UsageSummary" if kind.group(1).endswith("UsageSummary") else kind.group(1))
        also = ENTRY_ALSO.get(rule, "").split()
        return {ENTRY[rule].split()[k]} | ({also[k] if len(also) > 1 else also[0]} if also else set())
    if rule in FIELDS:
        for word, codes in FIELDS[rule]:
            if re.search(r"(?<![\w/])" + re.escape(word) + r"(?![\w/])", msg):
                return set(codes.split())
    gba_id = finding.get("gba") or ""
    return set(re.findall(r"D\d{3}", gba_id))


# ------------------------------------------------------------------ the known defects
# FILE | PRESET | DCODE | DIRECTION | WHY
known, known_rows = {}, {}
try:
    with open(known_path, encoding="utf-8") as fh:
        for no, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            f = [x.strip() for x in re.split(r"\s+\|\s+", line)]
            where = "%s:%d" % (os.path.basename(known_path), no)
            if (len(f) != 5 or f[1] not in PRESETS or not re.fullmatch(r"D\d{3}", f[2])
                    or f[3] not in ("gba-only", "espi-only") or len(f[4]) < 20):
                bad("%s: not FILE | PRESET | DCODE | gba-only or espi-only | WHY: %s" % (where, line))
                continue
            key = tuple(f[:4])
            if key in known:
                bad("%s: the same case as line %s" % (where, known_rows[key]))
            known[key] = f[4]
            known_rows[key] = no
except OSError as e:
    bad("%s: %s" % (known_path, e))

# ------------------------------------------------------------------ the inputs and presets
def commodity_preset(path):
    """The preset of a rule fixture without a profile header (see the top of the script)."""
    text = open(path, encoding="utf-8", errors="replace").read()
    service = [int(x) for x in re.findall(
        r"<(?:\w+:)?ServiceCategory>\s*<(?:\w+:)?kind>\s*(-?\d+)", text)]
    reading_types = re.findall(r"<(?:\w+:)?ReadingType>.*?</(?:\w+:)?ReadingType>", text, re.S)
    commodities = [int(x) for x in re.findall(r"<(?:\w+:)?commodity>\s*(-?\d+)\s*</", text)]
    if any(re.search(r"<(?:\w+:)?kind>\s*46\s*<", rt) for rt in reading_types):
        return "temperature"
    if 1 in service or (not service and set(commodities) & {7, 8}):
        base = "gas"
    elif 2 in service or (not service and set(commodities) & {9, 14}):
        return "water"
    else:
        base = "electricity"
    cost = re.search(r"<(?:\w+:)?(cost|currency|billLastPeriod|billToDate)>", text)
    return base + "-cost" if cost else base


def header(path, key):
    head = open(path, encoding="utf-8", errors="replace").read(4000)
    m = re.search(r"<!--(.*?)-->", head, re.S)
    v = re.search(r"^%s:\s*(\S+)" % key, m.group(1), re.M) if m else None
    return v.group(1) if v else ""


cases = []  # (label, path, preset)
rules_dir = os.path.join(src, "testdata", "rules")
for name in sorted(os.listdir(rules_dir)):
    if not name.endswith(".xml"):
        continue
    path = os.path.join(rules_dir, name)
    if header(path, "generate"):
        print("skip testdata/rules/%s: generated at run time by tests/feed/rules.sh (not a stored file)" % name)
        continue
    cases.append(("testdata/rules/" + name, path, header(path, "profile") or commodity_preset(path)))

sample_presets = {}
try:
    for raw in open(samples_table, encoding="utf-8"):
        f = [x.strip() for x in re.split(r"\s+\|\s+", raw.strip())]
        if f[0] == "sample" and len(f) >= 4:
            sample_presets[f[1]] = f[2]
except OSError as e:
    bad("%s: %s" % (samples_table, e))
samples_dir = os.path.join(shared, "espi", "samples")
names = sorted(n for n in os.listdir(samples_dir) if n.endswith(".xml")) if os.path.isdir(samples_dir) else []
if not names:
    bad("no samples in %s" % samples_dir)
for name in names:
    path = os.path.join(samples_dir, name)
    preset = sample_presets.get(name[:-4]) or commodity_preset(path)
    if preset == "none":
        print("skip samples/%s: a customer feed (validate_samples.expected), no usage preset applies" % name)
        continue
    if os.path.getsize(path) > max_bytes:
        print("skip samples/%s: %d bytes, over GBA_MAX_BYTES=%d (FB_04 is quadratic)"
              % (name, os.path.getsize(path), max_bytes))
        continue
    cases.append(("samples/" + name, path, preset))

# ------------------------------------------------------------------ the runs
# The errors after which espi reads no further (docs/rules.md, "One pass"): what the GBA test
# fails beyond them (it reads on: xsltproc expands entities, has no limits) is not compared.
STOPS = {"xml-syntax", "xml-entity", "limit-depth", "limit-attributes", "limit-text"}


def run(case):
    label, path, preset = case
    out = {"label": label, "preset": preset}
    g = subprocess.run(["sh", gba, "-p", preset, path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    out["gba"] = set(re.findall(r": FB_\d+ (D\d{3}) x\d+$", g.stdout.decode("utf-8", "replace"), re.M))
    if g.returncode not in (0, 1):
        out["error"] = "gba-check.sh exited %d: %s" % (g.returncode, g.stderr.decode()[:200])
        return out
    e = subprocess.run([espi, "validate", "--format", "json", "--profile", preset, path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if e.returncode not in (0, 1):
        out["error"] = "espi validate exited %d: %s" % (e.returncode, e.stderr.decode()[:200])
        return out
    try:
        doc = json.loads(e.stdout.decode("utf-8"))
        findings = doc[0]["findings"]
    except (ValueError, LookupError, TypeError) as x:
        out["error"] = "espi's JSON is not readable: %s" % x
        return out
    scope = preset_codes(preset)
    out["espi"] = {}  # the D codes of each error: (rule, D codes) -> count
    out["stopped"] = None
    for f in findings:
        if f.get("severity") != "error":
            continue
        if f.get("rule") in STOPS:
            out["stopped"] = "%s at line %s" % (f.get("rule"), f.get("line"))
        codes = frozenset(codes_of(f) & scope)
        if codes:
            key = (f.get("rule"), codes)
            out["espi"][key] = out["espi"].get(key, 0) + 1
    out["gba"] &= scope
    return out


with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    # the largest first, so that the slow FB_04 runs overlap the many small ones
    futures = {i: pool.submit(run, cases[i])
               for i in sorted(range(len(cases)), key=lambda i: -os.path.getsize(cases[i][1]))}
    results = [futures[i].result() for i in range(len(cases))]

# ------------------------------------------------------------------ the comparison
figures = {}  # preset -> [files, agree, gba-only, espi-only, known]
seen = set()
rows = []
for r in results:
    label, preset = r["label"], r["preset"]
    fig = figures.setdefault(preset, [0, 0, 0, 0, 0, 0])
    if "error" in r:
        bad("%s (%s): %s" % (label, preset, r["error"]))
        continue
    fig[0] += 1
    g = r["gba"]
    covered = set().union(*(codes for _, codes in r["espi"]))
    both = g & covered
    fig[1] += len(both)
    for code in sorted(both):
        rows.append((label, preset, code, "agree"))
    diffs = []
    for c in sorted(g - covered):
        if r["stopped"]:
            print("note %s (%s) %s: the GBA test fails it; espi stopped reading (%s), so it is not compared"
                  % (label, preset, c, r["stopped"]))
            fig[5] += 1
            continue
        diffs.append((c, "gba-only", "the GBA test fails %s, espi reports no error for it" % c))
    # an espi error is confirmed when the GBA test fails one of the D codes it stands for
    for rule, codes in sorted(r["espi"], key=lambda k: (min(k[1]), k[0])):
        if not codes & g:
            diffs.append((min(codes), "espi-only", "espi's %s error(s) (x%d) stand for %s, all of which the GBA test passes"
                          % (rule, r["espi"][(rule, codes)], " ".join(sorted(codes)))))
    diffs = sorted(set(diffs))
    for code, direction, what in diffs:
        key = (label, preset, code, direction)
        rows.append(key)
        fig[2 if direction == "gba-only" else 3] += 1
        if key in known:
            seen.add(key)
            fig[4] += 1
            ok("%s (%s) %s %s: listed: %s" % (label, preset, code, direction, known[key]))
        else:
            bad("%s (%s) %s %s: %s; not in %s" % (label, preset, code, direction, what,
                                                 os.path.basename(known_path)))
    if not diffs:
        ok("%s (%s): agree (%d D code(s) both fail%s)" % (label, preset, len(both),
                                                          ": " + " ".join(sorted(both)) if both else ""))

for key in sorted(set(known) - seen):
    bad("%s:%d: %s (%s) %s %s is listed but no longer occurs: remove the line"
        % (os.path.basename(known_path), known_rows[key], key[0], key[1], key[2], key[3]))

if report:
    with open(report, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write("\t".join(row) + "\n")

print("figures (file runs; D codes both fail; gba-only; espi-only; of these known GBA defects;"
      " not compared after espi stopped):")
total = [0, 0, 0, 0, 0, 0]
for preset in sorted(figures):
    f = figures[preset]
    total = [a + b for a, b in zip(total, f)]
    print("  %-17s %3d files, %4d agree, %3d gba-only, %3d espi-only, %3d known, %d not compared" % (preset, *f))
print("  %-17s %3d files, %4d agree, %3d gba-only, %3d espi-only, %3d known, %d not compared" % ("all", *total))
print("time: %.0f s with %d job(s)" % (time.time() - started, jobs))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
