#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The man pages the build wrote (src/cli/man of the build folder): espi(1)
# and one page per command of `espi --help`, each what `espi --generate man`
# writes now, with every section, every option of the command's --help, every
# environment variable the sources read, SEE ALSO pages that exist, and
# rendered by groff (and mandoc -Tlint, when installed) without a warning.
set -euo pipefail
: "${ESPI:?set ESPI to the espi binary}" "${ESPI_BUILD:?set ESPI_BUILD to the build folder}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source folder}"
man_dir=$ESPI_BUILD/src/cli/man
if [ ! -d "$man_dir" ]; then
    echo "SKIP: no $man_dir (a cross build generates no man pages)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
    echo "FAIL: $*"
    fail=1
}

commands=$("$ESPI" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || { echo "FAIL: no commands in 'espi --help'"; exit 1; }

# The long options of a --help text: "  -o, --output FILE ..." and "      --tz ZONE ...".
help_options() { sed -n 's/^  \(-[a-zA-Z0-9], \)\{0,1\} *--\([a-z][a-z0-9-]*\).*/\2/p'; }
# An option as the page writes it: \fB\-\-dry\-run\fR
roff_option() { printf '\\fB\\-\\-%s\\fR' "${1//-/\\-}"; }
# The lines of one section (.SH NAME up to the next .SH).
section() { awk -v s=".SH $2" '$0 == s { on = 1; next } /^\.SH / { on = 0 } on' "$1"; }

check_sections() {
    local page=$1 s
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        grep -qx ".SH $s" "$page" || bad "$page: no section $s"
    done
}

# The page in the build is what the generator writes now (but for the date).
check_fresh() {
    local page=$1
    shift
    "$ESPI" --generate man "$@" >"$tmp/fresh" || { bad "espi --generate man $* failed"; return; }
    diff <(grep -v '^\.TH ' "$page") <(grep -v '^\.TH ' "$tmp/fresh") >"$tmp/diff" ||
        bad "$page differs from 'espi --generate man $*': rebuild, or the build rule is stale"$'\n'"$(head -20 "$tmp/diff")"
}

# Every option of the --help text on stdin has its entry in OPTIONS, and
# OPTIONS has no other.
check_options() {
    local page=$1 opt n_help=0 n_page
    section "$page" OPTIONS >"$tmp/options"
    while IFS= read -r opt; do
        n_help=$((n_help + 1))
        grep -qF "$(roff_option "$opt")" "$tmp/options" || bad "$page: no --$opt in OPTIONS"
    done < <(help_options)
    n_page=$(grep -c '^\.TP$' "$tmp/options" || true)
    [ "$n_page" = "$n_help" ] || bad "$page: $n_page options in OPTIONS, --help lists $n_help"
}

check_see_also() {
    local page=$1 ref
    while IFS= read -r ref; do
        [ -f "$man_dir/$ref.1" ] || bad "$page: SEE ALSO $ref(1), which the build did not write"
    done < <(section "$page" "SEE ALSO" | sed -n 's/^\.BR \([^ ]*\) (1).*/\1/p' | sed 's/\\-/-/g')
}

check_render() {
    local page=$1
    if command -v groff >/dev/null; then
        groff -man -Tutf8 -ww -z "$page" 2>"$tmp/groff" || bad "$page: groff failed"
        if [ -s "$tmp/groff" ]; then bad "$page: groff warns:"$'\n'"$(head "$tmp/groff")"; fi
        # hyphens are \-, so options come out as typed
        groff -man -Tascii -P-c -P-b -P-u -P-o "$page" 2>/dev/null >"$tmp/text"
        grep -q -- '--help' "$tmp/text" || bad "$page: --help not in the rendered text"
    fi
    if command -v mandoc >/dev/null; then
        mandoc -Tlint -W warning "$page" >"$tmp/mandoc" 2>&1 || true
        if [ -s "$tmp/mandoc" ]; then bad "$page: mandoc -Tlint:"$'\n'"$(head "$tmp/mandoc")"; fi
    fi
}

command -v groff >/dev/null || echo "note: no groff: the pages are not rendered (apt-get install groff)"
command -v mandoc >/dev/null || echo "note: no mandoc: no mandoc -Tlint (apt-get install mandoc)"

page=$man_dir/espi.1
if [ -f "$page" ]; then
    check_sections "$page"
    check_fresh "$page"
    printf '  -h, --help\n      --version\n' | check_options "$page"
    check_see_also "$page"
    check_render "$page"
    # every environment variable the sources read is documented in espi(1)
    section "$page" ENVIRONMENT >"$tmp/env"
    for var in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$ESPI_SOURCE/src" | sed 's/getenv("\(.*\)")/\1/' | sort -u); do
        grep -qx ".B $var" "$tmp/env" || bad "$page: getenv(\"$var\") in src/, not in ENVIRONMENT"
    done
else
    bad "no $page"
fi

for cmd in $commands; do
    page=$man_dir/espi-$cmd.1
    [ -f "$page" ] || { bad "no $page for the command $cmd (add it to src/cli/CMakeLists.txt)"; continue; }
    check_sections "$page"
    check_fresh "$page" "$cmd"
    "$ESPI" "$cmd" --help | check_options "$page"
    check_see_also "$page"
    check_render "$page"
    grep -qF ".B espi $cmd" "$page" || bad "$page: no 'espi $cmd' in SYNOPSIS"
done

# the date is SOURCE_DATE_EPOCH's when it is set, for reproducible builds
SOURCE_DATE_EPOCH=1795824000 "$ESPI" --generate man >"$tmp/dated"
grep -q '^\.TH ESPI 1 2026-11-28 ' "$tmp/dated" || bad "SOURCE_DATE_EPOCH does not set the date: $(grep '^\.TH' "$tmp/dated")"

if [ $fail -eq 0 ]; then echo "ok: espi(1) and $(echo $commands | wc -w) command pages"; fi
exit $fail
