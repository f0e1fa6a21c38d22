#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A SmartHub stand-in for the tests of `espi fetch`: a small HTTP(S) server on 127.0.0.1 that
answers as docs/smarthub.md (and the reverse-engineered API notes it summarises) say a SmartHub
portal does, plus a paged Green Button feed for `espi fetch url`.

usage: standin.py --port-file FILE [--tls CERT KEY] [--gb-feed FILE] [--lifetime SECONDS]

It listens on 127.0.0.1 at a port the system picks, writes the port to --port-file, and serves
until it is killed or --lifetime (default 300 s) passes. Python standard library only.

SmartHub (under /services/):
  POST oauth/auth/v2          form userId, password, twoFactorCode. Wrong password: 200
                              {"status":"FAILURE"}; an MFA user without the right code: 500,
                              text "Your data could not be verified. ..."; else 200 SUCCESS with
                              a fresh token (authorizationToken), username, primaryUsername.
  GET secured/user-data       ?userId=<primaryUsername>: the user's accounts and locations.
  POST secured/utility-usage/poll  JSON body; the first `pending` answers to each distinct body
                              are {"status":"PENDING"}, then COMPLETE with the points whose true
                              UTC time falls in [startDateTime, endDateTime): HOURLY gives the
                              meter's 15-minute points, DAILY their local-day sums, MONTHLY the
                              billing periods (read on the 15th) and the open one ("Dec 9999").
                              Windows longer than max_window_days (45) are answered FAILED.
  Secured calls need "Authorization: Bearer <token>" and X-NISC-SMARTHUB-USERNAME; a token
  serves token_uses secured calls (default many), then answers 401 (expired).

The data: one meter (43219876, FORWARD) at account 1234567001, location 80012345, zone
America/Los_Angeles, a 15-minute reading from 2025-07-01 to 2026-06-30 (local days) across
both DST changes, USAGE in kWh and COST in dollars, made by a fixed formula; the reading at
2026-02-10 13:15 local is null. x values are the wall clock written as if UTC; startDateTime,
endDateTime and baseUsageParameters true UTC instants. Days from `revise_from` (local) read
0.01 kWh more, as a revision would.

Users: pat@example.com (one location), mfa@example.com (TOTP secret MFA_SECRET, RFC 6238,
SHA-1, 30 s, 6 digits), two@example.com (two active locations), all with PASSWORD.

Test controls (never part of SmartHub):
  POST /_control  a JSON object of scenario settings (below), merged; "reset": true first
                  restores the defaults and zeroes the counters.
  GET  /_stats    the counters (logins, failed_logins, polls, pending, rate_limited,
                  cookies_received, connections: the client ports SmartHub calls came from, ...) and every token and session cookie issued (each
                  login sets one, which espi must never send back), so that a test can look
                  for them in what espi wrote.
Scenario: pending (1), token_uses (1000000), max_window_days (45), html ("" or "login",
"user-data", "poll": that answer is a maintenance page), slow (seconds before a poll is
answered), rate_limit (that many polls answered 429 first), retry_after (1), empty (COMPLETE
with no point), revise_from ("YYYY-MM-DD"), gb_next ("" or "loop" or "foreign").

As a proxy: a CONNECT request is counted (proxy_connects: its targets) and refused (403).

Green Button (--gb-feed FILE, a feed espi wrote): GET /gb/feed serves it in pages of
gb_page_entries (20) entries, each a whole feed whose rel="next" link leads to the next page;
with gb_token set, only to "Authorization: Bearer <gb_token>".
"""
import argparse
import base64
import calendar
import hashlib
import hmac
import json
import os
import re
import secrets
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

ZONE = ZoneInfo('America/Los_Angeles')
UTC = timezone.utc
PASSWORD = 'p&ss=w\u00f6rd %+"x\' #;'
MFA_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP'
ACCOUNT, LOCATION, METER = '1234567001', '80012345', '43219876'
FIRST_DAY, END_DAY = date(2025, 7, 1), date(2026, 7, 1)  # local days [FIRST_DAY, END_DAY)
NULL_AT = datetime(2026, 2, 10, 13, 15)  # local wall time of the one null reading
OPEN_X = 253399622400000  # 9999-12-01 as SmartHub writes the open billing cycle
MAINTENANCE = (b'<!DOCTYPE html>\n<html><head><title>Scheduled Maintenance</title></head>'
               b'<body><h1>SmartHub is down for maintenance</h1></body></html>\n')
MFA_TEXT = b'Your data could not be verified. If the problem persists, please contact customer service.'

DEFAULTS = {'pending': 1, 'token_uses': 1000000, 'max_window_days': 45, 'html': '', 'slow': 0,
            'rate_limit': 0, 'retry_after': 1, 'empty': False, 'revise_from': '', 'gb_token': '',
            'gb_page_entries': 20, 'gb_next': ''}
USERS = {
    'pat@example.com': {'mfa': False, 'locations': [(ACCOUNT, LOCATION, 'ACTIVE')]},
    'mfa@example.com': {'mfa': True, 'locations': [(ACCOUNT, LOCATION, 'ACTIVE')]},
    'two@example.com': {'mfa': False, 'locations': [(ACCOUNT, LOCATION, 'ACTIVE'),
                                                    ('1234567002', '80012399', 'ACTIVE'),
                                                    ('1234567003', '80012377', 'INACTIVE')]},
}


def wall_ms(dt):
    """A naive local datetime as SmartHub writes it: the wall clock read as UTC, in ms."""
    return calendar.timegm(dt.timetuple()) * 1000


def utc_of_local_midnight(d):
    return int(datetime(d.year, d.month, d.day, tzinfo=ZONE).timestamp())


class Data:
    """Every 15-minute reading of the year: (utc_s, wall_ms, local date, kWh, cost)."""

    def __init__(self):
        self.points = []
        t, end = utc_of_local_midnight(FIRST_DAY), utc_of_local_midnight(END_DAY)
        i = 0
        while t < end:
            local = datetime.fromtimestamp(t, UTC).astimezone(ZONE).replace(tzinfo=None)
            kwh = Decimal(((i * 37 + (i // 96) * 11) % 180) + 5) / 100
            cost = (kwh * Decimal('0.1187')).quantize(Decimal('0.00001'))
            if local == NULL_AT:
                kwh = cost = None
            self.points.append((t, wall_ms(local), local.date(), kwh, cost))
            t += 900
            i += 1

    @staticmethod
    def revised(p, since):
        t, x, day, kwh, cost = p
        if since and kwh is not None and day >= since:
            kwh = kwh + Decimal('0.01')
            cost = (kwh * Decimal('0.1187')).quantize(Decimal('0.00001'))
        return t, x, day, kwh, cost

    def slice(self, start_s, end_s, since):
        return [self.revised(p, since) for p in self.points if start_s <= p[0] < end_s]


def num(d):
    return None if d is None else float(d)


def meter_obj(flow='FORWARD'):
    return {'serviceLocationNumber': LOCATION, 'accountNumber': ACCOUNT, 'industry': 'ELECTRIC',
            'meterNumber': METER, 'channel': 1, 'flowDirection': flow, 'rate': None,
            'rateName': None, 'unitOfMeasure': 'KWH', 'meterLocation': '9000123',
            'isParentMeter': False, 'parentMeters': [], 'isNetMeter': False, 'visible': True,
            'meterName': METER, 'seriesId': METER}


def entry(kind, frame, req, points, intervals):
    unit = 'USD' if kind == 'COST' else 'KWH'
    return {'serviceLocationNumber': LOCATION, 'accountNumber': ACCOUNT, 'industry': 'ELECTRIC',
            'timeFrame': frame, 'type': kind, 'unitOfMeasure': unit,
            'startDateTime': req['startDateTime'], 'endDateTime': req['endDateTime'],
            'connectDate': 'June 3, 2013', 'hasDaily': True, 'hasHourly': True,
            'meters': [meter_obj()],
            'series': [{'type': 'column', 'name': METER, 'meterNumber': METER, 'channel': 1,
                        'isNet': False, 'visible': True,
                        'data': [{'x': x, 'y': y, 'enableDrilldown': False} for x, y in points]}],
            'estimatedSeries': {}, 'editedSeries': {}, 'xToOrderedInterval': intervals,
            'baseUsageParameters': dict(req)}


def hourly(points):
    usage = [(p[1], num(p[3])) for p in points]
    cost = [(p[1], num(p[4])) for p in points if p[4] is not None]
    intervals = {str(p[1]): {'createTickDrillDownLink': False,
                             'interval': {'start': p[1], 'end': p[1] + 900000}} for p in points}
    return usage, cost, intervals


def daily(points):
    days = {}
    for t, x, day, kwh, cost in points:
        u, c = days.setdefault(day, [Decimal(0), Decimal(0)])
        if kwh is not None:
            days[day] = [u + kwh, c + cost]
    usage, cost, intervals = [], [], {}
    for day, (u, c) in sorted(days.items()):
        x = wall_ms(datetime(day.year, day.month, day.day))
        usage.append((x, num(u)))
        cost.append((x, num(c)))
        intervals[str(x)] = {'createTickDrillDownLink': False,
                             'interval': {'start': x, 'end': x + 86400000}}
    return usage, cost, intervals


def billing_periods():
    """[(first local day, day after the last)] read on the 15th; the last one is open."""
    periods, d = [], date(2025, 7, 15)
    while d < END_DAY:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 15)
        periods.append((d, nxt))
        d = nxt
    return periods


def monthly(data, start_s, end_s, since):
    usage, cost, intervals = [], [], {}
    for first, after in billing_periods():
        t0, t1 = utc_of_local_midnight(first), utc_of_local_midnight(after)
        if not start_s <= t0 < end_s:
            continue
        pts = data.slice(t0, t1, since)
        u = sum((p[3] for p in pts if p[3] is not None), Decimal(0))
        c = sum((p[4] for p in pts if p[4] is not None), Decimal(0))
        open_cycle = after >= END_DAY
        x = OPEN_X if open_cycle else wall_ms(datetime(first.year, first.month, first.day))
        start = wall_ms(datetime(first.year, first.month, first.day))
        end = 253402214400000 if open_cycle else wall_ms(datetime(after.year, after.month, after.day))
        name = 'Dec 9999' if open_cycle else date(after.year, after.month, 1).strftime('%b %Y')
        usage.append((x, num(u)))
        cost.append((x, num(c)))
        intervals[str(x)] = {'orderedName': name, 'createTickDrillDownLink': False,
                             'interval': {'start': start, 'end': end}}
    return usage, cost, intervals


def totp(secret, t, step=30, digits=6):
    key = base64.b32decode(secret.upper() + '=' * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack('>Q', int(t) // step), hashlib.sha1).digest()
    off = mac[-1] & 15
    code = (struct.unpack('>I', mac[off:off + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return '%0*d' % (digits, code)


def user_data(user):
    accounts = {}
    for account, loc, status in USERS[user]['locations']:
        accounts.setdefault(account, []).append((loc, status))
    out = []
    for account, locs in accounts.items():
        out.append({
            'account': account, 'customer': '700123', 'customerName': 'PAT MEMBER',
            'email': user, 'inactive': all(s != 'ACTIVE' for _, s in locs),
            'primaryServiceLocationId': locs[0][0], 'services': ['ELEC'],
            'serviceLocationToIndustries': {loc: ['ELECTRIC'] for loc, _ in locs},
            'serviceLocationIdToServiceLocationSummary': {
                loc: {'id': {'srvLocNbr': int(loc), 'serviceLocation': loc}, 'serviceStatus': s,
                      'lastBillPrevReadDtTm': utc_of_local_midnight(date(2026, 5, 15)) * 1000,
                      'lastBillPresReadDtTm': utc_of_local_midnight(date(2026, 6, 15)) * 1000,
                      'meterNumbersToExternalMeterBaseIds': {METER: loc + '+1', ' ': loc + '+2'},
                      'activeRateSchedules': ['R1:CEC']} for loc, s in locs},
            'serviceLocationToUserDataServiceLocationSummaries': {
                loc: [{'services': ['ELEC'], 'description': 'Home', 'serviceStatus': s,
                       'id': {'srvLocNbr': int(loc), 'serviceLocation': loc}}] for loc, s in locs},
        })
    return out


class State:
    def __init__(self, gb_feed):
        self.lock = threading.Lock()
        self.data = Data()
        self.gb_pages_text = open(gb_feed, encoding='utf-8').read() if gb_feed else None
        self.reset()

    def reset(self):
        self.scenario = dict(DEFAULTS)
        self.tokens = {}  # token -> [user, uses left]
        self.issued = []
        self.seen = {}  # poll body -> times posted
        self.stats = {'logins': 0, 'failed_logins': 0, 'polls': 0, 'pending': 0, 'complete': 0,
                      'rate_limited': 0, 'expired': 0, 'user_data': 0, 'bad_headers': 0,
                      'user_agents': [], 'gb_pages': 0, 'windows': [], 'cookies_received': 0,
                      'proxy_connects': [], 'connections': []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'StandIn/1'

    def log_message(self, fmt, *args):  # quiet: the tests read the counters instead
        pass

    @property
    def st(self):
        return self.server.state

    def send(self, status, body, ctype='application/json', extra=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def count_request(self):
        with self.st.lock:
            if self.path.startswith('/services/'):  # one connection reused: one client port
                if self.client_address[1] not in self.st.stats['connections']:
                    self.st.stats['connections'].append(self.client_address[1])
            ua = self.headers.get('User-Agent', '')
            if ua not in self.st.stats['user_agents']:
                self.st.stats['user_agents'].append(ua)
            self.st.stats['cookies_received'] += 'Cookie' in self.headers

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        self.count_request()
        if url.path == '/_stats':
            with self.st.lock:
                return self.send(200, dict(self.st.stats, tokens=self.st.issued))
        if url.path == '/services/secured/user-data':
            return self.user_data(urllib.parse.parse_qs(url.query))
        if url.path == '/gb/feed':
            return self.gb_feed(urllib.parse.parse_qs(url.query))
        return self.send(404, b'not found', 'text/plain')

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        body = self.body()
        self.count_request()
        if path == '/_control':
            return self.control(json.loads(body or b'{}'))
        if path == '/services/oauth/auth/v2':
            return self.login(body)
        if path == '/services/secured/utility-usage/poll':
            return self.poll(body)
        return self.send(404, b'not found', 'text/plain')

    def do_CONNECT(self):
        """A proxy's tunnel request: the tests point https_proxy here to see that espi uses the
        proxy the environment names; the tunnel is refused (nothing goes further)."""
        with self.st.lock:
            self.st.stats['proxy_connects'].append(self.path)
        self.send(403, b'no tunnels here', 'text/plain')

    def control(self, settings):
        with self.st.lock:
            if settings.pop('reset', False):
                self.st.reset()
            self.st.scenario.update(settings)
        self.send(200, {'ok': True})

    def login(self, body):
        sc = self.st.scenario
        if sc['html'] == 'login':
            return self.send(503, MAINTENANCE, 'text/html; charset=utf-8')
        if self.headers.get('Content-Type', '') != 'application/x-www-form-urlencoded':
            return self.send(415, b'form expected', 'text/plain')
        form = urllib.parse.parse_qs(body.decode('ascii'), keep_blank_values=True, strict_parsing=True)
        user = form.get('userId', [''])[0]
        password = form.get('password', [''])[0]
        code = form.get('twoFactorCode', [''])[0]
        with self.st.lock:
            self.st.stats['logins'] += 1
            if user not in USERS or password != PASSWORD:
                self.st.stats['failed_logins'] += 1
                return self.send(200, {'status': 'FAILURE', 'isBusinessUser': False})
            if USERS[user]['mfa'] and code not in {totp(MFA_SECRET, time.time() + d) for d in (-30, 0, 30)}:
                self.st.stats['failed_logins'] += 1
                return self.send(500, MFA_TEXT, 'text/plain')
            token = 'eyJ' + secrets.token_urlsafe(24)
            self.st.tokens[token] = [user, sc['token_uses']]
            self.st.issued.append(token)
        cookie = 'JSESSIONID=' + secrets.token_hex(16)
        with self.st.lock:
            self.st.issued.append(cookie)
        self.send(200, {'status': 'SUCCESS', 'authorizationToken': token, 'username': user,
                        'expiration': int(time.time()) + 299, 'expiresIn': 299,
                        'primaryUsername': user, 'isSecondaryRegistration': False,
                        'isBusinessUser': False}, extra={'Set-Cookie': cookie + '; Path=/; HttpOnly'})

    def authorised(self):
        """The user of a secured call, or None after answering 401."""
        auth = self.headers.get('Authorization', '')
        token = auth[7:] if auth.startswith('Bearer ') else ''
        with self.st.lock:
            t = self.st.tokens.get(token)
            if t is None or t[1] <= 0:
                self.st.stats['expired'] += t is not None
                t = None
            else:
                t[1] -= 1
                if self.headers.get('X-NISC-SMARTHUB-USERNAME') != t[0]:
                    self.st.stats['bad_headers'] += 1
        if t is None:
            self.send(401, {'error': 'unauthorized'})
        return t and t[0]

    def user_data(self, query):
        user = self.authorised()
        if user is None:
            return
        with self.st.lock:
            self.st.stats['user_data'] += 1
        if self.st.scenario['html'] == 'user-data':
            return self.send(200, MAINTENANCE, 'text/html')
        if query.get('userId', [''])[0] != user:
            return self.send(403, {'error': 'forbidden'})
        self.send(200, user_data(user))

    def poll(self, body):
        sc = self.st.scenario
        if sc['slow']:
            time.sleep(float(sc['slow']))
        user = self.authorised()
        if user is None:
            return
        if sc['html'] == 'poll':
            return self.send(200, MAINTENANCE, 'text/html;charset=UTF-8')
        with self.st.lock:
            self.st.stats['polls'] += 1
            if self.st.stats['rate_limited'] < sc['rate_limit']:
                self.st.stats['rate_limited'] += 1
                return self.send(429, {'error': 'too many requests'}, extra={'Retry-After': str(sc['retry_after'])})
            n = self.st.seen[body] = self.st.seen.get(body, 0) + 1
            if n <= sc['pending']:
                self.st.stats['pending'] += 1
                return self.send(200, {'status': 'PENDING'})
        if self.headers.get('Content-Type', '') != 'application/json':
            return self.send(415, {'error': 'JSON expected'})
        req = json.loads(body)
        start_s, end_s = req['startDateTime'] // 1000, req['endDateTime'] // 1000
        frame = req.get('timeFrame')
        with self.st.lock:
            self.st.stats['windows'].append([frame, start_s, end_s])
        if (req.get('screen') != 'USAGE_EXPLORER' or req.get('accountNumber') != ACCOUNT or
                req.get('serviceLocationNumber') != LOCATION or req.get('userId') != user or
                frame not in ('HOURLY', 'DAILY', 'MONTHLY') or
                (frame != 'MONTHLY' and end_s - start_s > sc['max_window_days'] * 86400 + 3600)):
            return self.send(200, {'status': 'FAILED'})
        since = date.fromisoformat(sc['revise_from']) if sc['revise_from'] else None
        if sc['empty']:
            usage, cost, intervals = [], [], {}
        elif frame == 'MONTHLY':
            usage, cost, intervals = monthly(self.st.data, start_s, end_s, since)
        else:
            points = self.st.data.slice(start_s, end_s, since)
            usage, cost, intervals = (hourly if frame == 'HOURLY' else daily)(points)
        with self.st.lock:
            self.st.stats['complete'] += 1
        self.send(200, {'status': 'COMPLETE', 'data': {'ELECTRIC': [
            entry('USAGE', frame, req, usage, intervals), entry('COST', frame, req, cost, intervals)]}})

    def gb_feed(self, query):
        sc = self.st.scenario
        text = self.st.gb_pages_text
        if text is None:
            return self.send(404, b'no feed', 'text/plain')
        if sc['gb_token'] and self.headers.get('Authorization') != 'Bearer ' + sc['gb_token']:
            return self.send(401, b'<error>invalid_token</error>', 'application/xml')
        with self.st.lock:
            self.st.stats['gb_pages'] += 1
        head_end = text.index('<entry>')
        head, tail_start = text[:head_end], text.rindex('</feed>')
        entries = re.findall(r'<entry>.*?</entry>\s*', text[head_end:tail_start], re.S)
        size = int(sc['gb_page_entries'])
        page = int(query.get('page', ['1'])[0])
        chunk = entries[(page - 1) * size:page * size]
        more = page * size < len(entries)
        link = ''
        if more or sc['gb_next'] == 'loop':
            nxt = '/gb/feed?page=%d' % (page + 1 if sc['gb_next'] != 'loop' else page)
            if sc['gb_next'] == 'foreign':
                nxt = 'https://elsewhere.example' + nxt
            link = '  <link rel="next" href="%s"/>\n  ' % nxt.replace('&', '&amp;')
        self.send(200, (head + link + ''.join(chunk) + '</feed>\n').encode(), 'application/atom+xml')


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client that went away (espi timed out, a test moved on) is no news."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'))
    ap.add_argument('--gb-feed')
    ap.add_argument('--lifetime', type=float, default=300)
    args = ap.parse_args()
    server = Server(('127.0.0.1', 0), Handler)
    server.state = State(args.gb_feed)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*args.tls)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    tmp = args.port_file + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % server.server_address[1])
    os.replace(tmp, args.port_file)
    timer = threading.Timer(args.lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
