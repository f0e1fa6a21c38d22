# SPDX-License-Identifier: Apache-2.0
# testlib.sh - sourced by the bash test scripts: shared checks and counters.

# ok WHAT / bad WHAT: one line per check, counted in $pass and $fail; finish_checks prints
# 'N passed, N failed' and returns 1 when one failed (the script's last command).
pass=0
fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
finish_checks() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

# need_tools TOOL...: fail the test (with the usual summary) when one is missing.
need_tools() {
    local tool
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "FAIL: $tool not found (needed by this test)"
            echo "0 passed, 1 failed"
            exit 1
        fi
    done
}

# dump_columns SRC: the column names of the "CSV readings" table of SRC/docs/dump-format.md,
# comma separated; fails the test when the table is not found.
dump_columns() {
    local cols
    cols=$(awk '/^## CSV readings/ { on = 1; next } /^## / { on = 0 }
        on && /^\| `[a-z_]+` \|/ { s = $0; sub(/^\| `/, "", s); sub(/`.*/, "", s); printf "%s%s", sep, s; sep = "," }
        END { print "" }' "$1/docs/dump-format.md" 2>/dev/null)
    if [ -z "$cols" ]; then
        echo "FAIL: no column list found in $1/docs/dump-format.md (section '## CSV readings')" >&2
        echo "0 passed, 1 failed" >&2
        return 1
    fi
    printf '%s\n' "$cols"
}

# first_lines FILE: the first 3 lines of FILE on one line
first_lines() { head -n 3 "$1" | tr '\n' ' ' | cut -c1-300; }

# has_file_line FILE ERRFILE [LINE]: some line of ERRFILE starts with FILE:LINE (any LINE
# when none is given), followed by ':' or a space
has_file_line() {
    local f=$1 err=$2 want=${3:-} l rest n
    while IFS= read -r l; do
        case $l in
            "$f:"[0-9]*)
                rest=${l#"$f:"}
                n=${rest%%[!0-9]*}
                if [ -z "$want" ] || [ "$n" = "$want" ]; then
                    return 0
                fi ;;
        esac
    done <"$err"
    return 1
}

# official_why XSDCHECK FILE LOGPREFIX: nothing when the official ESPI 4.0 and 3.3 schemas
# both accept FILE (checked with XSDCHECK, SHARED/espi/official-xsd-check.sh); else why the
# first that does not. Each check's output is kept in LOGPREFIX.SET.
official_why() {
    local set
    for set in espi-4.0 espi-3.3; do
        if ! bash "$1" -s "$set" "$2" >"$3.$set" 2>&1; then
            echo "official $set schema rejects it: $(grep -v 'validates$' "$3.$set" | head -n 2 | tr '\n' ' ')"
            return
        fi
    done
}
