#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi fetch url against the stand-in's Green Button feed (127.0.0.1 only): a feed espi wrote
# (a week of 15-minute net-metering data) served in pages of 8 entries, each a feed of its
# own whose rel="next" link leads to the next, to "Authorization: Bearer TOKEN" only:
#   * with --bearer-token-file, every page is fetched and joined, and the result is byte for
#     byte what espi convert --from espi makes of the whole file; --save-raw keeps the pages;
#   * no token or a wrong one: exit 1, fetch-unauthorized, no output file;
#   * next links that go round in a circle, or to another server (the token would go there):
#     exit 1, fetch-next; a URL with a password in it, or http:// off loopback: exit 2.
# usage: ESPI=... ESPI_SOURCE=... url.sh
. "$ESPI_SOURCE/tests/fetch/lib.bash"

"$ESPI" convert --tz America/Los_Angeles -q -o "$tmp/src.xml" \
    "$ESPI_SOURCE/testdata/smarthub/valid_15min_netmeter_cost_week.json"
"$ESPI" convert --from espi -q -o "$tmp/want.xml" "$tmp/src.xml"
start_standin --gb-feed "$tmp/src.xml"
token=tok-$RANDOM$RANDOM
printf '%s\n' "$token" >"$tmp/token"
chmod 600 "$tmp/token"
scenario "\"gb_token\": \"$token\", \"gb_page_entries\": 8"
url=$base/gb/feed

run paged url "$url" --bearer-token-file "$tmp/token" --save-raw "$tmp/raw" -o "$tmp/got.xml"
check "paged feed: exit 0, nothing printed" test "$(rc_of paged)" = 0 -a ! -s "$tmp/paged.err"
pages=$(stat_of gb_pages)
check "every page was fetched ($pages pages of 8 entries)" test "$pages" -ge 3
check "the pages joined are what espi convert --from espi makes of the whole feed" cmp -s "$tmp/got.xml" "$tmp/want.xml"
check "--save-raw kept the $pages pages" test "$(ls "$tmp/raw" | wc -l)" = "$pages" -a -s "$tmp/raw/page-001.xml"
check "no token in the pages kept or the feed" test -z "$(grep -lF "$token" "$tmp/raw"/* "$tmp/got.xml")"

run notoken url "$url" -o "$tmp/notoken.xml"
expect_run notoken 1 'fetch-unauthorized: HTTP 401: .*--bearer-token-file'
echo wrong >"$tmp/wrong"
chmod 600 "$tmp/wrong"
run wrongtoken url "$url" --bearer-token-file "$tmp/wrong" -o "$tmp/wrong.xml"
expect_run wrongtoken 1 'fetch-unauthorized: HTTP 401: .*check the access token'
check "refused: no output file" test ! -e "$tmp/notoken.xml" -a ! -e "$tmp/wrong.xml"

scenario "\"gb_token\": \"$token\", \"gb_next\": \"loop\""
run loop url "$url" --bearer-token-file "$tmp/token" -o "$tmp/loop.xml"
expect_run loop 1 'fetch-next: the rel="next" links go round in a circle'
scenario "\"gb_token\": \"$token\", \"gb_next\": \"foreign\""
run foreign url "$url" --bearer-token-file "$tmp/token" -o "$tmp/foreign.xml"
expect_run foreign 1 'fetch-next: a rel="next" link leads to another server \(https://elsewhere.example\)'
check "no output file" test ! -e "$tmp/loop.xml" -a ! -e "$tmp/foreign.xml"

run userinfo url "http://me:secret@127.0.0.1:$port/gb/feed" -o "$tmp/x.xml"
expect_run userinfo 2 'fetch-url: the URL .* holds a user name or password'
check "the password in the URL is not repeated" test "$(grep -c secret "$tmp/userinfo.err")" = 0
run cleartext url "http://example.com/feed.xml" -o "$tmp/x.xml"
expect_run cleartext 2 'fetch-url: the URL .http://example.com/feed.xml. is http://'
finish
