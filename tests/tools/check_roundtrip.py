#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Round trip: does `espi dump --unit kWh` of the converted feed give back every input reading?

usage: check_roundtrip.py [--tz ZONE] [--convert-log FILE] INPUT.json DUMP.csv

INPUT.json is a SmartHub usage poll response (status COMPLETE); DUMP.csv is what
`espi dump --unit kWh` printed for the feed that `espi convert --tz ZONE` made from it.
The input is read with the functions of check_feed.py (the project's independent oracle:
Python standard library, exact decimals, zoneinfo); nothing is shared with espi's C code.

Exit 0 with a one-line summary when every reading came back; exit 1 listing the first
problems; exit 2 when the arguments are wrong or the input is one that check_feed.py
cannot predict (its CannotJudge cases).

What must come back, per input channel (meterNumber + ESPI flowDirection, as check_feed.py
defines them: FORWARD/TOTAL 1, REVERSE/RETURN 19, NET 4):
  * every non-null USAGE point exactly once, as one CSV row of one MeterReading (rows are
    grouped by the meter_reading column; each group must have a single flow_direction and
    is matched to the input channel of that flow whose readings it holds);
  * start_utc = the point's wall time x (local time written as UTC ms) resolved in ZONE,
    the first occurrence of an x with fold=0 and a second one (fall-back hour) with fold=1;
  * duration_s = xToOrderedInterval end - start for sub-day points (without the map, the
    most common spacing of the series, cut at the next point); whole-day points last the
    real local day (82800 / 90000 s on DST days);
  * value = y in kWh (|y| on flowDirection 19), unit kWh, compared as exact decimals; an
    input with digits below 1 Wh is expected rounded half away from zero to whole Wh (as the
    README documents) and counted as such;
  * cost = the COST y of the same channel, x and occurrence, in dollars, exact (rounded
    half away from zero to 5 decimals when the input has more), currency USD; no cost on
    the row when the input has none for that point.
The documented exceptions (docs/smarthub.md 5.4, 5.5), as check_feed.py computes them: a
zero point whose wall time does not exist (spring-forward gap) is dropped; a non-zero one
is added to the reading after the gap (or becomes it); a zero point inside another point's
interval is dropped. None may go silently: with --convert-log (convert's stderr) a
'dst-gap-zero', 'dst-gap-folded' or 'stray-point' warning naming its local time and series
must be there. Rows must number exactly the non-null points minus those drops, and the dump
must hold no reading the input lacks. Gas and water values are compared in their own unit
(ft3, therm, US gallons), which `--unit kWh` leaves as they are.
"""
import argparse
import collections
import csv
import os
import sys
from datetime import datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_feed import (DAY_MS, CannotJudge, ambiguous, exists,  # noqa: E402
                        local_midnight, read_input, wall_of, resolve_points, grid_of,
                        fold_phantoms, settle_overlaps)

UTC = timezone.utc
MAX_LISTED = 12
WH = Decimal('0.001')
CENT5 = Decimal('0.00001')
NEEDED = ('meter_reading', 'flow_direction', 'start_utc', 'duration_s', 'value', 'unit',
          'cost', 'currency')


def iso(ts):
    return datetime.fromtimestamp(ts, UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def fmt_dec(d):
    return 'none' if d is None else format(d, 'f')


class Point:
    """One non-null input USAGE point and what the dump must show for it."""

    def __init__(self, ch, x, occ, y):
        self.ch = ch
        self.x = x
        self.occ = occ
        self.y = y
        self.wall = wall_of(x)
        self.start = None
        self.duration = None
        self.kwh = None          # expected dump value, kWh
        self.kwh_rounded = False
        self.cost = None         # expected dump cost, dollars (None = no cost)
        self.cost_rounded = False

    def where(self):
        second = ' (second occurrence)' if self.occ else ''
        return '%s x=%d wall %s%s y=%s' % (self.ch.label(), self.x, self.wall.strftime('%Y-%m-%d %H:%M'),
                                          second, fmt_dec(self.y))

    def want(self):
        return 'start %s +%ds value %s kWh cost %s' % (iso(self.start), self.duration, fmt_dec(self.kwh),
                                                       fmt_dec(self.cost))


# the unit `espi dump --unit kWh` shows a channel's values in: kWh for energy in Wh, the
# ReadingType's own unit for the rest (gas in ft3 or therms, water in US gallons)
DUMP_UNITS = {72: ('kWh', -3), 119: ('ft3', None), 169: ('therm', None), 128: ('USgal', None)}


class Gone:
    """An input point that gives no row of its own, and the warning that must say so."""

    def __init__(self, ch, wall, code):
        self.ch = ch
        self.wall = wall
        self.code = code

    def where(self):
        return '%s wall %s' % (self.ch.label(), self.wall.strftime('%Y-%m-%d %H:%M'))


def expected_points(ch, cost_ch, zone):
    """(points, gone) of one channel: the readings check_feed.py expects (spring-gap
    phantoms folded into the next hour, stray zeros dropped), as dump rows; and the input
    points that give no row: spring-gap zeros, stray zeros, folded phantoms."""
    pts = resolve_points(ch, cost_ch, zone)
    on_grid = grid_of(pts)
    fold_phantoms(ch, pts, zone)
    kept = settle_overlaps(ch, pts, on_grid)
    uom, _, digits, power = ch.unit
    unit, shown = DUMP_UNITS.get(uom, (None, None))
    exponent = power if shown is None else shown
    points = []
    for k in kept:
        p = Point(ch, k['x'], k['occ'], k['exact'])
        p.start, p.duration = k['start'], k['duration']
        p.unit = unit
        raw = (k['exact'] * (Decimal(10) ** digits)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        p.kwh = raw.scaleb(exponent)
        p.kwh_rounded = p.kwh != k['exact'] * (Decimal(10) ** (digits + exponent))
        if k['cost_exact'] is not None:
            p.cost = k['cost_exact'].quantize(CENT5, rounding=ROUND_HALF_UP)
            p.cost_rounded = p.cost != k['cost_exact']
        points.append(p)
    gone = [Gone(ch, w, 'dst-gap-zero') for w in ch.dropped] + \
        [Gone(ch, w, 'stray-point') for w in ch.strays] + [Gone(ch, w, 'dst-gap-folded') for w in ch.folded]
    for w in ch.moved:  # a phantom written as the next reading: said too
        gone.append(Gone(ch, w, 'dst-gap-folded'))
        gone[-1].row = True
    return points, gone


class Row:
    def __init__(self, rec, csv_line):
        self.csv_line = csv_line
        self.meter_reading = rec['meter_reading']
        self.flow_text = rec['flow_direction']
        self.start_text = rec['start_utc']
        self.duration_text = rec['duration_s']
        self.value_text = rec['value']
        self.unit = rec['unit']
        self.cost_text = rec['cost']
        self.currency = rec['currency']
        self.xml_line = rec.get('line', '')
        self.problems = []
        self.flow = self.start = self.duration = self.value = self.cost = None
        try:
            self.flow = int(self.flow_text)
        except ValueError:
            self.problems.append('flow_direction %r is not an integer' % self.flow_text)
        try:
            self.start = int(datetime.strptime(self.start_text, '%Y-%m-%dT%H:%M:%SZ')
                             .replace(tzinfo=UTC).timestamp())
        except ValueError:
            self.problems.append('start_utc %r is not YYYY-MM-DDTHH:MM:SSZ' % self.start_text)
        try:
            self.duration = int(self.duration_text)
        except ValueError:
            self.problems.append('duration_s %r is not an integer' % self.duration_text)
        self.value = self.decimal('value', self.value_text)
        if self.value_text == '':
            self.problems.append('no value')
        if self.unit not in [u for u, _ in DUMP_UNITS.values()]:
            self.problems.append('unit %r, expected kWh (dump --unit kWh), or ft3, therm or USgal' % self.unit)
        self.cost = self.decimal('cost', self.cost_text)
        if self.cost is not None and self.currency != 'USD':
            self.problems.append('cost %s in currency %r, expected USD' % (self.cost_text, self.currency))

    def decimal(self, name, text):
        if text == '':
            return None
        try:
            d = Decimal(text)
        except InvalidOperation:
            d = None
        if d is None or not d.is_finite():
            self.problems.append('%s %r is not a decimal number' % (name, text))
            return None
        return d

    def show(self):
        return 'dump line %d: start_utc %s duration_s %s value %s %s cost %s%s (meter_reading %s, flow %s, xml line %s)' % (
            self.csv_line, self.start_text, self.duration_text, self.value_text or 'none', self.unit,
            self.cost_text or 'none', ' ' + self.currency if self.currency else '', self.meter_reading,
            self.flow_text, self.xml_line)


def read_dump(path):
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.DictReader(f)
        missing = [c for c in NEEDED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError('dump has no column %s (header %s)' % (', '.join(missing), reader.fieldnames))
        rows = []
        for rec in reader:
            # reader.line_num is the physical line the record ended on (no field here spans lines)
            rows.append(Row(rec, reader.line_num))
    return rows


def matches(p, r):
    return (r.start == p.start and r.duration == p.duration and r.value == p.kwh
            and r.cost == p.cost and r.unit == p.unit)


def main():
    ap = argparse.ArgumentParser(description='Check that espi dump gives back every SmartHub input reading.')
    ap.add_argument('--tz', default='America/Los_Angeles', help='IANA zone of the co-op (default %(default)s)')
    ap.add_argument('--convert-log', help="espi convert's stderr: every dropped spring-gap zero must be warned there")
    ap.add_argument('input')
    ap.add_argument('dump')
    args = ap.parse_args()
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        print('check_roundtrip: unknown time zone %s: %s' % (args.tz, e), file=sys.stderr)
        return 2

    try:
        usage, cost, notes, _ = read_input(args.input)
        channels = []   # (channel, points, dropped)
        for key, ch in usage.items():
            pts, dropped = expected_points(ch, cost.get(key), zone)
            channels.append((ch, pts, dropped))
    except (CannotJudge, OSError, ValueError) as e:
        print('check_roundtrip: cannot judge %s: %s' % (args.input, e), file=sys.stderr)
        return 2
    try:
        rows = read_dump(args.dump)
    except (OSError, ValueError, csv.Error) as e:
        print('check_roundtrip: FAIL %s: cannot read the dump %s: %s' % (args.input, args.dump, e))
        return 1
    log = None
    if args.convert_log:
        try:
            with open(args.convert_log, encoding='utf-8', errors='replace') as f:
                log = f.read().splitlines()
        except OSError as e:
            print('check_roundtrip: cannot read %s: %s' % (args.convert_log, e), file=sys.stderr)
            return 2

    problems = []
    for r in rows:
        for msg in r.problems:
            problems.append('%s: %s' % (r.show(), msg))

    # rows grouped by MeterReading; one flow direction per group
    groups = {}
    for r in rows:
        groups.setdefault(r.meter_reading, []).append(r)
    group_flow = {}
    for mr, rs in groups.items():
        flows = sorted({r.flow_text for r in rs})
        if len(flows) != 1:
            problems.append('meter_reading %s has rows of several flow directions %s' % (mr, ', '.join(flows)))
        group_flow[mr] = rs[0].flow

    # match input channels to groups: same flow, most readings equal (an exact match first)
    live = [(ch, pts, dr) for ch, pts, dr in channels if pts]
    matched = {}
    used = set()
    for exact_pass in (True, False):
        for ch, pts, _ in live:
            if id(ch) in matched:
                continue
            best, best_score = None, -1
            for mr, rs in groups.items():
                if mr in used or group_flow[mr] != ch.flow:
                    continue
                got = {}
                for r in rs:
                    got.setdefault(r.start, []).append(r)
                score = sum(1 for p in pts if len(got.get(p.start, [])) == 1 and matches(p, got[p.start][0]))
                if exact_pass:
                    if score == len(pts) == len(rs):
                        best = mr
                        break
                    continue
                if score > best_score:
                    best, best_score = mr, score
            if best is not None:
                used.add(best)
                matched[id(ch)] = best

    n_points = n_found = n_cost = n_kwh_rounded = n_cost_rounded = n_dropped = 0
    summary = []
    for ch, pts, dropped in channels:
        rowless = len([g for g in dropped if not getattr(g, 'row', False)])
        n_points += len(pts) + rowless
        n_dropped += rowless
        for p in dropped:
            if log is None:
                continue
            stamp = p.wall.strftime('%Y-%m-%d %H:%M')
            if not any(p.code in l and stamp in l and '[series %s]' % ch.series_name in l for l in log):
                problems.append('%s: dropped or folded without a %s warning naming %s and series %s'
                                % (p.where(), p.code, stamp, ch.series_name))
        if not pts:
            if dropped:
                summary.append('%s/%d: 0 readings, %d points dropped' % (ch.meter_no, ch.flow, len(dropped)))
            continue
        mr = matched.get(id(ch))
        if mr is None:
            problems.append('%s: no MeterReading with flow_direction %d in the dump; all %d readings missing, '
                            'the first: %s -> want %s' % (ch.label(), ch.flow, len(pts), pts[0].where(), pts[0].want()))
            continue
        got = {}
        for r in groups[mr]:
            got.setdefault(r.start, []).append(r)
        want_starts = set()
        found = 0
        for p in pts:
            want_starts.add(p.start)
            rs = got.get(p.start, [])
            if not rs:
                problems.append('%s: missing in the dump (want %s)' % (p.where(), p.want()))
                continue
            if len(rs) > 1:
                problems.append('%s: %d rows with start_utc %s: %s' % (p.where(), len(rs), iso(p.start),
                                                                     '; '.join(r.show() for r in rs)))
                continue
            r = rs[0]
            diffs = []
            if r.duration != p.duration:
                diffs.append('duration %s, want %d' % (r.duration_text, p.duration))
            if r.value != p.kwh or r.unit != p.unit:
                diffs.append('value %s %s, want %s %s' % (r.value_text or 'none', r.unit, fmt_dec(p.kwh), p.unit))
            if r.cost != p.cost:
                diffs.append('cost %s, want %s' % (r.cost_text or 'none', fmt_dec(p.cost)))
            if diffs:
                problems.append('%s: %s; %s' % (p.where(), ', '.join(diffs), r.show()))
                continue
            found += 1
            n_cost += p.cost is not None
            n_kwh_rounded += p.kwh_rounded
            n_cost_rounded += p.cost_rounded
        n_found += found
        for r in groups[mr]:
            if r.start not in want_starts:
                problems.append('%s: extra row, no input point at %s: %s' % (ch.label(), r.start_text, r.show()))
        total = sum(p.kwh for p in pts)
        costs = [p.cost for p in pts if p.cost is not None]
        summary.append('%s/%d: %d/%d readings, %s %s%s%s' % (
            ch.meter_no, ch.flow, found, len(pts), fmt_dec(total), pts[0].unit,
            ', $%s' % fmt_dec(sum(costs)) if costs else '',
            ''.join(', %d %s' % (n, code) for code, n in
                    sorted(collections.Counter(g.code for g in dropped).items()))))
    for mr, rs in groups.items():
        if mr not in used:
            problems.append('meter_reading %s (flow %s, %d rows) matches no input channel; the first: %s'
                            % (mr, rs[0].flow_text, len(rs), rs[0].show()))
    n_expected = n_points - n_dropped
    if len(rows) != n_expected:
        problems.append('the dump has %d rows; the input has %d non-null points, %d of them spring-gap zeros, '
                        'stray zeros or folded phantoms (as documented), so %d rows were expected'
                        % (len(rows), n_points, n_dropped, n_expected))
    if n_points == 0:
        problems.append('the input has no non-null USAGE point at all')

    if problems:
        print('check_roundtrip: FAIL %s -> %s [%s]: %d problem(s)%s' % (
            args.input, args.dump, args.tz, len(problems),
            ', the first %d:' % MAX_LISTED if len(problems) > MAX_LISTED else ':'))
        for p in problems[:MAX_LISTED]:
            print('  - ' + p)
        return 1
    extras = []
    if n_dropped:
        extras.append('%d point(s) dropped or folded%s' % (n_dropped, ' with a warning' if log is not None else ''))
    if n_kwh_rounded:
        extras.append('%d value(s) rounded to whole Wh' % n_kwh_rounded)
    if n_cost_rounded:
        extras.append('%d cost(s) rounded to 5 decimals' % n_cost_rounded)
    print('check_roundtrip: OK %s [%s]: %d of %d non-null points back, %d with cost%s; %s%s' % (
        args.input, args.tz, n_found, n_points, n_cost,
        ''.join(', ' + e for e in extras), '; '.join(summary), ''.join(' (%s)' % n for n in notes)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
