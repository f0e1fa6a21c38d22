#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# espi fetch smarthub's login against the stand-in (127.0.0.1 only). The password has the
# characters a form body must escape (& = % + space ' " # ; and a non-ASCII letter), so every
# successful login shows that each field is escaped.
#   * a wrong password is tried once (the stand-in counts one login), exit 1 with
#     fetch-login-refused and the lock-out note, no output file;
#   * MFA: the code made from --totp-secret-file (RFC 6238) logs in; so does a --totp-code
#     (the stand-in's own TOTP); no code: the 500 "could not be verified" is refused at once
#     (fetch-mfa-refused, one login); a wrong code likewise;
#   * a token that expires mid-download (the stand-in's token serves 2 calls) is renewed by
#     logging in again (MFA included), and the feed is the same as without expiry;
#   * user-data with two active locations: exit 2 listing both account and location numbers
#     and no name or address; --account/--location choose; an unknown one is exit 2;
#   * the password comes from --password-file (- : stdin) as from the environment, or from a
#     prompt on the terminal (without echo; Ctrl-C cancels it, exit 130); with none of them,
#     and no terminal, exit 2 saying how to give it.
# usage: ESPI=... ESPI_SOURCE=... login.sh
. "$ESPI_SOURCE/tests/fetch/lib.bash"

start_standin
days="--start 2026-03-01 --end 2026-04-10"
scenario '"pending": 0'
run plain $(smarthub) $days -o "$tmp/plain.xml"
check "a password with & = % + ' \" # ; and ö: logged in, exit 0" test "$(rc_of plain)" = 0

scenario
ESPI_SMARTHUB_PASSWORD="${PASSWORD}x" timeout 60 "$ESPI" fetch $(smarthub) $days -o "$tmp/wrong.xml" \
    >/dev/null 2>"$tmp/wrong.err"
echo $? >"$tmp/wrong.rc"
expect_run wrong 1 "fetch-login-refused: .*does not try again"
check "wrong password: one login, no retry" test "$(stat_of logins) $(stat_of failed_logins)" = "1 1"
check "wrong password: no output file" test ! -e "$tmp/wrong.xml"

secret=$tmp/totp
python3 "$here/standin_ctl.py" totp-secret >"$secret"
chmod 600 "$secret"
scenario
run mfa_secret smarthub --url "$base" --user mfa@example.com --poll-interval 0.05 $days \
    --totp-secret-file "$secret" -o "$tmp/mfa.xml"
check "MFA with --totp-secret-file: exit 0, one login" test "$(rc_of mfa_secret) $(stat_of logins)" = "0 1"
check "MFA: the same feed" cmp -s "$tmp/mfa.xml" "$tmp/plain.xml"
scenario
run mfa_code smarthub --url "$base" --user mfa@example.com --poll-interval 0.05 $days \
    --totp-code "$(python3 "$here/standin_ctl.py" totp)" -o "$tmp/mfa2.xml"
check "MFA with --totp-code: exit 0" test "$(rc_of mfa_code)" = 0
scenario
run mfa_none smarthub --url "$base" --user mfa@example.com $days -o "$tmp/mfa3.xml"
expect_run mfa_none 1 "fetch-mfa-refused: SmartHub asks for an MFA code .*--totp-secret-file"
check "MFA missing: one login, no output file" test "$(stat_of logins)" = 1 -a ! -e "$tmp/mfa3.xml"
scenario
run mfa_wrong smarthub --url "$base" --user mfa@example.com $days --totp-code 000000 -o "$tmp/mfa4.xml"
expect_run mfa_wrong 1 "fetch-mfa-refused: SmartHub did not accept the MFA code"
check "MFA wrong code: one login" test "$(stat_of logins)" = 1

scenario '"pending": 1, "token_uses": 2'
run expiry smarthub --url "$base" --user mfa@example.com --poll-interval 0.05 $days \
    --totp-secret-file "$secret" -o "$tmp/expiry.xml" -v
check "token expiry: exit 0" test "$(rc_of expiry)" = 0
check "token expiry: logged in again after each 401 ($(stat_of logins) logins, $(stat_of expired) expired)" \
    test "$(stat_of logins)" -ge 2 -a "$(stat_of expired)" = "$(($(stat_of logins) - 1))"
check "token expiry: --verbose says why" grep -q '^espi: logged in again: token expired$' "$tmp/expiry.err"
check "token expiry: the same feed" cmp -s "$tmp/expiry.xml" "$tmp/plain.xml"

scenario '"pending": 0'
run two smarthub --url "$base" --user two@example.com $days -o "$tmp/two.xml"
expect_run two 2 "fetch-locations: 2 active service locations fit: account 1234567001 location 80012345, account 1234567002 location 80012399; choose one with --account and --location"
check "several locations: no name or address in the message" \
    test "$(grep -c -e 'PAT MEMBER' -e Home "$tmp/two.err")" = 0
run two_chosen smarthub --url "$base" --user two@example.com --location 80012345 $days -o "$tmp/two.xml"
check "--location chooses one: exit 0, the same feed" \
    test "$(rc_of two_chosen)" = 0 -a "$(cmp -s "$tmp/two.xml" "$tmp/plain.xml" && echo same)" = same
run two_unknown smarthub --url "$base" --user two@example.com --account 999 $days -o "$tmp/two3.xml"
expect_run two_unknown 2 "fetch-locations: no active electric service location of account 999"

printf '%s\n' "$PASSWORD" >"$tmp/pw"
chmod 600 "$tmp/pw"
timeout 60 "$ESPI" fetch $(smarthub) $days --password-file "$tmp/pw" -o "$tmp/pwfile.xml" 2>"$tmp/pwfile.err"
check "--password-file: exit 0, the same feed" cmp -s "$tmp/pwfile.xml" "$tmp/plain.xml"
printf '%s\n' "$PASSWORD" | timeout 60 "$ESPI" fetch $(smarthub) $days --password-file - -o "$tmp/pwstdin.xml" 2>/dev/null
check "--password-file - (stdin): the same feed" cmp -s "$tmp/pwstdin.xml" "$tmp/plain.xml"
chmod 644 "$tmp/pw"
timeout 60 "$ESPI" fetch $(smarthub) $days --password-file "$tmp/pw" -o "$tmp/pwfile2.xml" 2>"$tmp/pwfile2.err"
check "a password file others may read: a warning" grep -q 'warning: secret-file-mode: .*chmod 600' "$tmp/pwfile2.err"
if command -v script >/dev/null; then
    # a prompt on a terminal (script(1) makes one): typed without echo; Ctrl-C cancels it
    cmd="$ESPI fetch $(smarthub) $days -o $tmp/prompt.xml"
    (sleep 1 && printf '%s\n' "$PASSWORD") | timeout 60 env -u ESPI_SMARTHUB_PASSWORD \
        script -qec "$cmd" /dev/null >"$tmp/prompt.log" 2>&1
    check "the password typed at the prompt: exit 0, the same feed" \
        test $? = 0 -a "$(cmp -s "$tmp/prompt.xml" "$tmp/plain.xml" && echo same)" = same
    check "the prompt names the user and does not echo the password" test \
        "$(grep -c 'SmartHub password for pat@example.com: ' "$tmp/prompt.log") $(grep -cF "$PASSWORD" "$tmp/prompt.log")" = "1 0"
    (sleep 1 && printf 'abc\003') | timeout 60 env -u ESPI_SMARTHUB_PASSWORD \
        script -qec "$ESPI fetch $(smarthub) $days -o $tmp/cancel.xml" /dev/null >"$tmp/cancel.log" 2>&1
    check "Ctrl-C at the prompt cancels: exit 130, nothing written" \
        test $? = 130 -a ! -e "$tmp/cancel.xml"
fi
setsid -w timeout 60 env -u ESPI_SMARTHUB_PASSWORD "$ESPI" fetch $(smarthub) $days -o "$tmp/nopw.xml" \
    </dev/null >/dev/null 2>"$tmp/nopw.err"
echo $? >"$tmp/nopw.rc"
expect_run nopw 2 "no password: set ESPI_SMARTHUB_PASSWORD, give --password-file FILE, or run espi on a terminal"
finish
