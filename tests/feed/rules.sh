#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every rule of `espi validate --list-rules` against its two fixtures and its documentation.
#
# For each rule id RULE: testdata/rules/RULE.fail.xml and RULE.pass.xml must exist. Each
# fixture starts with a comment holding "rule: RULE", "expect: LINE:COL" (the line and column
# the finding must name: where the start tag of the offending element, its '<', stands;
# "none" in a .pass file) and optionally "profile: NAME" (then --profile NAME is
# passed), "clean: no (why)" (a .pass file that cannot be free of other findings) and
# "generate: WORD BYTES". The fixtures of limit-text are generated at run time (a stored
# file of more than 1 MiB would be silly): "generate: FILL 1048577" means that the test
# writes a copy of the fixture into its temporary folder with the word FILL replaced by that
# many letters x, and validates the copy instead.
#
# Checks, one line each:
#   - `espi validate [--profile P] RULE.fail.xml` exits 0 or 1, writes nothing to stderr (a
#     sanitizer report fails the check) and prints a finding of RULE at LINE:COL
#     (FILE:LINE:COL: severity: RULE: ...);
#   - `espi validate [--profile P] RULE.pass.xml` prints no finding of RULE, and unless the
#     comment says "clean: no", exits 0 with 0 errors and 0 warnings in its verdict line;
#   - the same two runs again with --format json, read by python3 (standard library only):
#     the JSON parses, holds one file, and has the same finding (rule, line and column), or
#     none;
#   - no fixture in testdata/rules is for an id that is not a rule, and each names its rule;
#   - docs/rules.md has a "### RULE" section for every rule, in --list-rules order, and
#     none for an id that is not a rule;
#   - each "Fails (`testdata/rules/RULE.fail.xml`, finding at LINE:COL" of docs/rules.md names
#     the place its fixture expects.
# Needs bash and python3 (3.9+, standard library only); does not need ../shared.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source rules.sh [SHARED]
# (CTest sets ESPI and ESPI_SOURCE and passes the shared folder, unused here.)
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
dir=$src/testdata/rules
doc=$src/docs/rules.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3

"$ESPI" validate --list-rules >"$tmp/rules.txt" 2>"$tmp/rules.err"
rc=$?
rules=()
while read -r id _; do
    [ -n "$id" ] && rules+=("$id")
done <"$tmp/rules.txt"
if [ $rc -ne 0 ] || [ ${#rules[@]} -eq 0 ]; then
    bad "espi validate --list-rules exited $rc with no rules: $(first_lines "$tmp/rules.err")"
    finish_checks
    exit 1
fi

is_rule() {
    local r
    for r in "${rules[@]}"; do
        [ "$r" = "$1" ] && return 0
    done
    return 1
}

# header FILE KEY: the value of "KEY: value" in the first comment of FILE (empty if none)
header() {
    awk -v key="$2" '/<!--/ { on = 1 } on && index($0, key ": ") == 1 { print substr($0, length(key) + 3); exit }
        /-->/ { if (on) exit }' "$1"
}

# finding_at OUT FILE RULE LINE:COL: OUT has a line FILE:LINE:COL: severity: RULE: ...
finding_at() {
    local out=$1 f=$2 rule=$3 want=$4 l rest
    while IFS= read -r l; do
        case $l in
            "$f:"*) rest=${l#"$f:"} ;;
            *) continue ;;
        esac
        if [[ $rest =~ ^([0-9]+:[0-9]+):\ (error|warning|info):\ ([^:]+):\  ]] &&
            [ "${BASH_REMATCH[1]}" = "$want" ] && [ "${BASH_REMATCH[3]}" = "$rule" ]; then
            return 0
        fi
    done <"$out"
    return 1
}

# has_rule OUT FILE RULE: OUT has a finding of RULE (any line) about FILE
has_rule() {
    local out=$1 f=$2 rule=$3 l rest
    while IFS= read -r l; do
        case $l in
            "$f:"*) rest=${l#"$f:"} ;;
            *) continue ;;
        esac
        if [[ $rest =~ ^([0-9]+)?(:[0-9]+)*:?\ (error|warning|info):\ ([^:]+):\  ]] &&
            [ "${BASH_REMATCH[4]}" = "$rule" ]; then
            return 0
        fi
    done <"$out"
    return 1
}

# the runs; JSON outputs are listed in $tmp/manifest for the python3 check at the end
: >"$tmp/manifest"
n=0
for rule in "${rules[@]}"; do
    for kind in fail pass; do
        fixture=$dir/$rule.$kind.xml
        label="$rule.$kind"
        if [ ! -f "$fixture" ]; then
            bad "$label: testdata/rules/$rule.$kind.xml is missing"
            continue
        fi
        named=$(header "$fixture" rule)
        want=$(header "$fixture" expect)
        profile=$(header "$fixture" profile)
        clean=$(header "$fixture" clean)
        generate=$(header "$fixture" generate)
        if [ "$named" != "$rule" ]; then
            bad "$label: its comment says 'rule: $named', not 'rule: $rule'"
            continue
        fi
        if [ "$kind" = fail ] && ! [[ $want =~ ^[0-9]+:[0-9]+$ ]]; then
            bad "$label: its comment has no 'expect: LINE:COL'"
            continue
        fi
        f=$fixture
        if [ -n "$generate" ]; then # "WORD BYTES": WORD becomes BYTES letters x
            f=$tmp/$rule.$kind.xml
            # shellcheck disable=SC2086 # "WORD BYTES": two arguments
            if ! python3 - "$fixture" "$f" $generate <<'EOF'; then
import sys
src, dst, word, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
head, sep, tail = open(src, encoding="utf-8").read().partition("-->")
if tail.count(word) != 1:  # the comment may name it; the body holds it once
    sys.exit("%s: the word %s is not in the body exactly once" % (src, word))
open(dst, "w", encoding="utf-8").write(head + sep + tail.replace(word, "x" * size))
EOF
                bad "$label: cannot generate it from 'generate: $generate'"
                continue
            fi
            label="$label (generated: $generate)"
        fi
        args=()
        [ -n "$profile" ] && args=(--profile "$profile")
        n=$((n + 1))
        out=$tmp/$n.txt
        "$ESPI" validate "${args[@]}" "$f" >"$out" 2>"$tmp/$n.err"
        rc=$?
        verdict=$(tail -n 1 "$out")
        if [ -s "$tmp/$n.err" ]; then
            bad "$label: stderr: $(first_lines "$tmp/$n.err")"
        elif [ "$kind" = fail ]; then
            if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
                bad "$label: exit $rc (expected 0 or 1): $(first_lines "$out")"
            elif ! finding_at "$out" "$f" "$rule" "$want"; then
                bad "$label: no $rule finding at $want:"$'\n'"$(sed 's/^/     /' "$out" | cut -c1-300)"
            else
                ok "$label${profile:+ (--profile $profile)}: $rule at $want"
            fi
        else
            if has_rule "$out" "$f" "$rule"; then
                bad "$label: a $rule finding:"$'\n'"$(sed 's/^/     /' "$out" | cut -c1-300)"
            elif [ -z "$clean" ] && { [ $rc -ne 0 ] || [[ $verdict != *", 0 errors, 0 warnings, "* ]]; }; then
                bad "$label: not clean (exit $rc):"$'\n'"$(sed 's/^/     /' "$out" | cut -c1-300)"
            elif [ -n "$clean" ] && [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
                bad "$label: exit $rc (expected 0 or 1): $(first_lines "$out")"
            else
                ok "$label${profile:+ (--profile $profile)}: no $rule finding${clean:+ (clean: no)}${clean:-, 0 errors, 0 warnings}"
            fi
        fi
        "$ESPI" validate --format json "${args[@]}" "$f" >"$tmp/$n.json" 2>"$tmp/$n.jerr"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$kind" "$rule" "${want:-none}" \
            "${clean:+no}" "$tmp/$n.json" "$?" >>"$tmp/manifest"
    done
done

# fixtures for ids that are not rules
shopt -s nullglob
for fixture in "$dir"/*.xml; do
    base=$(basename "$fixture" .xml)
    id=${base%.*}
    case $base in
        *.fail | *.pass)
            is_rule "$id" || bad "testdata/rules/$base.xml: '$id' is not a rule of --list-rules" ;;
        *) bad "testdata/rules/$base.xml: not named RULE.fail.xml or RULE.pass.xml" ;;
    esac
done

# JSON: the same findings, read by python3
python3 - "$tmp/manifest" >"$tmp/json.log" 2>&1 <<'EOF'
import json
import sys

for row in open(sys.argv[1], encoding="utf-8"):
    label, kind, rule, want, clean, path, rc = row.rstrip("\n").split("\t")
    why = None
    try:
        doc = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError) as e:
        doc, why = None, "the JSON does not parse: %s" % e
    if why is None and not (isinstance(doc, list) and len(doc) == 1 and isinstance(doc[0], dict)):
        why = "expected an array of one file object"
    if why is None:
        f = doc[0]
        found = [x for x in f.get("findings", []) if x.get("rule") == rule]
        places = sorted({"%s:%s" % (x.get("line"), x.get("column")) for x in found})
        if rc not in ("0", "1"):
            why = "exit %s" % rc
        elif kind == "fail" and want not in places:
            why = "no %s finding at %s (at: %s)" % (rule, want, places or "none")
        elif kind == "pass" and found:
            why = "a %s finding at %s" % (rule, places)
        elif kind == "pass" and not clean and (f.get("errors") != 0 or f.get("warnings") != 0
                                               or f.get("valid") is not True):
            why = "not clean: valid %s, %s errors, %s warnings" % (
                f.get("valid"), f.get("errors"), f.get("warnings"))
    if why:
        print("FAIL %s --format json: %s" % (label, why))
    elif kind == "fail":
        print("ok   %s --format json: %s at %s" % (label, rule, want))
    else:
        print("ok   %s --format json: no %s finding" % (label, rule))
EOF
if ! grep -q . "$tmp/json.log"; then
    bad "--format json: the python3 check printed nothing"
fi
while IFS= read -r l; do
    case $l in
        "ok   "*) ok "${l#ok   }" ;;
        "FAIL "*) bad "${l#FAIL }" ;;
        *) bad "--format json check: $l" ;;
    esac
done <"$tmp/json.log"

# docs/rules.md: one "### RULE" section per rule, in --list-rules order, and no other
if [ ! -f "$doc" ]; then
    bad "docs/rules.md is missing"
else
    sections=()
    while IFS= read -r l; do
        sections+=("$l")
    done < <(sed -n 's/^### \([^[:space:]]*\)[[:space:]]*$/\1/p' "$doc")
    for rule in "${rules[@]}"; do
        found=0
        for s in "${sections[@]}"; do
            [ "$s" = "$rule" ] && found=$((found + 1))
        done
        if [ $found -eq 1 ]; then
            ok "docs/rules.md: ### $rule"
        else
            bad "docs/rules.md: $found sections '### $rule' (expected one)"
        fi
    done
    for s in "${sections[@]}"; do
        is_rule "$s" || bad "docs/rules.md: section '### $s', but '$s' is not a rule of --list-rules"
    done
    if [ "${sections[*]}" = "${rules[*]}" ]; then
        ok "docs/rules.md: the rule sections follow the --list-rules order"
    else
        bad "docs/rules.md: the rule sections are not in --list-rules order"
    fi
    # each "Fails (`testdata/rules/RULE.fail.xml`, finding at LINE:COL" names its fixture's place
    # shellcheck disable=SC2016 # the backquotes are the page's, not a command
    while IFS=' ' read -r name at; do
        want=$(header "$dir/$name.fail.xml" expect 2>/dev/null)
        if [ "$at" = "$want" ]; then
            ok "docs/rules.md: $name.fail.xml, finding at $at"
        else
            bad "docs/rules.md: $name.fail.xml, finding at $at, but the fixture expects '${want}'"
        fi
    done < <(sed -n 's/^Fails (`testdata\/rules\/\([^`]*\)\.fail\.xml`, finding at \([0-9]*:[0-9]*\).*/\1 \2/p' "$doc")
    others=$(grep -c '^### ' "$doc")
    if [ "$others" -ne ${#sections[@]} ]; then
        bad "docs/rules.md: $((others - ${#sections[@]})) '### ' heading(s) that are not one rule id"
    fi
fi

finish_checks
