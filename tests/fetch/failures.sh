#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every way a SmartHub download fails, against the stand-in (127.0.0.1 only): each gives its
# message, naming the window (or the login, user-data) and what to do, a non-zero exit code,
# no output file, and an existing output file left as it was:
#   a maintenance page (HTML) where JSON is expected, at the poll, the login and user-data (3);
#   COMPLETE with no reading (1); FAILED, for a window longer than the portal takes (1); no
#   answer within --timeout (3); a refused connection (3); PENDING past --budget (3); 429
#   whose Retry-After passes the budget (3). And what is not a failure: a 429 whose
#   Retry-After fits the budget is waited out (exit 0, one 429 counted). Proxies: the one
#   https_proxy names is used (the stand-in, as a proxy, sees the CONNECT and refuses it); a
#   loopback address is never proxied.
# usage: ESPI=... ESPI_SOURCE=... failures.sh
. "$ESPI_SOURCE/tests/fetch/lib.bash"

start_standin
days="--start 2026-03-01 --end 2026-03-05"
window='\[2026-03-01\.\.2026-03-05\]'

# fails SCENARIO NAME RC REGEX [ARGS...]: the run fails as said; no new file, an old one kept
fails() {
    local sc=$1 name=$2 rc=$3 re=$4
    shift 4
    scenario "$sc"
    run "$name" $(smarthub) $days -o "$tmp/$name.xml" "$@"
    expect_run "$name" "$rc" "$re"
    echo keep >"$tmp/$name.old"
    scenario "$sc"
    run "$name.again" $(smarthub) $days -o "$tmp/$name.old" "$@"
    if [ -e "$tmp/$name.xml" ] || [ "$(cat "$tmp/$name.old")" != keep ] ||
        [ -n "$(find "$tmp" -maxdepth 1 -name '.*tmp*' -print -quit)" ]; then
        bad "$name: an output file was written, changed or left behind"
    else
        ok "$name: no output file; an existing one is unchanged"
    fi
}

fails '"html": "poll"' html_poll 3 "fetch-html: SmartHub answered with a web page, not JSON \(HTTP 200, text/html.*maintenance.*try again later $window"
fails '"html": "login"' html_login 3 'fetch-html: SmartHub answered with a web page, not JSON \(HTTP 503.*\[login\]'
fails '"html": "user-data"' html_user_data 3 'fetch-html: .*\[user-data\]'
fails '"empty": true' empty 1 "fetch-empty: SmartHub answered COMPLETE with no reading.*--start and --end $window"
fails '"max_window_days": 2' failed 1 "fetch-failed: SmartHub answered FAILED: .*longer than 45 days.*$window"
fails '"slow": 3' timeout 3 "fetch-timeout: POST /services/secured/utility-usage/poll: no answer in time.*--timeout.*$window" --timeout 1
fails '"pending": 1000' pending 3 "fetch-pending: SmartHub still answered PENDING after .*--budget $window" --budget 0.3
fails '"rate_limit": 5, "retry_after": 5' busy 3 "fetch-busy: SmartHub is busy \(HTTP 429\) and asks to wait 5 s, beyond .*--budget.*$window" --budget 2

scenario '"rate_limit": 1, "retry_after": 1, "pending": 0'
run waited $(smarthub) $days -o "$tmp/waited.xml" -v
check "429 with Retry-After: 1 within the budget: waited out, exit 0" test "$(rc_of waited)" = 0 -a -s "$tmp/waited.xml"
check "429: one answered, and --verbose says so" \
    test "$(stat_of rate_limited)" = 1 -a "$(grep -c 'HTTP 429, asking again in 1 s' "$tmp/waited.err")" = 1

# proxies: the one https_proxy names is used (the stand-in, as a proxy, sees the CONNECT and
# refuses it: nothing goes further); a loopback address is never proxied
scenario '"pending": 0'
timeout 60 env ESPI_SMARTHUB_PASSWORD=x https_proxy="$base" "$ESPI" fetch smarthub \
    --url https://cec.smarthub.invalid --user pat@example.com $days -o "$tmp/proxied.xml" \
    >/dev/null 2>"$tmp/proxied.err"
echo $? >"$tmp/proxied.rc"
check "https_proxy is used: the proxy saw CONNECT cec.smarthub.invalid:443, exit 3" \
    test "$(rc_of proxied) $(stat_of proxy_connects)" = '3 ["cec.smarthub.invalid:443"]'
expect_run proxied 3 'fetch-proxy: POST /services/oauth/auth/v2: the proxy refused to connect to the server: check https_proxy'
unused=$(python3 "$here/standin_ctl.py" free-port)
timeout 60 env ESPI_SMARTHUB_PASSWORD="$PASSWORD" http_proxy="http://127.0.0.1:$unused" \
    HTTPS_PROXY="http://127.0.0.1:$unused" ALL_PROXY="http://127.0.0.1:$unused" NO_PROXY= no_proxy= \
    "$ESPI" fetch $(smarthub) $days -o "$tmp/noproxy.xml" >/dev/null 2>"$tmp/noproxy.err"
check "a loopback address is never proxied (the proxies named lead nowhere): exit 0" \
    test $? = 0 -a -s "$tmp/noproxy.xml"

free=$(python3 "$here/standin_ctl.py" free-port)
timeout 60 env ESPI_SMARTHUB_PASSWORD=x "$ESPI" fetch smarthub --url "http://127.0.0.1:$free" \
    --user pat@example.com $days -o "$tmp/refused.xml" >/dev/null 2>"$tmp/refused.err"
echo $? >"$tmp/refused.rc"
expect_run refused 3 "fetch-connect: POST /services/oauth/auth/v2: the connection was refused.*\[login\]"
check "refused: no output file" test ! -e "$tmp/refused.xml"
finish
