#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi fetch over TLS, against the stand-in serving HTTPS on 127.0.0.1 with a certificate this
# test makes (openssl): with --cacert naming it, the download works (exit 0, the same feed as
# over http://); without --cacert, or with another CA, the certificate is refused: exit 3,
# fetch-tls, a message that says to give --cacert, no output file. espi fetch url works over
# the same TLS. http:// to a host that is not loopback is refused before anything is sent (2).
# usage: ESPI=... ESPI_SOURCE=... tls.sh
. "$ESPI_SOURCE/tests/fetch/lib.bash"
need_tools openssl

make_cert() { # make_cert NAME: a self-signed certificate for 127.0.0.1 and localhost
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=espi test $1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$tmp/$1.key" -out "$tmp/$1.pem" >/dev/null 2>&1
}
make_cert server || { echo "FAIL: openssl cannot make a certificate"; echo "0 passed, 1 failed"; exit 1; }
make_cert other

"$ESPI" convert --tz America/Los_Angeles -q -o "$tmp/src.xml" \
    "$ESPI_SOURCE/testdata/smarthub/valid_15min_netmeter_cost_week.json"
start_standin --gb-feed "$tmp/src.xml"
scenario '"pending": 0'
days="--start 2026-03-01 --end 2026-03-10"
run plain $(smarthub) $days -o "$tmp/plain.xml"
check "over http:// (loopback): exit 0" test "$(rc_of plain)" = 0

start_standin --tls "$tmp/server.pem" "$tmp/server.key" --gb-feed "$tmp/src.xml"
scenario '"pending": 0'
https="https://127.0.0.1:$port"
run tls smarthub --url "$https" --user pat@example.com $days --cacert "$tmp/server.pem" -o "$tmp/tls.xml"
check "https:// with --cacert: exit 0, the same feed" \
    test "$(rc_of tls)" = 0 -a "$(cmp -s "$tmp/tls.xml" "$tmp/plain.xml" && echo same)" = same
run tls_localhost smarthub --url "https://localhost:$port" --user pat@example.com $days \
    --cacert "$tmp/server.pem" -o "$tmp/tls2.xml"
check "https://localhost with --cacert: exit 0" test "$(rc_of tls_localhost)" = 0
scenario '"pending": 0'
run unknown smarthub --url "$https" --user pat@example.com $days -o "$tmp/unknown.xml"
expect_run unknown 3 'fetch-tls: POST /services/oauth/auth/v2: .*--cacert.*\[login\]'
check "unknown certificate: no output file, no login reached the stand-in" \
    test ! -e "$tmp/unknown.xml" -a "$(stat_of logins)" = 0
run other smarthub --url "$https" --user pat@example.com $days --cacert "$tmp/other.pem" -o "$tmp/other.xml"
expect_run other 3 'fetch-tls: .*certificate'
run badca smarthub --url "$https" --user pat@example.com $days --cacert "$tmp/nothing.pem" -o "$tmp/badca.xml"
expect_run badca 3 'fetch-tls: '
run gb url "$https/gb/feed" --cacert "$tmp/server.pem" -o "$tmp/gb.xml"
"$ESPI" convert --from espi -q -o "$tmp/gb_want.xml" "$tmp/src.xml"
check "espi fetch url over https:// with --cacert: the repaired feed" \
    test "$(rc_of gb)" = 0 -a "$(cmp -s "$tmp/gb.xml" "$tmp/gb_want.xml" && echo same)" = same
run cleartext smarthub --url http://smarthub.example --user pat@example.com $days -o "$tmp/clear.xml"
expect_run cleartext 2 "fetch-url: --url 'http://smarthub.example/' is http://: only https:// is fetched"
finish
