#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `espi validate` against the public Green Button samples in SHARED/espi/samples (see its
# SOURCES.md): every known defect of a sample is found, each by the right rule at the right
# line, and every sample gets a verdict.
#
# The expectations are in validate_samples.expected (next to this script):
#   * one `sample` row per sample: the --profile to use (the GBA web tester's preset for the
#     file's commodity, "-cost" when its ReadingType has a currency; none for customer
#     feeds) and the exit code expected (0 valid, 1 invalid). Exit 0 also requires 0 errors.
#     Every *.xml in the folder must have a row; a row whose file is absent must say so
#     (EXIT "-", e.g. sample 22, Opower, which is not kept) and is skipped with a message.
#   * `find` rows: a rule id and where espi must report it. The lines are located in the
#     sample itself by this script (a regular expression per line, optionally mapped to the
#     enclosing <entry>, <IntervalBlock> or <IntervalReading> start tag), never taken from
#     espi's output, and their number is checked. A row may also require a text in the
#     message (e.g. the name of the missing field), or (rule "!id") that the rule is not
#     reported at all. Rows marked FAILS-TODAY are validator failures known when the row
#     was written: they still fail the test.
# Per sample the script also checks that:
#   * espi exits 0 or 1 (never 2 or 3, no crash) with the expected verdict, and the text
#     and JSON outputs agree;
#   * every line where the official schema (SHARED/espi/official-xsd-check.sh, espi-4.0 or
#     customer-4.0, i.e. xmllint) reports an error carries an espi `schema` finding
#     (`xml-syntax` for a parse error, `espi-1x` for ServiceDeliveryPoint), and that espi
#     reports no `schema` finding where the official schema accepts the file (skipped,
#     with a message, when xmllint is not installed).
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source validate_samples.sh SHARED
# Exit 77 (skip) when SHARED does not exist; otherwise one line per check,
# 'N passed, N failed' and exit 1 on any failure. VERBOSE=1 prints the lines located.
# Needs bash and python3 (3.9+, standard library only); xmllint for the schema-line check.
set -u
shared=${1:-}
if [ -z "$shared" ] || [ ! -d "$shared" ]; then
    echo "SKIP: ../shared not found (${shared:-no folder given})"
    exit 77
fi
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
here=$(cd "$(dirname "$0")" && pwd)
table=$here/validate_samples.expected

# shellcheck source=../tools/testlib.sh
. "$ESPI_SOURCE/tests/tools/testlib.sh"
need_tools python3

if [ ! -f "$table" ]; then
    echo "FAIL: $table is missing"
    echo "0 passed, 1 failed"
    exit 1
fi

exec python3 - "$shared" "$ESPI" "$table" <<'PY'
import bisect, json, os, re, shutil, subprocess, sys

shared, espi, table_path = sys.argv[1:4]
samples_dir = os.path.join(shared, "espi", "samples")
official = os.path.join(shared, "espi", "official-xsd-check.sh")
verbose = os.environ.get("VERBOSE") == "1"
TIMEOUT = 120

passed = failed = 0
marked_failures = []


def ok(text):
    global passed
    passed += 1
    print("ok   " + text)


def fail(text, marked=False):
    global failed
    failed += 1
    if marked:
        marked_failures.append(text.split(":", 1)[0])
    print("FAIL " + text + ("  [FAILS-TODAY]" if marked else ""))


def skip(text):
    print("skip " + text)


def short(s, n=220):
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 3] + "..."


# ------------------------------------------------------------------ the table
samples = {}   # stem -> dict(profile, exit, note)
finds = []     # dicts
with open(table_path, encoding="utf-8") as fh:
    for no, raw in enumerate(fh, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        f = [x.strip() for x in re.split(r"\s+\|\s+", line)]
        where = f"{os.path.basename(table_path)}:{no}"
        if f[0] == "sample" and len(f) >= 4:
            samples[f[1]] = {"profile": f[2], "exit": f[3], "note": f[4] if len(f) > 4 else "", "where": where}
        elif f[0] == "find" and len(f) >= 8:
            finds.append({"stem": f[1], "profile": f[2], "rule": f[3], "loc": f[4], "n": f[5],
                          "msg": f[6], "mark": f[7], "note": f[8] if len(f) > 8 else "", "where": where})
        else:
            fail(f"{where}: cannot read this row: {line}")

# ------------------------------------------------------------------ running espi
runs = {}      # (stem, profile) -> dict(rc, findings, summary) or dict(error)


def profile_args(profile):
    return [] if profile in ("none", "-") else ["--profile", profile]


def run_espi(stem, profile, fmt):
    path = os.path.join(samples_dir, stem + ".xml")
    cmd = [espi, "validate"] + profile_args(profile) + (["--format", "json"] if fmt == "json" else []) + [path]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"cmd": cmd, "rc": None, "out": "", "err": f"timed out after {TIMEOUT} s"}
    return {"cmd": cmd, "rc": p.returncode, "out": p.stdout.decode("utf-8", "replace"),
            "err": p.stderr.decode("utf-8", "replace")}


def json_run(stem, profile):
    key = (stem, profile)
    if key not in runs:
        r = run_espi(stem, profile, "json")
        r["findings"] = None
        if r["rc"] in (0, 1):
            try:
                doc = json.loads(r["out"])
                r["findings"] = doc[0]["findings"]
                for x in r["findings"]:  # a position not known is null: compared here as line 0
                    x["line"] = x["line"] or 0
                r["summary"] = doc[0]
            except (ValueError, LookupError, TypeError) as e:
                r["jsonerr"] = f"JSON output not readable ({e}): {short(r['out'], 200)}"
        runs[key] = r
    return runs[key]


def rc_text(rc):
    if rc is None:
        return "no exit (timeout)"
    if rc < 0:
        return f"killed by signal {-rc} (crash)"
    return f"exit {rc}"


# ------------------------------------------------------------------ locating lines in a sample
texts = {}


def sample_lines(stem):
    if stem not in texts:
        with open(os.path.join(samples_dir, stem + ".xml"), "rb") as fh:
            texts[stem] = fh.read().decode("utf-8", "replace").split("\n")
    return texts[stem]


def locate(stem, loc):
    """Resolve a WHERE expression to a list of 1-based line numbers (see the table's header)."""
    lines = sample_lines(stem)
    if loc == "*":
        return []
    if loc == "feed":
        for i, l in enumerate(lines, 1):
            if re.search(r"<(\w+:)?feed[\s>]", l):
                return [i]
        raise ValueError("no <feed> start tag")
    m = re.fullmatch(r"(\w*)/(.*)/(\[(-?\d*):(-?\d*)\])?", loc)
    if not m:
        raise ValueError(f"bad WHERE {loc!r}")
    encl, rx, sl, a, b = m.groups()
    pat = re.compile(rx)
    hits = [i for i, l in enumerate(lines, 1) if pat.search(l)]
    if encl:
        tag = re.compile(r"<(\w+:)?" + re.escape(encl) + r"[\s>/]")
        starts = [i for i, l in enumerate(lines, 1) if tag.search(l)]
        mapped = []
        for h in hits:
            k = bisect.bisect_right(starts, h) - 1
            if k < 0:
                raise ValueError(f"line {h} has no <{encl}> before it")
            if starts[k] not in mapped:
                mapped.append(starts[k])
        hits = mapped
    if sl:
        hits = hits[slice(int(a) if a else None, int(b) if b else None)]
    return hits


def ranges(nums, limit=12):
    nums = sorted(nums)
    out, i = [], 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    s = ",".join(out[:limit])
    return s + (f",... ({len(nums)} lines)" if len(out) > limit else "")


# ------------------------------------------------------------------ 1. every sample has a row
present = sorted(f[:-4] for f in os.listdir(samples_dir) if f.endswith(".xml"))
if not present:
    fail(f"no *.xml in {samples_dir}")
for stem in present:
    if stem not in samples:
        fail(f"{stem}: no 'sample' row in {os.path.basename(table_path)} (add its profile, verdict and known defects)")

# ------------------------------------------------------------------ 2. verdict per sample
# schema lines that FAILS-TODAY rows already expect (the line check below is marked the same)
marked_schema = set()
for f in finds:
    if f["rule"] == "schema" and f["mark"] == "FAILS-TODAY" and os.path.exists(os.path.join(samples_dir, f["stem"] + ".xml")):
        try:
            marked_schema.update((f["stem"], l) for l in locate(f["stem"], f["loc"]))
        except (ValueError, re.error):
            pass

have_xmllint = shutil.which("xmllint") is not None and os.access(official, os.X_OK)
if not have_xmllint:
    skip("schema-line checks: xmllint or official-xsd-check.sh not available")

for stem, s in sorted(samples.items()):
    path = os.path.join(samples_dir, stem + ".xml")
    if not os.path.exists(path):
        if s["exit"] == "-":
            skip(f"{stem}: not in {samples_dir} ({s['note']})")
        else:
            fail(f"{stem}: the table expects this sample but {path} does not exist")
        continue
    prof = s["profile"]
    label = f"{stem} ({'no profile' if prof in ('none', '-') else '--profile ' + prof})"
    t = run_espi(stem, prof, "text")
    j = json_run(stem, prof)
    why = None
    last = t["out"].rstrip("\n").split("\n")[-1] if t["out"].strip() else ""
    if t["rc"] not in (0, 1):
        why = f"{rc_text(t['rc'])}, expected {s['exit']}; stderr: {short(t['err'])}"
    elif str(t["rc"]) != s["exit"]:
        why = f"{rc_text(t['rc'])}, expected exit {s['exit']}; verdict line: {short(last)}"
    elif j["rc"] != t["rc"]:
        why = f"--format json gives {rc_text(j['rc'])}, text gives {rc_text(t['rc'])}"
    elif j.get("findings") is None:
        why = j.get("jsonerr", "no JSON findings")
    elif s["exit"] == "0" and (j["summary"].get("errors") != 0 or j["summary"].get("valid") is not True):
        why = f"valid per SOURCES.md but espi reports {j['summary'].get('errors')} error(s): " + short(
            "; ".join(f"{x['line']}: {x['rule']}" for x in j["findings"] if x["severity"] == "error")[:300])
    elif not re.search(r"\b(valid|invalid)\b", last):
        why = f"no verdict line at the end of the text output: {short(last)}"
    if why:
        fail(f"{label}: {why}")
    else:
        sm = j["summary"]
        ok(f"{label}: {rc_text(t['rc'])}, errors={sm.get('errors')} warnings={sm.get('warnings')}")

    # the official schema's error lines must carry an espi finding
    if not have_xmllint or j.get("findings") is None:
        continue
    sset = "customer-4.0" if "http://naesb.org/espi/customer" in "\n".join(sample_lines(stem)) else "espi-4.0"
    p = subprocess.run([official, "-s", sset, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    olines = {}
    for l in p.stderr.decode("utf-8", "replace").split("\n"):
        m = re.match(re.escape(path) + r":(\d+): (.*)", l)
        if m:
            olines.setdefault(int(m.group(1)), m.group(2))
    by_line = {}
    for x in j["findings"]:
        by_line.setdefault(x["line"], []).append(x)
    if p.returncode == 0:
        extra = [x for x in j["findings"] if x["rule"] == "schema"]
        if extra:
            fail(f"{stem}: official {sset} accepts the file, espi reports schema findings at {ranges([x['line'] for x in extra])}: {short(extra[0]['message'])}")
        else:
            ok(f"{stem}: official {sset} accepts it, espi reports no schema finding")
        continue
    missing = []
    for ln_, msg in sorted(olines.items()):
        allowed = {"xml-syntax", "xml-namespace", "xml-entity"} if "parser error" in msg else {"schema"}
        if "ServiceDeliveryPoint" in msg:
            allowed.add("espi-1x")
        if not any(x["rule"] in allowed for x in by_line.get(ln_, [])):
            missing.append(ln_)
    if not olines:
        fail(f"{stem}: official {sset} rejects it but names no line: {short(p.stderr.decode('utf-8', 'replace'))}")
    elif missing:
        near = [f"{x['line']}: {x['rule']}" for x in j["findings"] if x["rule"] in ("schema", "xml-syntax", "espi-1x")
                and any(abs(x["line"] - m_) <= 10 for m_ in missing)]
        fail(f"{stem}: official {sset} reports an error at line(s) {ranges(missing)} ({short(olines[missing[0]], 160)}), "
             f"espi has no schema finding there (nearby: {', '.join(near[:6]) or 'none'})",
             marked=all((stem, m_) in marked_schema for m_ in missing))
    else:
        ok(f"{stem}: a schema finding at each of the {len(olines)} line(s) official {sset} reports ({ranges(olines)})")

# ------------------------------------------------------------------ 3. the known defects
for f in finds:
    stem = f["stem"]
    marked = f["mark"] == "FAILS-TODAY"
    s = samples.get(stem)
    if s is None:
        fail(f"{f['where']}: {stem} has no 'sample' row")
        continue
    if not os.path.exists(os.path.join(samples_dir, stem + ".xml")):
        if s["exit"] == "-":
            continue
        fail(f"{stem}: {f['rule']}: sample missing")
        continue
    prof = s["profile"] if f["profile"] == "=" else f["profile"]
    negate = f["rule"].startswith("!")
    rule = f["rule"].lstrip("!")
    note = f" ({f['note']})" if f["note"] and f["note"] != "-" else ""
    pnote = "" if f["profile"] == "=" else f" [profile {prof}]"
    head = f"{stem}: {f['rule']}{pnote}"
    note_ok = note
    note = note + " [" + " ".join(["espi", "validate"] + profile_args(prof) + [stem + ".xml"]) + "]"
    try:
        want = locate(stem, f["loc"])
    except (ValueError, re.error) as e:
        fail(f"{head}: {f['where']}: {e}")
        continue
    if not negate and f["n"] != "-" and len(want) != int(f["n"]):
        fail(f"{head}: {f['where']}: WHERE {f['loc']} finds {len(want)} line(s) in the sample "
             f"({ranges(want)}), the table says {f['n']}: fix the row")
        continue
    if verbose:
        print(f"     {head}: WHERE {f['loc']} -> {ranges(want, 40)}")
    j = json_run(stem, prof)
    if j.get("findings") is None:
        fail(f"{head}: espi gave no findings: {rc_text(j['rc'])} {j.get('jsonerr', '')} {short(j['err'])}", marked)
        continue
    got = [x for x in j["findings"] if x["rule"] == rule]
    if negate:
        if got:
            fail(f"{head}: espi must not report {rule}, it does at {ranges([x['line'] for x in got])}: "
                 f"{short(got[0]['message'])}{note}", marked)
        else:
            ok(f"{head}: not reported{note_ok}")
        continue
    at = {}
    for x in got:
        at.setdefault(x["line"], []).append(x)
    absent = [l for l in want if l not in at]
    msg = f["msg"]
    badmsg = [] if msg == "-" else [l for l in want if l in at and not any(msg in x["message"] for x in at[l])]
    if absent:
        others = sorted(at)
        fail(f"{head}: expected at line(s) {ranges(want)}; missing at {ranges(absent)} "
             f"({short(sample_lines(stem)[absent[0] - 1].strip(), 90)!r}); espi reports {rule} at "
             f"{ranges(others) if others else 'no line'}{note}", marked)
    elif badmsg:
        l0 = badmsg[0]
        fail(f"{head}: at {ranges(badmsg)} no {rule} message names {msg!r}; espi says at {l0}: "
             f"{short(' / '.join(x['message'] for x in at[l0]), 200)}{note}", marked)
    else:
        extra = f", message names {msg!r}" if msg != "-" else ""
        if marked:
            print(f"note {head}: passes now; remove its FAILS-TODAY mark ({f['where']})")
        ok(f"{head} at {ranges(want)}{extra}{note_ok}")

print(f"{passed} passed, {failed} failed")
if marked_failures:
    print(f"({len(marked_failures)} of the failures are marked FAILS-TODAY in {os.path.basename(table_path)}: "
          "validator shortcomings known when the row was written)")
sys.exit(1 if failed else 0)
PY
