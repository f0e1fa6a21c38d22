#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent oracle for `espi dump`: does DUMP.csv say what FEED.xml says?

usage: check_dump.py [--tz ZONE] [--file NAME] FEED.xml DUMP.csv
       check_dump.py [--tz ZONE] --summary FEED.xml...
       check_dump.py [--tz ZONE] [--file NAME] --emit-reference FEED.xml > REF.csv

FEED.xml is a Green Button (ESPI) file, DUMP.csv what `espi dump FEED.xml` printed (the
CSV readings format of docs/dump-format.md). The expectation is computed here from the
XML alone with the Python standard library (pyexpat, decimal, datetime, zoneinfo,
urllib.parse); nothing is shared with espi's C code.

Exit 0 with a one-line summary when the CSV is right; exit 1 listing every difference,
each with the line of its IntervalReading in FEED.xml; exit 2 when the arguments are wrong
or the feed is one `espi dump` must refuse (not well-formed, root neither atom:feed nor
atom:entry; a root atom:entry is a feed of that one entry).

How the feed is read:
  * elements are matched by namespace URI + local name, never by prefix; a reading is an
    ESPI IntervalReading whose parent is an ESPI IntervalBlock, wherever it is; only the
    reading's own children count (timePeriod/start, timePeriod/duration, value, cost, the
    first ReadingQuality/quality), so unknown elements, extensions and foreign-namespace
    look-alikes are ignored.
  * resources are the ESPI children of an entry's atom:content (or of the entry itself);
    the graph is joined by link hrefs resolved against xml:base (RFC 3986, urljoin;
    unresolved when there is no base), by exact string equality (docs/standard.md section 3):
    IntervalBlock up = MeterReading related; MeterReading related = ReadingType self;
    MeterReading up = UsagePoint related; UsagePoint related = LocalTimeParameters self.
    Where that joins nothing, by the layouts docs/dump-format.md lists ("Link layouts"),
    the first that finds a parent: up = the parent's self (2011); the parent's related =
    the child's self (Opower); hrefs below the parent's (hierarchical, the deepest); an up
    or related link naming the parent's written differently (one parent only); the file's
    only candidate (for a ReadingType: the only one no MeterReading has, for the only
    MeterReading without one). Entry order does not matter. When a join matches several
    entries (SCE's repeated self links), any of them is accepted.
  * start: integer epoch seconds; a fractional start is cut to its whole second; a value
    beyond 9999-12-31T23:59:59Z (253402300799) is taken as milliseconds and divided by 1000,
    fraction dropped.
  * start_local without --tz: the instant + tzOffset (+ dstOffset inside the DST period)
    of the UsagePoint's LocalTimeParameters, the DstRuleType rules decoded here
    (docs/standard.md section 6; the rule's hour is the wall clock in effect before the change, so
    US 360E2000/B40E2000 give exactly the real transitions). Rules that cannot be decoded
    (SCE's 16-bit B40E, Enbridge's epoch seconds, hour 31, month 0, ...) or an absurd
    tzOffset: empty or the standard offset is accepted. Rules that decode but look odd
    (day of month given with a weekday-occurrence operator, end before start, a dstOffset
    other than 0 < x <= 2 h): the literal result, the standard offset or empty. No LTP
    linked to the UsagePoint: empty, or (when the feed holds exactly one LTP) that LTP's
    time. With --tz: zoneinfo, for every reading.

What is checked, as a multiset (row order is free):
  * the header row (the documented 19 columns, further columns only after them); RFC 4180
    text: UTF-8, '\\n' line ends, no '\\r', fields quoted exactly when they hold a comma,
    a quote or a line break.
  * every IntervalReading appears exactly once: rows are paired with readings by their
    content, missing readings, unexpected rows and duplicates are listed.
  * per row: usage_point and meter_reading (the entry's atom:id as written, else its self
    href), commodity, kind, flow_direction, accumulation, start_utc, start_local,
    duration_s, value_raw, value (Decimal value_raw * 10**powerOfTenMultiplier compared as
    a number; the text must be plain decimal, no exponent), unit (the contract's names,
    uom<N> otherwise), cost_raw, cost (exactly five decimals, cost_raw / 100000), currency
    (ISO 4217 alphabetic for 840/124/978/826/36/392, else the number or some 3-letter
    code), quality, power_of_ten, file and line (the line of the IntervalReading start
    tag, any line the tag spans).
  * no ReadingType (untraced reading, broken link): value, unit, power_of_ten and the RT
    codes empty. A ReadingType without powerOfTenMultiplier: value empty or equal to
    value_raw, power_of_ten empty or 0.

--summary prints what it expects per file: the reading count, how many trace to a
MeterReading, a ReadingType and a UsagePoint, the sum of scaled values per unit, the cost
sum per currency, the readings it cannot scale (no value, no ReadingType, or a ReadingType
without uom or powerOfTenMultiplier), and the LocalTimeParameters verdict.
--emit-reference prints a CSV this oracle accepts (for the self-test).
"""
import argparse
import csv
import io
import re
import sys
import xml.parsers.expat
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ATOM = 'http://www.w3.org/2005/Atom'
ESPI = 'http://naesb.org/espi'
XMLNS = 'http://www.w3.org/XML/1998/namespace'
UTC = timezone.utc

COLUMNS = ['usage_point', 'meter_reading', 'commodity', 'kind', 'flow_direction',
           'accumulation', 'start_utc', 'start_local', 'duration_s', 'value_raw', 'value',
           'unit', 'cost_raw', 'cost', 'currency', 'quality', 'power_of_ten', 'file', 'line',
           'tou']

# The unit names docs/dump-format.md lists; other codes are uom<N> (or a name of espi's
# choosing that is not one of these).
UNITS = {72: 'Wh', 38: 'W', 61: 'VA', 63: 'VAr', 71: 'VAh', 73: 'VArh', 169: 'therm',
         42: 'm3', 119: 'ft3', 128: 'USgal', 31: 'J', 132: 'BTU', 6: 'K', 23: 'degC',
         5: 'A', 29: 'V', 33: 'Hz'}
CURRENCIES = {840: 'USD', 124: 'CAD', 978: 'EUR', 826: 'GBP', 36: 'AUD', 392: 'JPY'}
MAX_SECONDS = 253402300799  # 9999-12-31T23:59:59Z
RE_INT = re.compile(r'-?[0-9]+\Z')
RE_PLAIN_DECIMAL = re.compile(r'-?[0-9]+(\.[0-9]+)?\Z')
RE_COST = re.compile(r'-?[0-9]+\.[0-9]{5}\Z')
RE_ALPHA3 = re.compile(r'[A-Z]{3}\Z')


class Unreadable(Exception):
    """The feed is one espi dump must refuse; the message says why and where."""


# ------------------------------------------------------------------ XML tree with lines

class Node:
    __slots__ = ('ns', 'name', 'attrs', 'children', 'text', 'line', 'line_end', 'base',
                 'parent')

    def __init__(self, ns, name, attrs, line, base, parent):
        self.ns = ns
        self.name = name
        self.attrs = attrs
        self.children = []
        self.text = []
        self.line = line
        self.line_end = line
        self.base = base
        self.parent = parent

    def kids(self, ns, name):
        return [c for c in self.children if c.ns == ns and c.name == name]

    def kid(self, ns, name):
        for c in self.children:
            if c.ns == ns and c.name == name:
                return c
        return None

    def string(self):
        return ''.join(self.text)


def tag_end_line(data, offset, line):
    """Line of the '>' that closes the start tag beginning at byte offset."""
    quote = None
    i = offset
    n = len(data)
    while i < n:
        b = data[i]
        if quote:
            if b == quote:
                quote = None
        elif b in (0x22, 0x27):
            quote = b
        elif b == 0x3E:
            break
        i += 1
    return line + data.count(b'\n', offset, i)


def parse(path):
    with open(path, 'rb') as f:
        data = f.read()
    p = xml.parsers.expat.ParserCreate(namespace_separator=' ')
    p.buffer_text = True
    stack = []
    root = []

    def split(tag):
        if ' ' in tag:
            ns, name = tag.split(' ', 1)
            return ns, name
        return '', tag

    def start(tag, attrs):
        ns, name = split(tag)
        parent = stack[-1] if stack else None
        base = parent.base if parent else None
        xb = attrs.get(XMLNS + ' base')
        if xb is not None:
            base = urljoin(base, xb) if base else xb
        node = Node(ns, name, attrs, p.CurrentLineNumber, base, parent)
        if ns == ESPI and name == 'IntervalReading':
            node.line_end = tag_end_line(data, p.CurrentByteIndex, p.CurrentLineNumber)
        if parent is not None:
            parent.children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(tag):
        stack.pop()

    def chars(text):
        if stack:
            stack[-1].text.append(text)

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    try:
        p.Parse(data, True)
    except xml.parsers.expat.ExpatError as e:
        raise Unreadable('%s:%d: not well-formed XML: %s' % (path, e.lineno,
                                                            xml.parsers.expat.ErrorString(e.code)))
    r = root[0]
    if (r.ns, r.name) == (ATOM, 'entry'):
        # one resource, as an ESPI API answers: a feed of that one entry
        feed = Node(ATOM, 'feed', {}, r.line, None, None)
        feed.children.append(r)
        r.parent = feed
        return feed
    if (r.ns, r.name) != (ATOM, 'feed'):
        raise Unreadable('%s:%d: the root element is {%s}%s, not an Atom feed or entry'
                         % (path, r.line, r.ns, r.name))
    return r


# ------------------------------------------------------------------ numbers and time

def int_text(node):
    """(kind, value) of an element's text: ('none', None) when absent or empty,
    ('int', n), or ('bad', text) when it is not an integer."""
    if node is None:
        return ('none', None)
    t = node.string().strip()
    if t == '':
        return ('none', None)
    if RE_INT.match(t) or re.fullmatch(r'\+[0-9]+', t):
        return ('int', int(t))
    return ('bad', t)


def epoch_seconds(node):
    """Whole-second UTC start from a TimeType text: integers as they are, fractions cut,
    values beyond year 9999 taken as milliseconds. None when absent or unreadable."""
    if node is None:
        return None
    t = node.string().strip()
    if t == '':
        return None
    try:
        d = Decimal(t)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    v = int(d)  # truncates toward zero: fraction dropped
    if abs(v) > MAX_SECONDS:
        v = int(Decimal(v) / 1000)
    return v


def trimmed(href):
    return href.rstrip('/')


def below_depth(href, base):
    """len(base) when href lies strictly below base (base/x...), else 0."""
    b = trimmed(base or '')
    if not href or not b:
        return 0
    return len(b) if href.startswith(b + '/') and len(trimmed(href)) > len(b) else 0


def same_place(a, b):
    """One place written two ways: one href is the other's tail at a '/' (case aside)."""
    a, b = trimmed(a or ''), trimmed(b or '')
    if not a or not b:
        return False
    lng, sht = (a, b) if len(a) >= len(b) else (b, a)
    return (lng.lower().endswith(sht.lower()) and
            (len(lng) == len(sht) or lng[len(lng) - len(sht) - 1] == '/'))


def fmt_utc(ts):
    return (datetime(1970, 1, 1) + timedelta(seconds=ts)).strftime('%Y-%m-%dT%H:%M:%SZ')


def fmt_local(ts, offset):
    wall = datetime(1970, 1, 1) + timedelta(seconds=ts + offset)
    sign = '-' if offset < 0 else '+'
    m = abs(offset) // 60
    return wall.strftime('%Y-%m-%dT%H:%M:%S') + '%s%02d:%02d' % (sign, m // 60, m % 60)


def fmt_decimal(d):
    s = format(d, 'f')
    return s


def scaled(raw, mult):
    return Decimal(raw).scaleb(mult)


def cost_text(raw):
    return format((Decimal(raw) / Decimal(100000)).quantize(Decimal('0.00001')), 'f')


# ------------------------------------------------------------------ DstRuleType

def decode_rule(text):
    """('none',) for FFFFFFFF; ('rule', fields, odd_notes); ('bad', why)."""
    t = (text or '').strip()
    if not re.fullmatch(r'[0-9A-Fa-f]{1,8}', t):
        return ('bad', 'not 1-8 hex digits: %r' % t)
    v = int(t, 16)
    if v == 0xFFFFFFFF:
        return ('none',)
    month, op = v >> 28, (v >> 25) & 7
    dom, dow = (v >> 20) & 31, (v >> 17) & 7
    hour, sec = (v >> 12) & 31, v & 0xFFF
    why = []
    odd = []
    if not 1 <= month <= 12:
        why.append('month %d' % month)
    if hour > 23:
        why.append('hour %d' % hour)
    if sec > 3599:
        why.append('seconds %d' % sec)
    if op == 0:
        if not 1 <= dom <= 31:
            why.append('day of month %d with operator 0' % dom)
        if dow != 0:
            odd.append('day of week %d with operator 0' % dow)
    else:
        if not 1 <= dow <= 7:
            why.append('day of week %d with operator %d' % (dow, op))
        if op == 1 and not 1 <= dom <= 31:
            why.append('day of month %d with operator 1' % dom)
        if op >= 2 and dom != 0:
            odd.append('day of month %d with operator %d' % (dom, op))
    if len(t) != 8:
        odd.append('%d hex digits' % len(t))
    if why:
        return ('bad', '%s decodes to %s' % (t, ', '.join(why)))
    return ('rule', (month, op, dom, dow, hour, sec), odd)


def rule_local_seconds(fields, year):
    """Local seconds (as if UTC) of the rule in year, or None when the day does not exist."""
    month, op, dom, dow, hour, sec = fields
    first = date(year, month, 1)
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last = nxt - timedelta(days=1)
    if op == 0:
        if dom > last.day:
            return None
        day = date(year, month, dom)
    elif op == 1:
        if dom > last.day:
            return None
        day = date(year, month, dom)
        day += timedelta(days=(dow - day.isoweekday()) % 7)
    elif op == 7:
        day = last - timedelta(days=(last.isoweekday() - dow) % 7)
    else:
        day = first + timedelta(days=(dow - first.isoweekday()) % 7) + timedelta(weeks=op - 2)
        if day > last:
            return None
    return (day - date(1970, 1, 1)).days * 86400 + hour * 3600 + sec


class Ltp:
    """A LocalTimeParameters resource and the start_local values it allows."""

    def __init__(self, node, label):
        self.label = label
        kind_tz, self.tz = int_text(node.kid(ESPI, 'tzOffset'))
        kind_dst, self.dst = int_text(node.kid(ESPI, 'dstOffset'))
        s = node.kid(ESPI, 'dstStartRule')
        e = node.kid(ESPI, 'dstEndRule')
        self.start_text = s.string().strip() if s is not None else None
        self.end_text = e.string().strip() if e is not None else None
        self.problems = []   # the rules cannot be used: empty or standard offset
        self.oddities = []   # usable but odd: literal, standard or empty
        self.verdict = None
        self.cache = {}
        if kind_tz != 'int':
            self.tz = None
            self.problems.append('no usable tzOffset')
            self.verdict = 'unusable'
            return
        if abs(self.tz) > 14 * 3600:
            self.problems.append('tzOffset %d beyond 14 hours' % self.tz)
        if self.start_text is None or self.end_text is None:
            self.problems.append('a DST rule is missing')
            self.start = self.end = ('bad', 'missing')
        else:
            self.start = decode_rule(self.start_text)
            self.end = decode_rule(self.end_text)
        kinds = (self.start[0], self.end[0])
        if kinds == ('none', 'none'):
            self.verdict = 'no-dst'
        else:
            for which, r in (('dstStartRule', self.start), ('dstEndRule', self.end)):
                if r[0] == 'bad':
                    self.problems.append('%s %s' % (which, r[1]))
                elif r[0] == 'none':
                    self.problems.append('%s is FFFFFFFF but the other rule is not' % which)
                else:
                    self.oddities.extend('%s: %s' % (which, o) for o in r[2])
            if kind_dst != 'int':
                self.problems.append('no usable dstOffset')
            elif not 0 < self.dst <= 7200:
                self.oddities.append('dstOffset %d' % self.dst)
        if self.problems:
            self.verdict = 'unusable'
        elif self.verdict is None:
            self.verdict = 'odd' if self.oddities else 'ok'

    def describe(self):
        tz = 'tzOffset %s' % self.tz
        if self.verdict == 'no-dst':
            return '%s, no DST' % tz
        rules = '%s/%s dstOffset %s' % (self.start_text, self.end_text, self.dst)
        if self.verdict == 'ok':
            return '%s, %s' % (tz, rules)
        if self.verdict == 'odd':
            return '%s, %s (odd: %s; literal, standard or empty accepted)' % (
                tz, rules, '; '.join(self.oddities))
        return '%s, %s (unusable: %s; empty or standard offset accepted)' % (
            tz, rules, '; '.join(self.problems))

    def period(self, year):
        if year not in self.cache:
            a = rule_local_seconds(self.start[1], year)
            b = rule_local_seconds(self.end[1], year)
            if a is None or b is None:
                self.cache[year] = None
            else:
                self.cache[year] = (a - self.tz, b - self.tz - self.dst)
        return self.cache[year]

    def literal_offset(self, ts):
        """Offset of the literal reading of the rules, or None when a rule day is missing."""
        if self.verdict == 'no-dst':
            return self.tz
        year = (datetime(1970, 1, 1) + timedelta(seconds=ts + self.tz)).year
        per = self.period(year)
        if per is None:
            return None
        a, b = per
        if a < b:
            in_dst = a <= ts < b
        else:
            in_dst = ts >= a or ts < b
        return self.tz + self.dst if in_dst else self.tz

    def allowed(self, ts):
        """The start_local texts this LTP allows for instant ts; the first is canonical."""
        if self.verdict == 'unusable':
            return [fmt_local(ts, self.tz), ''] if self.tz is not None else ['']
        off = self.literal_offset(ts)
        if self.verdict == 'ok' and off is not None:
            return [fmt_local(ts, off)]
        out = []
        if off is not None:
            out.append(fmt_local(ts, off))
        out += [fmt_local(ts, self.tz), '']
        return out


# ------------------------------------------------------------------ the feed's graph

class Entry:
    def __init__(self, node, index):
        self.node = node
        self.index = index
        idn = node.kid(ATOM, 'id')
        self.id = idn.string().strip() if idn is not None else ''
        self.links = defaultdict(list)      # rel -> [resolved href]
        self.raw_links = defaultdict(list)  # rel -> [href as written]
        for link in node.kids(ATOM, 'link'):
            href = link.attrs.get('href')
            if href is None:
                continue
            rel = link.attrs.get('rel', 'alternate')
            self.raw_links[rel].append(href)
            self.links[rel].append(urljoin(link.base, href) if link.base else href)

    def identities(self):
        """Accepted usage_point/meter_reading texts: the id, else the self href."""
        if self.id:
            return [self.id]
        out = []
        for h in self.links.get('self', []) + self.raw_links.get('self', []):
            if h not in out:
                out.append(h)
        return out or ['']


def resources_of(entry_node):
    out = []
    for c in entry_node.children:
        if c.ns == ATOM and c.name == 'content':
            out += [g for g in c.children if g.ns == ESPI]
        elif c.ns == ESPI:
            out.append(c)
    return out


class Reading:
    """One IntervalReading and the row values it allows."""
    __slots__ = ('node', 'line', 'line_end', 'start', 'start_bad', 'duration', 'value',
                 'cost', 'quality', 'tou', 'contexts', 'untraced_mr')


class Feed:
    def __init__(self, path, tz=None):
        self.path = path
        self.root = parse(path)
        self.zone = tz
        self.entries = []
        self.by_type = defaultdict(list)   # resource name -> [(Entry, node)]
        self.ltps = {}
        self.readings = []
        for i, en in enumerate(self.root.kids(ATOM, 'entry')):
            e = Entry(en, i)
            self.entries.append(e)
            for r in resources_of(en):
                self.by_type[r.name].append((e, r))
        for e, node in self.by_type['LocalTimeParameters']:
            self.ltps[id(node)] = Ltp(node, (e.links.get('self') or ['(no self link)'])[0])
        self.entry_of = {id(e.node): e for e in self.entries}
        self.index()
        self.collect(self.root, None)

    def index(self):
        def by_rel(kind, rel):
            out = defaultdict(list)
            for e, node in self.by_type[kind]:
                for h in set(e.links.get(rel, [])):
                    out[h].append((e, node))
            return out
        self.rt_by_self = by_rel('ReadingType', 'self')
        self.ltp_by_self = by_rel('LocalTimeParameters', 'self')
        self.only_ltp = None
        if len(self.by_type['LocalTimeParameters']) == 1:
            self.only_ltp = self.ltps[id(self.by_type['LocalTimeParameters'][0][1])]
        self.mr_rts = self.reading_types_of_meter_readings()

    def uniq(self, pairs):
        seen = set()
        out = []
        for e, n in pairs:
            if id(n) not in seen:
                seen.add(id(n))
                out.append((e, n))
        return out

    def parents(self, kind, entry):
        """The entries of kind (MeterReading, UsagePoint) a child entry joins, by the first
        rule of docs/dump-format.md ("Link layouts") that finds any: its up link is a related
        link of the parent (ESPI); its up link is the parent's self link (2011); a related link
        of the parent is its self link (Opower); its self or up href lies below the parent's
        self href, or its self below a related href (hierarchical; the deepest); its up link
        names a related link written differently (only one such parent); the file's only
        one. Any of several found by one rule is accepted."""
        cands = self.by_type[kind]
        ups = entry.links.get('up', [])
        selfs = entry.links.get('self', [])[:1]
        for rule in (lambda p: any(h in p.links.get('related', []) for h in ups),
                     lambda p: any(h in p.links.get('self', [])[:1] for h in ups),
                     lambda p: any(h in p.links.get('related', []) for h in selfs)):
            found = [c for c in cands if rule(c[0])]
            if found:
                return self.uniq(found)
        depth = {}
        for c in cands:
            p = c[0]
            bases = p.links.get('self', [])[:1]
            d = max([below_depth(h, b) for h in ups + selfs for b in bases] +
                    [below_depth(h, b) for h in selfs for b in p.links.get('related', [])] + [0])
            if d:
                depth[id(c[1])] = d
        if depth:
            deepest = max(depth.values())
            return self.uniq([c for c in cands if depth.get(id(c[1])) == deepest])
        same = [c for c in cands if any(same_place(h, r) for h in ups
                                         for r in c[0].links.get('related', []))]
        if len(self.uniq(same)) == 1:
            return self.uniq(same)
        if len(cands) == 1:
            return list(cands)
        return []

    def reading_types_of_meter_readings(self):
        """{id(MeterReading node): [(entry, ReadingType node)]}: the ReadingTypes a related
        link names; else the only one a related link names written differently; else, for
        the only MeterReading left without one, the only ReadingType no MeterReading has."""
        rts = self.by_type['ReadingType']
        out = {}
        for mr_e, mr in self.by_type['MeterReading']:
            related = mr_e.links.get('related', [])
            found = self.uniq([r for h in related for r in self.rt_by_self.get(h, [])])
            if not found:
                same = self.uniq([r for r in rts for h in related
                                  if any(same_place(h, s) for s in r[0].links.get('self', [])[:1])])
                found = same if len(same) == 1 else []
            out[id(mr)] = found
        lacking = [mr for _e, mr in self.by_type['MeterReading'] if not out[id(mr)]]
        taken = {id(r[1]) for v in out.values() for r in v}
        spare = [r for r in rts if id(r[1]) not in taken]
        if len(lacking) == 1 and len(spare) == 1:
            out[id(lacking[0])] = spare
        return out

    def contexts_for_block(self, entry):
        """[(mr_entry, rt_node, up_entry, ltp)] the block's readings may be traced to."""
        if entry is None:
            return [(None, None, None, None)], True
        mrs = self.parents('MeterReading', entry)
        if not mrs:
            return [(None, None, None, None)], True
        out = []
        for mr_e, mr in mrs:
            rts = self.mr_rts.get(id(mr), [])
            ups = self.parents('UsagePoint', mr_e)
            for _rt_e, rt in (rts or [(None, None)]):
                for up_e, _up in (ups or [(None, None)]):
                    ltps = [None]
                    if up_e is not None:
                        found = self.uniq([l for h in up_e.links.get('related', [])
                                           for l in self.ltp_by_self.get(h, [])])
                        if found:
                            ltps = [self.ltps[id(n)] for _e, n in found]
                    for ltp in ltps:
                        out.append((mr_e, rt, up_e, ltp))
        return out, False

    def collect(self, node, entry):
        # iterative walk: files may be deep or long
        todo = [(node, entry)]
        while todo:
            n, e = todo.pop()
            if n.ns == ATOM and n.name == 'entry':
                e = self.entry_of.get(id(n), e)
            if n.ns == ESPI and n.name == 'IntervalBlock':
                ctx, untraced = self.contexts_for_block(e)
                for r in n.kids(ESPI, 'IntervalReading'):
                    self.readings.append(self.reading(r, ctx, untraced))
            for c in reversed(n.children):
                todo.append((c, e))
        self.readings.sort(key=lambda r: (r.line, r.node.line_end))

    def reading(self, node, ctx, untraced):
        r = Reading()
        r.node = node
        r.line = node.line
        r.line_end = node.line_end
        tp = node.kid(ESPI, 'timePeriod')
        st = tp.kid(ESPI, 'start') if tp is not None else None
        r.start = epoch_seconds(st)
        r.start_bad = st is not None and st.string().strip() != '' and r.start is None
        r.duration = int_text(tp.kid(ESPI, 'duration') if tp is not None else None)
        r.value = int_text(node.kid(ESPI, 'value'))
        r.cost = int_text(node.kid(ESPI, 'cost'))
        rq = node.kid(ESPI, 'ReadingQuality')
        r.quality = int_text(rq.kid(ESPI, 'quality') if rq is not None else None)
        r.tou = int_text(node.kid(ESPI, 'tou'))
        r.contexts = ctx
        r.untraced_mr = untraced
        return r


# ------------------------------------------------------------------ expected row values

def rt_code(rt, name):
    return int_text(rt.kid(ESPI, name)) if rt is not None else ('none', None)


def allowed_int(kv):
    """Accepted texts for an integer column."""
    kind, v = kv
    if kind == 'none':
        return ['']
    if kind == 'int':
        return [str(v)]
    return ['', v]


def unit_allowed(uom_kv):
    kind, v = uom_kv
    if kind == 'int':
        if v in UNITS:
            return [UNITS[v]]
        return ['uom%d' % v, ('other-name', v)]
    if kind == 'bad':
        return ['', 'uom' + v]
    return ['']


def currency_allowed(kv):
    kind, v = kv
    if kind == 'int':
        if v in CURRENCIES:
            return [CURRENCIES[v]]
        return [str(v), ('alpha3',)]
    if kind == 'bad':
        return ['', v]
    return ['']


class Expectation:
    """All rows one reading allows, as per-context dicts of accepted texts."""

    def __init__(self, feed, r, file_name):
        self.r = r
        self.fixed = {}
        f = self.fixed
        f['start_utc'] = [fmt_utc(r.start)] if r.start is not None else ['']
        f['duration_s'] = allowed_int(r.duration)
        f['value_raw'] = allowed_int(r.value)
        f['cost_raw'] = allowed_int(r.cost)
        f['cost'] = [cost_text(r.cost[1])] if r.cost[0] == 'int' else ['']
        f['quality'] = allowed_int(r.quality)
        f['file'] = [file_name]
        self.variants = []
        for mr_e, rt, up_e, ltp in r.contexts:
            v = {}
            v['usage_point'] = up_e.identities() if up_e is not None else ['']
            v['meter_reading'] = mr_e.identities() if mr_e is not None else ['']
            v['commodity'] = allowed_int(rt_code(rt, 'commodity'))
            v['kind'] = allowed_int(rt_code(rt, 'kind'))
            v['flow_direction'] = allowed_int(rt_code(rt, 'flowDirection'))
            v['accumulation'] = allowed_int(rt_code(rt, 'accumulationBehaviour'))
            # tou: the reading's own period, else its ReadingType's
            v['tou'] = allowed_int(r.tou if r.tou[0] == 'int' else rt_code(rt, 'tou'))
            v['currency'] = currency_allowed(rt_code(rt, 'currency'))
            uom = rt_code(rt, 'uom')
            mult = rt_code(rt, 'powerOfTenMultiplier')
            # (power_of_ten, value as Decimal or None, unit texts)
            scal = []
            units = unit_allowed(uom)
            if rt is None:
                scal.append(('', None, ['']))
            elif r.value[0] != 'int':
                if mult[0] == 'int':
                    scal.append((str(mult[1]), None, units + ([''] if units != [''] else [])))
                scal.append(('', None, units + ([''] if units != [''] else [])))
            elif mult[0] == 'int':
                scal.append((str(mult[1]), scaled(r.value[1], mult[1]), units))
            else:
                scal.append(('', None, units))
                scal.append(('', Decimal(r.value[1]), units))
                scal.append(('0', Decimal(r.value[1]), units))
            v['scaling'] = scal
            if r.start is None:
                v['start_local'] = ['']
            elif feed.zone is not None:
                off = int(datetime.fromtimestamp(r.start, feed.zone).utcoffset().total_seconds())
                v['start_local'] = [fmt_local(r.start, off)]
            elif ltp is not None:
                v['start_local'] = ltp.allowed(r.start)
            else:
                v['start_local'] = ['']
                if feed.only_ltp is not None:
                    v['start_local'] += [x for x in feed.only_ltp.allowed(r.start) if x]
            v['ltp'] = ltp
            v['rt'] = rt
            self.variants.append(v)

    def core_key(self):
        f = self.fixed
        return (f['start_utc'][0], norm_int(f['duration_s'][0]), norm_int(f['value_raw'][0]),
                norm_int(f['cost_raw'][0]))

    def reference_row(self):
        v = self.variants[0]
        pot, val, units = v['scaling'][0]
        row = {k: x[0] for k, x in self.fixed.items()}
        for k in ('usage_point', 'meter_reading', 'commodity', 'kind', 'flow_direction',
                  'accumulation', 'currency', 'start_local', 'tou'):
            row[k] = v[k][0]
        row['power_of_ten'] = pot
        row['value'] = '' if val is None else fmt_decimal(val)
        row['unit'] = units[0]
        row['line'] = str(self.r.line)
        return [row[c] for c in COLUMNS]

    # -------------------------------------------------------------- comparison

    def diff(self, row):
        """Differences between a CSV row (dict) and this reading: [(column, expected, got)],
        for the variant that fits best."""
        base = []
        for k, acc in self.fixed.items():
            got = row.get(k, '')
            if not text_ok(k, got, acc):
                base.append((k, describe(acc), got))
        try:
            line = int(row.get('line', ''))
        except ValueError:
            line = None
        if line is None or not self.r.line <= line <= self.r.line_end:
            want = str(self.r.line) if self.r.line == self.r.line_end else \
                '%d..%d' % (self.r.line, self.r.line_end)
            base.append(('line', want, row.get('line', '')))
        best = None
        for v in self.variants:
            d = []
            for k in ('usage_point', 'meter_reading', 'commodity', 'kind', 'flow_direction',
                      'accumulation', 'currency', 'start_local', 'tou'):
                got = row.get(k, '')
                if not text_ok(k, got, v[k]):
                    d.append((k, describe(v[k]), got))
            d += scaling_diff(v['scaling'], row)
            if best is None or len(d) < len(best):
                best = d
            if not d:
                break
        return base + best


def describe(acc):
    out = []
    for a in acc:
        if isinstance(a, tuple):
            out.append('uom<N> or another unit name' if a[0] == 'other-name' else 'a 3-letter code')
        else:
            out.append(repr(a) if a == '' else a)
    return ' or '.join(out)


def text_ok(col, got, acc):
    for a in acc:
        if isinstance(a, tuple):
            if a[0] == 'other-name' and got and got not in UNITS.values():
                return True
            if a[0] == 'alpha3' and RE_ALPHA3.match(got) and got not in CURRENCIES.values():
                return True
        elif col in ('duration_s', 'value_raw', 'cost_raw', 'quality', 'commodity', 'kind',
                     'flow_direction', 'accumulation', 'tou') and a != '' and RE_INT.match(a):
            if RE_INT.match(got) and int(got) == int(a):
                return True
        elif col == 'cost' and a != '':
            if RE_COST.match(got) and Decimal(got) == Decimal(a):
                return True
        elif got == a:
            return True
    return False


def scaling_diff(options, row):
    got_pot = row.get('power_of_ten', '')
    got_val = row.get('value', '')
    got_unit = row.get('unit', '')
    best = None
    for pot, val, units in options:
        d = []
        if not (got_pot == pot or (pot and RE_INT.match(got_pot) and int(got_pot) == int(pot))):
            d.append(('power_of_ten', repr(pot) if pot == '' else pot, got_pot))
        if val is None:
            if got_val != '':
                d.append(('value', "''", got_val))
        else:
            if not RE_PLAIN_DECIMAL.match(got_val):
                why = ' (exponent or not plain decimal text)' if got_val else ''
                d.append(('value', fmt_decimal(val), got_val + why))
            elif Decimal(got_val) != val:
                d.append(('value', fmt_decimal(val), got_val))
        if not text_ok('unit', got_unit, units):
            d.append(('unit', describe(units), got_unit))
        if best is None or len(d) < len(best):
            best = d
        if not d:
            break
    return best


# ------------------------------------------------------------------ the CSV side

def csv_field(s):
    if any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def read_csv(path, problems):
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        problems.append('CSV: not UTF-8 (byte %d)' % e.start)
        text = raw.decode('utf-8', 'replace')
    if '\r' in text:
        problems.append('CSV: holds a carriage return (line ends must be \\n only; '
                        'first at CSV line %d)' % (text[:text.index('\r')].count('\n') + 1))
    if text and not text.endswith('\n'):
        problems.append('CSV: the last line has no \\n line end')
    rows = []
    reader = csv.reader(io.StringIO(text, newline=''), strict=True)
    rebuilt = []
    try:
        prev = 0
        for rec in reader:
            rows.append((prev + 1, rec))
            prev = reader.line_num
            rebuilt.append(','.join(csv_field(x) for x in rec) + '\n')
    except csv.Error as e:
        problems.append('CSV: not RFC 4180 at CSV line %d: %s' % (reader.line_num, e))
    if not problems and ''.join(rebuilt) != text:
        # find the first record whose text differs (quoting, spaces, ...)
        pos = 0
        for (line, rec), r in zip(rows, rebuilt):
            if text[pos:pos + len(r)] != r:
                problems.append('CSV line %d: not written as the contract says (fields quoted '
                                'exactly when they hold a comma, a quote or a line break): %r'
                                % (line, text[pos:pos + len(r)].split('\n')[0][:200]))
                break
            pos += len(r)
    return rows


# ------------------------------------------------------------------ matching

def compare(feed, csv_path, file_name):
    problems = []
    rows = read_csv(csv_path, problems)
    if not rows:
        problems.append('CSV: empty (no header row)')
        return problems, 0
    header = rows[0][1]
    if header[:len(COLUMNS)] != COLUMNS:
        problems.append('CSV header is %s, expected %s' % (','.join(header), ','.join(COLUMNS)))
        return problems, 0
    body = []
    for line, rec in rows[1:]:
        if len(rec) != len(header):
            problems.append('CSV line %d: %d fields, the header has %d' % (line, len(rec), len(header)))
            continue
        body.append((line, dict(zip(header, rec))))

    exps = [Expectation(feed, r, file_name) for r in feed.readings]
    by_key = defaultdict(list)
    for j, (_line, row) in enumerate(body):
        k = (row['start_utc'], norm_int(row['duration_s']), norm_int(row['value_raw']),
             norm_int(row['cost_raw']))
        by_key[k].append(j)

    # 1. exact pairs: bipartite matching on rows that fit a reading in every column
    exact = []
    for i, e in enumerate(exps):
        k = e.core_key()
        exact.append([j for j in by_key.get(k, []) if not e.diff(body[j][1])])
    row_of = {}
    exp_of = {}
    for i in range(len(exps)):
        augment(i, exact, row_of, exp_of, set())
    # 2. near pairs: same start/duration/value/cost, then the same line
    free_rows = set(range(len(body))) - set(exp_of)
    free_exps = [i for i in range(len(exps)) if i not in row_of]
    diffs = []

    def take(i, cands):
        """Pairs expectation i with the candidate row it differs from least."""
        e = exps[i]
        j = min(cands, key=lambda j: len(e.diff(body[j][1])))
        free_rows.discard(j)
        row_of[i] = j
        exp_of[j] = i
        diffs.append((e, body[j][0], e.diff(body[j][1])))

    pending = []
    for i in free_exps:
        e = exps[i]
        k = e.core_key()
        cands = [j for j in by_key.get(k, []) if j in free_rows]
        if cands:
            take(i, cands)
        else:
            pending.append(i)
    by_line = defaultdict(list)
    for j in free_rows:
        by_line[body[j][1].get('line', '')].append(j)
    missing = []
    for i in pending:
        e = exps[i]
        cands = [j for ln in range(e.r.line, e.r.line_end + 1) for j in by_line.get(str(ln), [])
                 if j in free_rows]
        if cands:
            take(i, cands)
        else:
            missing.append(e)
    # 3. report
    found = []
    for e, csv_line, d in diffs:
        found.append((e.r.line, 'reading at line %d (CSV line %d, start %s): %s' % (
            e.r.line, csv_line, e.fixed['start_utc'][0] or '(none)',
            '; '.join('%s: expected %s, CSV has %r' % x for x in d))))
    for e in missing:
        found.append((e.r.line, 'reading at line %d (start %s, value %s) has no CSV row' % (
            e.r.line, e.fixed['start_utc'][0] or '(none)', e.fixed['value_raw'][0] or "''")))
    matched_text = defaultdict(list)
    for j, i in exp_of.items():
        matched_text[tuple(body[j][1].get(c) for c in COLUMNS)].append(body[j][0])
    for j in sorted(free_rows):
        line, row = body[j]
        same = matched_text.get(tuple(row.get(c) for c in COLUMNS))
        what = ('a duplicate of CSV line %d' % same[0]) if same else 'no such reading in the feed'
        try:
            where = int(row.get('line', ''))
        except ValueError:
            where = 0
        found.append((where, 'CSV line %d (line %s, start %s): unexpected row, %s' % (
            line, row.get('line', ''), row.get('start_utc', ''), what)))
    found.sort(key=lambda x: x[0])
    problems += [msg for _l, msg in found]
    return problems, len(exps)


def norm_int(s):
    return str(int(s)) if RE_INT.match(s or '') else s


def augment(i, adj, row_of, exp_of, seen):
    for j in adj[i]:
        if j in seen:
            continue
        seen.add(j)
        if j not in exp_of or augment(exp_of[j], adj, row_of, exp_of, seen):
            row_of[i] = j
            exp_of[j] = i
            return True
    return False


# ------------------------------------------------------------------ summary

def summarize(feed):
    n = len(feed.readings)
    traced_mr = sum(1 for r in feed.readings if r.contexts[0][0] is not None)
    traced_rt = sum(1 for r in feed.readings if r.contexts[0][1] is not None)
    traced_up = sum(1 for r in feed.readings if r.contexts[0][2] is not None)
    with_ltp = sum(1 for r in feed.readings if r.contexts[0][3] is not None)
    ambiguous = sum(1 for r in feed.readings if len(r.contexts) > 1)
    sums = defaultdict(lambda: [Decimal(0), 0])
    costs = defaultdict(lambda: [Decimal(0), 0])
    unscalable = defaultdict(int)
    for r in feed.readings:
        rt = r.contexts[0][1]
        if r.cost[0] == 'int':
            cur = currency_allowed(rt_code(rt, 'currency'))[0] or 'no currency'
            costs[cur][0] += Decimal(cost_text(r.cost[1]))
            costs[cur][1] += 1
        if r.value[0] != 'int':
            unscalable['no value'] += 1
            continue
        if rt is None:
            unscalable['no ReadingType'] += 1
            continue
        uom = rt_code(rt, 'uom')
        mult = rt_code(rt, 'powerOfTenMultiplier')
        if uom[0] != 'int' or mult[0] != 'int':
            unscalable['ReadingType without uom/powerOfTenMultiplier'] += 1
            continue
        unit = unit_allowed(uom)[0]
        sums[unit][0] += scaled(r.value[1], mult[1])
        sums[unit][1] += 1
    parts = ['%d readings' % n]
    if n:
        parts.append('traced: %d to a MeterReading, %d to a ReadingType, %d to a UsagePoint, '
                     '%d to an LTP%s' % (traced_mr, traced_rt, traced_up, with_ltp,
                                        ', %d ambiguous joins' % ambiguous if ambiguous else ''))
    parts.append('sums: ' + ('; '.join('%s %s (%d)' % (u, fmt_decimal(s), c)
                                       for u, (s, c) in sorted(sums.items())) or 'none'))
    if costs:
        parts.append('cost: ' + '; '.join('%s %s (%d)' % (u, fmt_decimal(s), c)
                                          for u, (s, c) in sorted(costs.items())))
    un = sum(unscalable.values())
    parts.append('unscalable %d%s' % (un, ' (%s)' % ', '.join(
        '%s %d' % kv for kv in sorted(unscalable.items())) if un else ''))
    ltps = [feed.ltps[id(nd)] for _e, nd in feed.by_type['LocalTimeParameters']]
    if feed.zone is not None:
        parts.append('start_local from --tz %s' % feed.zone.key)
    elif ltps:
        parts.append('LTP: ' + ' | '.join(l.describe() for l in ltps))
    else:
        parts.append('no LTP (start_local empty)')
    return parts


def main():
    ap = argparse.ArgumentParser(description='Check an `espi dump` CSV against its Green Button feed.')
    ap.add_argument('--tz', help='IANA zone given to espi dump --tz')
    ap.add_argument('--file', help='the name espi dump was given (default: FEED as written)')
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument('--summary', action='store_true', help='print the expected figures of each FEED')
    mode.add_argument('--emit-reference', action='store_true', help='print a CSV this oracle accepts')
    ap.add_argument('paths', nargs='+', metavar='FILE')
    a = ap.parse_args()
    zone = None
    if a.tz:
        try:
            zone = ZoneInfo(a.tz)
        except (ZoneInfoNotFoundError, ValueError):
            print('check_dump: unknown time zone %r' % a.tz, file=sys.stderr)
            return 2
    if a.summary:
        rc = 0
        for p in a.paths:
            try:
                feed = Feed(p, zone)
            except Unreadable as e:
                print('%s: unreadable, espi dump must exit 1: %s' % (p, e))
                continue
            except OSError as e:
                print('%s: %s' % (p, e))
                rc = 2
                continue
            print('%s: %s' % (p, '; '.join(summarize(feed))))
        return rc
    if a.emit_reference:
        if len(a.paths) != 1:
            ap.error('--emit-reference takes one FEED')
        try:
            feed = Feed(a.paths[0], zone)
        except Unreadable as e:
            print('check_dump: %s' % e, file=sys.stderr)
            return 2
        name = a.file if a.file is not None else a.paths[0]
        out = sys.stdout
        out.write(','.join(COLUMNS) + '\n')
        for r in feed.readings:
            out.write(','.join(csv_field(x) for x in Expectation(feed, r, name).reference_row()) + '\n')
        return 0
    if len(a.paths) != 2:
        ap.error('expected FEED.xml DUMP.csv')
    feed_path, csv_path = a.paths
    try:
        feed = Feed(feed_path, zone)
    except Unreadable as e:
        print('check_dump: cannot judge: %s (espi dump must refuse this file)' % e)
        return 2
    name = a.file if a.file is not None else feed_path
    problems, n = compare(feed, csv_path, name)
    if problems:
        print('check_dump: %d difference(s) between %s and %s:' % (len(problems), csv_path, feed_path))
        for p in problems:
            print('  - ' + p)
        return 1
    print('check_dump: OK %s: %s' % (feed_path, '; '.join(summarize(feed))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
