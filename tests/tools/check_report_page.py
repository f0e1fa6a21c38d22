#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks one `espi report` page as headless Chromium saw it (tests/report/browser.sh).

Standard library only (html.parser, zlib/struct for the PNG, Decimal, csv, json).

  check_report_page.py --report-xml R.xml --day-csv D.csv --month-csv M.csv \
      --html PAGE.html --dom PAGE.dom --png PAGE.png --netlog NET.json [--netlog NET2.json] \
      [--title TEXT]... [--feed GREEN_BUTTON.xml]
  check_report_page.py --netlog NET.json          only the network check
  --allow-browser-own: leave out the browser's own requests (for a Chromium that sees a network)
  check_report_page.py --pick-unit M.csv          the --unit the report uses by default:
                                                  kWh when the readings are in Wh, else none
  check_report_page.py --self-test                the checks on made-up pages that must fail

What is checked (docs/report-format.md, "The HTML page"):
- per usage point (section.usage-point, in the order of the report XML's usagePoint), one
  rect.bar-day per local day: the days are counted from `espi summary --per day` rows of the
  delivered channel (the report XML's channel role="delivered" names its meter reading), every
  day from the first to the last with a reading, days without one included; their data-date
  must be exactly those days, in order;
- span.headline-total @data-value equals the exact sum of `espi summary --per month` values of
  that meter reading (all its tou rows), and is the report XML's headline/@delivered as written;
- the page (the HTML file and the DOM Chromium built from it) has no script element, no on*
  attribute, nothing that loads from elsewhere (img, iframe, object, embed, link, base, meta
  refresh, SVG use or image of another file, CSS url() of anything but #id or data:, @import,
  @font-face) and no network URL in any attribute but xmlns; every --title is in the DOM as
  text;
- with --feed, every bill of the Green Button file (UsageSummary billLastPeriod) is in the
  page's text, with five decimals;
- the screenshot is not blank: many colours, a fair share of pixels that are not the
  background colour, and some saturated (chart) colour;
- the network log (chrome --log-net-log) holds no URL of a scheme other than file:, data:,
  chrome:, about: or blob:, and no host lookup or connection attempt; with
  --allow-browser-own, but for the browser's own requests (no initiating document, not for
  the file:// page, and all that hangs on them; events keyed to another site than the page),
  which a Chromium that sees a network makes (its sign-in check) whatever the flags.
Prints one 'ok' or 'FAIL' line per check; exits 1 when any check fails, 2 on bad usage.
"""
import csv
import io
import json
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from itertools import accumulate

NS = "{urn:x-espi:report:1}"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
NET_URL = re.compile(r"\b(?:https?|wss?|ftps?|gopher|ldap)://", re.I)
LOCAL_SCHEMES = {"file", "data", "chrome", "about", "blob"}
# net log event types that mean the browser tried to reach a host (the QUIC session pool's
# housekeeping at shutdown is not one)
NET_ACTIVITY = {"HOST_RESOLVER_MANAGER_REQUEST", "HOST_RESOLVER_MANAGER_JOB",
                "HOST_RESOLVER_DNS_TASK", "HOST_RESOLVER_SYSTEM_TASK", "DNS_TRANSACTION",
                "TCP_CONNECT", "TCP_CONNECT_ATTEMPT", "UDP_CONNECT", "SSL_CONNECT",
                "SOCKET_POOL_CONNECT_JOB_CREATED", "QUIC_SESSION", "QUIC_SESSION_CREATED",
                "QUIC_SESSION_POOL_JOB", "WEBSOCKET_ALIVE",
                "QUIC_SESSION_WEBTRANSPORT_CLIENT_ALIVE"}
LOADERS = {"script", "img", "iframe", "frame", "object", "embed", "link", "base", "audio",
           "video", "source", "track", "portal", "applet"}
# CSS that loads something: url() of anything but a fragment of the page (#id) or inline data
CSS_LOAD = re.compile(r"""url\s*\(\s*(?!['"]?(?:#|data:))|@import|expression\s*\(""", re.I)
# SVG elements that load what their href names, unless it is a fragment of the page itself
SVG_REFS = {"use", "image", "feimage"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children = []  # Node or str

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class TreeBuilder(HTMLParser):
    """A DOM tree good enough for serialised HTML (Chromium's --dump-dom, libxslt's html)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root
        self.tags = []  # every start tag: (tag, attrs) in order

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_html(text):
    tb = TreeBuilder()
    tb.feed(text)
    tb.close()
    return tb


class Checks:
    def __init__(self):
        self.failed = 0
        self.lines = []

    def ok(self, msg):
        self.lines.append("ok   " + msg)

    def fail(self, msg):
        self.failed += 1
        self.lines.append("FAIL " + msg)

    def check(self, cond, okmsg, failmsg):
        (self.ok if cond else self.fail)(okmsg if cond else failmsg)


# --- expected figures ------------------------------------------------------------------


def read_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def report_points(xml_text):
    """[(usage point id, delivered meter reading or None, headline/@delivered or None)]"""
    root = ET.fromstring(xml_text)
    points = []
    for up in root.iter(NS + "usagePoint"):
        mr = None
        for ch in up.findall(NS + "channel"):
            if ch.get("role") == "delivered":
                mr = ch.get("meterReading")
        head = up.find(NS + "headline")
        points.append((up.get("id"), mr, head.get("delivered") if head is not None else None,
                       up.get("unit")))
    return points


def expected_days(rows, up, mr):
    days = sorted({r["period"] for r in rows if r["usage_point"] == up
                   and r["meter_reading"] == mr and int(r["readings"] or 0) > 0})
    if not days:
        return []
    d, last, out = date.fromisoformat(days[0]), date.fromisoformat(days[-1]), []
    while d <= last:
        out.append(d.isoformat())
        d += timedelta(days=1)
    return out


def expected_total(rows, up, mr):
    vals = [r["value"] for r in rows if r["usage_point"] == up and r["meter_reading"] == mr
            and r["value"] != ""]
    units = {r["unit"] for r in rows if r["usage_point"] == up and r["meter_reading"] == mr}
    return (sum((Decimal(v) for v in vals), Decimal(0)) if vals else None), units


def pick_unit(month_csv):
    units = {r["unit"] for r in read_csv(month_csv)}
    return "kWh" if "Wh" in units else ""


# --- the page --------------------------------------------------------------------------


def check_points(c, dom, points, day_rows, month_rows):
    sections = [n for n in dom.root.iter() if "usage-point" in n.classes()]
    c.check(len(sections) == len(points), f"{len(sections)} section.usage-point, as the report XML",
            f"{len(sections)} section.usage-point in the DOM, the report XML has {len(points)} usagePoint")
    for i, ((up, mr, head, unit), sec) in enumerate(zip(points, sections), 1):
        name = f"usage point {i}"
        bars = [n.attrs.get("data-date") for n in sec.iter() if "bar-day" in n.classes()]
        want = expected_days(day_rows, up, mr) if mr else []
        if bars == want:
            span = f" ({want[0]} to {want[-1]})" if want else ""
            c.ok(f"{name}: {len(bars)} rect.bar-day, one per local day{span}")
        else:
            missing = [d for d in want if d not in bars][:5]
            extra = [d for d in bars if d not in want][:5]
            c.fail(f"{name}: {len(bars)} rect.bar-day, expected {len(want)} (one per local day "
                   f"from espi summary --per day); missing {missing}, unexpected {extra}"
                   + ("" if missing or extra else ", out of order or repeated"))
        heads = [n for n in sec.iter() if n.tag == "span" and "headline-total" in n.classes()]
        total, units = expected_total(month_rows, up, mr) if mr else (None, set())
        if total is None:
            c.check(not heads or all(not h.attrs.get("data-value") for h in heads),
                    f"{name}: no delivered readings, no headline total",
                    f"{name}: a headline total {[h.attrs.get('data-value') for h in heads]} "
                    "but espi summary has no value for a delivered channel")
            continue
        if len(heads) != 1:
            c.fail(f"{name}: {len(heads)} span.headline-total, expected 1")
            continue
        got = heads[0].attrs.get("data-value") or ""
        try:
            same = Decimal(got) == total
        except InvalidOperation:
            same = False
        c.check(same and got == head,
                f"{name}: headline total {got} {unit} = espi summary's sum ({len(units)} unit: "
                f"{', '.join(sorted(units))})",
                f"{name}: span.headline-total @data-value {got!r}, espi summary --per month sums "
                f"to {total} {sorted(units)}, the report XML's headline/@delivered is {head!r}")
        if units != {unit}:
            c.fail(f"{name}: espi summary's unit {sorted(units)} is not the report's {unit!r}")


def bad_markup(tags, where):
    """What in the start tags would run script or load anything."""
    bad = []
    for tag, attrs in tags:
        if tag in LOADERS:
            bad.append(f"<{tag}> element")
        # "#id" refers into the page; a "data:image/png" URI is the page's own bytes (espi
        # draws the heat map as one PNG: thousands of SVG rectangles cost far more)
        if tag in SVG_REFS and any(k in ("href", "xlink:href", "src")
                                   and not (v or "").startswith(("#", "data:image/png;base64,"))
                                   for k, v in attrs):
            bad.append(f"<{tag}> of something outside the page")
        for k, v in attrs:
            v = v or ""
            if k.startswith("on"):
                bad.append(f"<{tag} {k}=...> event handler")
            elif k == "xmlns" or k.startswith("xmlns:"):
                continue
            elif NET_URL.search(v) or v.strip().lower().startswith(("javascript:", "//")):
                bad.append(f"<{tag} {k}={v[:60]!r}>")
            elif k == "style" and CSS_LOAD.search(v):
                bad.append(f"<{tag} style={v[:60]!r}>")
            elif tag == "meta" and k == "http-equiv" and v.lower() == "refresh":
                bad.append("<meta http-equiv=refresh>")
    return [f"{where}: {b}" for b in bad]


def check_safe(c, tb, where):
    bad = bad_markup(tb.tags, where)
    styles = "".join(n.text() for n in tb.root.iter() if n.tag == "style")
    if CSS_LOAD.search(styles) or re.search(r"@font-face", styles, re.I):
        bad.append(f"{where}: <style> loads something (url(), @import or @font-face)")
    if NET_URL.search(styles):
        bad.append(f"{where}: <style> names a network URL")
    if bad:
        for b in sorted(set(bad))[:10]:
            c.fail(b)
    else:
        c.ok(f"{where}: no script, event handler, external resource or network URL "
             f"({len(tb.tags)} elements)")


def check_titles(c, dom, titles):
    text = dom.root.text()
    for t in titles:
        c.check(t in text, f"the DOM has the title {t!r} as text",
                f"the title {t!r} is not in the DOM's text (escaped wrongly, or not shown)")


def check_bills(c, dom, feed_xml):
    """Every bill of the Green Button file (UsageSummary billLastPeriod, in 1/100000 of the
    currency) is in the page's text with five decimals, as in the bills' data table."""
    try:
        root = ET.fromstring(feed_xml)
    except ET.ParseError as e:
        c.fail(f"the Green Button file: {e}")
        return
    bills = sorted({(Decimal(e.text.strip()) / 100000).quantize(Decimal("0.00001"))
                    for e in root.iter("{http://naesb.org/espi}billLastPeriod")})
    if not bills:
        return
    text = dom.root.text()
    missing = [str(b) for b in bills if str(b) not in text]
    c.check(not missing, f"the page shows the file's {len(bills)} bill amounts",
            f"bill amounts of the file not in the page's text: {missing[:5]}")


# --- the screenshot --------------------------------------------------------------------


def png_pixels(data):
    """(width, height, rows of RGB tuples): 8-bit grey, RGB, grey+alpha or RGBA, no interlace."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    if head is None:
        raise ValueError("no IHDR chunk")
    w, h, depth, ctype, _, _, interlace = head
    chans = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or chans is None or interlace:
        raise ValueError(f"unsupported PNG (bit depth {depth}, colour type {ctype}, interlace {interlace})")
    raw = zlib.decompress(idat)
    stride = w * chans
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        unfilter(f, line, prev, chans)
        rows.append(bytes(line))
        prev = line
    return w, h, chans, rows


def unfilter(f, line, prev, bpp):
    """Undoes a PNG row filter in place. Up and Sub, nearly every row of a screenshot, are done
    a row or a channel at a time (a 1200x2000 screenshot decodes in well under a second)."""
    n = len(line)
    if f == 0:
        return
    if f == 2:  # bytewise (line + prev) mod 256: carry-less addition on one big integer
        x, y = int.from_bytes(line, "big"), int.from_bytes(bytes(prev), "big")
        low, high = int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")
        line[:] = (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(n, "big")
        return
    if f == 1:  # a running sum per channel
        for c in range(bpp):
            line[c::bpp] = bytes(accumulate(line[c::bpp], lambda a, b: (a + b) & 255))
        return
    for i in range(n):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        if f == 3:
            line[i] = (line[i] + ((a + b) >> 1)) & 255
        elif f == 4:
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        else:
            raise ValueError(f"bad PNG filter type {f}")


def png_stats(data):
    w, h, chans, rows = png_pixels(data)
    hist = Counter()
    for row in rows:
        if chans >= 3:
            hist.update(zip(row[0::chans], row[1::chans], row[2::chans]))
        else:
            hist.update(zip(row[0::chans], row[0::chans], row[0::chans]))
    total = w * h
    bg = max(hist.values())
    vivid = sum(n for px, n in hist.items() if max(px) - min(px) >= 60)
    return {"w": w, "h": h, "colours": len(hist), "ink": (total - bg) / total,
            "vivid": vivid / total}


def check_png(c, data, where):
    try:
        s = png_stats(data)
    except (ValueError, zlib.error, struct.error) as e:
        c.fail(f"{where}: {e}")
        return
    desc = (f"{s['w']}x{s['h']}, {s['colours']} colours, {s['ink']:.1%} not background, "
            f"{s['vivid']:.2%} saturated")
    c.check(s["colours"] >= 16 and s["ink"] >= 0.01 and s["vivid"] >= 0.001,
            f"{where}: not blank ({desc})",
            f"{where}: looks blank ({desc}; want 16+ colours, 1%+ not background, "
            "0.1%+ saturated)")


# --- the network log -------------------------------------------------------------------


def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)


def dependencies(v):
    """The source ids a net log event's params point at (source_dependency, anywhere)."""
    if isinstance(v, dict):
        dep = v.get("source_dependency")
        if isinstance(dep, dict) and "id" in dep:
            yield dep["id"]
        for x in v.values():
            yield from dependencies(x)
    elif isinstance(v, list):
        for x in v:
            yield from dependencies(x)


def browser_own(events, types):
    """The source ids of the browser's own requests and all that hangs on them (streams, socket
    jobs, host lookups): sources linked by source_dependency form a group; a group whose every
    URL request has no initiating document ('not an origin') and no file:// page in its network
    isolation key is the browser's (its sign-in check, say), not the page's."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for e in events:
        sid = e.get("source", {}).get("id")
        for d in dependencies(e.get("params") or {}):
            parent[find(sid)] = find(d)
    own, page = set(), set()
    for e in events:
        p = e.get("params") or {}
        if types.get(e.get("type")) == "URL_REQUEST_START_JOB" and "url" in p:
            g = find(e.get("source", {}).get("id"))
            mine = (p.get("initiator") == "not an origin"
                    and "file:" not in str(p.get("network_isolation_key", "")))
            (own if mine else page).add(g)
    groups = own - page
    return {e.get("source", {}).get("id") for e in events
            if find(e.get("source", {}).get("id")) in groups}


def has_site_key(p):
    return "network_anonymization_key" in p or "network_isolation_key" in p


def for_other_site(p):
    """An event on behalf of a site other than the file:// page (its network anonymization or
    isolation key names one): the browser's own, such as its network quality estimator's
    host lookup for its sign-in check."""
    keys = [str(p[k]) for k in ("network_anonymization_key", "network_isolation_key") if k in p]
    return bool(keys) and not any("file:" in k for k in keys)


def check_netlog(c, text, where, allow_browser_own=False):
    """With allow_browser_own (a browser that sees a network), the browser's own requests are
    left out and named; the page's never are."""
    try:
        log = json.loads(text)
        types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
        events = log["events"]
    except (ValueError, KeyError, TypeError) as e:
        c.fail(f"{where}: not a Chromium net log ({e})")
        return
    skip = browser_own(events, types) if allow_browser_own else set()
    bad, skipped, other = [], set(), {}
    for e in events:
        t = types.get(e.get("type"), str(e.get("type")))
        p = e.get("params") or {}
        found = []
        if t in NET_ACTIVITY:
            found.append(f"{t} {json.dumps(p)[:120]}")
        else:
            found += [f"{t} {s[:120]}" for s in strings(p) if NET_URL.search(s)]
            url = p.get("url") if isinstance(p, dict) else None
            if isinstance(url, str) and ":" in url and url.split(":", 1)[0].lower() not in LOCAL_SCHEMES:
                found.append(f"{t} {url[:120]}")
        sid = e.get("source", {}).get("id")
        if allow_browser_own and has_site_key(p):
            other[(sid, t)] = for_other_site(p)  # an end event, with no key, goes with its begin
        if found and (sid in skip or other.get((sid, t), False)):
            if t == "URL_REQUEST_START_JOB":
                skipped.add(str(p.get("url", ""))[:60])
        else:
            bad += found
    if bad:
        c.fail(f"{where}: the browser reached for the network: " + "; ".join(sorted(set(bad))[:6]))
    else:
        own = f"; the browser's own left out: {', '.join(sorted(skipped))}" if skipped else ""
        c.ok(f"{where}: no network request ({len(events)} events, only file:/data:/chrome: URLs{own})")


# --- main ------------------------------------------------------------------------------


def run(args):
    c = Checks()
    need = ("report_xml", "day_csv", "month_csv", "html", "dom", "png")
    if any(args.get(k) for k in need):
        missing = [k for k in need if not args.get(k)]
        if missing:
            print("check_report_page.py: missing --" + ", --".join(m.replace("_", "-") for m in missing),
                  file=sys.stderr)
            return 2
        rd = lambda k: open(args[k], encoding="utf-8").read()  # noqa: E731
        try:
            points = report_points(rd("report_xml"))
        except ET.ParseError as e:
            c.fail(f"report XML: {e}")
            points = []
        dom = parse_html(rd("dom"))
        html = parse_html(rd("html"))
        check_points(c, dom, points, read_csv(rd("day_csv")), read_csv(rd("month_csv")))
        check_safe(c, html, "HTML file")
        check_safe(c, dom, "DOM")
        check_titles(c, dom, args.get("title", []))
        if args.get("feed"):
            check_bills(c, dom, open(args["feed"], "rb").read())
        with open(args["png"], "rb") as f:
            check_png(c, f.read(), "screenshot")
    for n in args.get("netlog", []):
        with open(n, encoding="utf-8", errors="replace") as f:
            check_netlog(c, f.read(), "net log " + n.rsplit("/", 1)[-1], args.get("allow_browser_own"))
    print("\n".join(c.lines))
    return 1 if c.failed else 0


def parse_args(argv):
    args, i = {"title": [], "netlog": []}, 0
    keys = {"--report-xml", "--day-csv", "--month-csv", "--html", "--dom", "--png", "--netlog",
            "--title", "--pick-unit", "--feed"}
    while i < len(argv):
        a = argv[i]
        if a in ("--self-test", "--allow-browser-own"):
            args[a[2:].replace("-", "_")] = True
            i += 1
            continue
        if a not in keys or i + 1 >= len(argv):
            raise SystemExit(f"check_report_page.py: bad argument {a!r} (see the header)")
        k = a[2:].replace("-", "_")
        if k in ("title", "netlog"):
            args[k].append(argv[i + 1])
        else:
            args[k] = argv[i + 1]
        i += 2
    return args


# --- self-test -------------------------------------------------------------------------


def make_png(w, h, pixel):
    raw = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(w)) for y in range(h))

    def chunk(k, b):
        return struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


SELF_XML = """<report xmlns="urn:x-espi:report:1" version="1"><usagePoint id="U" unit="kWh">
<channel role="delivered" meterReading="M"/><channel role="received" meterReading="R"/>
<headline delivered="3.500"/></usagePoint></report>"""
SELF_DAY = """usage_point,meter_reading,period,readings,value,unit
U,M,2026-03-07,24,1.000,kWh
U,M,2026-03-08,0,,kWh
U,M,2026-03-09,23,2.500,kWh
U,R,2026-03-10,4,9.000,kWh
"""
SELF_MONTH = """usage_point,meter_reading,tou,period,readings,value,unit
U,M,,2026-03,40,1.500,kWh
U,M,1,2026-03,7,2.000,kWh
U,R,,2026-03,4,9.000,kWh
"""
SELF_PAGE = """<!DOCTYPE html><html><head><style>rect{fill:#0072b2}</style></head><body>
<h1>&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;</h1>
<section class="usage-point"><span class="headline-total" data-value="3.500">3.500</span>
<svg xmlns="http://www.w3.org/2000/svg" role="img"><title>Daily</title>
<rect class="bar-day" data-date="2026-03-07"/><rect class="bar-day" data-date="2026-03-08"/>
<rect class="bar-day" data-date="2026-03-09"/><rect class="bar-day-received" data-date="2026-03-10"/>
</svg></section></body></html>"""
SELF_LOG = {"constants": {"logEventTypes": {"REQUEST_ALIVE": 1, "URL_REQUEST_START_JOB": 2,
                                            "HOST_RESOLVER_MANAGER_REQUEST": 3}},
            "events": [{"type": 1, "params": {"url": "file:///tmp/x.html"}},
                       {"type": 2, "params": {"url": "data:image/png;base64,AA=="}}]}


def self_page_checks(page, titles=("<script>alert(1)</script> & ]]>",)):
    c = Checks()
    tb = parse_html(page)
    check_points(c, tb, report_points(SELF_XML), read_csv(SELF_DAY), read_csv(SELF_MONTH))
    check_safe(c, tb, "page")
    check_titles(c, tb, titles)
    return c


def self_test():
    out, failed = [], 0

    def expect(name, c, should_fail):
        nonlocal failed
        good = bool(c.failed) == should_fail
        failed += not good
        out.append(("ok   " if good else "FAIL ") + name
                   + ("" if good else ": " + " | ".join(c.lines)))

    expect("a good page passes", self_page_checks(SELF_PAGE), False)
    expect("a CSS url() of a fragment or data passes", self_page_checks(SELF_PAGE.replace(
        "rect{", "rect{fill:url(#hatch);stroke:url('#s')} p{background:url(data:image/png;base64,AA==)} rect{")), False)
    expect("an svg use of a fragment passes",
           self_page_checks(SELF_PAGE.replace("</svg>", '<use href="#a"/></svg>')), False)
    doctored = {
        "a day bar missing (the day without readings)":
            SELF_PAGE.replace('<rect class="bar-day" data-date="2026-03-08"/>', ""),
        "a day bar too many": SELF_PAGE.replace(
            "</svg>", '<rect class="bar-day" data-date="2026-03-10"/></svg>'),
        "days out of order": SELF_PAGE.replace("2026-03-07", "2026-03-XX").replace(
            "2026-03-09", "2026-03-07").replace("2026-03-XX", "2026-03-09"),
        "a headline off by 0.001": SELF_PAGE.replace('data-value="3.500"', 'data-value="3.501"'),
        "a headline of the same value, other scale":
            SELF_PAGE.replace('data-value="3.500"', 'data-value="3.5"'),
        "no headline": SELF_PAGE.replace("headline-total", "headline"),
        "no usage point section": SELF_PAGE.replace("usage-point", "usage"),
        "a script element": SELF_PAGE.replace("<h1>", "<h1><script>1</script>"),
        "an event handler": SELF_PAGE.replace("<h1>", '<h1 onclick="x()">'),
        "an svg onload": SELF_PAGE.replace('role="img"', 'role="img" onload="x()"'),
        "an http image": SELF_PAGE.replace("<h1>", '<h1><img src="http://127.0.0.1:9/x.png">'),
        "a protocol-relative link": SELF_PAGE.replace("<h1>", '<h1><a href="//example.com/">'),
        "a CSS url()": SELF_PAGE.replace("rect{", "body{background:url(x.png)} rect{"),
        "a CSS url() in a style attribute": SELF_PAGE.replace("<h1>", '<h1 style="background: url( \'x.png\')">'),
        "a CSS @import": SELF_PAGE.replace("<style>", "<style>@import 'x.css';"),
        "an svg use of another file": SELF_PAGE.replace("</svg>", '<use href="x.svg#a"/></svg>'),
        "an svg image": SELF_PAGE.replace("</svg>", '<image xlink:href="x.png"/></svg>'),
        "an svg image of http": SELF_PAGE.replace("</svg>", '<image href="http://127.0.0.1:9/x.png"/></svg>'),
        "an svg image of a data URI not a PNG": SELF_PAGE.replace(
            "</svg>", '<image href="data:image/svg+xml;base64,PHN2Zy8+"/></svg>'),
        "a meta refresh": SELF_PAGE.replace("<head>", '<head><meta http-equiv="refresh" content="0">'),
        "the title as markup, not text": SELF_PAGE.replace(
            "&lt;script&gt;alert(1)&lt;/script&gt;", "<b>alert(1)</b>"),
        "the title double-escaped": SELF_PAGE.replace("&amp; ]]", "&amp;amp; ]]"),
    }
    for name, page in doctored.items():
        expect("rejects " + name, self_page_checks(page), True)
    expect("an svg image of the page's own PNG passes",
           self_page_checks(SELF_PAGE.replace("</svg>", '<image href="data:image/png;base64,AA=="/></svg>')),
           False)

    feed = (b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:e="http://naesb.org/espi"><entry>'
            b'<content><e:UsageSummary><e:billLastPeriod>11809985</e:billLastPeriod>'
            b'</e:UsageSummary></content></entry></feed>')
    for name, page, bad in (("a page with the bill passes", SELF_PAGE.replace("</h1>", "</h1>118.09985"), False),
                            ("rejects a page without the bill", SELF_PAGE, True),
                            ("rejects a bill rounded", SELF_PAGE.replace("</h1>", "</h1>118.10"), True)):
        c = Checks()
        check_bills(c, parse_html(page), feed)
        expect(name, c, bad)

    vivid = make_png(200, 100, lambda x, y: (0, 114, 178) if 20 < x < 60 and y > 30 else
                     (255, 255, 255) if (x * y) % 7 else (x % 256, y % 256, (x + y) % 256))
    for name, png, bad in (("a chart screenshot passes", vivid, False),
                           ("rejects a white screenshot", make_png(200, 100, lambda x, y: (255, 255, 255)), True),
                           ("rejects a grey-text-only screenshot", make_png(
                               200, 100, lambda x, y: (255, 255, 255) if (x + y) % 5 else (x % 200, x % 200, x % 200)), True),
                           ("rejects a truncated PNG", vivid[:60], True)):
        c = Checks()
        check_png(c, png, "png")
        expect(name, c, bad)
    w, h, _, rows = png_pixels(make_png(3, 2, lambda x, y: (x, y, 7)))
    filt = make_filtered_png()
    good = (w, h, rows[1][3:6]) == (3, 2, bytes((1, 1, 7))) and png_pixels(filt)[3] == [bytes(range(12 * y, 12 * y + 12)) for y in range(4)]
    failed += not good
    out.append(("ok   " if good else "FAIL ") + "PNG decoding (no filter; sub, up, average, paeth)")

    good_log = json.dumps(SELF_LOG)
    for name, text, bad in (
            ("a local-only net log passes", good_log, False),
            ("rejects an http request", add_event(SELF_LOG, 2, {"url": "http://127.0.0.1:9/x.png"}), True),
            ("rejects an https URL in any field", add_event(SELF_LOG, 1, {"x": ["https://a.example/"]}), True),
            ("rejects a ws URL", add_event(SELF_LOG, 1, {"url": "ws://a.example/"}), True),
            ("rejects a host lookup", add_event(SELF_LOG, 3, {"host": "a.example"}), True),
            ("rejects an unknown scheme", add_event(SELF_LOG, 2, {"url": "ftp+x:whatever"}), True),
            ("rejects a truncated log", good_log[:-40], True)):
        c = Checks()
        check_netlog(c, text, "log")
        expect(name, c, bad)
    own = {"constants": {"logEventTypes": {"URL_REQUEST_START_JOB": 2, "HTTP_STREAM_JOB": 4,
                                           "HOST_RESOLVER_MANAGER_REQUEST": 3}},
           "events": [{"type": 2, "source": {"id": 5}, "params": {
               "url": "https://accounts.example/List", "initiator": "not an origin",
               "network_isolation_key": "https://example.com https://example.com"}},
               {"type": 4, "source": {"id": 6}, "params": {"source_dependency": {"id": 5}}},
               {"type": 3, "source": {"id": 6}, "params": {"host": "https://accounts.example"}},
               {"type": 3, "source": {"id": 2}, "params": {
                   "host": "https://~notfound", "network_anonymization_key": "https://example.com"}},
               {"type": 3, "source": {"id": 2}, "params": {"net_error": -105}}]}
    page = {"type": 2, "source": {"id": 9}, "params": {
        "url": "http://127.0.0.1:9/x.png", "initiator": "null",
        "network_isolation_key": "file:// [internally: file://] file://"}}
    for name, log, allow, bad in (
            ("the browser's own request passes with --allow-browser-own", own, True, False),
            ("rejects the browser's own request without it", own, False, True),
            ("rejects a page's request with --allow-browser-own", dict(own, events=own["events"] + [page]), True, True),
            ("rejects a page's host lookup with --allow-browser-own", dict(own, events=own["events"] + [
                {"type": 3, "source": {"id": 2}, "params": {
                    "host": "http://~notfound:9", "network_anonymization_key": "file:// same_site"}}]), True, True),
            ("rejects a page's request tied to the browser's", dict(own, events=own["events"] + [
                page, {"type": 4, "source": {"id": 6}, "params": {"source_dependency": {"id": 9}}}]), True, True)):
        c = Checks()
        check_netlog(c, json.dumps(log), "log", allow)
        expect(name, c, bad)
    print("\n".join(out))
    print(f"{len(out) - failed} passed, {failed} failed")
    return 1 if failed else 0


def add_event(log, t, params):
    new = json.loads(json.dumps(log))
    new["events"].append({"type": t, "params": params})
    return json.dumps(new)


def make_filtered_png():
    """A 4x4 RGB image whose rows are written with filters 1 to 4 (sub, up, average, paeth):
    it decodes to the bytes 0..47."""
    rows = [bytes(range(12 * y, 12 * y + 12)) for y in range(4)]

    def paeth(a, b, c):
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else b if pb <= pc else c

    raw, prev = b"", bytes(12)
    for f, row in enumerate(rows, 1):
        enc = bytearray()
        for i in range(12):
            a = row[i - 3] if i >= 3 else 0
            c = prev[i - 3] if i >= 3 else 0
            pred = {1: a, 2: prev[i], 3: (a + prev[i]) >> 1, 4: paeth(a, prev[i], c)}[f]
            enc.append((row[i] - pred) & 255)
        raw += bytes((f,)) + bytes(enc)
        prev = row

    def chunk(k, b):
        return struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def main(argv):
    args = parse_args(argv)
    if args.get("self_test"):
        return self_test()
    if args.get("pick_unit"):
        with open(args["pick_unit"], encoding="utf-8") as f:
            print(pick_unit(f.read()))
        return 0
    if not args["netlog"] and not args.get("html"):
        print(__doc__, file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
