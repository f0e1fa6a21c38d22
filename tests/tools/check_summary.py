#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An independent oracle for `espi summary --format csv` (issue 14; docs/summary-format.md).

usage: check_summary.py [--per hour|day|week|month] [--tz ZONE] [--missing-scope series|meter]
                        [--csv OUT.csv | --espi BIN | --print] FEED.xml
       check_summary.py --self-test

Reads a Green Button feed with the Python standard library alone (xml.etree for the XML,
zoneinfo for local time, decimal.Decimal for every sum; nothing is shared with espi's C code)
and computes the rows `espi summary --per P --format csv FEED.xml` must print, then compares
them with espi's: the CSV given by --csv, else the output of --espi BIN (default: $ESPI) run on
the feed. --print writes the oracle's own CSV instead and compares nothing.

What is read: the standard ESPI layout only (docs/dump-format.md, first join rule for ESPI
files): an IntervalBlock's `up` link is a `related` link of its MeterReading
(".../MeterReading/N/IntervalBlock"), a MeterReading's `up` link a `related` link of its
UsagePoint (".../MeterReading"), a MeterReading's `related` link is its ReadingType's `self`,
and a UsagePoint's `related` link is its LocalTimeParameters' `self`. Other layouts, xml:base,
milliseconds and the other warts dump repairs are out of scope: the oracle refuses (exit 2)
a reading it cannot place.

The zone: --tz, else derived from the UsagePoint's LocalTimeParameters. The oracle's fixtures
use the US DST rules (dstStartRule 360E2000 = second Sunday of March, dstEndRule B40E2000 =
first Sunday of November, 02:00 local), so (tzOffset, dstOffset, rules) is mapped to the
IANA zone that keeps those rules: -18000 America/New_York, -21600 America/Chicago,
-25200 America/Denver, -28800 America/Los_Angeles, -32400 America/Anchorage with US DST;
-25200 America/Phoenix, -36000 Pacific/Honolulu, 0 UTC without DST. Anything else: exit 2
(give --tz). No LocalTimeParameters and no --tz: UTC.

What is computed (spec of issue 14, docs/summary-format.md):
  * rows keyed by (usage_point, meter_reading, tou, period): usage_point and meter_reading are
    the entries' Atom ids; tou is the reading's <tou>, else its ReadingType's, else empty;
  * a reading goes to the period holding its start in local time: hour YYYY-MM-DDTHH (with
    the offset appended, e.g. 2026-11-01T01-07:00, when the wall hour occurs twice), day
    YYYY-MM-DD, week the date of its Monday, month YYYY-MM; period_start_utc is the period's
    local start as UTC;
  * readings = readings with a value; value = exact sum of value_raw x 10^powerOfTenMultiplier
    (plain text, no exponent; Decimal keeps the largest scale: 1.500 + 2 = 3.500);
    unit = the uom's symbol; cost = sum of cost/100000 with five decimals, empty when no
    reading of the period has one; currency = the ReadingType's ISO 4217 code (as dump);
  * peak_demand = max of value x 3600 / duration (duration > 0), rounded half-even to three
    decimals, unit Wh -> W (energy units lose their trailing h), others UNIT/h;
    peak_start_utc = the start of that reading, the earliest on a tie;
  * missing = whole intervalLength slots between the first reading start and the last
    reading end that no reading covers, each in the period of the slot's start. Uncovered
    stretches are measured from the end of what is covered, so slots of one gap are at
    gap_start + k x intervalLength. --missing-scope meter (default, as espi) does this per
    meter reading over all its readings, whatever their tou, and counts the slots in the
    row with empty tou (a slot no reading covers has no tou); --missing-scope series does
    it per row series (usage point x meter reading x tou), where the hours of the other tou
    periods would count as missing in a tou row. A period
    that only has missing slots is a row with readings 0 and value, cost and peak empty
    (the spec does not say; empty as for cost: no reading, no figure).
Row order: usage point, meter reading (file order), tou (empty first, then numeric), period
start. The comparison is exact text equality of every column; a text difference between
equal numbers (3.5 against 3.500) is reported as such. Exit 0 when equal, 1 listing the
differences (row keys and columns), 2 on bad arguments or an input the oracle cannot read.
"""
import argparse
import csv
import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, getcontext
from zoneinfo import ZoneInfo

getcontext().prec = 80

ATOM = "{http://www.w3.org/2005/Atom}"
ESPI = "{http://naesb.org/espi}"
COLUMNS = ["usage_point", "meter_reading", "commodity", "kind", "flow_direction", "tou", "period",
           "period_start_utc", "readings", "missing", "value", "unit", "cost", "currency",
           "peak_demand", "peak_demand_unit", "peak_start_utc"]
US_RULES = ("360E2000", "B40E2000")
US_ZONES = {-18000: "America/New_York", -21600: "America/Chicago", -25200: "America/Denver",
            -28800: "America/Los_Angeles", -32400: "America/Anchorage"}
FIXED_ZONES = {-25200: "America/Phoenix", -36000: "Pacific/Honolulu", 0: "UTC"}
# UnitSymbolKind codes (docs/standard.md section 5) the fixtures and common files use.
UNITS = {5: "A", 6: "K", 23: "degC", 29: "V", 31: "J", 33: "Hz", 38: "W", 42: "m3", 61: "VA",
         63: "VAr", 71: "VAh", 72: "Wh", 73: "VArh", 106: "Ah", 119: "ft3", 128: "USgal",
         132: "BTU", 134: "L", 169: "therm"}
CURRENCIES = {36: "AUD", 124: "CAD", 392: "JPY", 484: "MXN", 826: "GBP", 840: "USD", 978: "EUR"}
ENERGY = ("Wh", "VAh", "VArh", "Ah")


class OracleError(Exception):
    """An input the oracle cannot predict (exit 2)."""


def fmt_dec(d):
    return format(d, "f")


def fmt_utc(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def peak_unit(unit):
    return unit[:-1] if unit.endswith(ENERGY) else unit + "/h"


def rate(value, duration):
    """value x 3600 / duration, half-even to three decimals."""
    return (value * 3600 / Decimal(duration)).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)


# ---- reading the feed ------------------------------------------------------------------

def child_text(el, name):
    c = el.find(ESPI + name)
    return None if c is None or c.text is None else c.text.strip()


def child_int(el, name):
    t = child_text(el, name)
    return None if t is None else int(t)


def read_feed(path):
    """Returns (usage_points, ltps, meter_readings, reading_types, blocks), each in file order."""
    root = ET.parse(path).getroot()
    if root.tag != ATOM + "feed":
        raise OracleError(f"{path}: the root is not an Atom feed")
    ups, ltps, mrs, rts, blocks = [], {}, [], {}, []
    for entry in root.findall(ATOM + "entry"):
        links = {"self": [], "up": [], "related": []}
        for ln in entry.findall(ATOM + "link"):
            if ln.get("rel") in links:
                links[ln.get("rel")].append(ln.get("href"))
        eid = (entry.findtext(ATOM + "id") or "").strip()
        content = entry.find(ATOM + "content")
        if content is None or len(content) == 0:
            continue
        res = content[0]
        name = res.tag[len(ESPI):] if res.tag.startswith(ESPI) else None
        me = {"id": eid or (links["self"][0] if links["self"] else ""), "links": links, "el": res}
        if name == "UsagePoint":
            ups.append(me)
        elif name == "LocalTimeParameters":
            for s in links["self"]:
                ltps[s] = res
        elif name == "MeterReading":
            mrs.append(me)
        elif name == "ReadingType":
            for s in links["self"]:
                rts[s] = res
        elif name == "IntervalBlock":
            blocks.append(me)
    return ups, ltps, mrs, rts, blocks


def zone_of(ltp):
    tz, dst = child_int(ltp, "tzOffset"), child_int(ltp, "dstOffset") or 0
    rules = (child_text(ltp, "dstStartRule"), child_text(ltp, "dstEndRule"))
    if dst == 3600 and tuple(r.upper() if r else r for r in rules) == US_RULES and tz in US_ZONES:
        return US_ZONES[tz]
    if dst == 0 and tz in FIXED_ZONES:
        return FIXED_ZONES[tz]
    raise OracleError(f"LocalTimeParameters tzOffset {tz} dstOffset {dst} rules {rules}: "
                      "no zone known to the oracle; give --tz")


class Channel:
    """One meter reading joined to its usage point, ReadingType and zone."""

    def __init__(self, up_index, up_id, mr_index, mr_id, rt, zone):
        self.order = (up_index, mr_index)
        self.up_id, self.mr_id, self.zone = up_id, mr_id, zone
        self.commodity = child_text(rt, "commodity") or ""
        self.kind = child_text(rt, "kind") or ""
        self.flow = child_text(rt, "flowDirection") or ""
        self.p10 = child_int(rt, "powerOfTenMultiplier") or 0
        uom = child_int(rt, "uom")
        self.unit = "" if uom is None else UNITS.get(uom, f"uom{uom}")
        cur = child_int(rt, "currency")
        self.currency = "" if cur is None else CURRENCIES.get(cur, str(cur))
        self.length = child_int(rt, "intervalLength")
        self.rt_tou = child_text(rt, "tou")
        self.readings = []   # (start, duration, value Decimal or None, cost Decimal or None, tou)


def join(path, tz_override):
    ups, ltps, mrs, rts, blocks = read_feed(path)
    channels, by_related = [], {}
    for mi, mr in enumerate(mrs):
        owner = [(ui, up) for ui, up in enumerate(ups)
                 if set(mr["links"]["up"]) & set(up["links"]["related"])]
        if len(owner) != 1:
            raise OracleError(f"{path}: MeterReading {mr['id']} joins {len(owner)} usage points")
        ui, up = owner[0]
        rt = [rts[r] for r in mr["links"]["related"] if r in rts]
        if len(rt) != 1:
            raise OracleError(f"{path}: MeterReading {mr['id']} joins {len(rt)} ReadingTypes")
        if tz_override:
            zone = tz_override
        else:
            lt = [ltps[r] for r in up["links"]["related"] if r in ltps]
            zone = zone_of(lt[0]) if lt else "UTC"
        ch = Channel(ui, up["id"], mi, mr["id"], rt[0], ZoneInfo(zone))
        channels.append(ch)
        for r in mr["links"]["related"]:
            by_related[r] = ch
    for b in blocks:
        owner = [by_related[u] for u in b["links"]["up"] if u in by_related]
        if len(owner) != 1:
            raise OracleError(f"{path}: IntervalBlock {b['id']} joins {len(owner)} meter readings")
        ch = owner[0]
        for ir in b["el"].findall(ESPI + "IntervalReading"):
            tp = ir.find(ESPI + "timePeriod")
            if tp is None:
                raise OracleError(f"{path}: an IntervalReading without timePeriod")
            raw = child_int(ir, "value")
            value = None if raw is None else Decimal(raw).scaleb(ch.p10)
            cost_raw = child_int(ir, "cost")
            cost = None if cost_raw is None else (Decimal(cost_raw) / 100000).quantize(Decimal("0.00001"))
            tou = child_text(ir, "tou") or ch.rt_tou or ""
            ch.readings.append((child_int(tp, "start"), child_int(tp, "duration"), value, cost, tou))
    channels.sort(key=lambda c: c.order)
    return channels


# ---- periods ---------------------------------------------------------------------------

def period_of(t, zone, per):
    """(label, period start as a UTC timestamp) of the period holding instant t."""
    loc = datetime.fromtimestamp(t, zone)
    if per == "hour":
        start = loc.replace(minute=0, second=0, microsecond=0)
        label = start.strftime("%Y-%m-%dT%H")
        other = start.replace(fold=1 - start.fold)
        if other.utcoffset() != start.utcoffset():
            off = int(start.utcoffset().total_seconds())
            sign = "-" if off < 0 else "+"
            label += f"{sign}{abs(off) // 3600:02d}:{abs(off) % 3600 // 60:02d}"
        return label, int(start.timestamp())
    if per == "day":
        d = loc.date()
        label = d.isoformat()
    elif per == "week":
        d = loc.date() - timedelta(days=loc.weekday())
        label = d.isoformat()
    elif per == "month":
        d = date(loc.year, loc.month, 1)
        label = d.strftime("%Y-%m")
    else:
        raise OracleError(f"--per {per} is not computed by the oracle")
    midnight = datetime(d.year, d.month, d.day, tzinfo=zone)
    return label, int(midnight.timestamp())


def missing_slots(readings, length):
    """Starts of whole slots no reading covers, between first start and last end."""
    if not readings or not length:
        return []
    spans = sorted((s, s + d) for s, d, *_ in readings)
    out, covered = [], spans[0][0]
    for s, e in spans:
        t = covered
        while t + length <= s:
            out.append(t)
            t += length
        covered = max(covered, e)
    return out


def compute(channels, per, scope="series"):
    rows = []
    for ch in channels:
        series = {}
        for r in ch.readings:
            series.setdefault(r[4], []).append(r)
        tous = sorted(series, key=lambda x: (x != "", int(x) if x else 0))
        gaps = {}
        if scope == "meter":
            gaps[""] = missing_slots(ch.readings, ch.length)
            if gaps[""] and "" not in tous:
                tous.insert(0, "")
        else:
            for tou in tous:
                gaps[tou] = missing_slots(series[tou], ch.length)
        for tou in tous:
            periods = {}

            def slot(t):
                label, ps = period_of(t, ch.zone, per)
                return periods.setdefault((ps, label), {"n": 0, "missing": 0, "value": Decimal(0),
                                                        "cost": None, "peak": None})

            for s, d, v, c, _ in sorted(series.get(tou, []), key=lambda r: r[0]):
                p = slot(s)
                if v is not None:
                    p["n"] += 1
                    p["value"] = v if p["n"] == 1 else p["value"] + v
                    if d and d > 0:
                        pk = rate(v, d)
                        if p["peak"] is None or pk > p["peak"][0]:
                            p["peak"] = (pk, s)
                if c is not None:
                    p["cost"] = c if p["cost"] is None else p["cost"] + c
            for g in gaps.get(tou, []):
                slot(g)["missing"] += 1
            for (ps, label), p in sorted(periods.items()):
                rows.append({
                    "usage_point": ch.up_id, "meter_reading": ch.mr_id, "commodity": ch.commodity,
                    "kind": ch.kind, "flow_direction": ch.flow, "tou": tou, "period": label,
                    "period_start_utc": fmt_utc(ps), "readings": str(p["n"]),
                    "missing": str(p["missing"]), "value": fmt_dec(p["value"]) if p["n"] else "",
                    "unit": ch.unit,
                    "cost": "" if p["cost"] is None else fmt_dec(p["cost"]),
                    "currency": ch.currency,
                    "peak_demand": "" if p["peak"] is None else fmt_dec(p["peak"][0]),
                    "peak_demand_unit": "" if p["peak"] is None else peak_unit(ch.unit),
                    "peak_start_utc": "" if p["peak"] is None else fmt_utc(p["peak"][1]),
                })
    return rows


def to_csv(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([r[c] for c in COLUMNS])
    return out.getvalue()


# ---- comparing -------------------------------------------------------------------------

def key_of(r):
    return f"usage_point={r['usage_point']} meter_reading={r['meter_reading']} tou={r['tou']!r} period={r['period']}"


def compare(expected, got_text, limit=30):
    """Problems (strings) between the oracle's rows and espi's CSV text."""
    problems = []
    reader = csv.reader(io.StringIO(got_text))
    table = list(reader)
    if not table:
        return ["espi printed nothing"]
    if table[0] != COLUMNS:
        problems.append(f"header: got {','.join(table[0])}, expected {','.join(COLUMNS)}")
        return problems
    got = []
    for n, row in enumerate(table[1:], 2):
        if len(row) != len(COLUMNS):
            problems.append(f"CSV line {n}: {len(row)} fields, expected {len(COLUMNS)}")
            continue
        got.append(dict(zip(COLUMNS, row)))
    exp_keys = [key_of(r) for r in expected]
    got_map = {}
    for r in got:
        k = key_of(r)
        if k in got_map:
            problems.append(f"row twice in espi's output: {k}")
        got_map[k] = r
    exp_map = {key_of(r): r for r in expected}
    for k in exp_keys:
        if k not in got_map:
            problems.append(f"row missing from espi's output: {k}")
            continue
        for c in COLUMNS:
            e, g = exp_map[k][c], got_map[k][c]
            if e != g:
                note = ""
                try:
                    if e and g and Decimal(e) == Decimal(g):
                        note = " (equal as numbers; the text differs)"
                except ArithmeticError:
                    pass
                problems.append(f"{k}: {c} is {g!r}, expected {e!r}{note}")
    for r in got:
        if key_of(r) not in exp_map:
            problems.append(f"row not expected: {key_of(r)}")
    if not problems and [key_of(r) for r in got] != exp_keys:
        first = next(i for i, (a, b) in enumerate(zip([key_of(r) for r in got], exp_keys)) if a != b)
        problems.append(f"row order: row {first + 1} is {key_of(got[first])}, expected {exp_keys[first]}")
    if len(problems) > limit:
        problems = problems[:limit] + [f"... and {len(problems) - limit} more"]
    return problems


# ---- self-test -------------------------------------------------------------------------

SELF_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:espi="http://naesb.org/espi">
 <id>urn:uuid:f</id><title>t</title><updated>2026-12-01T00:00:00Z</updated>
 <entry><id>urn:uuid:ltp</id><link rel="self" href="/LocalTimeParameters/1"/>
  <content><espi:LocalTimeParameters><espi:dstEndRule>B40E2000</espi:dstEndRule>
  <espi:dstOffset>3600</espi:dstOffset><espi:dstStartRule>360E2000</espi:dstStartRule>
  <espi:tzOffset>-28800</espi:tzOffset></espi:LocalTimeParameters></content></entry>
 <entry><id>urn:uuid:up</id><link rel="self" href="/UsagePoint/1"/>
  <link rel="related" href="/UsagePoint/1/MeterReading"/><link rel="related" href="/LocalTimeParameters/1"/>
  <content><espi:UsagePoint/></content></entry>
 <entry><id>urn:uuid:mr</id><link rel="self" href="/UsagePoint/1/MeterReading/1"/>
  <link rel="up" href="/UsagePoint/1/MeterReading"/>
  <link rel="related" href="/UsagePoint/1/MeterReading/1/IntervalBlock"/><link rel="related" href="/ReadingType/1"/>
  <content><espi:MeterReading/></content></entry>
 <entry><id>urn:uuid:rt</id><link rel="self" href="/ReadingType/1"/>
  <content><espi:ReadingType><espi:commodity>1</espi:commodity><espi:currency>840</espi:currency>
  <espi:flowDirection>1</espi:flowDirection><espi:intervalLength>3600</espi:intervalLength>
  <espi:kind>12</espi:kind><espi:powerOfTenMultiplier>-1</espi:powerOfTenMultiplier>
  <espi:uom>72</espi:uom></espi:ReadingType></content></entry>
 <entry><id>urn:uuid:ib</id><link rel="self" href="/UsagePoint/1/MeterReading/1/IntervalBlock/1"/>
  <link rel="up" href="/UsagePoint/1/MeterReading/1/IntervalBlock"/>
  <content><espi:IntervalBlock>
   <espi:IntervalReading><espi:cost>150000</espi:cost><espi:timePeriod><espi:duration>3600</espi:duration>
    <espi:start>1772953200</espi:start></espi:timePeriod><espi:value>15</espi:value></espi:IntervalReading>
   <espi:IntervalReading><espi:timePeriod><espi:duration>3600</espi:duration>
    <espi:start>1772956800</espi:start></espi:timePeriod><espi:value>20</espi:value></espi:IntervalReading>
   <espi:IntervalReading><espi:cost>33333</espi:cost><espi:timePeriod><espi:duration>3600</espi:duration>
    <espi:start>1772960400</espi:start></espi:timePeriod><espi:value>20</espi:value></espi:IntervalReading>
   <espi:IntervalReading><espi:cost>1</espi:cost><espi:timePeriod><espi:duration>3600</espi:duration>
    <espi:start>1772967600</espi:start></espi:timePeriod><espi:value>20</espi:value></espi:IntervalReading>
  </espi:IntervalBlock></content></entry>
</feed>
"""
# Hand-computed: readings at 2026-03-08 07:00Z (03-07 23:00 PST), 08:00Z (03-08 00:00 PST),
# 09:00Z (01:00 PST), [10:00Z = 03:00 PDT missing], 11:00Z (04:00 PDT); 1.5, 2.0, 2.0, 2.0 Wh.
SELF_DAY = """usage_point,meter_reading,commodity,kind,flow_direction,tou,period,period_start_utc,readings,missing,value,unit,cost,currency,peak_demand,peak_demand_unit,peak_start_utc
urn:uuid:up,urn:uuid:mr,1,12,1,,2026-03-07,2026-03-07T08:00:00Z,1,0,1.5,Wh,1.50000,USD,1.500,W,2026-03-08T07:00:00Z
urn:uuid:up,urn:uuid:mr,1,12,1,,2026-03-08,2026-03-08T08:00:00Z,3,1,6.0,Wh,0.33334,USD,2.000,W,2026-03-08T08:00:00Z
"""
SELF_MONTH = """usage_point,meter_reading,commodity,kind,flow_direction,tou,period,period_start_utc,readings,missing,value,unit,cost,currency,peak_demand,peak_demand_unit,peak_start_utc
urn:uuid:up,urn:uuid:mr,1,12,1,,2026-03,2026-03-01T08:00:00Z,4,1,7.5,Wh,1.83334,USD,2.000,W,2026-03-08T08:00:00Z
"""


def self_test():
    import tempfile
    fails = 0

    def check(what, ok):
        nonlocal fails
        print(("ok   " if ok else "FAIL ") + "self-test " + what)
        fails += 0 if ok else 1

    la = ZoneInfo("America/Los_Angeles")
    check("rate half-even 0.0005 -> 0.000", rate(Decimal("0.0005"), 3600) == Decimal("0.000"))
    check("rate half-even 0.0015 -> 0.002", rate(Decimal("0.0015"), 3600) == Decimal("0.002"))
    check("rate 15 min 9.5 Wh -> 38.000", fmt_dec(rate(Decimal("9.5"), 900)) == "38.000")
    check("scale 1.500 + 2 = 3.500", fmt_dec(Decimal("1.500") + Decimal(2)) == "3.500")
    check("no exponent 5 x 10^3 = 5000", fmt_dec(Decimal(5).scaleb(3)) == "5000")
    check("peak unit Wh -> W, m3 -> m3/h", peak_unit("Wh") == "W" and peak_unit("kWh") == "kW"
          and peak_unit("m3") == "m3/h" and peak_unit("therm") == "therm/h")
    check("fall-back hour PDT label", period_of(1793520000, la, "hour") == ("2026-11-01T01-07:00", 1793520000))
    check("fall-back hour PST label", period_of(1793523600, la, "hour") == ("2026-11-01T01-08:00", 1793523600))
    check("plain hour label", period_of(1793530800, la, "hour") == ("2026-11-01T03", 1793530800))
    check("25-hour day start", period_of(1793581200, la, "day") == ("2026-11-01", 1793516400))
    check("week Monday", period_of(1793581200, la, "week")[0] == "2026-10-26")
    check("missing slots", missing_slots([(0, 900), (900, 900), (3600, 900), (3600, 900), (4500, 900)], 900)
          == [1800, 2700])
    check("zone from LTP", zone_of(ET.fromstring(
        '<x xmlns="http://naesb.org/espi"><dstEndRule>B40E2000</dstEndRule><dstOffset>3600</dstOffset>'
        '<dstStartRule>360E2000</dstStartRule><tzOffset>-25200</tzOffset></x>')) == "America/Denver")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "self.xml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(SELF_FEED)
        chans = join(path, None)
        day, month = to_csv(compute(chans, "day")), to_csv(compute(chans, "month"))
        check("hand-computed days", day == SELF_DAY)
        check("hand-computed month", month == SELF_MONTH)
        if day != SELF_DAY:
            print(day, end="")
        if month != SELF_MONTH:
            print(month, end="")
        # the last reading two days later: 21 + 24 + 4 slots missing, 03-09 has no reading
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(SELF_FEED.replace("1772967600", "1773140400"))
        gap = [(r["period"], r["readings"], r["missing"], r["value"], r["cost"], r["peak_demand"])
               for r in compute(join(path, None), "day")]
        check("a day without readings", gap == [
            ("2026-03-07", "1", "0", "1.5", "1.50000", "1.500"), ("2026-03-08", "2", "21", "4.0", "0.33333", "2.000"),
            ("2026-03-09", "0", "24", "", "", ""), ("2026-03-10", "1", "4", "2.0", "0.00001", "2.000")])
        # tou 1, 2, 1, 2 on the four readings (07Z, 08Z, 09Z, 11Z; 10Z missing)
        parts = SELF_FEED.split("</espi:value>")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("".join(p + f"</espi:value><espi:tou>{(1, 2, 1, 2)[i]}</espi:tou>"
                             for i, p in enumerate(parts[:-1])) + parts[-1])
        tou = join(path, None)
        series = [(r["tou"], r["readings"], r["missing"], r["value"]) for r in compute(tou, "month", "series")]
        meter = [(r["tou"], r["readings"], r["missing"], r["value"]) for r in compute(tou, "month", "meter")]
        check("tou rows, missing per tou series", series == [("1", "2", "1", "3.5"), ("2", "2", "2", "4.0")])
        check("tou rows, missing per meter reading", meter == [
            ("", "0", "1", ""), ("1", "2", "0", "3.5"), ("2", "2", "0", "4.0")])
        rows = compute(chans, "day")
        check("comparison accepts the genuine rows", compare(rows, SELF_DAY) == [])
        doctored = {
            "value 6.0 -> 6": SELF_DAY.replace(",6.0,Wh", ",6,Wh"),
            "cost off by 0.00001": SELF_DAY.replace("0.33334", "0.33333"),
            "row removed": SELF_DAY.rsplit("urn:uuid:up", 1)[0],
            "rows swapped": SELF_DAY.split("\n")[0] + "\n" + "\n".join(reversed(SELF_DAY.strip().split("\n")[1:])) + "\n",
            "missing 1 -> 0": SELF_DAY.replace(",3,1,", ",3,0,"),
            "peak start shifted": SELF_DAY.replace("2.000,W,2026-03-08T08", "2.000,W,2026-03-08T09"),
            "header without peak_start_utc": SELF_DAY.replace(",peak_start_utc", ""),
        }
        for what, text in doctored.items():
            p = compare(rows, text)
            check(f"rejects {what}" + (f": {p[0]}" if p else ""), bool(p))
    return 1 if fails else 0


# ---- main ------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("feed", nargs="?")
    ap.add_argument("--per", default="month", choices=["hour", "day", "week", "month"])
    ap.add_argument("--tz")
    ap.add_argument("--missing-scope", default="meter", choices=["series", "meter"])
    ap.add_argument("--csv", help="espi summary's CSV output to compare")
    ap.add_argument("--espi", help="the espi binary to run (default $ESPI)")
    ap.add_argument("--print", action="store_true", help="print the oracle's CSV")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    if not a.feed:
        ap.error("a FEED.xml is needed")
    try:
        rows = compute(join(a.feed, a.tz), a.per, a.missing_scope)
    except (OracleError, ET.ParseError, ValueError, OSError) as e:
        print(f"check_summary: {e}", file=sys.stderr)
        return 2
    if a.print:
        sys.stdout.write(to_csv(rows))
        return 0
    if a.csv:
        with open(a.csv, encoding="utf-8", newline="") as fh:
            got = fh.read()
        src = a.csv
    else:
        espi = a.espi or os.environ.get("ESPI")
        if not espi:
            ap.error("give --csv, --espi or set ESPI")
        cmd = [espi, "summary", "--per", a.per, "--format", "csv"] + (["--tz", a.tz] if a.tz else []) + [a.feed]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"FAIL {' '.join(cmd)}: exit {res.returncode}: {res.stderr.strip()[:400]}")
            return 1
        got, src = res.stdout, "espi summary"
    problems = compare(rows, got)
    name = os.path.basename(a.feed)
    if problems:
        print(f"FAIL {name} --per {a.per}: {src} differs from the oracle:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"ok   {name} --per {a.per}: {len(rows)} rows equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
