#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi fetch keeps secrets to itself, against the stand-in (127.0.0.1 only). A download with
# MFA (--totp-secret-file), the password in ESPI_SMARTHUB_PASSWORD, a token that expires (so
# several tokens are issued), session cookies set by the stand-in, --verbose and --save-raw:
#   * while it runs, /proc/PID/cmdline holds no password, secret or token; the password is gone
#     from /proc/PID/environ once read; the process allows no core dump;
#   * afterwards no password, TOTP secret, token or cookie is in stderr (--verbose), stdout,
#     the --save-raw files or the feed; no cookie was ever sent back to the portal;
#   * every --verbose line is a method, path, status and time, a wait, a login or a window:
#     nothing else (no header, no body, no query string);
#   * with --password-file, the command line holds only the file's name.
# usage: ESPI=... ESPI_SOURCE=... secrets.sh
. "$ESPI_SOURCE/tests/fetch/lib.bash"

start_standin
secret_file=$tmp/totp
python3 "$here/standin_ctl.py" totp-secret >"$secret_file"
chmod 600 "$secret_file"
secret=$(cat "$secret_file")
scenario '"pending": 1, "slow": 0.4, "token_uses": 3'
# in_background VAR COMMAND...: runs COMMAND (espi itself, so that $! is its process) with
# a watchdog that ends it after 60 s; VAR gets its process id
in_background() {
    local _var=$1
    shift
    "$@" &
    local _pid=$!
    (
        sleep 60 &
        s=$!
        trap 'kill $s; exit 0' TERM
        wait $s && kill "$_pid"
    ) >/dev/null 2>&1 &
    watchdogs+=($!)
    printf -v "$_var" '%s' "$_pid"
}
watchdogs=()
stop_watchdogs() { local w; for w in "${watchdogs[@]}"; do kill "$w" 2>/dev/null; done; }
trap 'stop_watchdogs; stop_standin; rm -rf "$tmp"' EXIT

export ESPI_SMARTHUB_PASSWORD=$PASSWORD
in_background pid "$ESPI" fetch smarthub --url "$base" --user mfa@example.com \
    --totp-secret-file "$secret_file" --start 2026-03-01 --end 2026-04-09 --poll-interval 0.05 \
    --save-raw "$tmp/raw" -o "$tmp/feed.xml" -v >"$tmp/out" 2>"$tmp/err"
unset ESPI_SMARTHUB_PASSWORD
sleep 1.2
cp "/proc/$pid/cmdline" "$tmp/cmdline" 2>/dev/null
cp "/proc/$pid/environ" "$tmp/environ" 2>/dev/null
cp "/proc/$pid/limits" "$tmp/limits" 2>/dev/null
wait "$pid"
rc=$?
check "the download: exit 0" test "$rc" = 0
check "it was running while /proc was read" test -s "$tmp/cmdline"
# a process that allows no core dump is not dumpable: only root reads its environ and limits
if [ -s "$tmp/environ" ]; then
    check "the process allows no core dump" grep -Eq '^Max core file size +0 +0 ' "$tmp/limits"
else
    echo "note: /proc/PID/environ and limits not readable (not root): not checked"
    : >"$tmp/environ"
fi
check "it logged in again after tokens expired ($(stat_of logins) logins)" test "$(stat_of logins)" -ge 2
check "no cookie was ever sent back" test "$(stat_of cookies_received)" = 0

# the secrets: password, TOTP secret, every token and cookie the stand-in issued
python3 - "$port" "$tmp/secrets" <<'PY'
import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
stats = json.load(opener.open('http://127.0.0.1:%s/_stats' % sys.argv[1], timeout=10))
with open(sys.argv[2], 'w') as f:
    for t in stats['tokens']:
        f.write(t.split('=', 1)[-1] + '\n')
PY
printf '%s\n' "$PASSWORD" "$secret" >>"$tmp/secrets"
check "secrets to look for: the password, the secret, $(($(wc -l <"$tmp/secrets") - 2)) tokens and cookies" \
    test "$(wc -l <"$tmp/secrets")" -ge 6

leaks() { # leaks FILE...: the secrets found in the files
    local s f
    while IFS= read -r s; do
        for f in "$@"; do
            if grep -qF -- "$s" "$f"; then echo "$f"; fi
        done
    done <"$tmp/secrets"
}
tr '\0' '\n' <"$tmp/cmdline" >"$tmp/cmdline.txt"
tr '\0' '\n' <"$tmp/environ" >"$tmp/environ.txt"
check "no secret in /proc/PID/cmdline" test -z "$(leaks "$tmp/cmdline.txt")"
check "the password is gone from /proc/PID/environ once read" test -z "$(leaks "$tmp/environ.txt")"
check "no secret in stderr (--verbose) or stdout" test -z "$(leaks "$tmp/err" "$tmp/out")"
check "no secret in the --save-raw files ($(ls "$tmp/raw" | wc -l) files)" test -z "$(leaks "$tmp/raw"/*)"
check "no secret in the feed" test -z "$(leaks "$tmp/feed.xml")"
check "--save-raw kept no login answer" test -z "$(grep -l authorizationToken "$tmp/raw"/* 2>/dev/null)"

allowed='^espi: (GET|POST) /[^ ?]* -> ([0-9]{3}|no answer) \([0-9.]+ s\)$|^espi: logged in( again: token expired)?$|^espi: [0-9-]{10}\.\.[0-9-]{10}: (PENDING|HTTP [0-9]{3}), asking again in [0-9.e+-]+ s$|^[0-9-]{10}\.\.[0-9-]{10}: [0-9,]+ readings?$'
check "--verbose: $(wc -l <"$tmp/err") lines, every one a request, a wait, a login or a window" \
    test -z "$(grep -Ev "$allowed" "$tmp/err")"
check "--verbose shows the requests" grep -q '^espi: POST /services/secured/utility-usage/poll -> 200 (' "$tmp/err"
check "--verbose shows user-data's path without its query (the user name)" \
    grep -q '^espi: GET /services/secured/user-data -> 200 (' "$tmp/err"

printf '%s\n' "$PASSWORD" >"$tmp/pw"
chmod 600 "$tmp/pw"
scenario '"pending": 0, "slow": 0.6'
in_background pid "$ESPI" fetch smarthub --url "$base" --user pat@example.com --password-file "$tmp/pw" \
    --start 2026-03-01 --end 2026-03-05 -o "$tmp/f2.xml" >/dev/null 2>&1
sleep 0.4
tr '\0' ' ' <"/proc/$pid/cmdline" >"$tmp/cmdline2" 2>/dev/null
wait "$pid"
check "--password-file: exit 0; the command line names the file only" \
    test $? = 0 -a -z "$(leaks "$tmp/cmdline2")" -a "$(grep -c -- "--password-file $tmp/pw" "$tmp/cmdline2")" = 1
finish
