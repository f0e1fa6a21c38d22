#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for `espi convert`: does OUTPUT.xml say what INPUT.json says?

usage: check_feed.py [--tz ZONE] [--convert-log FILE] INPUT.json... OUTPUT.xml

Each INPUT.json is a SmartHub usage poll response (status COMPLETE), OUTPUT.xml the Green
Button (ESPI) feed that espi made from them (one `espi convert` of all the inputs). The expectation is computed here from the JSON
alone, with the Python standard library (exact decimals, zoneinfo); nothing is shared
with espi's C code. The feed is read by namespace URI and its resources are joined by
link hrefs (docs/standard.md section 3), never by entry order.

Exit 0 with a one-line summary when the feed is right; exit 1 listing every problem;
exit 2 when the arguments are wrong or the input is one this oracle cannot predict
(a second repeat of a wall time, a non-zero reading in a nonexistent local time, an
unknown flowDirection, ...).

What is expected, per input channel (meterNumber + ESPI flowDirection):
  * data.ELECTRIC entries of type USAGE and COST only; meters[].seriesId joins series[].name;
    baseSeries, meterToChartData and other entry types are ignored.
  * FORWARD/TOTAL -> flowDirection 1; REVERSE/RETURN -> 19, values made non-negative;
    NET -> 4, signed.
  * each non-null point is a reading: x is local wall time written as UTC ms; the first
    occurrence of an x is resolved with fold=0, a second one (fall-back hour) with fold=1;
    a zero point whose wall time does not exist (spring-forward) must be dropped.
  * value = y kWh * 1000 rounded half away from zero (Wh); cost = the COST y of the same
    channel, x and occurrence * 100000 rounded the same way (hundred-thousandths of USD).
  * duration = xToOrderedInterval end - start for sub-day points (else the most common
    spacing of the series, cut at the next point's x); whole-day points last the real
    local day (82800/90000 s on DST days). ReadingType intervalLength = the most common
    of these nominal lengths (86400 for daily data).
  * no account, service location or meter number in ids, titles, hrefs or extensions.
  * several inputs: a channel is (meterNumber, flowDirection, resolution), the resolution
    being the most common nominal length of its series; the same channel in two inputs
    (overlapping windows) is one, its readings the union (they must agree); hourly and
    daily (or 15-minute and hourly) of one meter and direction are two channels, each
    its own MeterReading with its own ReadingType and intervalLength.
  * resolutions: where a coarser reading is tiled exactly by the finer readings of the
    same meter and direction, their sums differ by more than 5 Wh per value added (half
    SmartHub's display unit of 0.01 kWh, for each of the n finer values and the coarser
    one) or not; with --convert-log (convert's stderr) espi must have said so: a
    'resolution-sum' warning naming each such period (the first 5 of each pair, the
    rest counted in one more line), and an info when every compared period agrees.
  * monthly summaries (no MONTHLY input given): one UsageSummary per calendar month of
    the zone, computed here from the expected readings: the channels of flowDirection 1
    (else 4) of a day or shorter; per meter and month the channel whose readings last
    longest in the month (the finer on a tie); billingPeriod from the first reading's
    start to the last reading's end in the month; overallConsumptionLastPeriod the exact
    Wh sum (uom 72, multiplier 0); with costs billLastPeriod = billToDate = the cost sum,
    costAdditionalLastPeriod 0 and currency 840; qualityOfReading 11 (derived);
    statusTimeStamp the period's end; commodity 1; nothing else.

Checked on the feed:
  * graph by exact href equality: UsagePoint related = MeterReading up; MeterReading
    related = IntervalBlock up and = ReadingType self (exactly one); UsagePoint related =
    LocalTimeParameters self (exactly one); every related link joins something, every
    IntervalBlock belongs to exactly one MeterReading, self links are unique and sit under
    their up link.
  * per input channel, the MeterReading with the same flowDirection whose readings are
    exactly the expected (start, duration, value, cost) set; missing, extra and differing
    readings are listed with UTC times; the Wh total against the exact input kWh sum.
  * no repeated or overlapping reading starts; each IntervalBlock starts at its first
    reading, covers all of them, holds one local day, one block per local day; with
    currency every block carries cost (FB_12).
  * ReadingType accumulationBehaviour 4, commodity 1, kind 12, uom 72,
    powerOfTenMultiplier 0, phase 769, flowDirection, intervalLength, currency 840
    exactly when there is cost.
  * LocalTimeParameters tzOffset / dstOffset from zoneinfo; the DST rules decoded and
    compared with the zone's real transitions (US zones: exactly 360E2000 / B40E2000;
    FFFFFFFF without DST).
  * Atom: feed id/title/updated; every entry one urn:uuid: version-5 id (unique), title,
    published and updated ending in Z, exactly one self and one up link, a type on every
    link, one ESPI resource inside atom:content; UsagePoint ServiceCategory kind 0.
"""
import argparse
import collections
import json
import re
import sys
import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ATOM = 'http://www.w3.org/2005/Atom'
ESPI = 'http://naesb.org/espi'
A = '{%s}' % ATOM
E = '{%s}' % ESPI
UTC = timezone.utc
EPOCH = datetime(1970, 1, 1)
DAY_MS = 86400000
FLOWS = {'FORWARD': 1, 'TOTAL': 1, 'REVERSE': 19, 'RETURN': 19, 'NET': 4}
FLOW_NAMES = {1: 'forward', 4: 'net', 19: 'reverse'}
# flows a series name tells by its label, the text after its last " - " (docs/smarthub.md 5.5)
FLOW_LABELS = {'consumption': 1, 'delivered': 1, 'generation': 19, 'received': 19, 'net': 4}
# usage units (docs/smarthub.md 5.6): (uom, kind, digits kept, powerOfTenMultiplier): the
# value is y * 10^digits, in uom * 10^powerOfTenMultiplier (CCF = 100 ft3, so 2 digits of ft3)
UNITS = {'KWH': (72, 12, 3, 0), 'CCF': (119, 58, 2, 0), 'HCF': (119, 58, 2, 0),
         'MCF': (119, 58, 3, 0), 'THERM': (169, 12, 3, -3), 'THERMS': (169, 12, 3, -3),
         'GAL': (128, 58, 2, -2), 'GALLONS': (128, 58, 2, -2), 'KGAL': (128, 58, 3, 0)}
# industries: (ServiceCategory kind, commodity, its usage units, the first being the default)
INDUSTRIES = {'ELECTRIC': (0, 1, ('KWH',)), 'GAS': (1, 7, ('CCF', 'HCF', 'MCF', 'THERM', 'THERMS')),
              'WATER': (2, 9, ('GAL', 'GALLONS', 'KGAL', 'CCF', 'HCF'))}
SERVICE_OF = {commodity: kind for kind, commodity, _ in INDUSTRIES.values()}  # commodity -> ServiceKind
UOM_NAMES = {72: 'Wh', 119: 'ft3', 169: 'therm', 128: 'US gal'}


def unit_text(unit):
    uom, _, _, power = unit
    return UOM_NAMES.get(uom, 'uom %d' % uom) + ('' if power == 0 else ' x 10^%d' % power)
RESOURCES = {'UsagePoint', 'MeterReading', 'ReadingType', 'IntervalBlock', 'LocalTimeParameters',
             'UsageSummary', 'ElectricPowerUsageSummary', 'ElectricPowerQualitySummary'}
SUMMARIES = {'UsageSummary', 'ElectricPowerUsageSummary', 'ElectricPowerQualitySummary'}


class CannotJudge(Exception):
    """The input holds something whose correct conversion this oracle does not define."""


def round_half_away(d):
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def iso(ts):
    return datetime.fromtimestamp(ts, UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def to_decimal(v, where):
    if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
        raise CannotJudge('%s: y is not a number: %r' % (where, v))
    return Decimal(v)


# ------------------------------------------------------------------ expectation

class Channel:
    def __init__(self, meter_no, flow):
        self.meter_no = meter_no
        self.flow = flow
        self.source_flows = set()
        self.series_name = None
        self.usage = collections.OrderedDict()  # (x, occurrence) -> Decimal kWh (None = gap)
        self.cost = {}                           # (x, occurrence) -> Decimal USD
        self.lengths = {}                        # x -> interval length in ms (xToOrderedInterval)
        self.spacing = None                      # most common spacing of the series, ms
        self.next_x = {}                         # x -> the next larger x of the series
        self.expected = {}                       # start -> (duration, value, cost)
        self.nominal = []                        # nominal interval length (s) of each reading
        self.exact_total = Decimal(0)            # sum of |y| or y, kWh, of the expected readings
        self.nonintegral = 0                     # readings whose exact Wh is not an integer
        self.dropped = []                        # wall times of dropped spring-gap zeros
        self.industry = 'ELECTRIC'               # key under "data"
        self.unit = UNITS['KWH']                 # (uom, kind, digits, powerOfTenMultiplier)
        self.unit_name = 'KWH'                   # its unitOfMeasure
        self.scale = Decimal(1000)               # 10^digits: input unit -> value
        self.tou = None                          # ReadingType tou of a TIME_OF_USE series
        self.rate = None                         # its rate name
        self.hint = None                         # a TIME_OF_USE series: its usage's length, ms
        self.folded = []                         # wall times of spring-gap phantoms folded
        self.moved = []                          # ... and of those that became the next reading
        self.strays = []                         # wall times of stray zeros dropped
        self.partition = None                    # usage: start -> exact y the periods give

    def series_unit(self):
        return 'kWh' if self.unit_name == 'KWH' else self.unit_name

    def label(self):
        res = getattr(self, 'resolution', None)
        return '%smeter %s %s%s%s (flowDirection %d, series "%s")' % (
            '' if self.industry == 'ELECTRIC' else self.industry + ' ', self.meter_no,
            FLOW_NAMES[self.flow], ' %s' % interval_words(res) if res else '',
            '' if self.tou is None else ' tou %d "%s"' % (self.tou, self.rate), self.flow,
            self.series_name)


def series_points(series, where):
    """[(x, occurrence, y)] in series order."""
    seen = collections.Counter()
    out = []
    for i, p in enumerate(series.get('data') or []):
        if not isinstance(p, dict) or 'x' not in p:
            raise CannotJudge('%s: point %d has no x' % (where, i))
        x = p['x']
        if isinstance(x, Decimal) and x == x.to_integral_value():
            x = int(x)
        if isinstance(x, bool) or not isinstance(x, int):
            raise CannotJudge('%s: point %d has a non-integer x %r' % (where, i, x))
        occ = seen[x]
        seen[x] += 1
        y = p.get('y')
        out.append((x, occ, None if y is None else to_decimal(y, '%s point %d' % (where, i))))
    return out


def label_of(name):
    i = (name or '').rfind(' - ')
    return name[i + 3:] if i >= 0 and name[i + 3:] else None


def rate_of(series, meters):
    """The rate name of a TIME_OF_USE series: its rateName, its meter's, its label, its name."""
    m = meters.get(series.get('name')) or {}
    for v in (series.get('rateName'), m.get('rateName'), label_of(series.get('name'))):
        if isinstance(v, str) and v:
            return v
    return series.get('name') or ''


def series_channel(kind, s, meters, where):
    """(meter number, flow) of a series: its meter's known flowDirection, else its name's label
    (FORWARD for a time-of-use period); the meter number from its meter, its meterNumber, or
    the text before the label."""
    name = s.get('name') or ''
    m = meters.get(name)
    src = m.get('flowDirection') if m else None
    if src in FLOWS:
        flow = FLOWS[src]
    elif kind == 'TIME_OF_USE':
        flow = 1
    else:
        flow = FLOW_LABELS.get((label_of(name) or '').lower())
        if flow is None:
            raise CannotJudge('%s: no meter with a known flowDirection and no flow label' % where)
    for v in (m.get('meterNumber') if m else None, s.get('meterNumber')):
        if v is not None:
            return str(v), flow
    return (name[:name.rfind(' - ')] if label_of(name) else name), flow


def usage_unit(industry, kind, entry, where):
    unit = entry.get('unitOfMeasure') or (INDUSTRIES[industry][2][0] if kind != 'COST' else 'USD')
    if unit != 'USD' if kind == 'COST' else unit not in INDUSTRIES[industry][2]:
        raise CannotJudge('%s has unitOfMeasure %r' % (where, unit))
    return unit


def read_input(path):
    """(usage, cost, notes, private): channels keyed (industry, meter, flow, tou); TIME_OF_USE
    series are usage channels of their period (tou 1, 2, 3 ... by rate name in byte order)."""
    with open(path, encoding='utf-8') as f:
        doc = json.load(f, parse_float=Decimal)
    if not isinstance(doc, dict) or doc.get('status') != 'COMPLETE':
        raise CannotJudge('input is not a COMPLETE poll response')
    data = doc.get('data') or {}
    usage, cost = {}, {}
    notes = []
    private = set()
    tou_entries = [e for ents in data.values() if isinstance(ents, list) for e in ents
                   if isinstance(e, dict) and e.get('type') == 'TIME_OF_USE' and e.get('timeFrame') != 'MONTHLY']
    rates = sorted({rate_of(s, {m.get('seriesId'): m for m in e.get('meters') or []})
                    for e in tou_entries for s in e.get('series') or []})
    for industry, entries in data.items():
        if industry not in INDUSTRIES:
            notes.append('ignored industry %s' % industry)
            continue
        for ei, entry in enumerate(entries or []):
            for m in [entry] + list(entry.get('meters') or []):
                for k in ('accountNumber', 'serviceLocationNumber', 'meterNumber', 'meterName', 'meterLocation'):
                    v = m.get(k) if isinstance(m, dict) else None
                    if isinstance(v, (str, int)) and not isinstance(v, bool) and len(str(v)) >= 4:
                        private.add(str(v))
            kind = entry.get('type')
            if kind not in ('USAGE', 'COST', 'TIME_OF_USE'):
                notes.append('ignored %s entry %d of type %s' % (industry, ei, kind))
                continue
            if kind == 'TIME_OF_USE' and entry.get('timeFrame') == 'MONTHLY':
                notes.append('ignored MONTHLY TIME_OF_USE entry %d' % ei)
                continue
            target = cost if kind == 'COST' else usage
            unit = usage_unit(industry, kind, entry, '%s %s entry %d' % (industry, kind, ei))
            meters = {m.get('seriesId'): m for m in entry.get('meters') or []}
            intervals = entry.get('xToOrderedInterval') or {}
            for s in entry.get('series') or []:
                where = '%s %s entry %d series "%s"' % (industry, kind, ei, s.get('name'))
                number, flow = series_channel(kind, s, meters, where)
                tou = rates.index(rate_of(s, meters)) + 1 if kind == 'TIME_OF_USE' else None
                key = (industry, number, flow, tou)
                if key in target:
                    raise CannotJudge('%s: a second %s series for meter %s flowDirection %d'
                                      % (where, kind, number, flow))
                ch = Channel(number, flow)
                ch.source_flows.add((meters.get(s.get('name')) or {}).get('flowDirection'))
                ch.series_name = s.get('name')
                ch.industry = industry
                if kind != 'COST':
                    ch.unit, ch.unit_name = UNITS[unit], unit
                    ch.scale = Decimal(10) ** ch.unit[2]
                ch.tou = tou
                ch.rate = rate_of(s, meters) if tou else None
                pts = series_points(s, where)
                for x, occ, y in pts:
                    if occ > 1:
                        raise CannotJudge('%s: x %d occurs more than twice' % (where, x))
                    if kind != 'COST':
                        ch.usage[(x, occ)] = y
                    elif y is not None:
                        ch.cost[(x, occ)] = y
                xs = sorted({x for x, _, _ in pts})
                gaps = collections.Counter(b - a for a, b in zip(xs, xs[1:]))
                if gaps:
                    top = max(gaps.values())
                    ch.spacing = min(g for g, n in gaps.items() if n == top)
                ch.next_x = dict(zip(xs, xs[1:]))
                for x in xs:
                    iv = (intervals.get(str(x)) or {}).get('interval')
                    if iv and 'start' in iv and 'end' in iv:
                        ch.lengths[x] = int(iv['end']) - int(iv['start'])
                target[key] = ch
    for key, ch in usage.items():
        if ch.tou is not None and key[:3] + (None,) in usage:
            u = usage[key[:3] + (None,)]
            lengths = [u.lengths.get(x, u.spacing) for (x, _), y in u.usage.items() if y is not None]
            ch.hint = most_common([n for n in lengths if n is not None])
    for key in cost:
        if key not in usage:
            notes.append('COST series for %s meter %s flowDirection %d has no USAGE series' % key[:3])
    return usage, cost, notes, private


def wall_of(x):
    return EPOCH + timedelta(milliseconds=x)


def exists(wall, zone):
    back = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return back == wall


def ambiguous(wall, zone):
    return wall.replace(tzinfo=zone, fold=0).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset()


def local_midnight(d, zone):
    return int(datetime.combine(d, time(0)).replace(tzinfo=zone).timestamp())


def zero(p):
    return p['exact'] == 0 and not p['cost_exact']


def resolve_points(ch, cost_ch, zone):
    """The points of a channel with their UTC start, duration and whether their length is a
    guess; a zero in a spring-forward gap is dropped, any other is a phantom whose wall time,
    read on the clock before the change, is the instant it folds to (docs/smarthub.md 5.4)."""
    pts = []
    for order, ((x, occ), y) in enumerate(ch.usage.items()):
        if y is None:
            continue
        wall = wall_of(x)
        where = '%s x=%d (%s local)' % (ch.label(), x, wall.strftime('%Y-%m-%d %H:%M'))
        length, guessed = ch.lengths.get(x), x not in ch.lengths
        if guessed:
            length = ch.hint or ch.spacing
            if length is None:
                raise CannotJudge('%s: single point without xToOrderedInterval: no interval length' % where)
        whole_day = length % DAY_MS == 0 and wall.time() == time(0)
        c = cost_ch.cost.get((x, occ)) if cost_ch is not None else None
        p = {'x': x, 'occ': occ, 'wall': wall, 'order': order, 'length': length, 'guessed': guessed,
             'exact': abs(y) if ch.flow == 19 else y, 'cost_exact': c, 'phantom': False}
        if not exists(wall, zone):
            if whole_day:
                raise CannotJudge('%s: a day starting in a nonexistent local time' % where)
            if zero(p):
                ch.dropped.append(wall)
                continue
            p['phantom'] = True
        elif occ == 1 and not ambiguous(wall, zone):
            raise CannotJudge('%s: x repeated although the local time is not ambiguous' % where)
        p['start'] = int(wall.replace(tzinfo=zone, fold=occ).timestamp())
        if whole_day:
            end_day = wall.date() + timedelta(days=length // DAY_MS)
            p['duration'] = local_midnight(end_day, zone) - p['start']
        else:
            if length % 1000:
                raise CannotJudge('%s: interval length %d ms is not whole seconds' % (where, length))
            p['duration'] = length // 1000
        pts.append(p)
    return pts


def grid_of(pts):
    """The usual length (ms) of the points and the usual start within it: a point starts on
    the grid when its wall time is that start (days always do)."""
    usual = most_common([p['length'] for p in pts])
    if not usual or usual >= DAY_MS:
        return lambda p: True
    phase = most_common([p['x'] % usual for p in pts if p['length'] == usual])
    return lambda p: p['length'] % DAY_MS == 0 or p['x'] % usual == phase


def fold_phantoms(ch, pts, zone):
    for p in [p for p in pts if p['phantom']]:
        to = [q for q in pts if not q['phantom'] and q['start'] <= p['start'] < q['start'] + q['duration']]
        pts.remove(p)
        if not to:  # no reading follows the gap: the phantom is that reading
            ch.moved.append(p['wall'])
            p['phantom'] = False
            local = datetime.fromtimestamp(p['start'], UTC).astimezone(zone).replace(tzinfo=None)
            p['x'] = int((local - EPOCH).total_seconds()) * 1000
            pts.append(p)
            continue
        q = to[0]
        ch.folded.append(p['wall'])
        q['exact'] += p['exact']
        if p['cost_exact'] is not None:
            q['cost_exact'] = (q['cost_exact'] or 0) + p['cost_exact']


def settle_overlaps(ch, pts, on_grid):
    """A point inside another's interval never shortens it: of the two, the one off the grid
    (else the later) is a stray, dropped when zero (else espi refuses the input); only a point
    off the grid whose length is a guess ends where the next one, on the grid, begins."""
    kept = []
    for b in sorted(pts, key=lambda p: (p['start'], p['order'])):
        dropped = False
        while kept:
            a = kept[-1]
            if a['start'] + a['duration'] <= b['start']:
                break
            if a['start'] == b['start']:
                raise CannotJudge('%s: two points resolve to the same instant %s' % (ch.label(), iso(a['start'])))
            stray_a = not on_grid(a) and on_grid(b)
            if stray_a and a['guessed']:
                a['duration'] = b['start'] - a['start']
                break
            stray = a if stray_a else b
            if not zero(stray):
                raise CannotJudge('%s: the non-zero point at %s lies inside another point\'s interval '
                                  '(espi refuses it: stray-point)' % (ch.label(), stray['wall']))
            ch.strays.append(stray['wall'])
            if stray_a:
                kept.pop()
                continue
            dropped = True
            break
        if not dropped:
            kept.append(b)
    return kept


def build_expectation(ch, cost_ch, zone):
    pts = resolve_points(ch, cost_ch, zone)
    on_grid = grid_of(pts + [])
    fold_phantoms(ch, pts, zone)
    ch.exact_kwh = getattr(ch, 'exact_kwh', {})
    for p in settle_overlaps(ch, pts, on_grid):
        exact = p['exact']
        value = round_half_away(exact * ch.scale)
        if exact * ch.scale != value:
            ch.nonintegral += 1
        ch.exact_total += exact
        ch.exact_kwh[p['start']] = exact
        c = None if p['cost_exact'] is None else round_half_away(p['cost_exact'] * 100000)
        ch.expected[p['start']] = (p['duration'], value, c)
        whole_day = p['length'] % DAY_MS == 0 and p['wall'].time() == time(0)
        ch.nominal.append(p['length'] // 1000 if whole_day else p['duration'])


# ------------------------------------------------------------------ zone facts

def zone_facts(zone, years):
    """(standard offset s, dst delta s, [(kind, local wall datetime)] transitions in years)."""
    std = None
    delta = 0
    trans = []
    for year in sorted(years):
        t = datetime(year, 1, 1, tzinfo=UTC)
        end = datetime(year + 1, 1, 1, tzinfo=UTC)
        prev = t.astimezone(zone)
        while t < end:
            t2 = t + timedelta(hours=1)
            cur = t2.astimezone(zone)
            for lt in (prev, cur):
                d = lt.dst() or timedelta(0)
                if d == timedelta(0) and std is None:
                    std = lt.utcoffset()
                if d > timedelta(0):
                    delta = max(delta, int(d.total_seconds()))
            if cur.utcoffset() != prev.utcoffset():
                # find the exact second of the change (transitions are on whole minutes here)
                lo, hi = t, t2
                while hi - lo > timedelta(seconds=1):
                    mid = lo + (hi - lo) / 2
                    if mid.astimezone(zone).utcoffset() == prev.utcoffset():
                        lo = mid
                    else:
                        hi = mid
                # the change happens at the first whole second after lo
                hi = lo.replace(microsecond=0) + timedelta(seconds=1)
                kind = 'start' if (cur.dst() or timedelta(0)) > (prev.dst() or timedelta(0)) else 'end'
                # the rule's wall time is read on the clock in force before the change
                trans.append((kind, (hi + prev.utcoffset()).replace(tzinfo=None)))
            prev = cur
            t = t2
    if std is None:
        std = datetime(min(years), 1, 1, tzinfo=UTC).astimezone(zone).utcoffset()
    return int(std.total_seconds()), delta, trans


def decode_rule(text):
    """DstRuleType -> (month, op, dom, dow, hour, seconds) or None."""
    if not re.fullmatch(r'[0-9A-Fa-f]{8}', text or ''):
        return None
    v = int(text, 16)
    return ((v >> 28) & 0xF, (v >> 25) & 7, (v >> 20) & 0x1F, (v >> 17) & 7, (v >> 12) & 0x1F, v & 0xFFF)


def rule_wall(rule, year):
    month, op, dom, dow, hour, sec = rule
    if not 1 <= month <= 12 or hour > 23 or sec > 3599:
        return None
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    days = [first + timedelta(days=i) for i in range((nxt - first).days)]
    if op == 0:
        if not 1 <= dom <= len(days):
            return None
        d = days[dom - 1]
    else:
        if not 1 <= dow <= 7:
            return None
        same = [d for d in days if d.isoweekday() == dow]
        if op == 1:
            cands = [d for d in same if d.day >= dom]
            if not cands:
                return None
            d = cands[0]
        elif op == 7:
            d = same[-1]
        else:
            if op - 1 > len(same):
                return None
            d = same[op - 2]
    return datetime.combine(d, time(hour)) + timedelta(seconds=sec)


# ------------------------------------------------------------------ feed

class Entry:
    def __init__(self, el, index):
        self.index = index
        self.ids = [t.text or '' for t in el.findall(A + 'id')]
        self.titles = el.findall(A + 'title')
        self.published = [t.text or '' for t in el.findall(A + 'published')]
        self.updated = [t.text or '' for t in el.findall(A + 'updated')]
        self.links = [(l.get('rel'), l.get('href'), l.get('type')) for l in el.findall(A + 'link')]
        self.contents = el.findall(A + 'content')
        self.stray = [c for c in el if c.tag.startswith(E)]
        self.resource = None
        self.kind = None
        if len(self.contents) == 1:
            kids = [c for c in self.contents[0] if isinstance(c.tag, str)]
            if len(kids) == 1 and kids[0].tag.startswith(E):
                self.resource = kids[0]
                self.kind = kids[0].tag[len(E):]

    def rel(self, name):
        return [h for r, h, _ in self.links if r == name]

    def label(self):
        return 'entry #%d (%s %s)' % (self.index, self.kind or '?', self.ids[0] if self.ids else 'no id')


def int_child(el, path):
    c = el.find(path)
    if c is None or c.text is None:
        return None
    try:
        return int(c.text.strip())
    except ValueError:
        return None


class Checker:
    def __init__(self, zone, zone_name):
        self.zone = zone
        self.zone_name = zone_name
        self.problems = []

    def bad(self, msg):
        self.problems.append(msg)

    def local_date(self, ts):
        return datetime.fromtimestamp(ts, UTC).astimezone(self.zone).date()

    # -- Atom level
    def check_atom(self, root, entries):
        if root.tag != A + 'feed':
            self.bad('root element is %s, not atom:feed' % root.tag)
            return
        for name in ('id', 'title', 'updated'):
            if root.find(A + name) is None:
                self.bad('feed has no %s' % name)
        fid = root.findtext(A + 'id') or ''
        if not fid.startswith('urn:uuid:'):
            self.bad('feed id %r is not urn:uuid:' % fid)
        self.check_time('feed updated', root.findtext(A + 'updated'))
        for l in root.findall(A + 'link'):
            if not l.get('type'):
                self.bad('feed link %s %s has no type' % (l.get('rel'), l.get('href')))
        seen = {}
        for en in entries:
            lab = en.label()
            if len(en.ids) != 1:
                self.bad('%s has %d ids' % (lab, len(en.ids)))
            for i in en.ids:
                m = re.fullmatch(r'urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})', i)
                if not m:
                    self.bad('%s: id %r is not urn:uuid: with a lower-case UUID' % (lab, i))
                    continue
                u = uuid.UUID(m.group(1))
                if u.version != 5 or u.variant != uuid.RFC_4122:
                    self.bad('%s: id %s is not an RFC 4122 version-5 UUID (version %s)' % (lab, i, u.version))
                if i in seen:
                    self.bad('%s: id %s already used by entry #%d' % (lab, i, seen[i]))
                seen.setdefault(i, en.index)
                if i == fid:
                    self.bad('%s: id equals the feed id' % lab)
            if len(en.titles) != 1:
                self.bad('%s has %d titles' % (lab, len(en.titles)))
            for name, vals in (('published', en.published), ('updated', en.updated)):
                if len(vals) != 1:
                    self.bad('%s has %d %s' % (lab, len(vals), name))
                for v in vals:
                    self.check_time('%s %s' % (lab, name), v)
            for r, h, t in en.links:
                if not r or not h:
                    self.bad('%s: link without rel or href (%r, %r)' % (lab, r, h))
                if not t:
                    self.bad('%s: link rel=%s href=%s has no type' % (lab, r, h))
            if en.stray:
                self.bad('%s: ESPI element %s outside atom:content' % (lab, en.stray[0].tag))
            if en.resource is None:
                self.bad('%s: content does not hold exactly one ESPI resource' % lab)
            elif en.kind not in RESOURCES:
                self.bad('%s: unexpected resource %s' % (lab, en.kind))
            if len(en.rel('self')) != 1 or len(en.rel('up')) != 1:
                self.bad('%s: needs exactly one self and one up link (has %d, %d)'
                         % (lab, len(en.rel('self')), len(en.rel('up'))))
            elif not (en.rel('self')[0].startswith(en.rel('up')[0] + '/')
                      and '/' not in en.rel('self')[0][len(en.rel('up')[0]) + 1:]):
                self.bad('%s: self %s is not a member of up %s' % (lab, en.rel('self')[0], en.rel('up')[0]))

    def check_privacy(self, root, private):
        """GB007: no account, service location or meter number in ids, titles, hrefs, extensions."""
        texts = []
        for el in root.iter():
            if el.tag in (A + 'id', A + 'title', A + 'subtitle', A + 'name') and el.text:
                texts.append((el.tag[len(A):], el.text))
            if el.tag == A + 'link':
                texts.append(('link href', el.get('href') or ''))
            if el.tag == E + 'extension':
                texts.append(('extension', ''.join(el.itertext())))
        for what, text in texts:
            for p in sorted(private):
                if p in text:
                    self.bad('%s %r contains the input identifier %s (no PII in ids, titles, URIs)' % (what, text, p))

    def check_time(self, what, v):
        if v is None:
            return
        if not v.endswith('Z'):
            self.bad('%s %r does not end in Z' % (what, v))
            return
        try:
            datetime.fromisoformat(v[:-1] + '+00:00')
        except ValueError:
            self.bad('%s %r is not a date-time' % (what, v))

    # -- graph
    def build_graph(self, entries):
        by = collections.defaultdict(list)
        for en in entries:
            if en.kind:
                by[en.kind].append(en)
        selfs = collections.defaultdict(dict)
        for kind, ens in by.items():
            for en in ens:
                for s in en.rel('self'):
                    if s in selfs[kind]:
                        self.bad('%s: self link %s also used by %s' % (en.label(), s, selfs[kind][s].label()))
                    selfs[kind].setdefault(s, en)
        mr_ups = collections.defaultdict(list)
        for mr in by['MeterReading']:
            for u in mr.rel('up'):
                mr_ups[u].append(mr)
        summary_ups = collections.defaultdict(list)
        for k in SUMMARIES:
            for s in by[k]:
                for u in s.rel('up'):
                    summary_ups[u].append(s)
        ib_ups = collections.defaultdict(list)
        for ib in by['IntervalBlock']:
            for u in ib.rel('up'):
                ib_ups[u].append(ib)

        if not by['UsagePoint']:
            self.bad('feed has no UsagePoint')
        up_related = {}
        ltp_used = set()
        for up in by['UsagePoint']:
            n_ltp = 0
            for h in up.rel('related'):
                up_related.setdefault(h, up)
                hit = False
                if h in selfs['LocalTimeParameters']:
                    n_ltp += 1
                    ltp_used.add(h)
                    hit = True
                if h in mr_ups or h in summary_ups:
                    hit = True
                if not hit:
                    self.bad('%s: related link %s joins nothing' % (up.label(), h))
            if n_ltp != 1:
                self.bad('%s links to %d LocalTimeParameters, not exactly one' % (up.label(), n_ltp))
            kind = int_child(up.resource, E + 'ServiceCategory/' + E + 'kind')
            if kind not in SERVICE_OF.values():
                self.bad('%s: ServiceCategory kind %s, expected 0, 1 or 2 (electricity, gas, water)'
                         % (up.label(), kind))
        for s, ltp in selfs['LocalTimeParameters'].items():
            if s not in ltp_used:
                self.bad('%s is referenced by no UsagePoint' % ltp.label())
        for k in SUMMARIES:
            for s in by[k]:
                for u in s.rel('up'):
                    if u not in up_related:
                        self.bad('%s: up link %s joins no UsagePoint' % (s.label(), u))

        graph = []  # (MeterReading entry, ReadingType entry, [IntervalBlock entries])
        rt_used = set()
        ib_claimed = collections.Counter()
        for mr in by['MeterReading']:
            for u in mr.rel('up'):
                if u not in up_related:
                    self.bad('%s: up link %s joins no UsagePoint related link' % (mr.label(), u))
            rts, ibs = [], []
            for h in mr.rel('related'):
                hit = False
                if h in selfs['ReadingType']:
                    rts.append(selfs['ReadingType'][h])
                    rt_used.add(h)
                    hit = True
                if h in ib_ups:
                    ibs.extend(ib_ups[h])
                    for ib in ib_ups[h]:
                        ib_claimed[ib.index] += 1
                    hit = True
                if not hit:
                    self.bad('%s: related link %s joins nothing' % (mr.label(), h))
            if len(rts) != 1:
                self.bad('%s has %d ReadingTypes, not exactly one' % (mr.label(), len(rts)))
            if not ibs:
                self.bad('%s has no IntervalBlock' % mr.label())
            graph.append((mr, rts[0] if len(rts) == 1 else None, ibs))
        for ib in by['IntervalBlock']:
            if ib_claimed[ib.index] != 1:
                self.bad('%s: up link %s joins %d MeterReadings, not exactly one'
                         % (ib.label(), ib.rel('up'), ib_claimed[ib.index]))
        for s, rt in selfs['ReadingType'].items():
            if s not in rt_used:
                self.bad('%s is referenced by no MeterReading' % rt.label())
        return by, graph

    # -- LocalTimeParameters
    def check_ltp(self, ltps, years):
        std, delta, trans = zone_facts(self.zone, years)
        for ltp in ltps:
            r = ltp.resource
            lab = ltp.label()
            tz_off = int_child(r, E + 'tzOffset')
            dst_off = int_child(r, E + 'dstOffset')
            if tz_off != std:
                self.bad('%s: tzOffset %s, expected %d (standard offset of %s)' % (lab, tz_off, std, self.zone_name))
            if dst_off != delta:
                self.bad('%s: dstOffset %s, expected %d' % (lab, dst_off, delta))
            if not trans:
                for elname in ('dstStartRule', 'dstEndRule'):
                    text = (r.findtext(E + elname) or '').strip()
                    if delta == 0 and text.upper() != 'FFFFFFFF':
                        self.bad('%s: %s %r, expected FFFFFFFF (%s has no DST)' % (lab, elname, text, self.zone_name))
                continue
            us = True
            for kind, wall in trans:
                want = 'start' if wall.month == 3 else 'end'
                sundays = [d for d in (date(wall.year, wall.month, 1) + timedelta(days=i) for i in range(31))
                           if d.month == wall.month and d.isoweekday() == 7]
                nth = sundays[1] if kind == 'start' else sundays[0]
                if kind != want or wall != datetime.combine(nth, time(2)):
                    us = False
            for kind, elname, literal in (('start', 'dstStartRule', '360E2000'), ('end', 'dstEndRule', 'B40E2000')):
                text = (r.findtext(E + elname) or '').strip()
                rule = decode_rule(text)
                if rule is None:
                    self.bad('%s: %s %r is not an 8-digit rule' % (lab, elname, text))
                    continue
                for k, wall in trans:
                    if k != kind:
                        continue
                    got = rule_wall(rule, wall.year)
                    if got != wall:
                        self.bad('%s: %s %s means %s in %d, but %s changes at %s local'
                                 % (lab, elname, text, got, wall.year, self.zone_name, wall))
                if us and text.upper() != literal:
                    self.bad('%s: %s %s, expected %s for a US zone' % (lab, elname, text, literal))

    # -- one MeterReading
    def readings_of(self, mr, ibs):
        """[(start, duration, value, cost, block)] and block facts; reports malformed readings."""
        out = []
        for ib in ibs:
            for n, ir in enumerate(ib.resource.findall(E + 'IntervalReading')):
                st = int_child(ir, E + 'timePeriod/' + E + 'start')
                du = int_child(ir, E + 'timePeriod/' + E + 'duration')
                va = int_child(ir, E + 'value')
                co = int_child(ir, E + 'cost')
                if st is None or du is None or va is None:
                    self.bad('%s: reading %d lacks timePeriod start/duration or value' % (ib.label(), n))
                    continue
                if ir.find(E + 'cost') is not None and co is None:
                    self.bad('%s: reading %d has a non-integer cost' % (ib.label(), n))
                out.append((st, du, va, co, ib))
        return out

    def check_meter_reading(self, mr, ibs, readings):
        lab = mr.label()
        starts = collections.Counter(r[0] for r in readings)
        for st, n in sorted(starts.items()):
            if n > 1:
                self.bad('%s: %d readings start at %s' % (lab, n, iso(st)))
        srt = sorted(readings, key=lambda r: (r[0], r[1]))
        for a, b in zip(srt, srt[1:]):
            if a[0] != b[0] and a[0] + a[1] > b[0]:
                self.bad('%s: reading %s+%ds overlaps reading at %s' % (lab, iso(a[0]), a[1], iso(b[0])))
        days = {}
        block_starts = {}
        for ib in ibs:
            bl = ib.label()
            istart = int_child(ib.resource, E + 'interval/' + E + 'start')
            idur = int_child(ib.resource, E + 'interval/' + E + 'duration')
            mine = [r for r in readings if r[4] is ib]
            if istart is None or idur is None:
                self.bad('%s: interval lacks start or duration' % bl)
                continue
            if istart in block_starts:
                self.bad('%s: block start %s repeats %s' % (bl, iso(istart), block_starts[istart].label()))
            block_starts.setdefault(istart, ib)
            if not mine:
                self.bad('%s: no readings' % bl)
                continue
            if [r[0] for r in mine] != sorted(r[0] for r in mine):
                self.bad('%s: readings are not in time order' % bl)
            if istart != mine[0][0]:
                self.bad('%s: interval starts %s, its first reading %s' % (bl, iso(istart), iso(mine[0][0])))
            for st, du, _, _, _ in mine:
                if st < istart or st + du > istart + idur:
                    self.bad('%s: reading %s+%ds lies outside the interval %s+%ds'
                             % (bl, iso(st), du, iso(istart), idur))
            d = self.local_date(istart)
            dd = {self.local_date(r[0]) for r in mine}
            if dd != {d}:
                self.bad('%s: readings of several local days %s' % (bl, ', '.join(sorted(map(str, dd)))))
            if istart + idur > local_midnight(d + timedelta(days=1), self.zone):
                self.bad('%s: interval %s+%ds runs past the end of local day %s' % (bl, iso(istart), idur, d))
            if d in days:
                self.bad('%s: second block for local day %s (also %s)' % (bl, d, days[d].label()))
            days.setdefault(d, ib)

    def check_reading_type(self, rt, flow, interval_length, has_cost, lab, ch=None):
        r = rt.resource
        uom, kind, _, power = ch.unit if ch is not None else UNITS['KWH']
        commodity = INDUSTRIES[ch.industry][1] if ch is not None else 1
        want = {'accumulationBehaviour': 4, 'commodity': commodity, 'kind': kind, 'uom': uom,
                'powerOfTenMultiplier': power, 'phase': 769 if commodity == 1 else None,
                'flowDirection': flow, 'intervalLength': interval_length,
                'tou': ch.tou if ch is not None else None}
        for name, v in want.items():
            got = int_child(r, E + name)
            if got != v:
                self.bad('%s: ReadingType %s is %s, expected %s' % (lab, name, got, v))
        cur = int_child(r, E + 'currency')
        if has_cost and cur != 840:
            self.bad('%s: readings carry cost but ReadingType currency is %s, expected 840' % (lab, cur))
        if not has_cost and r.find(E + 'currency') is not None:
            self.bad('%s: ReadingType has currency %s but no reading carries cost' % (lab, cur))


def fmt_reading(start, t):
    dur, val, cost = t
    return '%s +%ds value %d%s' % (iso(start), dur, val, '' if cost is None else ' cost %d' % cost)


def most_common(values):
    c = collections.Counter(values)
    if not c:
        return None
    top = max(c.values())
    return min(v for v, n in c.items() if n == top)

# ------------------------------------------------------------------ resolutions and months

FLOW_TITLES = {1: 'Energy delivered', 4: 'Net energy (delivered minus received)', 19: 'Energy received'}
SHOWN = 5           # resolution-sum warnings espi names one by one per pair; the rest in one line
HALF_DISPLAY = 5    # Wh: half of SmartHub's display unit, 0.01 kWh


def interval_words(seconds):
    if seconds and seconds % 86400 == 0:
        return 'daily' if seconds == 86400 else '%d-day' % (seconds // 86400)
    if seconds and seconds % 3600 == 0:
        return 'hourly' if seconds == 3600 else '%d-hour' % (seconds // 3600)
    if seconds and seconds % 60 == 0:
        return '%d-minute' % (seconds // 60)
    return '%d-second' % seconds


def has_monthly(path):
    with open(path, encoding='utf-8') as f:
        doc = json.load(f, parse_float=Decimal)
    entries = ((doc.get('data') or {}).get('ELECTRIC') or []) if isinstance(doc, dict) else []
    return any(isinstance(e, dict) and e.get('timeFrame') == 'MONTHLY' for e in entries)


def read_expectations(paths, zone):
    """The expected channels of all inputs, keyed (meter, flow, resolution): the same
    channel in several inputs is one (their readings must agree where they overlap)."""
    merged = collections.OrderedDict()
    notes, private = [], set()
    for path in paths:
        if has_monthly(path):
            raise CannotJudge('%s holds MONTHLY billing periods (tests/tools/check_bills.py judges them)' % path)
        usage, cost, more_notes, more_private = read_input(path)
        notes += more_notes
        private |= more_private
        for key, ch in usage.items():
            build_expectation(ch, cost.get(key), zone)
            if not ch.expected:
                continue
            ch.resolution = most_common(ch.nominal)
            k = (ch.industry, ch.meter_no, ch.flow, ch.resolution, ch.tou)
            if k not in merged:
                merged[k] = ch
                continue
            into = merged[k]
            for start, t in ch.expected.items():
                if into.expected.get(start, t) != t:
                    raise CannotJudge('%s: the inputs disagree at %s (merge conflicts are not judged here)'
                                      % (ch.label(), iso(start)))
                into.expected[start] = t
            into.exact_kwh.update(ch.exact_kwh)
            into.nominal += ch.nominal
            into.dropped += [d for d in ch.dropped if d not in into.dropped]
    for ch in merged.values():
        ch.exact_total = sum(ch.exact_kwh.values(), Decimal(0))
        ch.nonintegral = sum(1 for v in ch.exact_kwh.values()
                             if v * ch.scale != round_half_away(v * ch.scale))
    return list(merged.values()), notes, private


def resolution_sums(channels, zone):
    """Per pair (finer, coarser) of one meter and direction: (flow title, coarser words,
    finer words, periods compared, local starts of the periods whose sums differ)."""
    out = []
    for c in channels:
        for f in channels:
            if (f.meter_no, f.flow) != (c.meter_no, c.flow) or not f.resolution or \
                    not c.resolution or f.resolution >= c.resolution or \
                    getattr(f, 'tou', None) != getattr(c, 'tou', None):
                continue
            fine = sorted((s, d, v) for s, (d, v, _) in f.expected.items())
            index = {s: i for i, (s, _, _) in enumerate(fine)}
            compared, differ = 0, []
            for s, (d, v, _) in sorted(c.expected.items()):
                i, at, total, n = index.get(s), s, 0, 0
                while i is not None and i < len(fine) and fine[i][0] == at and at < s + d:
                    total += fine[i][2]
                    at += fine[i][1]
                    i += 1
                    n += 1
                if n == 0 or at != s + d:
                    continue
                compared += 1
                if abs(total - v) > HALF_DISPLAY * (n + 1):
                    differ.append(datetime.fromtimestamp(s, UTC).astimezone(zone).strftime('%Y-%m-%d %H:%M'))
            if compared:
                out.append((FLOW_TITLES[c.flow], interval_words(c.resolution), interval_words(f.resolution),
                            compared, differ))
    return out


def check_resolution_log(ck, sums, log_text):
    """espi's convert log says what resolution_sums found, no more and no less."""
    lines = [l for l in log_text.splitlines() if ' resolution-sum: ' in l]
    used = set()
    for flow, coarse, fine, compared, differ in sums:
        pair = '%s: %s vs %s' % (flow, coarse, fine)
        mine = [(i, l) for i, l in enumerate(lines)
                if ': %s: ' % flow in l and ' %s reading' % coarse in l and ' %s readings' % fine in l]
        used |= {i for i, _ in mine}
        named = [re.search(r'the %s reading of (\d{4}-\d\d-\d\d \d\d:\d\d) local' % re.escape(coarse), l)
                 for _, l in mine if ' warning: ' in l]
        named = [m.group(1) for m in named if m]
        if named != differ[:SHOWN]:
            ck.bad('%s: espi named the periods %s as differing, expected %s' % (pair, named, differ[:SHOWN]))
        more = [l for _, l in mine if ' more %s readings differ' % coarse in l]
        want_more = len(differ) - SHOWN
        if (want_more > 0) != bool(more) or (more and ' %d more ' % want_more not in more[0]):
            ck.bad('%s: expected %s, got %s' % (pair, 'a line counting %d more differing periods' % want_more
                                                if want_more > 0 else 'no "more" line', more or 'none'))
        agree = [l for _, l in mine if ' info: ' in l and
                 'the %d %s readings covered by %s readings agree' % (compared, coarse, fine) in l]
        if not differ and len(agree) != 1:
            ck.bad('%s: all %d periods agree, but espi did not say so once (an info line)' % (pair, compared))
        if differ and agree:
            ck.bad('%s: espi says all agree, but %d of %d differ' % (pair, len(differ), compared))
    for i, l in enumerate(lines):
        if i not in used:
            ck.bad('unexpected resolution-sum line in the convert log: %s' % l)


def expected_months(channels, zone):
    """{start: (duration, Wh, cost or None)}: one summary per calendar month of the zone."""
    pool = [ch for ch in channels if ch.resolution and ch.resolution <= 86400 and getattr(ch, 'tou', None) is None]
    flows = {ch.flow for ch in pool}
    flow = 1 if 1 in flows else 4 if 4 in flows else None
    parts = collections.defaultdict(list)  # (month, meter) -> [(-covered, resolution, part)]
    for ch in pool:
        if ch.flow != flow:
            continue
        per = collections.OrderedDict()
        for start, (dur, val, cost) in sorted(ch.expected.items()):
            lt = datetime.fromtimestamp(start, UTC).astimezone(zone)
            p = per.setdefault((lt.year, lt.month), {'start': start, 'end': start, 'covered': 0,
                                                     'value': 0, 'cost': 0, 'costs': 0})
            p['end'] = max(p['end'], start + dur)
            p['covered'] += dur
            p['value'] += val
            if cost is not None:
                p['cost'] += cost
                p['costs'] += 1
        for month, p in per.items():
            parts[(month, ch.meter_no)].append((-p['covered'], ch.resolution, p))
    months = {}
    for (month, _), cands in sorted(parts.items()):
        p = min(cands, key=lambda c: (c[0], c[1]))[2]
        t = months.setdefault(month, {'start': p['start'], 'end': p['end'], 'value': 0, 'cost': 0, 'costs': 0})
        t['start'] = min(t['start'], p['start'])
        t['end'] = max(t['end'], p['end'])
        for k in ('value', 'cost', 'costs'):
            t[k] += p[k]
    return {t['start']: (t['end'] - t['start'], t['value'], t['cost'] if t['costs'] else None)
            for t in months.values()}


SUMMARY_FIELDS = ('billingPeriod duration', 'overallConsumptionLastPeriod value', 'its uom',
                  'its powerOfTenMultiplier', 'billLastPeriod', 'billToDate', 'costAdditionalLastPeriod',
                  'currency', 'qualityOfReading', 'statusTimeStamp', 'commodity')


def check_month_summaries(ck, by, expected, unit=(72, 0, 1)):
    got = {}
    for en in by['UsageSummary'] + by['ElectricPowerUsageSummary']:
        r = en.resource
        paths = (('billingPeriod', 'duration'), ('overallConsumptionLastPeriod', 'value'),
                 ('overallConsumptionLastPeriod', 'uom'), ('overallConsumptionLastPeriod', 'powerOfTenMultiplier'),
                 ('billLastPeriod',), ('billToDate',), ('costAdditionalLastPeriod',), ('currency',),
                 ('qualityOfReading',), ('statusTimeStamp',), ('commodity',))
        rec = tuple(int_child(r, '/'.join(E + step for step in path)) for path in paths)
        start = int_child(r, E + 'billingPeriod/' + E + 'start')
        if start in got:
            ck.bad('%s: a second summary of the period starting %s' % (en.label(), iso(start) if start else start))
        got[start] = (en, rec)
    for start, (dur, value, cost) in sorted(expected.items()):
        want = (dur, value, unit[0], unit[1], cost, cost, None if cost is None else 0,
                None if cost is None else 840, 11, start + dur, unit[2])
        if start not in got:
            ck.bad('missing the monthly UsageSummary of %s +%ds (%d Wh%s)' % (
                iso(start), dur, value, '' if cost is None else ', cost %d' % cost))
            continue
        en, rec = got.pop(start)
        for name, g, w in zip(SUMMARY_FIELDS, rec, want):
            if g != w:
                ck.bad('%s: monthly summary of %s: %s is %s, expected %s' % (en.label(), iso(start), name, g, w))
    for start, (en, _) in sorted(got.items(), key=lambda kv: kv[0] or 0):
        ck.bad('%s: a summary of %s that no calendar month of the readings gives' % (
            en.label(), iso(start) if start is not None else 'no billing period'))


# ------------------------------------------------------------------ time of use, gas and water, zone

def month_unit(channels, industry):
    """(uom, powerOfTenMultiplier, commodity) of the monthly summaries of an industry."""
    units = [ch.unit for ch in channels if ch.industry == industry]
    uom, _, _, power = most_common(units) if units else UNITS['KWH']
    return uom, power, INDUSTRIES[industry][1]


def summaries_under(by, service_kind):
    """The summaries of `by` whose UsagePoint has this ServiceCategory kind."""
    kind_of = {}
    for up in by['UsagePoint']:
        for h in up.rel('related'):
            kind_of[h] = int_child(up.resource, E + 'ServiceCategory/' + E + 'kind')
    sub = collections.defaultdict(list)
    for k in SUMMARIES:
        sub[k] = [s for s in by[k] if any(kind_of.get(u) == service_kind for u in s.rel('up'))]
    return sub


def check_service_kinds(ck, by, channels, matched):
    """Each channel's MeterReading sits under a UsagePoint of its industry's ServiceCategory."""
    kind_of = {}
    for up in by['UsagePoint']:
        for h in up.rel('related'):
            kind_of[h] = int_child(up.resource, E + 'ServiceCategory/' + E + 'kind')
    for ch in channels:
        o = matched.get(id(ch))
        want = INDUSTRIES[ch.industry][0]
        if o is not None and any(kind_of.get(u) != want for u in o['mr'].rel('up')):
            ck.bad('%s: its MeterReading is under a UsagePoint of ServiceCategory kind %s, expected %d'
                   % (ch.label(), [kind_of.get(u) for u in o['mr'].rel('up')], want))


def check_tou_partitions(ck, channels, matched):
    """The time-of-use channels of a meter add up, at each start, to its usage channel wherever
    the input's periods add up to its usage (exactly, in whole units); elsewhere the input does
    not partition and the feed, written as given, need not either (espi warns: tou-partition)."""
    notes = []
    for u in channels:
        periods = [c for c in channels if c.tou is not None and u.tou is None and
                   (c.industry, c.meter_no, c.flow, c.resolution) == (u.industry, u.meter_no, u.flow, u.resolution)]
        if not periods or id(u) not in matched:
            continue
        exact, got = collections.defaultdict(Decimal), collections.defaultdict(int)
        for c in periods:
            for st, v in c.exact_kwh.items():
                exact[st] += v
            for st, (_, v, _) in (matched[id(c)]['got'] if id(c) in matched else {}).items():
                got[st] += v
        checked = differ = 0
        for st in sorted(set(u.exact_kwh) | set(exact)):
            want = u.exact_kwh.get(st)
            if want is None or exact.get(st) != want:
                differ += 1
                continue
            if want * u.scale != round_half_away(want * u.scale):
                continue  # sub-unit digits: each reading is rounded on its own
            checked += 1
            uv = matched[id(u)]['got'].get(st, (None, None, None))[1]
            if got.get(st, 0) != uv:
                ck.bad('%s: at %s the time-of-use readings add up to %s, the usage reading is %s'
                       % (u.label(), iso(st), got.get(st, 0), uv))
        notes.append('meter %s: %d periods (%s) partition %d usage readings%s' % (
            u.meter_no, len(periods), ', '.join('%d %s' % (c.tou, c.rate) for c in sorted(periods, key=lambda c: c.tou)),
            checked, ', not at %d times of the input' % differ if differ else ''))
    return notes


def zone_bounds(path):
    """[(field, true UTC s, wall s, is_end)]: the request bounds of a poll's USAGE and COST
    entries (not MONTHLY, not TIME_OF_USE, whose bounds are wall clock) against the wall time
    the data give for them: the first x, and the end of the last point."""
    with open(path, encoding='utf-8') as f:
        doc = json.load(f, parse_float=Decimal)
    out = []
    for entries in ((doc.get('data') or {}).values() if isinstance(doc, dict) else []):
        for e in entries if isinstance(entries, list) else []:
            if not isinstance(e, dict) or e.get('type') not in ('USAGE', 'COST') or e.get('timeFrame') == 'MONTHLY':
                continue
            xs = [int(p['x']) for s in e.get('series') or [] for p in s.get('data') or [] if 'x' in p]
            if not xs:
                continue
            iv = ((e.get('xToOrderedInterval') or {}).get(str(max(xs))) or {}).get('interval')
            length = int(iv['end']) - int(iv['start']) if iv else DAY_MS if e.get('timeFrame') == 'DAILY' else None
            bup = e.get('baseUsageParameters') if isinstance(e.get('baseUsageParameters'), dict) else {}
            for field, v, wall, end in (('startDateTime', e.get('startDateTime'), min(xs), False),
                                        ('baseUsageParameters.startDateTime', bup.get('startDateTime'), min(xs), False),
                                        ('endDateTime', e.get('endDateTime'), max(xs) + (length or 0), True),
                                        ('baseUsageParameters.endDateTime', bup.get('endDateTime'),
                                         max(xs) + (length or 0), True)):
                if v is None or (end and not length):
                    continue
                ms = int(Decimal(str(v)))
                if ms % 1000 == 0 and wall % 1000 == 0:
                    out.append((field, ms // 1000, wall // 1000, end))
    return out


def check_zone_evidence(ck, paths, zone, zone_name):
    """docs/smarthub.md 5.4: a bound confirms the zone when the zone gives its wall time; at
    local midnight with another offset (whole quarter hours, UTC-12..UTC+14) it contradicts it.
    espi refuses an input no bound confirms and one contradicts: a feed made of one is wrong."""
    confirmed, against = 0, []
    for path in paths:
        for field, utc, wall, end in zone_bounds(path):
            off = int(datetime.fromtimestamp(utc - end, UTC).astimezone(zone).utcoffset().total_seconds())
            implied = wall - utc
            if implied == off:
                confirmed += 1
            elif wall % 86400 == 0 and implied % 900 == 0 and -43200 <= implied <= 50400:
                against.append('%s %s %s: UTC%+g there, %s UTC%+g' % (path, field, iso(utc), implied / 3600,
                                                                     zone_name, off / 3600))
    if against and not confirmed:
        ck.bad('the inputs show another zone than %s (%s): espi should have refused them (zone-mismatch)'
               % (zone_name, '; '.join(against)))
    return 'zone %s' % ('confirmed by %d request bound(s)' % confirmed if confirmed else 'not shown by the input')


def main():
    ap = argparse.ArgumentParser(description='Check an espi output feed against its SmartHub input.')
    ap.add_argument('--tz', default='America/Los_Angeles', help='IANA zone of the co-op (default %(default)s)')
    ap.add_argument('--convert-log', help="espi convert's stderr: its resolution-sum lines are checked")
    ap.add_argument('files', nargs='+', metavar='INPUT.json... OUTPUT.xml')
    args = ap.parse_args()
    if len(args.files) < 2:
        ap.error('give at least one input and the output')
    args.inputs, args.output = args.files[:-1], args.files[-1]
    args.input = ' '.join(args.inputs)
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        print('check_feed: unknown time zone %s: %s' % (args.tz, e), file=sys.stderr)
        return 2
    name = '%s -> %s' % (args.input, args.output)

    try:
        channels, notes, private = read_expectations(args.inputs, zone)
        log_text = None
        if args.convert_log:
            with open(args.convert_log, encoding='utf-8') as f:
                log_text = f.read()
    except (CannotJudge, OSError, ValueError) as e:
        print('check_feed: cannot judge %s: %s' % (args.input, e), file=sys.stderr)
        return 2

    ck = Checker(zone, args.tz)
    try:
        root = ET.parse(args.output).getroot()
    except (ET.ParseError, OSError) as e:
        print('check_feed: FAIL %s: output is not readable XML: %s' % (name, e))
        return 1
    entries = [Entry(el, i + 1) for i, el in enumerate(root.findall(A + 'entry'))]
    ck.check_atom(root, entries)
    by, graph = ck.build_graph(entries)
    ck.check_privacy(root, private)
    years = {datetime.fromtimestamp(s, UTC).year for ch in channels for s in ch.expected} or {2026}
    ltps = by['LocalTimeParameters']
    if not ltps:
        ck.bad('feed has no LocalTimeParameters')
    ck.check_ltp(ltps, years)

    # readings of every MeterReading, then match input channels to them
    outs = []
    for mr, rt, ibs in graph:
        rd = ck.readings_of(mr, ibs)
        ck.check_meter_reading(mr, ibs, rd)
        flow = int_child(rt.resource, E + 'flowDirection') if rt is not None else None
        got = {}
        for st, du, va, co, _ in rd:
            got.setdefault(st, (du, va, co))
        outs.append({'mr': mr, 'rt': rt, 'flow': flow, 'got': got, 'readings': rd, 'used': False,
                     'tou': int_child(rt.resource, E + 'tou') if rt is not None else None,
                     'commodity': int_child(rt.resource, E + 'commodity') if rt is not None else None})
        if rt is not None and rt.resource.find(E + 'currency') is not None:
            # FB_12 D043: when cost is claimed, every IntervalBlock has readings with cost
            for ib in ibs:
                if not any(r[3] is not None for r in rd if r[4] is ib):
                    ck.bad('%s: ReadingType has currency but no reading of this block carries cost (FB_12)'
                           % ib.label())

    matched = {}
    for exact_pass in (True, False):
        for ch in channels:
            if id(ch) in matched:
                continue
            best, best_score = None, -1
            for o in outs:
                if o['used'] or o['flow'] != ch.flow or o['tou'] != ch.tou or \
                        o['commodity'] != INDUSTRIES[ch.industry][1]:
                    continue
                if exact_pass:
                    if o['got'] == ch.expected and len(o['readings']) == len(ch.expected):
                        best = o
                        break
                    continue
                score = sum(1 for s, t in ch.expected.items() if o['got'].get(s) == t)
                if score > best_score:
                    best, best_score = o, score
            if best is not None:
                best['used'] = True
                matched[id(ch)] = best

    summary = []
    for ch in channels:
        o = matched.get(id(ch))
        lab = ch.label()
        exp_total = sum(v for _, v, _ in ch.expected.values())
        exact_wh = ch.exact_total * ch.scale
        if o is None:
            ck.bad('%s: no MeterReading with flowDirection %d in the feed (expected %d readings, %s Wh)'
                   % (lab, ch.flow, len(ch.expected), exp_total))
            continue
        mlab = '%s -> %s' % (lab, o['mr'].label())
        got = o['got']
        for s in sorted(set(ch.expected) - set(got)):
            ck.bad('%s: missing reading %s' % (mlab, fmt_reading(s, ch.expected[s])))
        for s in sorted(set(got) - set(ch.expected)):
            ck.bad('%s: extra reading %s' % (mlab, fmt_reading(s, got[s])))
        for s in sorted(set(got) & set(ch.expected)):
            if got[s] != ch.expected[s]:
                ck.bad('%s: reading at %s is %s, expected %s' % (mlab, iso(s), fmt_reading(s, got[s]),
                                                                 fmt_reading(s, ch.expected[s])))
        got_total = sum(r[2] for r in o['readings'])
        if got_total != exp_total or abs(Decimal(got_total) - exact_wh) > Decimal(ch.nonintegral) / 2:
            ck.bad('%s: feed total %d Wh, input total %s kWh = %s Wh (%d readings rounded)'
                   % (mlab, got_total, ch.exact_total, exact_wh, ch.nonintegral))
        has_cost = any(t[2] is not None for t in ch.expected.values())
        if o['rt'] is not None:
            ck.check_reading_type(o['rt'], ch.flow, most_common(ch.nominal), has_cost, mlab, ch)
            if ch.rate is not None and ch.rate not in (o['mr'].titles[0].text or ''):
                ck.bad('%s: the MeterReading title does not name the rate "%s"' % (mlab, ch.rate))
        cost_total = sum(t[2] for t in ch.expected.values() if t[2] is not None)
        summary.append('%s/%d/%s%s: %d readings, %d %s (input %s %s)%s%s' % (
            ch.meter_no, ch.flow, interval_words(ch.resolution), '' if ch.tou is None else '/tou%d' % ch.tou,
            len(ch.expected), got_total, unit_text(ch.unit), ch.exact_total, ch.series_unit(),
            ', cost %s' % (Decimal(cost_total) / 100000) if has_cost else '',
            ', %d spring-gap zeros dropped' % len(ch.dropped) if ch.dropped else '') +
            ''.join(', %d %s' % (len(v), what) for v, what in
                    ((ch.folded, 'spring-gap phantoms folded'), (ch.strays, 'stray zeros dropped')) if v))
    for o in outs:
        if not o['used']:
            ck.bad('%s: extra MeterReading (flowDirection %s, %d readings) matches no input channel'
                   % (o['mr'].label(), o['flow'], len(o['readings'])))
            if o['rt'] is not None:
                ck.check_reading_type(o['rt'], o['flow'], most_common(r[1] for r in o['readings']),
                                      any(r[3] is not None for r in o['readings']), o['mr'].label())
    if not channels:
        ck.bad('the input has no USAGE reading at all')
    sums = resolution_sums(channels, zone)
    if log_text is not None:
        check_resolution_log(ck, sums, log_text)
    for flow, coarse, fine, compared, differ in sums:
        summary.append('%s %s vs %s: %d of %d periods differ' % (flow, coarse, fine, len(differ), compared))
    nmonths = 0
    for industry in sorted({ch.industry for ch in channels}) or ['ELECTRIC']:
        months = expected_months([ch for ch in channels if ch.industry == industry], zone)
        check_month_summaries(ck, summaries_under(by, INDUSTRIES[industry][0]), months,
                              month_unit(channels, industry))
        nmonths += len(months)
    summary.append('%d monthly summar%s' % (nmonths, 'y' if nmonths == 1 else 'ies'))
    summary += check_tou_partitions(ck, channels, matched)
    check_service_kinds(ck, by, channels, matched)
    summary.append(check_zone_evidence(ck, args.inputs, zone, args.tz))

    if ck.problems:
        print('check_feed: FAIL %s: %d problem(s)' % (name, len(ck.problems)))
        for p in ck.problems:
            print('  - ' + p)
        return 1
    print('check_feed: OK %s [%s]: %s%s' % (name, args.tz, '; '.join(summary),
                                            ''.join(' (%s)' % n for n in notes)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
