#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for `espi convert`: does OUTPUT.xml say what INPUT.json says?

usage: check_feed.py [--tz ZONE] INPUT.json OUTPUT.xml

INPUT.json is a SmartHub usage poll response (status COMPLETE), OUTPUT.xml the Green
Button (ESPI) feed that espi made from it. The expectation is computed here from the JSON
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

    def label(self):
        return 'meter %s %s (flowDirection %d, series "%s")' % (
            self.meter_no, FLOW_NAMES[self.flow], self.flow, self.series_name)


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


def read_input(path):
    with open(path, encoding='utf-8') as f:
        doc = json.load(f, parse_float=Decimal)
    if not isinstance(doc, dict) or doc.get('status') != 'COMPLETE':
        raise CannotJudge('input is not a COMPLETE poll response')
    entries = (doc.get('data') or {}).get('ELECTRIC') or []
    usage, cost = {}, {}
    notes = []
    private = set()
    for ei, entry in enumerate(entries):
        for m in [entry] + list(entry.get('meters') or []):
            for k in ('accountNumber', 'serviceLocationNumber', 'meterNumber', 'meterName', 'meterLocation'):
                v = m.get(k) if isinstance(m, dict) else None
                if isinstance(v, (str, int)) and not isinstance(v, bool) and len(str(v)) >= 4:
                    private.add(str(v))
        kind = entry.get('type')
        if kind not in ('USAGE', 'COST'):
            notes.append('ignored entry %d of type %s' % (ei, kind))
            continue
        target = usage if kind == 'USAGE' else cost
        unit = entry.get('unitOfMeasure')
        if unit is not None and unit != ('KWH' if kind == 'USAGE' else 'USD'):
            raise CannotJudge('%s entry %d has unitOfMeasure %r' % (kind, ei, unit))
        meters = {m.get('seriesId'): m for m in entry.get('meters') or []}
        intervals = entry.get('xToOrderedInterval') or {}
        for s in entry.get('series') or []:
            where = '%s entry %d series "%s"' % (kind, ei, s.get('name'))
            m = meters.get(s.get('name'))
            if m is None:
                raise CannotJudge('%s has no meter with that seriesId' % where)
            src = m.get('flowDirection')
            if src not in FLOWS:
                raise CannotJudge('%s: unknown flowDirection %r' % (where, src))
            key = (str(m.get('meterNumber')), FLOWS[src])
            if key in target:
                raise CannotJudge('%s: a second %s series for meter %s flowDirection %d'
                                  % (where, kind, key[0], key[1]))
            ch = Channel(key[0], key[1])
            ch.source_flows.add(src)
            ch.series_name = s.get('name')
            pts = series_points(s, where)
            for x, occ, y in pts:
                if occ > 1:
                    raise CannotJudge('%s: x %d occurs more than twice' % (where, x))
                if kind == 'USAGE':
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
    for key in cost:
        if key not in usage:
            notes.append('COST series for meter %s flowDirection %d has no USAGE series' % key)
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


def build_expectation(ch, cost_ch, zone):
    for (x, occ), y in ch.usage.items():
        if y is None:
            continue
        wall = wall_of(x)
        where = '%s x=%d (%s local)' % (ch.label(), x, wall.strftime('%Y-%m-%d %H:%M'))
        if not exists(wall, zone):
            if y == 0:
                ch.dropped.append(wall)
                continue
            raise CannotJudge('%s: non-zero reading in a nonexistent local time' % where)
        if occ == 1 and not ambiguous(wall, zone):
            raise CannotJudge('%s: x repeated although the local time is not ambiguous' % where)
        start = int(wall.replace(tzinfo=zone, fold=occ).timestamp())
        length = ch.lengths.get(x)
        if length is None:
            # no interval map: the most common spacing, but never past the next point
            # (an unaligned first point at 04:15 in hourly data lasts until 05:00)
            length = ch.spacing
            if length is None:
                raise CannotJudge('%s: single point without xToOrderedInterval: no interval length' % where)
            if x in ch.next_x:
                length = min(length, ch.next_x[x] - x)
        if length % DAY_MS == 0 and wall.time() == time(0):
            end_day = wall.date() + timedelta(days=length // DAY_MS)
            duration = local_midnight(end_day, zone) - start
        else:
            if length % 1000:
                raise CannotJudge('%s: interval length %d ms is not whole seconds' % where)
            duration = length // 1000
        kwh = abs(y) if ch.flow == 19 else y
        wh = kwh * 1000
        value = round_half_away(wh)
        if wh != value:
            ch.nonintegral += 1
        ch.exact_total += kwh
        c = None
        if cost_ch is not None and (x, occ) in cost_ch.cost:
            c = round_half_away(cost_ch.cost[(x, occ)] * 100000)
        if start in ch.expected:
            raise CannotJudge('%s: two points resolve to the same instant %s' % (where, iso(start)))
        ch.expected[start] = (duration, value, c)
        ch.nominal.append(length // 1000)


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
            if kind != 0:
                self.bad('%s: ServiceCategory kind %s, expected 0 (electricity)' % (up.label(), kind))
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

    def check_reading_type(self, rt, flow, interval_length, has_cost, lab):
        r = rt.resource
        want = {'accumulationBehaviour': 4, 'commodity': 1, 'kind': 12, 'uom': 72,
                'powerOfTenMultiplier': 0, 'phase': 769, 'flowDirection': flow,
                'intervalLength': interval_length}
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


def main():
    ap = argparse.ArgumentParser(description='Check an espi output feed against its SmartHub input.')
    ap.add_argument('--tz', default='America/Los_Angeles', help='IANA zone of the co-op (default %(default)s)')
    ap.add_argument('input')
    ap.add_argument('output')
    args = ap.parse_args()
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        print('check_feed: unknown time zone %s: %s' % (args.tz, e), file=sys.stderr)
        return 2
    name = '%s -> %s' % (args.input, args.output)

    try:
        usage, cost, notes, private = read_input(args.input)
        for key, ch in usage.items():
            build_expectation(ch, cost.get(key), zone)
    except (CannotJudge, OSError, ValueError) as e:
        print('check_feed: cannot judge %s: %s' % (args.input, e), file=sys.stderr)
        return 2
    channels = [ch for ch in usage.values() if ch.expected]

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
        outs.append({'mr': mr, 'rt': rt, 'flow': flow, 'got': got, 'readings': rd, 'used': False})
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
                if o['used'] or o['flow'] != ch.flow:
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
        exact_wh = ch.exact_total * 1000
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
            ck.check_reading_type(o['rt'], ch.flow, most_common(ch.nominal), has_cost, mlab)
        cost_total = sum(t[2] for t in ch.expected.values() if t[2] is not None)
        summary.append('%s/%d: %d readings, %d Wh (input %s kWh)%s%s' % (
            ch.meter_no, ch.flow, len(ch.expected), got_total, ch.exact_total,
            ', cost %s' % (Decimal(cost_total) / 100000) if has_cost else '',
            ', %d spring-gap zeros dropped' % len(ch.dropped) if ch.dropped else ''))
    for o in outs:
        if not o['used']:
            ck.bad('%s: extra MeterReading (flowDirection %s, %d readings) matches no input channel'
                   % (o['mr'].label(), o['flow'], len(o['readings'])))
            if o['rt'] is not None:
                ck.check_reading_type(o['rt'], o['flow'], most_common(r[1] for r in o['readings']),
                                      any(r[3] is not None for r in o['readings']), o['mr'].label())
    if not channels:
        ck.bad('the input has no USAGE reading at all')

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
