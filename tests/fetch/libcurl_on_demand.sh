#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# libcurl is loaded only when a fetch needs it (src/fetch/curl_api.c opens it with dlopen):
#   * neither espi nor libespi.so names libcurl as NEEDED, and ldd of espi lists no libcurl;
#   * the dynamic loader's own log (LD_DEBUG=files) shows no libcurl for espi validate, convert
#     and dump of small files, and shows it for espi --version (which names libcurl's version:
#     the log is read right) and for a fetch from the stand-in (which still works);
#   * with libcurl hidden (an empty file bound over it in a private mount namespace, where
#     unshare -rm is allowed; skipped otherwise): espi fetch url and espi fetch smarthub stop
#     with fetch-libcurl naming the soname and the package, exit 2, before anything is sent;
#     espi --version says libcurl cannot be loaded; validate and convert work as ever.
# usage: ESPI=... ESPI_SOURCE=... ESPI_BUILD=... libcurl_on_demand.sh
. "$ESPI_SOURCE/tests/fetch/lib.bash"
: "${ESPI_BUILD:?set ESPI_BUILD to the build folder}"
need_tools readelf ldd

feed=$ESPI_SOURCE/testdata/espi/valid_dump_entry_root.xml
poll=$ESPI_SOURCE/testdata/smarthub/valid_daily_central.json

# NEEDED entries
for bin in "$ESPI" "$ESPI_BUILD/src/libespi.so"; do
    if [ ! -e "$bin" ]; then
        bad "$bin is not there"
    elif readelf -d "$bin" | grep -q 'NEEDED.*libcurl'; then
        bad "$(basename "$bin") names libcurl as NEEDED: $(readelf -d "$bin" | grep 'NEEDED.*libcurl')"
    else
        ok "$(basename "$bin") does not name libcurl as NEEDED"
    fi
done
check "ldd espi lists no libcurl" test -z "$(ldd "$ESPI" | grep libcurl)"

# loaded NAME COMMAND...: COMMAND with the loader's log in $tmp/NAME.log, its output in
# $tmp/NAME.out and .err, its exit code in $tmp/NAME.rc; curl_in NAME: whether libcurl was opened.
loaded() {
    local name=$1
    shift
    LD_DEBUG=files LD_DEBUG_OUTPUT=$tmp/$name.ld "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    echo $? >"$tmp/$name.rc"
    cat "$tmp/$name.ld".* >"$tmp/$name.log" 2>/dev/null
    rm -f "$tmp/$name.ld".*
}
curl_in() { grep -q 'file=libcurl[^ ]* .*generating link map' "$tmp/$1.log"; }
no_curl_in() { ! curl_in "$1"; }
# ran_without_curl NAME: exit 0, something written, libcurl not opened
ran_without_curl() { [ "$(cat "$tmp/$1.rc")" = 0 ] && [ -s "$tmp/$1.out" ] && no_curl_in "$1"; }

loaded validate "$ESPI" validate -q "$feed"
check "espi validate of a small file: exit 0" test "$(cat "$tmp/validate.rc")" = 0
check "espi validate: the loader's log is there ($(wc -l <"$tmp/validate.log") lines)" \
    grep -q 'generating link map' "$tmp/validate.log"
check "espi validate does not load libcurl" no_curl_in validate
loaded convert env SOURCE_DATE_EPOCH=1767225600 "$ESPI" convert --tz America/Chicago -q "$poll"
check "espi convert of a small poll answer: exit 0, a feed, and no libcurl loaded" \
    ran_without_curl convert
loaded dump "$ESPI" dump -q "$feed"
check "espi dump: exit 0, rows, and no libcurl loaded" ran_without_curl dump
loaded version "$ESPI" --version
check "espi --version loads libcurl for its version" curl_in version
check "espi --version names libcurl's version" grep -Eq 'libcurl [0-9]' "$tmp/version.out"

# a fetch loads it, and works
"$ESPI" convert --tz America/Los_Angeles -q -o "$tmp/src.xml" \
    "$ESPI_SOURCE/testdata/smarthub/valid_15min_netmeter_cost_week.json"
start_standin --gb-feed "$tmp/src.xml"
scenario '"gb_token": "tok"'
printf 'tok\n' >"$tmp/token"
chmod 600 "$tmp/token"
loaded fetch timeout 60 "$ESPI" fetch url "$base/gb/feed" --bearer-token-file "$tmp/token" \
    -o "$tmp/got.xml"
check "espi fetch url from the stand-in: exit 0, a feed written" \
    test "$(cat "$tmp/fetch.rc")" = 0 -a -s "$tmp/got.xml"
check "espi fetch loads libcurl" curl_in fetch
stop_standin

# libcurl hidden
lib=$(sed -n 's/.*calling init: \(.*\/libcurl[^ ]*\).*/\1/p' "$tmp/version.log" | head -1)
real=$(readlink -f "${lib:-/nonexistent}")
# shellcheck disable=SC2016 # $1 is the inner shell's
if [ -z "$lib" ]; then
    bad "the loader's log of espi --version names no libcurl it opened"
elif ! unshare -rm sh -c 'mount --bind /dev/null "$1"' sh "$real" 2>/dev/null; then
    echo "skip libcurl hidden: unshare -rm and mount --bind (a user and mount namespace) are not allowed here"
else
    hidden() { # hidden NAME ARGS...: espi ARGS with $real replaced by an empty file
        local name=$1
        shift
        # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
        unshare -rm sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$real" \
            env ESPI_SMARTHUB_PASSWORD=not-sent SOURCE_DATE_EPOCH=1767225600 timeout 60 "$ESPI" "$@" \
            >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
        echo $? >"$tmp/$name.rc"
    }
    soname=$(basename "$lib")
    want="fetch-libcurl: espi fetch needs libcurl \\($soname, Debian package libcurl4\\), which cannot be loaded: .*$soname"
    hidden h_url fetch url http://127.0.0.1:9/feed.xml -o "$tmp/h_url.xml"
    expect_run h_url 3 "$want"
    check "libcurl hidden: no output file" test ! -e "$tmp/h_url.xml"
    hidden h_smarthub fetch smarthub --url http://127.0.0.1:9 --user pat@example.com \
        --start 2026-01-01 --tz America/Chicago -o "$tmp/h_smarthub.xml"
    expect_run h_smarthub 3 "$want"
    hidden h_version --version
    check "libcurl hidden: espi --version exits 0 and says libcurl cannot be loaded" \
        test "$(rc_of h_version)" = 0 -a "$(grep -c "libcurl cannot be loaded ($soname)" "$tmp/h_version.out")" = 1
    hidden h_validate validate -q "$feed"
    check "libcurl hidden: espi validate works (exit 0)" test "$(rc_of h_validate)" = 0
    hidden h_convert convert --tz America/Chicago -q "$poll"
    same_feed() { [ "$(rc_of h_convert)" = 0 ] && cmp -s "$tmp/h_convert.out" "$tmp/convert.out"; }
    check "libcurl hidden: espi convert writes the same feed" same_feed
fi
finish
