#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Talks to the SmartHub stand-in (standin.py) for the fetch tests; 127.0.0.1 only, no proxy;
over https:// when $STANDIN_CA names the certificate of a stand-in started with --tls.

usage: standin_ctl.py PORT control JSON     merge scenario settings ({"reset": true} first)
       standin_ctl.py PORT stats [KEY]      the counters as JSON, or one of them
       standin_ctl.py password|totp-secret  the users' password, the MFA user's TOTP secret
       standin_ctl.py totp                  the MFA user's code now
       standin_ctl.py free-port             a port nothing listens on (bound, then closed)
"""
import json
import os
import socket
import ssl
import sys
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standin  # noqa: E402

# a stand-in serving TLS (standin.py --tls) is reached over https://, its certificate
# trusted from $STANDIN_CA
CA = os.environ.get('STANDIN_CA')
OPENER = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),
    urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=CA) if CA else None))


def call(port, path, data=None):
    req = urllib.request.Request('%s://127.0.0.1:%d%s' % ('https' if CA else 'http', port, path), data=data,
                                 headers={'Content-Type': 'application/json'})
    with OPENER.open(req, timeout=10) as r:
        return json.load(r)


def main(argv):
    if argv[0] == 'password':
        sys.stdout.write(standin.PASSWORD)
    elif argv[0] == 'totp-secret':
        print(standin.MFA_SECRET)
    elif argv[0] == 'totp':
        print(standin.totp(standin.MFA_SECRET, time.time()))
    elif argv[0] == 'free-port':
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        print(s.getsockname()[1])
        s.close()
    elif argv[1] == 'control':
        call(int(argv[0]), '/_control', argv[2].encode())
    elif argv[1] == 'stats':
        stats = call(int(argv[0]), '/_stats')
        print(json.dumps(stats[argv[2]] if len(argv) > 2 else stats))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
