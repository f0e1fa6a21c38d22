#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Bills: does `espi dump --what summaries` of the converted feed hold every billing period?

usage: check_bills.py [--tz ZONE] [--feed FEED.xml] [--self-test] INPUT.json DUMP.csv

INPUT.json is a SmartHub poll response (status COMPLETE) with timeFrame MONTHLY entries;
DUMP.csv is what `espi dump --what summaries` printed for the feed that
`espi convert --tz ZONE` made from it; FEED.xml is that feed (the CSV has no column for
currentBillingPeriodOverAllConsumption, so the open cycle's consumption is read from the
feed, with expat, and the feed must hold exactly the summaries the dump lists). Without
--feed the open cycle's consumption is not checked, and the summary line says so.
The expectation is computed here from the JSON alone, with the Python standard library
(exact decimals, zoneinfo); nothing is shared with espi's C code.

Exit 0 with a one-line summary when the bills are right; exit 1 listing the first
problems; exit 2 when the arguments are wrong or the input is one this oracle cannot
predict (a billing period starting or ending in a nonexistent local time, an unknown
flowDirection, no MONTHLY USAGE entry).

What is expected, per (accountNumber, serviceLocationNumber) of the MONTHLY USAGE entries
(one usage point each, matched to the dump's usage_point column by billing starts):
  * the series summed are the delivered ones (meters[].flowDirection FORWARD or TOTAL,
    joined by meters[].seriesId = series[].name), or the NET ones when there is none;
  * a point belongs to the billing period xToOrderedInterval[str(x)]; that period is the
    open (unbilled) cycle when x or interval.end is in the year 9999 ("Dec 9999"), else a
    closed one; a period exists when at least one summed USAGE point of it is not null;
  * each closed period is exactly one row: billing_start_utc = interval.start (the co-op's
    wall clock written as UTC ms) resolved in ZONE (fold=0 on a repeated hour),
    billing_start_local = the same instant with the zone's offset, billing_duration_s =
    the resolved interval.end minus the start (a period across a DST change is an hour
    shorter or longer than its wall length), consumption_raw = consumption = sum of
    round_half_away(y kWh * 1000) Wh, consumption_unit Wh, quality_of_reading 19,
    status_time_stamp_utc = the resolved end, commodity 1;
  * with cost (the COST entry of the same account and location, same series flow, not
    null): bill_last_period_raw = bill_to_date_raw = sum of round_half_away(y USD * 100000),
    bill_last_period / bill_to_date = the same in dollars (5 decimals),
    cost_additional_last_period_raw 0, currency USD; without cost those columns are empty;
  * the open cycle is not a bill: on the newest closed period (the latest start), its
    consumption is currentBillingPeriodOverAllConsumption (value Wh with uom 72 and
    powerOfTenMultiplier 0, timeStamp = the USAGE entry's endDateTime / 1000, a true UTC
    instant), and its cost (when there is one) replaces that row's bill_to_date; no other
    summary has a currentBillingPeriodOverAllConsumption;
  * a response with the open cycle only gives one summary that carries it (bill_to_date =
    its cost, the consumption in the feed as above); its billing period, if it has one,
    starts at the cycle's resolved start;
  * nothing else: no other row, no row twice, and the feed holds no summary the dump lacks.

--self-test first checks the genuine dump (it must pass), then doctored copies, each of which
must be rejected: a consumption off by 1 Wh, a row removed, a billing start shifted by an
hour, a bill off by 1 (hundred-thousandth of a dollar), the newest bill to date off by 1
and, with --feed, the open cycle's consumption off by 1 Wh in the feed. It prints one
'ok   self-test MODE: ...' or 'FAIL self-test MODE: ...' line per mode; exit 0 when every
doctored copy was rejected. The input must have bills (a COST entry).
"""
import argparse
import csv
import json
import re
import sys
import tempfile
import os
import xml.parsers.expat
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
ESPI = 'http://naesb.org/espi'
ATOM = 'http://www.w3.org/2005/Atom'
SUMMARIES = ('UsageSummary', 'ElectricPowerUsageSummary')
DELIVERED = ('FORWARD', 'TOTAL')
KNOWN_FLOWS = ('FORWARD', 'TOTAL', 'REVERSE', 'RETURN', 'NET')
OPEN_YEAR = 9999
MAX_LISTED = 12
NEEDED = ('usage_point', 'billing_start_utc', 'billing_start_local', 'billing_duration_s',
          'consumption_raw', 'consumption', 'consumption_unit', 'bill_last_period_raw',
          'bill_last_period', 'bill_to_date_raw', 'bill_to_date',
          'cost_additional_last_period_raw', 'currency', 'quality_of_reading',
          'status_time_stamp_utc', 'commodity', 'line')


class CannotJudge(Exception):
    pass


def round_half_away(d):
    return int(d.to_integral_value(rounding=ROUND_HALF_UP))


def iso(ts):
    return datetime.fromtimestamp(ts, UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def wall_of(ms):
    return datetime(1970, 1, 1) + timedelta(milliseconds=int(ms))


def resolve(wall, zone, what):
    """The UTC instant (epoch s) of a wall time of the zone; fold=0 on a repeated hour."""
    aware = wall.replace(tzinfo=zone, fold=0)
    back = datetime.fromtimestamp(aware.timestamp(), zone).replace(tzinfo=None)
    if back != wall:
        raise CannotJudge('%s: wall time %s does not exist in %s' % (what, wall, zone.key))
    return int(aware.timestamp())


def local_iso(ts, zone):
    return datetime.fromtimestamp(ts, zone).isoformat()


def dollars(hundred_thousandths):
    return (Decimal(hundred_thousandths) / 100000).quantize(Decimal('0.00001'))


# ---------------------------------------------------------------- the input

class Period:
    def __init__(self, start_ms, end_ms, name, is_open):
        self.start_ms, self.end_ms, self.name, self.open = start_ms, end_ms, name, is_open
        self.wh = 0
        self.points = 0
        self.cost = None   # hundred-thousandths, None = no cost
        self.start = self.end = None

    def label(self):
        return '%s (wall %s to %s)' % (self.name or '?', wall_of(self.start_ms).strftime('%Y-%m-%d %H:%M'),
                                       'open' if self.open else wall_of(self.end_ms).strftime('%Y-%m-%d %H:%M'))


class Location:
    """The bills of one (account, location): closed periods by UTC start, the open cycle."""

    def __init__(self, account, location):
        self.account, self.location = account, location
        self.closed = {}          # UTC start -> Period
        self.open = None
        self.as_of = None         # USAGE endDateTime / 1000
        self.has_cost_entry = False
        self.notes = []

    def label(self):
        return 'account %s location %s' % (self.account, self.location)

    def newest(self):
        return self.closed[max(self.closed)] if self.closed else None


def summed_series(entry, where):
    """Names of the series summed into bills: delivered, else net."""
    flows = {}
    for m in entry.get('meters') or []:
        flow = m.get('flowDirection')
        if flow not in KNOWN_FLOWS:
            raise CannotJudge('%s: meter %s has flowDirection %r' % (where, m.get('meterNumber'), flow))
        flows[m.get('seriesId')] = flow
    names = [s.get('name') for s in entry.get('series') or []]
    for n in names:
        if n not in flows:
            raise CannotJudge('%s: series %r has no meter (meters[].seriesId)' % (where, n))
    chosen = [n for n in names if flows[n] in DELIVERED]
    return chosen or [n for n in names if flows[n] == 'NET']


def period_of(entry, x, periods, where):
    iv = (entry.get('xToOrderedInterval') or {}).get(str(x))
    if not iv or 'interval' not in iv:
        raise CannotJudge('%s: x=%s has no xToOrderedInterval entry' % (where, x))
    start, end = int(iv['interval']['start']), int(iv['interval']['end'])
    if start not in periods:
        is_open = wall_of(x).year >= OPEN_YEAR if x < 253402300800000 else True
        is_open = is_open or end >= 253370764800000   # interval ends in 9999 or later
        periods[start] = Period(start, end, iv.get('orderedName'), is_open)
    return periods[start]


def add_points(entry, names, periods, scale, create, where):
    """Sums the points of the named series: {start_ms: sum}, scaled to integers."""
    sums = {}
    for s in entry.get('series') or []:
        if s.get('name') not in names:
            continue
        for pt in s.get('data') or []:
            y = pt.get('y')
            if y is None:
                continue
            if not isinstance(y, Decimal):
                y = Decimal(str(y))
            x = int(pt['x'])
            if not create:
                iv = (entry.get('xToOrderedInterval') or {}).get(str(x))
                if not iv or int(iv['interval']['start']) not in periods:
                    continue   # cost of a period without usage: not a bill
            p = period_of(entry, x, periods, where)
            sums[p.start_ms] = sums.get(p.start_ms, 0) + round_half_away(y * scale)
    return sums


def read_input(path, zone):
    with open(path, encoding='utf-8') as f:
        doc = json.load(f, parse_float=Decimal)
    if doc.get('status') != 'COMPLETE':
        raise CannotJudge('status %r, not COMPLETE' % doc.get('status'))
    entries = (doc.get('data') or {}).get('ELECTRIC') or []
    monthly = [e for e in entries if e.get('timeFrame') == 'MONTHLY']
    locations = {}
    for e in monthly:
        if e.get('type') != 'USAGE':
            continue
        key = (e.get('accountNumber'), e.get('serviceLocationNumber'))
        where = 'USAGE entry of account %s location %s' % key
        if key in locations:
            raise CannotJudge('%s: two MONTHLY USAGE entries' % where)
        loc = locations[key] = Location(*key)
        names = summed_series(e, where)
        if not names:
            raise CannotJudge('%s: no FORWARD, TOTAL or NET series' % where)
        periods = {}
        wh = add_points(e, names, periods, 1000, True, where)
        for start_ms, v in wh.items():
            periods[start_ms].wh = v
        cost_e = [c for c in monthly if c.get('type') == 'COST' and
                  (c.get('accountNumber'), c.get('serviceLocationNumber')) == key]
        if cost_e:
            loc.has_cost_entry = True
            c = cost_e[0]
            cost = add_points(c, summed_series(c, where.replace('USAGE', 'COST')), periods, 100000, False,
                              where.replace('USAGE', 'COST'))
            for start_ms, v in cost.items():
                periods[start_ms].cost = v
        if e.get('endDateTime') is not None:
            loc.as_of = int(e['endDateTime']) // 1000
        for p in periods.values():
            if p.open:
                if loc.open is not None:
                    raise CannotJudge('%s: two open billing cycles' % where)
                loc.open = p
                p.start = resolve(wall_of(p.start_ms), zone, p.label())
                continue
            p.start = resolve(wall_of(p.start_ms), zone, p.label())
            p.end = resolve(wall_of(p.end_ms), zone, p.label())
            if p.start in loc.closed:
                raise CannotJudge('%s: two periods start at %s' % (where, iso(p.start)))
            loc.closed[p.start] = p
    if not locations:
        raise CannotJudge('no MONTHLY USAGE entry under data.ELECTRIC')
    return list(locations.values())


# ---------------------------------------------------------------- the dump and the feed

def read_dump(path):
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.DictReader(f)
        missing = [c for c in NEEDED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError('dump has no column %s (header %s)' % (', '.join(missing), reader.fieldnames))
        rows = []
        for rec in reader:
            rec['_csv_line'] = reader.line_num
            rows.append(rec)
        return reader.fieldnames, rows


def read_feed(path):
    """Summaries of the feed by the line of their Atom entry: billing start and the
    currentBillingPeriodOverAllConsumption fields."""
    p = xml.parsers.expat.ParserCreate(namespace_separator=' ')
    stack, found = [], {}
    state = {'entry_line': None, 'summary': None, 'text': []}

    def local(name):
        ns, _, lname = name.rpartition(' ')
        return ns, lname

    def start(name, _attrs):
        ns, lname = local(name)
        stack.append(lname)
        state['text'] = []
        if ns == ATOM and lname == 'entry':
            state['entry_line'] = p.CurrentLineNumber
        elif ns == ESPI and lname in SUMMARIES and state['entry_line'] is not None:
            state['summary'] = {'element': lname, 'start': None, 'current': {}}
            found[state['entry_line']] = state['summary']

    def end(name):
        ns, lname = local(name)
        text = ''.join(state['text']).strip()
        s = state['summary']
        if s is not None and ns == ESPI:
            if stack[-2:] == ['billingPeriod', 'start']:
                s['start'] = text
            elif len(stack) >= 2 and stack[-2] == 'currentBillingPeriodOverAllConsumption':
                s['current'][lname] = text
            elif lname in SUMMARIES:
                state['summary'] = None
        if ns == ATOM and lname == 'entry':
            state['entry_line'] = None
        stack.pop()
        state['text'] = []

    def chars(data):
        state['text'].append(data)

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    with open(path, 'rb') as f:
        p.ParseFile(f)
    return found


# ---------------------------------------------------------------- the check

def num(text):
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return None


def show(r):
    return 'dump line %d: start %s duration %s consumption %s %s bill %s to date %s (xml line %s)' % (
        r['_csv_line'], r['billing_start_utc'] or 'none', r['billing_duration_s'] or 'none',
        r['consumption_raw'] or 'none', r['consumption_unit'], r['bill_last_period_raw'] or 'none',
        r['bill_to_date_raw'] or 'none', r['line'])


def expect_closed(loc, p, zone):
    """Column -> expected text of the row of closed period p."""
    newest = loc.newest() is p
    want = {
        'billing_start_utc': iso(p.start),
        'billing_start_local': local_iso(p.start, zone),
        'billing_duration_s': str(p.end - p.start),
        'consumption_raw': str(p.wh),
        'consumption': Decimal(p.wh),
        'consumption_unit': 'Wh',
        'quality_of_reading': '19',
        'status_time_stamp_utc': iso(p.end),
        'commodity': '1',
    }
    to_date = p.cost
    if newest and loc.open is not None and loc.open.cost is not None:
        to_date = loc.open.cost
    want['bill_last_period_raw'] = '' if p.cost is None else str(p.cost)
    want['bill_last_period'] = None if p.cost is None else dollars(p.cost)
    want['bill_to_date_raw'] = '' if to_date is None else str(to_date)
    want['bill_to_date'] = None if to_date is None else dollars(to_date)
    want['cost_additional_last_period_raw'] = '' if p.cost is None else '0'
    want['currency'] = 'USD' if to_date is not None else ''
    return want


def compare(row, want):
    diffs = []
    for col, w in want.items():
        got = row.get(col, '')
        if isinstance(w, Decimal) or w is None:
            g = num(got) if got != '' else None
            if g != w:
                diffs.append('%s %s, want %s' % (col, got or 'none', 'none' if w is None else w))
        elif got != w:
            diffs.append('%s %s, want %s' % (col, got or 'none', w or 'none'))
    return diffs


def check_current(loc, row, feed, problems, carries):
    """The feed summary of row: currentBillingPeriodOverAllConsumption iff carries."""
    s = feed.get(int(row['line'])) if row['line'].isdigit() else None
    if s is None:
        problems.append('%s %s: the feed has no summary entry at line %s' % (loc.label(), show(row), row['line']))
        return
    cur = s['current']
    if not carries:
        if cur:
            problems.append('%s %s: currentBillingPeriodOverAllConsumption %s on a summary that is not the '
                            'newest closed period' % (loc.label(), show(row), cur))
        return
    p = loc.open
    if not cur:
        problems.append('%s %s: no currentBillingPeriodOverAllConsumption; the open cycle %s has %d Wh'
                        % (loc.label(), show(row), p.label(), p.wh))
        return
    diffs = []
    try:
        value = int(cur.get('value', '')) * 10 ** int(cur.get('powerOfTenMultiplier', '0'))
    except ValueError:
        value = None
    if value != p.wh:
        diffs.append('value %s (x10^%s), want %d Wh' % (cur.get('value'), cur.get('powerOfTenMultiplier', '0'), p.wh))
    if cur.get('uom') != '72':
        diffs.append('uom %s, want 72 (Wh)' % cur.get('uom'))
    if loc.as_of is not None and cur.get('timeStamp') != str(loc.as_of):
        diffs.append('timeStamp %s, want %d (%s, the USAGE endDateTime)' % (cur.get('timeStamp'), loc.as_of,
                                                                          iso(loc.as_of)))
    if diffs:
        problems.append('%s, open cycle %s: currentBillingPeriodOverAllConsumption %s; %s'
                        % (loc.label(), p.label(), ', '.join(diffs), show(row)))


def check_location(loc, rows, zone, feed, problems):
    """Problems of the rows of one usage point against the bills of one location."""
    by_start = {}
    for r in rows:
        by_start.setdefault(r['billing_start_utc'], []).append(r)
    seen = set()
    newest = loc.newest()
    for start in sorted(loc.closed):
        p = loc.closed[start]
        key = iso(start)
        seen.add(key)
        rs = by_start.get(key, [])
        if not rs:
            problems.append('%s, period %s: missing (want start %s, %d Wh, bill %s)'
                            % (loc.label(), p.label(), key, p.wh, 'none' if p.cost is None else dollars(p.cost)))
            continue
        if len(rs) > 1:
            problems.append('%s, period %s: %d rows: %s' % (loc.label(), p.label(), len(rs),
                                                           '; '.join(show(r) for r in rs)))
            continue
        diffs = compare(rs[0], expect_closed(loc, p, zone))
        if diffs:
            problems.append('%s, period %s: %s; %s' % (loc.label(), p.label(), ', '.join(diffs), show(rs[0])))
        if feed is not None:
            check_current(loc, rs[0], feed, problems, p is newest and loc.open is not None)
    if not loc.closed and loc.open is not None:
        rs = [r for r in rows if r['billing_start_utc'] in ('', iso(loc.open.start))]
        if len(rs) != 1:
            problems.append('%s: the open cycle %s alone must give one summary; %d rows carry it'
                            % (loc.label(), loc.open.label(), len(rs)))
        else:
            r = rs[0]
            seen.add(r['billing_start_utc'])
            want = {'bill_to_date_raw': '' if loc.open.cost is None else str(loc.open.cost),
                    'bill_to_date': None if loc.open.cost is None else dollars(loc.open.cost),
                    'currency': '' if loc.open.cost is None else 'USD', 'commodity': '1'}
            diffs = compare(r, want)
            if diffs:
                problems.append('%s, open cycle %s alone: %s; %s' % (loc.label(), loc.open.label(),
                                                                    ', '.join(diffs), show(r)))
            if feed is not None:
                check_current(loc, r, feed, problems, True)
    for r in rows:
        if r['billing_start_utc'] not in seen:
            problems.append('%s: extra row, no billing period of the input starts at %s: %s'
                            % (loc.label(), r['billing_start_utc'] or '(none)', show(r)))


def check(locations, zone, rows, feed):
    problems = []
    if feed is not None:
        lines = {r['line'] for r in rows}
        for line, s in sorted(feed.items()):
            if str(line) not in lines:
                problems.append('the feed has a %s (entry line %d, billing start %s) the dump does not list'
                                % (s['element'], line, s['start'] or 'none'))
    groups = {}
    for r in rows:
        groups.setdefault(r['usage_point'], []).append(r)
    used = set()
    for loc in locations:
        want = {iso(s) for s in loc.closed} or ({'', iso(loc.open.start)} if loc.open else set())
        best, score = None, -1     # the most matching starts; else any usage point left
        for up, rs in sorted(groups.items()):
            n = sum(1 for r in rs if r['billing_start_utc'] in want)
            if up not in used and n > score:
                best, score = up, n
        if best is None:
            problems.append('%s: no usage point of the dump is left for its %d closed billing period(s)%s'
                            % (loc.label(), len(loc.closed), ' and open cycle' if loc.open else ''))
            continue
        used.add(best)
        check_location(loc, groups[best], zone, feed, problems)
    for up, rs in sorted(groups.items()):
        if up not in used:
            problems.append('usage point %s (%d rows) matches no location of the input; the first: %s'
                            % (up, len(rs), show(rs[0])))
    return problems


def describe(locations, feed):
    parts = []
    for loc in locations:
        closed = [loc.closed[s] for s in sorted(loc.closed)]
        wh = sum(p.wh for p in closed)
        bills = [p.cost for p in closed if p.cost is not None]
        text = '%s/%s: %d closed period(s), %s kWh' % (loc.account, loc.location, len(closed),
                                                       Decimal(wh) / 1000)
        if bills:
            text += ', $%s billed' % dollars(sum(bills))
        if loc.open is not None:
            text += ', open cycle %s kWh%s%s' % (Decimal(loc.open.wh) / 1000,
                                                 ' $%s' % dollars(loc.open.cost) if loc.open.cost is not None else '',
                                                 '' if feed is not None else ' (consumption not checked: no --feed)')
        parts.append(text)
    return '; '.join(parts)


# ---------------------------------------------------------------- self-test

def doctor(mode, rows, feed_path, tmpdir):
    """(rows, feed path, what) of a doctored copy; None when the mode cannot apply."""
    rows = [dict(r) for r in rows]
    closed = [r for r in rows if r['billing_start_utc']]
    if not closed:
        return None
    mid = closed[len(closed) // 2]
    if mode == 'value-1Wh':
        old = mid['consumption_raw']
        mid['consumption_raw'] = str(int(old) + 1)
        mid['consumption'] = str(Decimal(mid['consumption']) + 1)
        return rows, feed_path, 'row %d consumption %s -> %s Wh' % (mid['_csv_line'], old, mid['consumption_raw'])
    if mode == 'row-removed':
        r = rows.pop(0)
        return rows, None, 'row %d (start %s) removed (and no --feed, whose summary would betray it)' % (
            r['_csv_line'], r['billing_start_utc'])
    if mode == 'start-1h':
        r = closed[-1]
        old = r['billing_start_utc']
        t = datetime.strptime(old, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=UTC) + timedelta(hours=1)
        r['billing_start_utc'] = t.strftime('%Y-%m-%dT%H:%M:%SZ')
        if r['billing_start_local']:
            lt = datetime.fromisoformat(r['billing_start_local']) + timedelta(hours=1)
            r['billing_start_local'] = lt.isoformat()
        if r['billing_duration_s'].isdigit():
            r['billing_duration_s'] = str(int(r['billing_duration_s']) - 3600)   # same end
        return rows, feed_path, 'row %d start %s -> %s' % (r['_csv_line'], old, r['billing_start_utc'])
    if mode == 'bill-1':
        billed = [r for r in closed if r['bill_last_period_raw']]
        if not billed:
            return None
        r = billed[0]
        old = r['bill_last_period_raw']
        r['bill_last_period_raw'] = str(int(old) + 1)
        r['bill_last_period'] = str(Decimal(r['bill_last_period']) + Decimal('0.00001'))
        return rows, feed_path, 'row %d bill_last_period_raw %s -> %s' % (r['_csv_line'], old,
                                                                         r['bill_last_period_raw'])
    if mode == 'to-date-1':
        r = max(closed, key=lambda r: r['billing_start_utc'])
        if not r['bill_to_date_raw']:
            return None
        old = r['bill_to_date_raw']
        r['bill_to_date_raw'] = str(int(old) + 1)
        r['bill_to_date'] = str(Decimal(r['bill_to_date']) + Decimal('0.00001'))
        return rows, feed_path, 'newest row %d bill_to_date_raw %s -> %s' % (r['_csv_line'], old,
                                                                            r['bill_to_date_raw'])
    if mode == 'current-1Wh':
        if feed_path is None:
            return None
        with open(feed_path, encoding='utf-8') as f:
            text = f.read()
        pat = re.compile(r'(<(?:\w+:)?currentBillingPeriodOverAllConsumption>.*?<(?:\w+:)?value>)(-?\d+)(<)',
                         re.S)
        m = pat.search(text)
        if m is None:
            return None
        doctored = os.path.join(tmpdir, 'doctored-feed.xml')
        with open(doctored, 'w', encoding='utf-8') as f:
            f.write(text[:m.start(2)] + str(int(m.group(2)) + 1) + text[m.end(2):])
        return rows, doctored, 'feed currentBillingPeriodOverAllConsumption value %s -> %d Wh' % (
            m.group(2), int(m.group(2)) + 1)
    raise ValueError(mode)


SELF_TEST_MODES = ('value-1Wh', 'row-removed', 'start-1h', 'bill-1', 'to-date-1', 'current-1Wh')


def self_test(locations, zone, rows, feed_path, input_path):
    failed = 0
    feed = read_feed(feed_path) if feed_path else None
    genuine = check(locations, zone, rows, feed)
    if genuine:
        print('FAIL self-test genuine: the undoctored dump of %s is rejected, so the doctored ones prove '
              'nothing: %s' % (input_path, genuine[0]))
        return 1
    with tempfile.TemporaryDirectory() as tmpdir:
        for mode in SELF_TEST_MODES:
            d = doctor(mode, rows, feed_path, tmpdir)
            if d is None:
                print('FAIL self-test %s: %s has nothing this mode can doctor (use an input with bills and '
                      'an open cycle, and --feed)' % (mode, input_path))
                failed += 1
                continue
            drows, dfeed, what = d
            problems = check(locations, zone, drows, read_feed(dfeed) if dfeed else None)
            if problems:
                print('ok   self-test %s: %s: rejected (%s)' % (mode, what, problems[0][:200]))
            else:
                print('FAIL self-test %s: %s: accepted' % (mode, what))
                failed += 1
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description='Check the billing summaries espi made from a MONTHLY poll.')
    ap.add_argument('--tz', default='America/Los_Angeles', help='IANA zone of the co-op (default %(default)s)')
    ap.add_argument('--feed', help='the converted feed (for currentBillingPeriodOverAllConsumption)')
    ap.add_argument('--self-test', action='store_true', help='doctored dumps must be rejected')
    ap.add_argument('input')
    ap.add_argument('dump')
    args = ap.parse_args()
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        print('check_bills: unknown time zone %s: %s' % (args.tz, e), file=sys.stderr)
        return 2
    try:
        locations = read_input(args.input, zone)
    except (CannotJudge, OSError, ValueError, KeyError, TypeError) as e:
        print('check_bills: cannot judge %s: %s' % (args.input, e), file=sys.stderr)
        return 2
    try:
        _, rows = read_dump(args.dump)
        feed = read_feed(args.feed) if args.feed else None
    except (OSError, ValueError, csv.Error, xml.parsers.expat.ExpatError) as e:
        print('check_bills: FAIL %s: cannot read the dump or the feed: %s' % (args.input, e))
        return 1
    if args.self_test:
        return self_test(locations, zone, rows, args.feed, args.input)
    problems = check(locations, zone, rows, feed)
    if problems:
        print('check_bills: FAIL %s -> %s [%s]: %d problem(s)%s' % (
            args.input, args.dump, args.tz, len(problems),
            ', the first %d:' % MAX_LISTED if len(problems) > MAX_LISTED else ':'))
        for p in problems[:MAX_LISTED]:
            print('  - ' + p)
        return 1
    print('check_bills: OK %s [%s]: %d summaries: %s' % (args.input, args.tz, len(rows),
                                                          describe(locations, feed)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
