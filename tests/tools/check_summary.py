#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An independent oracle for `espi summary --format csv` (issue 14; docs/summary-format.md).

usage: check_summary.py [--per hour|day|week|month|bill] [--tz ZONE] [--missing-scope series|meter]
                        [--require-new-columns] [--csv OUT.csv | --json OUT.json |
                        --espi BIN [--format csv|json] | --print] FEED.xml
       check_summary.py --self-test
       check_summary.py --write-self-feeds DIR

Reads a Green Button feed with the Python standard library alone (xml.etree for the XML,
zoneinfo for local time, decimal.Decimal for every sum; nothing is shared with espi's C code)
and computes the rows `espi summary --per P --format csv FEED.xml` must print, then compares
them with espi's: the CSV given by --csv, else the output of --espi BIN (default: $ESPI) run on
the feed. --json (or --format json with --espi) compares `--format json` instead: the same rows,
each with the columns as keys in their order, integers for the counts and codes, strings for
the rest (exact decimals too), null for an empty cell. --print writes the oracle's own CSV
instead and compares nothing. --self-test checks
the oracle on hand-computed feeds and doctored CSVs; --write-self-feeds writes those feeds
(self*.xml) so that espi can be run on them too (tests/feed/summary_oracle.sh does).

What is read: the standard ESPI layout only (docs/dump-format.md, first join rule for ESPI
files): an IntervalBlock's `up` link is a `related` link of its MeterReading
(".../MeterReading/N/IntervalBlock"), a MeterReading's `up` link a `related` link of its
UsagePoint (".../MeterReading"), a MeterReading's `related` link is its ReadingType's `self`,
and a UsagePoint's `related` link is its LocalTimeParameters' `self`; a UsageSummary's (or
ElectricPowerUsageSummary's) `up` link is a `related` link of its UsagePoint
(".../UsageSummary"). Other layouts, xml:base,
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
  * min_demand / min_demand_start_utc: the same for the smallest rate (same rounding and
    unit; the earliest of equal rounded minima); empty when no reading has a duration;
  * estimated = how many of the readings counted in `readings` (those with a value) are
    estimated: their first ReadingQuality/quality, or without a ReadingQuality their
    ReadingType's defaultQuality, is 8 or 9 (0 in a row of missing slots alone);
  * --per bill: the billing periods of the reading's usage point are the distinct (start,
    duration) of its UsageSummaries' billingPeriod (duration > 0). A reading, or a missing
    slot, goes by the UTC quarter hour that holds its start (espi totals quarter hours first,
    then adds them up per billing period): to the earliest-starting billing period whose
    [start, start + duration) holds the quarter hour's start; label = the billing period's
    start as a local date, period_start_utc its start. Those in none go to a last row with
    empty period and period_start_utc;
  * net metering: a usage point with a delivered energy or volume meter reading (kind 12,
    58 or none, flowDirection 1, 0 or none, else 4) and a received one (19) in the same unit gets,
    after its meter readings' rows, net rows (meter_reading and tou empty, flow_direction 4,
    the delivered one's commodity, kind, unit and currency): per period of either, value =
    delivered - received over all tou at the finer power of ten, cost = delivered - received
    cost (when either has one), readings, missing and estimated summed, no demand. Of several
    candidates: Wh before other units (VArh, VAh last), the shortest intervalLength, then the
    most readings, then the first;
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
start (for bill: the row of no billing period last). The comparison is exact text equality of
every column; a text difference between equal numbers (3.5 against 3.500) is reported as such.
The columns estimated, min_demand and min_demand_start_utc came later: a CSV whose header
lacks them is compared on the others, unless --require-new-columns. Exit 0 when equal, 1 listing the
differences (row keys and columns), 2 on bad arguments or an input the oracle cannot read.
"""
import argparse
import csv
import io
import json
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
# Added at the end by issue 14's second part; an older espi writes COLUMNS alone.
NEW_COLUMNS = ["estimated", "min_demand", "min_demand_start_utc"]
ALL_COLUMNS = COLUMNS + NEW_COLUMNS
ESTIMATED = (8, 9)      # QualityOfReading: estimated using reference day, linear interpolation
SLOT = 900              # --per bill: readings are placed by the UTC quarter hour of their start
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
    """Returns (usage_points, ltps, meter_readings, reading_types, blocks, summaries), each in
    file order; summaries are UsageSummary and ElectricPowerUsageSummary entries."""
    root = ET.parse(path).getroot()
    if root.tag != ATOM + "feed":
        raise OracleError(f"{path}: the root is not an Atom feed")
    ups, ltps, mrs, rts, blocks, sums = [], {}, [], {}, [], []
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
        elif name in ("UsageSummary", "ElectricPowerUsageSummary"):
            sums.append(me)
    return ups, ltps, mrs, rts, blocks, sums


def zone_of(ltp):
    tz, dst = child_int(ltp, "tzOffset"), child_int(ltp, "dstOffset") or 0
    rules = (child_text(ltp, "dstStartRule"), child_text(ltp, "dstEndRule"))
    if dst == 3600 and tuple(r.upper() if r else r for r in rules) == US_RULES and tz in US_ZONES:
        return US_ZONES[tz]
    if dst == 0 and tz in FIXED_ZONES:
        return FIXED_ZONES[tz]
    raise OracleError(f"LocalTimeParameters tzOffset {tz} dstOffset {dst} rules {rules}: "
                      "no zone known to the oracle; give --tz")


def is_estimated(qualities, default):
    """The reading's first ReadingQuality/quality, else its ReadingType's defaultQuality, is
    8 or 9."""
    q = qualities[0] if qualities else default
    return q in ESTIMATED


def billing_periods(up, sums):
    """The usage point's distinct billing periods (start, duration), by start (file order
    among equal starts): the UsageSummaries whose up link is one of its related links."""
    out = []
    for us in sums:
        if not set(us["links"]["up"]) & set(up["links"]["related"]):
            continue
        bp = us["el"].find(ESPI + "billingPeriod")
        if bp is None:
            continue
        start, duration = child_int(bp, "start"), child_int(bp, "duration")
        if start is None or duration is None or duration <= 0 or (start, duration) in out:
            continue
        out.append((start, duration))
    return sorted(out, key=lambda b: b[0])


class Channel:
    """One meter reading joined to its usage point, ReadingType, zone and billing periods."""

    def __init__(self, up_index, up_id, mr_index, mr_id, rt, zone, bills=()):
        self.order = (up_index, mr_index)
        self.up_id, self.mr_id, self.zone, self.bills = up_id, mr_id, zone, list(bills)
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
        self.default_quality = child_int(rt, "defaultQuality")
        # (start, duration, value Decimal or None, cost Decimal or None, tou, estimated)
        self.readings = []


def join(path, tz_override):
    ups, ltps, mrs, rts, blocks, sums = read_feed(path)
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
        ch = Channel(ui, up["id"], mi, mr["id"], rt[0], ZoneInfo(zone), billing_periods(up, sums))
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
            quals = [child_int(q, "quality") for q in ir.findall(ESPI + "ReadingQuality")]
            est = is_estimated(quals, ch.default_quality)
            ch.readings.append((child_int(tp, "start"), child_int(tp, "duration"), value, cost, tou, est))
    channels.sort(key=lambda c: c.order)
    return channels


# ---- periods ---------------------------------------------------------------------------

NO_BILL = float("inf")   # the start of the row of readings in no billing period: sorts last


def bill_of(t, zone, bills):
    """(label, start) of the billing period holding the UTC quarter hour that holds instant t
    (the earliest-starting such period; bills are sorted by start); ("", NO_BILL) for none."""
    q = t - t % SLOT
    for start, duration in bills:
        if start <= q < start + duration:
            return datetime.fromtimestamp(start, zone).date().isoformat(), start
    return "", NO_BILL


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


def channel_rows(ch, per, scope, rows):
    """Appends the rows of one meter reading; returns its totals per period, all tou
    together: (start, label) -> {"n", "missing", "est", "value", "cost"} (value and cost
    None when no reading of the period has one)."""
    merged = {}
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
            if per == "bill":
                label, ps = bill_of(t, ch.zone, ch.bills)
            else:
                label, ps = period_of(t, ch.zone, per)
            return periods.setdefault((ps, label), {"n": 0, "missing": 0, "value": Decimal(0),
                                                    "cost": None, "peak": None, "est": 0,
                                                    "min": None})

        for s, d, v, c, _, est in sorted(series.get(tou, []), key=lambda r: r[0]):
            p = slot(s)
            if v is not None:
                p["n"] += 1
                p["est"] += est
                p["value"] = v if p["n"] == 1 else p["value"] + v
                if d and d > 0:
                    pk = rate(v, d)
                    if p["peak"] is None or pk > p["peak"][0]:
                        p["peak"] = (pk, s)
                    if p["min"] is None or pk < p["min"][0]:
                        p["min"] = (pk, s)
            if c is not None:
                p["cost"] = c if p["cost"] is None else p["cost"] + c
        for g in gaps.get(tou, []):
            slot(g)["missing"] += 1
        for (ps, label), p in sorted(periods.items()):
            rows.append({
                "usage_point": ch.up_id, "meter_reading": ch.mr_id, "commodity": ch.commodity,
                "kind": ch.kind, "flow_direction": ch.flow, "tou": tou, "period": label,
                "period_start_utc": "" if ps == NO_BILL else fmt_utc(ps), "readings": str(p["n"]),
                "missing": str(p["missing"]), "value": fmt_dec(p["value"]) if p["n"] else "",
                "unit": ch.unit,
                "cost": "" if p["cost"] is None else fmt_dec(p["cost"]),
                "currency": ch.currency,
                "peak_demand": "" if p["peak"] is None else fmt_dec(p["peak"][0]),
                "peak_demand_unit": "" if p["peak"] is None else peak_unit(ch.unit),
                "peak_start_utc": "" if p["peak"] is None else fmt_utc(p["peak"][1]),
                "estimated": str(p["est"]),
                "min_demand": "" if p["min"] is None else fmt_dec(p["min"][0]),
                "min_demand_start_utc": "" if p["min"] is None else fmt_utc(p["min"][1]),
            })
            m = merged.setdefault((ps, label), {"n": 0, "missing": 0, "est": 0, "value": None, "cost": None})
            m["n"] += p["n"]
            m["missing"] += p["missing"]
            m["est"] += p["est"]
            if p["n"]:
                m["value"] = p["value"] if m["value"] is None else m["value"] + p["value"]
            if p["cost"] is not None:
                m["cost"] = p["cost"] if m["cost"] is None else m["cost"] + p["cost"]
    return merged


def net_pair(chans):
    """(delivered, received) of one usage point's meter readings, or None when it is not
    net-metered (docs/summary-format.md, Net metering): a delivered energy or volume (kind 12,
    58 or none, flowDirection 1, 0 or none, else 4) and a received one (19) in the same unit;
    of several, active energy (Wh) before other units and reactive or apparent energy last,
    then the shortest intervalLength (none: the longest), then the most readings with a
    value, then the first."""
    def qty(c):
        return c.kind in ("12", "58", "") and c.unit != ""

    def unit_rank(c):
        # active energy first; reactive and apparent energy ride along on the same meter
        if c.unit.endswith("VArh") or c.unit.endswith("VAh"):
            return 2
        return 0 if c.unit.endswith("Wh") else 1

    def rank(c):
        return (unit_rank(c), c.length if c.length else float("inf"),
                -sum(r[2] is not None for r in c.readings), c.order)

    received = [c for c in chans if qty(c) and c.flow == "19"]
    for flows in (("", "0", "1"), ("4",)):
        delivered = [c for c in chans if qty(c) and c.flow in flows]
        if delivered:
            break
    pairs = [d for d in delivered if any(r.unit == d.unit for r in received)]
    if not pairs:
        return None
    d = min(pairs, key=rank)
    return d, min((r for r in received if r.unit == d.unit), key=rank)


def net_rows(d, r, dt, rt):
    """The net rows of a usage point: per period of either meter reading, delivered -
    received (value exact at the finer power of ten, cost), the counts summed, no demand."""
    rows, e = [], min(d.p10, r.p10)
    for ps, label in sorted(set(dt) | set(rt)):
        a, b = dt.get((ps, label)), rt.get((ps, label))
        sides = [x for x in (a, b) if x]
        dv = a["value"] if a else None
        rv = b["value"] if b else None
        value = ""
        if dv is not None or rv is not None:
            v = (dv or Decimal(0)) - (rv or Decimal(0))
            value = fmt_dec(v.quantize(Decimal(1).scaleb(min(e, 0))))
        dc = a["cost"] if a else None
        rc = b["cost"] if b else None
        cost = "" if dc is None and rc is None else fmt_dec((dc or Decimal(0)) - (rc or Decimal(0)))
        rows.append({
            "usage_point": d.up_id, "meter_reading": "", "commodity": d.commodity, "kind": d.kind,
            "flow_direction": "4", "tou": "", "period": label,
            "period_start_utc": "" if ps == NO_BILL else fmt_utc(ps),
            "readings": str(sum(x["n"] for x in sides)), "missing": str(sum(x["missing"] for x in sides)),
            "value": value, "unit": d.unit, "cost": cost, "currency": d.currency,
            "peak_demand": "", "peak_demand_unit": "", "peak_start_utc": "",
            "estimated": str(sum(x["est"] for x in sides)), "min_demand": "", "min_demand_start_utc": "",
        })
    return rows


def compute(channels, per, scope="series"):
    """The rows espi summary prints: per meter reading (and tou), then a usage point's net
    rows after its meter readings'."""
    rows = []
    for i, ch in enumerate(channels):
        ch.totals = channel_rows(ch, per, scope, rows)
        if i + 1 == len(channels) or channels[i + 1].order[0] != ch.order[0]:
            pair = net_pair([c for c in channels if c.order[0] == ch.order[0]])
            if pair:
                rows += net_rows(pair[0], pair[1], pair[0].totals, pair[1].totals)
    return rows


def to_csv(rows, columns=ALL_COLUMNS):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r[c] for c in columns])
    return out.getvalue()


# ---- comparing -------------------------------------------------------------------------

def key_of(r):
    # two billing periods may start on the same local date: their UTC starts tell them apart
    return (f"usage_point={r['usage_point']} meter_reading={r['meter_reading']} tou={r['tou']!r} "
            f"period={r['period']!r} period_start_utc={r['period_start_utc']!r}")


def header_columns(header, require_new):
    """The columns to compare, or None when the header is wrong: all of them, or (unless
    require_new) those of an espi that does not write NEW_COLUMNS yet."""
    if header == ALL_COLUMNS:
        return ALL_COLUMNS
    if header == COLUMNS and not require_new:
        return COLUMNS
    return None


def compare(expected, got_text, limit=30, require_new=False):
    """Problems (strings) between the oracle's rows and espi's CSV text."""
    problems = []
    reader = csv.reader(io.StringIO(got_text))
    table = list(reader)
    if not table:
        return ["espi printed nothing"]
    columns = header_columns(table[0], require_new)
    if columns is None:
        problems.append(f"header: got {','.join(table[0])}, expected {','.join(ALL_COLUMNS)}"
                        + ("" if require_new else f" (or without {','.join(NEW_COLUMNS)})"))
        return problems
    got = []
    for n, row in enumerate(table[1:], 2):
        if len(row) != len(columns):
            problems.append(f"CSV line {n}: {len(row)} fields, expected {len(columns)}")
            continue
        got.append(dict(zip(columns, row)))
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
        for c in columns:
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


INT_KEYS = ("commodity", "kind", "flow_direction", "tou", "readings", "missing", "estimated")
DECIMAL_KEYS = ("value", "cost", "peak_demand", "min_demand")


def json_as_csv(text, per):
    """espi's JSON document as the CSV text it stands for, and the problems of its form:
    {"version":1,"per":P,"rows":[...]}, each row the CSV's columns as keys in their order,
    integers for the counts and codes, strings for the rest (decimals too), null for empty."""
    problems = []
    try:
        doc = json.loads(text)
    except ValueError as e:
        return "", [f"not JSON: {e}"]
    if not isinstance(doc, dict) or list(doc) != ["version", "per", "rows"]:
        return "", [f"the document's keys are {list(doc) if isinstance(doc, dict) else type(doc).__name__}, "
                    "expected version, per, rows"]
    if doc["version"] != 1 or doc["per"] != per:
        problems.append(f"version {doc['version']!r}, per {doc['per']!r}: expected 1 and {per!r}")
    rows = doc["rows"] if isinstance(doc["rows"], list) else []
    keys = list(rows[0]) if rows and isinstance(rows[0], dict) else ALL_COLUMNS
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(keys)
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or list(row) != keys:
            problems.append(f"row {n}: keys {list(row) if isinstance(row, dict) else row!r}, expected {keys}")
            continue
        cells = []
        for k, v in row.items():
            if k in INT_KEYS:
                ok = v is None or (isinstance(v, int) and not isinstance(v, bool))
            else:
                ok = v is None or (isinstance(v, str) and v != "")
            if not ok:
                kind = "an integer" if k in INT_KEYS else "a string" + (" (exact decimal)" if k in DECIMAL_KEYS else "")
                problems.append(f"row {n}: {k} is {v!r}, expected {kind} or null")
            cells.append("" if v is None else str(v))
        w.writerow(cells)
    return out.getvalue(), problems[:10]


def to_json(rows, per):
    """The oracle's rows as the JSON document docs/summary-format.md describes."""
    def cell(k, v):
        return None if v == "" else int(v) if k in INT_KEYS else v
    return json.dumps({"version": 1, "per": per,
                       "rows": [{k: cell(k, r[k]) for k in ALL_COLUMNS} for r in rows]})


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
# The minimum of 03-08 is a tie of three readings: the earliest (08:00Z) is the one.
HEADER = ",".join(ALL_COLUMNS) + "\n"
SELF_DAY = HEADER + """urn:uuid:up,urn:uuid:mr,1,12,1,,2026-03-07,2026-03-07T08:00:00Z,1,0,1.5,Wh,1.50000,USD,1.500,W,2026-03-08T07:00:00Z,0,1.500,2026-03-08T07:00:00Z
urn:uuid:up,urn:uuid:mr,1,12,1,,2026-03-08,2026-03-08T08:00:00Z,3,1,6.0,Wh,0.33334,USD,2.000,W,2026-03-08T08:00:00Z,0,2.000,2026-03-08T08:00:00Z
"""
SELF_MONTH = HEADER + """urn:uuid:up,urn:uuid:mr,1,12,1,,2026-03,2026-03-01T08:00:00Z,4,1,7.5,Wh,1.83334,USD,2.000,W,2026-03-08T08:00:00Z,0,1.500,2026-03-08T07:00:00Z
"""


def self_quality_feed():
    """SELF_FEED with ReadingType defaultQuality 8 and ReadingQuality 0 / none / 9 / (0, 9) on
    its four readings, and a fifth reading at 12:00Z with quality 8 and no value."""
    feed = SELF_FEED.replace("<espi:flowDirection>",
                             "<espi:defaultQuality>8</espi:defaultQuality><espi:flowDirection>")
    parts = feed.split("<espi:timePeriod>")
    assert len(parts) == 5
    quals = [(0,), (), (9,), (0, 9)]
    rq = "<espi:ReadingQuality><espi:quality>{}</espi:quality></espi:ReadingQuality>"
    feed = "".join(p + "".join(rq.format(q) for q in quals[i]) + "<espi:timePeriod>"
                   for i, p in enumerate(parts[:-1])) + parts[-1]
    return feed.replace("</espi:IntervalBlock>", "<espi:IntervalReading><espi:ReadingQuality><espi:quality>8"
                        "</espi:quality></espi:ReadingQuality><espi:timePeriod><espi:duration>3600</espi:duration>"
                        "<espi:start>1772971200</espi:start></espi:timePeriod></espi:IntervalReading>"
                        "</espi:IntervalBlock>")


def self_bill_feed(bills):
    """SELF_FEED with its second reading at 08:10Z for 3000 s (inside the quarter hour 08:00)
    and UsageSummaries with the billing periods (start, duration), in that file order."""
    feed = SELF_FEED.replace("<espi:duration>3600</espi:duration>\n    <espi:start>1772956800</espi:start>",
                             "<espi:duration>3000</espi:duration>\n    <espi:start>1772957400</espi:start>")
    feed = feed.replace('<link rel="related" href="/UsagePoint/1/MeterReading"/>',
                        '<link rel="related" href="/UsagePoint/1/MeterReading"/>'
                        '<link rel="related" href="/UsagePoint/1/UsageSummary"/>')
    entries = "".join(
        f' <entry><id>urn:uuid:us{n}</id><link rel="self" href="/UsagePoint/1/UsageSummary/{n}"/>'
        '<link rel="up" href="/UsagePoint/1/UsageSummary"/><content><espi:UsageSummary><espi:billingPeriod>'
        f"<espi:duration>{d}</espi:duration><espi:start>{st}</espi:start></espi:billingPeriod>"
        "<espi:statusTimeStamp>1773000000</espi:statusTimeStamp></espi:UsageSummary></content></entry>\n"
        for n, (st, d) in enumerate(bills, 1))
    return feed.replace("</feed>", entries + "</feed>")


# Readings 07:00Z 1.5 Wh (cost 1.5), 08:10Z 2.0 Wh over 3000 s (2.400 W, no cost), 09:00Z 2.0
# (cost 0.33333), 11:00Z 2.0 (cost 0.00001); the slot 10:00Z is missing.
# A: billing periods 08:05Z-10:35Z (twice) and 10:35Z-+1 day. The quarter hour of 08:10Z
# begins at 08:00Z, before the first: that reading is in none, with 07:00Z.
SELF_BILL_A = [(1772957100, 9000), (1772966100, 86400), (1772957100, 9000)]
SELF_BILL_A_CSV = HEADER + """urn:uuid:up,urn:uuid:mr,1,12,1,,2026-03-08,2026-03-08T08:05:00Z,1,1,2.0,Wh,0.33333,USD,2.000,W,2026-03-08T09:00:00Z,0,2.000,2026-03-08T09:00:00Z
urn:uuid:up,urn:uuid:mr,1,12,1,,2026-03-08,2026-03-08T10:35:00Z,1,0,2.0,Wh,0.00001,USD,2.000,W,2026-03-08T11:00:00Z,0,2.000,2026-03-08T11:00:00Z
urn:uuid:up,urn:uuid:mr,1,12,1,,,,2,0,3.5,Wh,1.50000,USD,2.400,W,2026-03-08T08:10:00Z,0,1.500,2026-03-08T07:00:00Z
"""
# B: 07:30Z-09:30Z first in the file, then 07:15Z-10:15Z (local 2026-03-07 23:15): where they
# overlap the earlier start wins, so the first has no reading and no row.
SELF_BILL_B = [(1772955000, 7200), (1772954100, 10800)]
SELF_BILL_B_CSV = HEADER + """urn:uuid:up,urn:uuid:mr,1,12,1,,2026-03-07,2026-03-08T07:15:00Z,2,1,4.0,Wh,0.33333,USD,2.400,W,2026-03-08T08:10:00Z,0,2.000,2026-03-08T09:00:00Z
urn:uuid:up,urn:uuid:mr,1,12,1,,,,2,0,3.5,Wh,1.50001,USD,2.000,W,2026-03-08T11:00:00Z,0,1.500,2026-03-08T07:00:00Z
"""

# Net metering: SELF_FEED and a received meter reading (Wh, powers 0 against -1), 1 Wh at
# 08:00Z with a credit of 0.1 USD, 3 Wh at 09:00Z. Net 03-08: 6.0 - 4 = 2.0 Wh,
# 0.33334 - 0.10000 USD, 3 + 2 readings, the delivered side's missing slot.
SELF_NET_ENTRIES = """ <entry><id>urn:uuid:mr2</id><link rel="self" href="/UsagePoint/1/MeterReading/2"/>
  <link rel="up" href="/UsagePoint/1/MeterReading"/>
  <link rel="related" href="/UsagePoint/1/MeterReading/2/IntervalBlock"/><link rel="related" href="/ReadingType/2"/>
  <content><espi:MeterReading/></content></entry>
 <entry><id>urn:uuid:rt2</id><link rel="self" href="/ReadingType/2"/>
  <content><espi:ReadingType><espi:commodity>1</espi:commodity><espi:currency>840</espi:currency>
  <espi:flowDirection>19</espi:flowDirection><espi:intervalLength>3600</espi:intervalLength>
  <espi:kind>12</espi:kind><espi:powerOfTenMultiplier>0</espi:powerOfTenMultiplier>
  <espi:uom>72</espi:uom></espi:ReadingType></content></entry>
 <entry><id>urn:uuid:ib2</id><link rel="self" href="/UsagePoint/1/MeterReading/2/IntervalBlock/1"/>
  <link rel="up" href="/UsagePoint/1/MeterReading/2/IntervalBlock"/>
  <content><espi:IntervalBlock>
   <espi:IntervalReading><espi:cost>10000</espi:cost><espi:timePeriod><espi:duration>3600</espi:duration>
    <espi:start>1772956800</espi:start></espi:timePeriod><espi:value>1</espi:value></espi:IntervalReading>
   <espi:IntervalReading><espi:timePeriod><espi:duration>3600</espi:duration>
    <espi:start>1772960400</espi:start></espi:timePeriod><espi:value>3</espi:value></espi:IntervalReading>
  </espi:IntervalBlock></content></entry>
"""
SELF_NET_DAY = SELF_DAY + """urn:uuid:up,urn:uuid:mr2,1,12,19,,2026-03-08,2026-03-08T08:00:00Z,2,0,4,Wh,0.10000,USD,3.000,W,2026-03-08T09:00:00Z,0,1.000,2026-03-08T08:00:00Z
urn:uuid:up,,1,12,4,,2026-03-07,2026-03-07T08:00:00Z,1,0,1.5,Wh,1.50000,USD,,,,0,,
urn:uuid:up,,1,12,4,,2026-03-08,2026-03-08T08:00:00Z,5,1,2.0,Wh,0.23334,USD,,,,0,,
"""


def self_feeds():
    """The self-test's feeds by name; --write-self-feeds writes them for a run of espi."""
    parts = SELF_FEED.split("</espi:value>")
    return {
        "self": SELF_FEED,
        # the last reading two days later: 21 + 24 + 4 slots missing, 03-09 has no reading
        "self_gap": SELF_FEED.replace("1772967600", "1773140400"),
        # tou 1, 2, 1, 2 on the four readings (07Z, 08Z, 09Z, 11Z; 10Z missing)
        "self_tou": "".join(p + f"</espi:value><espi:tou>{(1, 2, 1, 2)[i]}</espi:tou>"
                            for i, p in enumerate(parts[:-1])) + parts[-1],
        "self_quality": self_quality_feed(),
        "self_bill_a": self_bill_feed(SELF_BILL_A),
        "self_bill_b": self_bill_feed(SELF_BILL_B),
        "self_net": SELF_FEED.replace("</feed>", SELF_NET_ENTRIES + "</feed>"),
    }


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
            fh.write(self_feeds()["self_gap"])
        gap = [(r["period"], r["readings"], r["missing"], r["value"], r["cost"], r["peak_demand"])
               for r in compute(join(path, None), "day")]
        check("a day without readings", gap == [
            ("2026-03-07", "1", "0", "1.5", "1.50000", "1.500"), ("2026-03-08", "2", "21", "4.0", "0.33333", "2.000"),
            ("2026-03-09", "0", "24", "", "", ""), ("2026-03-10", "1", "4", "2.0", "0.00001", "2.000")])
        empty = [(r["estimated"], r["min_demand"], r["min_demand_start_utc"])
                 for r in compute(join(path, None), "day") if r["readings"] == "0"]
        check("a day without readings: estimated 0, no minimum", empty == [("0", "", "")])
        # tou 1, 2, 1, 2 on the four readings (07Z, 08Z, 09Z, 11Z; 10Z missing)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self_feeds()["self_tou"])
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
            "estimated 0 -> 1": SELF_DAY.replace("W,2026-03-08T08:00:00Z,0,", "W,2026-03-08T08:00:00Z,1,"),
            "minimum at the last of equal ones":
                SELF_DAY.replace(",2.000,2026-03-08T08:00:00Z\n", ",2.000,2026-03-08T11:00:00Z\n"),
            "minimum rounded down": SELF_DAY.replace(",0,1.500,", ",0,1.50,"),
            "minimum empty": SELF_DAY.replace(",0,1.500,2026-03-08T07:00:00Z", ",0,,"),
            "header without min_demand_start_utc": SELF_DAY.replace(",min_demand_start_utc", ""),
        }
        for what, text in doctored.items():
            p = compare(rows, text)
            check(f"rejects {what}" + (f": {p[0]}" if p else ""), bool(p))
        # an espi without the new columns: compared on the others, unless they are required
        old = "".join(",".join(line.split(",")[:len(COLUMNS)]) + "\n" for line in SELF_DAY.splitlines())
        check("accepts the 17 columns of an older espi", compare(rows, old) == [])
        check("rejects them with --require-new-columns", bool(compare(rows, old, require_new=True)))
        check("still compares the 17 columns", bool(compare(rows, old.replace("0.33334", "0.33335"))))

        # ReadingQuality and defaultQuality
        check("estimated: first quality 8", is_estimated([8], None))
        check("estimated: first quality 9 then 0", is_estimated([9, 0], 0))
        check("not estimated: first quality 0 then 8", not is_estimated([0, 8], 9))
        check("estimated: no quality, defaultQuality 9", is_estimated([], 9))
        check("not estimated: no quality, no defaultQuality", not is_estimated([], None))
        check("not estimated: quality 19 over defaultQuality 9", not is_estimated([19], 9))
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self_quality_feed())
        q = [(r["period"], r["readings"], r["estimated"]) for r in compute(join(path, None), "day")]
        check("estimated per day (quality 0 / default 8 / 9 / 0,9; no value)",
              q == [("2026-03-07", "1", "0"), ("2026-03-08", "3", "2")])

        # --per bill
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self_bill_feed(SELF_BILL_A))
        chans = join(path, None)
        check("billing periods deduplicated, by start",
              chans[0].bills == [(1772957100, 9000), (1772966100, 86400)])
        rows = compute(chans, "bill")
        got = to_csv(rows)
        check("hand-computed bills: quarter hours, a period twice", got == SELF_BILL_A_CSV)
        if got != SELF_BILL_A_CSV:
            print(got, end="")
        global SLOT
        SLOT = 1    # an engine that places each reading by its own start
        plain = to_csv(compute(chans, "bill"))
        SLOT = 900
        p = compare(rows, plain)
        check("rejects readings placed by their own start, not their quarter hour"
              + (f": {p[0]}" if p else ""), bool(p))
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self_bill_feed(SELF_BILL_B))
        chans = join(path, None)
        rows = compute(chans, "bill")
        got = to_csv(rows)
        check("hand-computed bills: overlapping, local start date", got == SELF_BILL_B_CSV)
        if got != SELF_BILL_B_CSV:
            print(got, end="")
        chans[0].bills = list(SELF_BILL_B)    # an engine that takes the first in file order
        doctored = {
            "the overlapping period first in the file": to_csv(compute(chans, "bill")),
            "the label as the UTC date":
                SELF_BILL_B_CSV.replace(",2026-03-07,2026-03-08T07:15", ",2026-03-08,2026-03-08T07:15"),
            "the row of no billing period first":
                HEADER + "".join(reversed(SELF_BILL_B_CSV.splitlines(True)[1:])),
            "a start for the row of no billing period":
                SELF_BILL_B_CSV.replace(",,,2,0,", ",,2026-03-08T07:00:00Z,2,0,"),
        }
        for what, text in doctored.items():
            p = compare(rows, text)
            check(f"rejects {what}" + (f": {p[0]}" if p else ""), bool(p))

        # JSON: the same rows, typed
        rows = compute(join(path, None), "day")
        doc = to_json(rows, "day")
        text, p = json_as_csv(doc, "day")
        check("JSON: the genuine document", p == [] and compare(rows, text) == [])
        doctored = {
            "an empty string for null": doc.replace('"tou": null', '"tou": ""', 1),
            "a number for an exact decimal": doc.replace('"value": "1.5"', '"value": 1.5'),
            "a string for a count": doc.replace('"readings": 1,', '"readings": "1",'),
            "keys in another order": doc.replace('"usage_point": "urn:uuid:up", "meter_reading": "urn:uuid:mr"',
                                                 '"meter_reading": "urn:uuid:mr", "usage_point": "urn:uuid:up"', 1),
            "another per": doc.replace('"per": "day"', '"per": "month"'),
            "a wrong value": doc.replace('"value": "6.0"', '"value": "6.1"'),
        }
        for what, text in doctored.items():
            assert text != doc, what
            got, p = json_as_csv(text, "day")
            p += compare(rows, got)
            check(f"JSON: rejects {what}" + (f": {p[0]}" if p else ""), bool(p))

        # net metering
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self_feeds()["self_net"])
        rows = compute(join(path, None), "day")
        got = to_csv(rows)
        check("hand-computed net rows", got == SELF_NET_DAY)
        if got != SELF_NET_DAY:
            print(got, end="")
        doctored = {
            "net value at the coarser power": SELF_NET_DAY.replace(",5,1,2.0,Wh,", ",5,1,2,Wh,"),
            "net cost with the credit added": SELF_NET_DAY.replace("0.23334", "0.43334"),
            "net readings of the delivered side only": SELF_NET_DAY.replace(",5,1,2.0,Wh,", ",3,1,2.0,Wh,"),
            "net rows missing": SELF_DAY + SELF_NET_DAY.splitlines(True)[3],
        }
        for what, text in doctored.items():
            p = compare(rows, text)
            check(f"rejects {what}" + (f": {p[0]}" if p else ""), bool(p))

    def chan(n, flow, uom, length, readings=1, kind="12"):
        rt = ET.fromstring(f'<x xmlns="http://naesb.org/espi"><flowDirection>{flow}</flowDirection>'
                           f"<intervalLength>{length}</intervalLength><kind>{kind}</kind><uom>{uom}</uom></x>")
        c = Channel(0, "urn:uuid:up", n, f"mr{n}", rt, ZoneInfo("UTC"))
        c.readings = [(t, 1, Decimal(1), None, "", False) for t in range(readings)]
        return c

    def pair(*chans):
        p = net_pair(list(chans))
        return None if p is None else (p[0].mr_id, p[1].mr_id)

    check("net: a reactive channel first does not hide the Wh pair",
          pair(chan(0, 1, 73, 900), chan(1, 1, 72, 3600), chan(2, 19, 72, 3600)) == ("mr1", "mr2"))
    check("net: the shortest intervalLength, not the first",
          pair(chan(0, 1, 72, 86400), chan(1, 1, 72, 3600), chan(2, 19, 72, 3600)) == ("mr1", "mr2"))
    check("net: no intervalLength counts as the longest",
          pair(chan(0, 1, 72, ""), chan(1, 1, 72, 86400), chan(2, 19, 72, 3600)) == ("mr1", "mr2"))
    check("net: then the most readings, then the first",
          pair(chan(0, 1, 72, 900, 2), chan(1, 1, 72, 900, 3), chan(2, 1, 72, 900, 3), chan(3, 19, 72, 900))
          == ("mr1", "mr3"))
    check("net: delivered 4 only when there is no 1, 0 or none",
          pair(chan(0, 4, 72, 900), chan(1, 1, 72, 3600), chan(2, 19, 72, 900)) == ("mr1", "mr2")
          and pair(chan(0, 4, 72, 900), chan(2, 19, 72, 900)) == ("mr0", "mr2"))
    check("net: not net-metered without a received one in the same unit",
          pair(chan(0, 1, 72, 900), chan(1, 19, 73, 900)) is None and pair(chan(0, 1, 72, 900)) is None)
    check("net: not for kind 37 (demand)", pair(chan(0, 1, 72, 900, kind="37"), chan(1, 19, 72, 900)) is None)
    check("net: a ReadingType without kind counts as energy",
          pair(chan(0, 1, 72, 900, kind=""), chan(1, 19, 72, 900, kind="")) == ("mr0", "mr1"))
    check("net: of two pairs, Wh before VArh though its interval is longer",
          pair(chan(0, 1, 73, 900), chan(1, 19, 73, 900), chan(2, 1, 72, 3600), chan(3, 19, 72, 3600))
          == ("mr2", "mr3"))
    return 1 if fails else 0


# ---- main ------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("feed", nargs="?")
    ap.add_argument("--per", default="month", choices=["hour", "day", "week", "month", "bill"])
    ap.add_argument("--tz")
    ap.add_argument("--missing-scope", default="meter", choices=["series", "meter"])
    ap.add_argument("--csv", help="espi summary's CSV output to compare")
    ap.add_argument("--json", help="espi summary's JSON output to compare (--format json)")
    ap.add_argument("--format", default="csv", choices=["csv", "json"],
                    help="what to ask espi for, with --espi (default csv)")
    ap.add_argument("--espi", help="the espi binary to run (default $ESPI)")
    ap.add_argument("--print", action="store_true", help="print the oracle's CSV")
    ap.add_argument("--require-new-columns", action="store_true",
                    help=f"fail when espi's CSV lacks {', '.join(NEW_COLUMNS)} (else they are "
                    "compared when its header has them)")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--write-self-feeds", metavar="DIR",
                    help="write the self-test's hand-computed feeds into DIR, for espi to run on")
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    if a.write_self_feeds:
        for name, text in self_feeds().items():
            with open(os.path.join(a.write_self_feeds, name + ".xml"), "w", encoding="utf-8") as fh:
                fh.write(text)
        return 0
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
    fmt = "json" if a.json else "csv" if a.csv else a.format
    if a.csv or a.json:
        with open(a.csv or a.json, encoding="utf-8", newline="") as fh:
            got = fh.read()
        src = a.csv or a.json
    else:
        espi = a.espi or os.environ.get("ESPI")
        if not espi:
            ap.error("give --csv, --json, --espi or set ESPI")
        cmd = [espi, "summary", "--per", a.per, "--format", fmt] + (["--tz", a.tz] if a.tz else []) + [a.feed]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"FAIL {' '.join(cmd)}: exit {res.returncode}: {res.stderr.strip()[:400]}")
            return 1
        got, src = res.stdout, "espi summary"
    problems = []
    if fmt == "json":
        got, problems = json_as_csv(got, a.per)
    problems += compare(rows, got, require_new=a.require_new_columns)
    name = os.path.basename(a.feed) + (" (json)" if fmt == "json" else "")
    if problems:
        print(f"FAIL {name} --per {a.per}: {src} differs from the oracle:")
        for p in problems:
            print("  " + p)
        return 1
    header = next(csv.reader(io.StringIO(got)))
    cols = "all columns" if header == ALL_COLUMNS else f"without {', '.join(NEW_COLUMNS)} (espi has none)"
    print(f"ok   {name} --per {a.per}: {len(rows)} rows equal, {cols}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
