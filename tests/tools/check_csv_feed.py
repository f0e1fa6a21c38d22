#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for `espi convert` of a SmartHub Green Button CSV export.

usage: check_csv_feed.py [--tz ZONE] INPUT.csv OUTPUT.xml

INPUT.csv is a SmartHub CSV export (greenButtonCsvDownload: unlabelled blocks of rows
"YYYY-MM-DD HH:MM to YYYY-MM-DD HH:MM,<kWh or kW>,<events>,"), OUTPUT.xml the Green Button
feed espi made from it. The expectation is computed here from the CSV alone, with the
Python standard library (exact decimals, zoneinfo); nothing is shared with espi's C code,
and the blocks are told apart by another method than espi's: least squares.

Exit 0 with a one-line summary when the feed is right; exit 1 listing every problem; exit
2 when the input is one this oracle does not judge (two energy blocks, blocks whose roles
least squares cannot tell apart, a non-zero value in a nonexistent local time, ...).

What is expected:
  * blocks are runs of data rows; any other non-blank line ends one. A block whose
    "Type of readings" names kilowatts (not kilowatt-hours) is demand: one channel of
    flowDirection 1, uom 38 (W), kind 37, accumulationBehaviour 12, values kW * 1000.
  * energy blocks (uom 72, Wh, kind 12, accumulationBehaviour 4): one block is
    consumption (flowDirection 1) when no value is negative, generation (19) when none is
    positive, else net (4). Three blocks: of the assignments with consumption >= 0 and
    generation <= 0 (else >= 0), the one with the least sum of squared residuals of
    net - (consumption - |generation|) over the rows all three give; a second assignment
    giving other channels within 10 % of that sum (and within 1e-9 kWh^2) is not judged.
  * each non-empty row is a reading: value = kWh * 1000 rounded half away from zero,
    generation made non-negative; start = the row's start wall time in the zone, the
    second row of a repeated wall time with fold=1; a zero row at a nonexistent wall time
    is dropped; duration = the row's length, or for rows of whole days from midnight the
    real local days (82800 / 90000 s on DST days).
  * per channel, the MeterReading (joined by hrefs: MeterReading related = ReadingType
    self = IntervalBlock up) with the ReadingType of the channel's flowDirection and uom
    whose readings are exactly the expected (start, duration, value) set; no other
    MeterReading; intervalLength = the most common row length; the LocalTimeParameters'
    tzOffset and dstOffset are the zone's.
"""
import argparse
import collections
import re
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from itertools import permutations
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ATOM = '{http://www.w3.org/2005/Atom}'
ESPI = '{http://naesb.org/espi}'
ROW = re.compile(r'^\s*(\d{4}-\d\d-\d\d \d\d:\d\d) to (\d{4}-\d\d-\d\d \d\d:\d\d)\s*,([^,]*)(?:,.*)?$')
ROLES = {'consumption': 1, 'generation': 19, 'net': 4}


class CannotJudge(Exception):
    pass


def wall(text):
    return datetime.strptime(text, '%Y-%m-%d %H:%M')


def read_blocks(path):
    """[(unit, [(start_wall, end_wall, Decimal or None, line)])]"""
    blocks, current, unit = [], None, 'kWh'
    with open(path, encoding='utf-8-sig', newline='') as f:
        lines = f.read().replace('\r\n', '\n').split('\n')
    for number, line in enumerate(lines, 1):
        m = ROW.match(line)
        if m:
            if current is None:
                current = []
                blocks.append((unit, current))
                unit = 'kWh'
            value = m.group(3).strip()
            current.append((wall(m.group(1)), wall(m.group(2)), Decimal(value) if value else None, number))
            continue
        if not line.strip():
            continue
        current = None
        low = line.lower()
        if 'type of readings' in low:
            unit = 'kWh' if ('kilowatt-hour' in low or 'kwh' in low) else 'kW' if 'kilowatt' in low else '?'
            if unit == '?':
                raise CannotJudge('line %d: a unit other than kWh or kW' % number)
    return blocks


def keyed(rows):
    """(wall, occurrence) -> value, for rows that have one"""
    seen, out = collections.Counter(), {}
    for s, _, v, _ in rows:
        if v is not None:
            out[(s, seen[s])] = v
        seen[s] += 1
    return out


def residuals(c, g, n):
    rc, rg, rn = keyed(c), keyed(g), keyed(n)
    return sum((rn[k] - (rc[k] - abs(rg[k]))) ** 2 for k in rn if k in rc and k in rg)


def roles_of(energy):
    if len(energy) == 1:
        values = [v for _, _, v, _ in energy[0] if v is not None]
        neg, pos = any(v < 0 for v in values), any(v > 0 for v in values)
        return ['net' if neg and pos else 'generation' if neg else 'consumption']
    if len(energy) != 3:
        raise CannotJudge('%d energy blocks: only one or three are judged' % len(energy))

    def fits(rows, role, negative_generation):
        values = [v for _, _, v, _ in rows if v is not None]
        if role == 'consumption':
            return all(v >= 0 for v in values)
        if role == 'generation':
            return all(v <= 0 for v in values) if negative_generation else all(v >= 0 for v in values)
        return True

    for negative_generation in (True, False):
        scored = []
        for perm in permutations(ROLES):
            if all(fits(energy[i], perm[i], negative_generation) for i in range(3)):
                by = {perm[i]: energy[i] for i in range(3)}
                scored.append((residuals(by['consumption'], by['generation'], by['net']), perm))
        if scored:
            break
    if not scored:
        raise CannotJudge('no assignment of the three blocks fits their signs')
    scored.sort()
    best_score, best = scored[0]
    for score, perm in scored[1:]:
        same = all(keyed(energy[i]) == keyed(energy[best.index(perm[i])]) for i in range(3))
        if not same and score <= best_score * Decimal('1.1') + Decimal('1e-9'):
            raise CannotJudge('assignments %s and %s fit about equally (%s, %s kWh^2)'
                              % ('/'.join(best), '/'.join(perm), best_score, score))
    return list(best)


def exists(w, zone):
    return w.replace(tzinfo=zone).astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) == w


def expected_channel(rows, flow, zone, name):
    """start -> (duration, value); and the row lengths"""
    out, seen, lengths = {}, collections.Counter(), []
    for s, e, v, line in rows:
        occurrence = seen[s]
        seen[s] += 1
        if v is None:
            continue
        if not exists(s, zone):
            if v == 0:
                continue
            raise CannotJudge('line %d: a non-zero value at a nonexistent local time' % line)
        start = int(s.replace(tzinfo=zone, fold=occurrence).timestamp())
        length = int((e - s).total_seconds())
        if length % 86400 == 0 and s.time() == time(0):
            duration = int(e.replace(tzinfo=zone).timestamp()) - start
        else:
            duration = length
        magnitude = abs(v) if flow == 19 else v
        value = int((magnitude * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if start in out:
            raise CannotJudge('%s line %d: two rows at one instant' % (name, line))
        out[start] = (duration, value)
        lengths.append(length)
    return out, lengths


def text_of(el, path):
    found = el.find(path)
    return None if found is None or found.text is None else found.text.strip()


def int_of(el, path):
    t = text_of(el, path)
    return None if t is None else int(t)


def read_feed(path):
    """[(MeterReading label, ReadingType element or None, {start: (duration, value)}, n)], LTPs"""
    root = ET.parse(path).getroot()
    entries = []
    for entry in root.findall(ATOM + 'entry'):
        content = entry.find(ATOM + 'content')
        res = None if content is None else next(iter(content), None)
        kind = None if res is None else res.tag.replace(ESPI, '')
        links = collections.defaultdict(list)
        for link in entry.findall(ATOM + 'link'):
            links[link.get('rel')].append(link.get('href'))
        entries.append((kind, res, links, text_of(entry, ATOM + 'title') or ''))
    by_self = {links['self'][0]: (kind, res) for kind, res, links, _ in entries if links['self']}
    blocks = collections.defaultdict(list)
    for kind, res, links, _ in entries:
        if kind == 'IntervalBlock':
            for up in links['up']:
                blocks[up].append(res)
    out = []
    for kind, res, links, title in entries:
        if kind != 'MeterReading':
            continue
        rt, readings, n = None, {}, 0
        for href in links['related']:
            k, r = by_self.get(href, (None, None))
            if k == 'ReadingType':
                rt = r
            for ib in blocks.get(href, []):
                for ir in ib.findall(ESPI + 'IntervalReading'):
                    n += 1
                    readings[int_of(ir, ESPI + 'timePeriod/' + ESPI + 'start')] = (
                        int_of(ir, ESPI + 'timePeriod/' + ESPI + 'duration'), int_of(ir, ESPI + 'value'))
        out.append((title or links['self'][0], rt, readings, n))
    ltps = [res for kind, res, _, _ in entries if kind == 'LocalTimeParameters']
    return out, ltps


def check_reading_type(rt, want, problems, label):
    if rt is None:
        problems.append('%s: no ReadingType joins its MeterReading' % label)
        return
    for field, value in want.items():
        got = int_of(rt, ESPI + field)
        if got != value:
            problems.append('%s: ReadingType %s is %s, expected %s' % (label, field, got, value))


def main():
    ap = argparse.ArgumentParser(description='Check an espi feed against its SmartHub CSV export.')
    ap.add_argument('--tz', default='America/Los_Angeles')
    ap.add_argument('input')
    ap.add_argument('output')
    args = ap.parse_args()
    try:
        zone = ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        print('check_csv_feed: unknown time zone %s: %s' % (args.tz, e), file=sys.stderr)
        return 2
    name = '%s -> %s' % (args.input, args.output)
    try:
        blocks = read_blocks(args.input)
        energy = [rows for unit, rows in blocks if unit == 'kWh']
        demand = [rows for unit, rows in blocks if unit == 'kW']
        if not blocks or len(demand) > 1:
            raise CannotJudge('%d blocks, %d of them demand' % (len(blocks), len(demand)))
        channels = []  # (label, flow, uom, expected, lengths)
        for rows, role in zip(energy, roles_of(energy) if energy else []):
            exp, lengths = expected_channel(rows, ROLES[role], zone, role)
            channels.append(('%s (line %d)' % (role, rows[0][3]), ROLES[role], 72, exp, lengths))
        for rows in demand:
            exp, lengths = expected_channel(rows, 1, zone, 'demand')
            channels.append(('demand (line %d)' % rows[0][3], 1, 38, exp, lengths))
    except (CannotJudge, OSError, ValueError, ArithmeticError) as e:
        print('check_csv_feed: cannot judge %s: %s' % (args.input, e), file=sys.stderr)
        return 2
    try:
        meter_readings, ltps = read_feed(args.output)
    except (ET.ParseError, OSError, ValueError) as e:
        print('check_csv_feed: FAIL %s: the output cannot be read: %s' % (name, e))
        return 1

    problems, summary, used = [], [], set()
    for label, flow, uom, exp, lengths in channels:
        if not exp:
            continue
        candidates = [i for i, (_, rt, _, _) in enumerate(meter_readings)
                      if i not in used and rt is not None and int_of(rt, ESPI + 'flowDirection') == flow
                      and int_of(rt, ESPI + 'uom') == uom]
        exact = [i for i in candidates if meter_readings[i][2] == exp and meter_readings[i][3] == len(exp)]
        if not exact:
            problems.append('%s: no MeterReading of flowDirection %d, uom %d holds exactly its %d readings'
                            % (label, flow, uom, len(exp)))
            for i in candidates:
                got = meter_readings[i][2]
                for s in sorted(set(exp) ^ set(got))[:3]:
                    problems.append('  %s: at %s expected %s, got %s' % (meter_readings[i][0], s,
                                                                          exp.get(s), got.get(s)))
                for s in sorted(k for k in set(exp) & set(got) if exp[k] != got[k])[:3]:
                    problems.append('  %s: at %s expected %s, got %s' % (meter_readings[i][0], s, exp[s], got[s]))
            continue
        used.add(exact[0])
        usual = collections.Counter(lengths).most_common()
        usual = min(v for v, n in usual if n == usual[0][1])
        want = {'flowDirection': flow, 'uom': uom, 'intervalLength': usual, 'commodity': 1}
        want.update({'kind': 12, 'accumulationBehaviour': 4} if uom == 72 else
                    {'kind': 37, 'accumulationBehaviour': 12})
        check_reading_type(meter_readings[exact[0]][1], want, problems, label)
        summary.append('%s/%d: %d readings, %d %s' % (label.split()[0], flow, len(exp),
                                                       sum(v for _, v in exp.values()),
                                                       'Wh' if uom == 72 else 'W'))
    for i, (label, _, readings, n) in enumerate(meter_readings):
        if i not in used:
            problems.append('%s: an extra MeterReading (%d readings) of no block' % (label, n))
    if len(ltps) != 1:
        problems.append('%d LocalTimeParameters, expected 1' % len(ltps))
    else:
        first = min((s for _, _, _, exp, _ in channels for s in exp), default=0)
        at = datetime.fromtimestamp(first, timezone.utc).astimezone(zone)
        year = at.year
        std = int((at.utcoffset() - (at.dst() or timedelta(0))).total_seconds())
        dst = max(int((datetime(year, m, 15, tzinfo=zone).dst() or timedelta(0)).total_seconds())
                  for m in range(1, 13))
        for field, value in (('tzOffset', std), ('dstOffset', dst)):
            if int_of(ltps[0], ESPI + field) != value:
                problems.append('LocalTimeParameters %s is %s, expected %d' % (field, int_of(ltps[0], ESPI + field),
                                                                               value))
    if problems:
        print('check_csv_feed: FAIL %s: %d problem(s)' % (name, len(problems)))
        for p in problems:
            print('  - ' + p)
        return 1
    print('check_csv_feed: OK %s [%s]: %s' % (name, args.tz, '; '.join(summary)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
