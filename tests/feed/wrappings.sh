#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The wrappings SmartHub answers are saved in (testdata/smarthub/wrap/, docs/smarthub.md
# section 13), end to end:
#   * every valid_* converts (twice: the same bytes), is valid against schemas/espi.xsd
#     (xmllint), `espi validate --espi 3.3` finds no error and no warning in it, and the
#     independent oracle tests/tools/check_feed.py agrees with it, given the same answers
#     unwrapped here (standard-library Python) into one COMPLETE poll response;
#   * the HAR gives the same bytes as its COMPLETE poll, user-data and billing answers, taken
#     out of it here, given as files of their own in the HAR's order, and those answers are
#     exactly the stored har_parts/ (which a CLI case converts against the HAR's golden);
#     the array gives the same bytes as its elements given as files;
#   * every invalid_<code>_* exits 1 naming that code, and writes no file;
#   * no password, token, cookie or e-mail address of the fixtures appears in any output or
#     message, with each --from.
#
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source wrappings.sh [SHARED]
# Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
wrap=$src/testdata/smarthub/wrap
oracle=$src/tests/tools/check_feed.py
tz=America/Los_Angeles
updated=2026-11-28T00:00:00Z
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../tools/testlib.sh
. "$src/tests/tools/testlib.sh"
need_tools python3 xmllint

convert() { "$ESPI" convert --tz "$tz" --updated "$updated" "$@"; }

# unwrap KIND IN OUT: the answers of IN as one COMPLETE poll response (the series of each
# entry type and series name joined, their xToOrderedInterval maps merged), for the oracle.
# KIND: har (its COMPLETE polls), array, or one (a response without status, or a bare body).
# parts KIND IN DIR: the answers espi must read, one file each, named in the input's order.
cat >"$tmp/unwrap.py" <<'PY'
import base64, json, os, sys

def har_answers(path):
    out = []
    for i, e in enumerate(json.load(open(path, encoding='utf-8'))['log']['entries']):
        url = e['request']['url'].split('?')[0].split('#')[0]
        kind = [k for k in ('poll', 'user-data', 'billing') if url.endswith('/' + k)]
        kind = [k for k in kind if k != 'poll' or url.endswith('/secured/utility-usage/poll')]
        c = e['response'].get('content', {})
        if not kind or 'text' not in c or not 200 <= e['response'].get('status', 200) < 300:
            continue
        t = c['text']
        if c.get('encoding') == 'base64':
            t = base64.b64decode(t).decode('utf-8')
        if kind[0] == 'poll' and json.loads(t).get('status') != 'COMPLETE':
            continue
        out.append(('%02d_%s' % (i, kind[0].replace('-', '_')), t))
    return out

def answers(kind, path):
    if kind == 'har':
        return har_answers(path)
    if kind == 'array':
        return [('%02d_poll' % i, json.dumps(d))
                for i, d in enumerate(json.load(open(path, encoding='utf-8')))]
    return [('00_poll', open(path, encoding='utf-8').read())]

def polls(kind, path):
    for name, text in answers(kind, path):
        if name.endswith('_poll'):
            d = json.loads(text)
            yield d if 'data' in d else {'data': d}

def unwrap(kind, path, out):
    entries = {}
    for d in polls(kind, path):
        for ind, ents in d['data'].items():
            for e in ents:
                key = (ind, e['type'])
                if key not in entries:
                    entries[key] = e
                    continue
                kept = entries[key]
                kept.setdefault('xToOrderedInterval', {}).update(e.get('xToOrderedInterval') or {})
                names = {s['name']: s for s in kept['series']}
                for s in e['series']:
                    if s['name'] in names:
                        names[s['name']]['data'] += s['data']
                    else:
                        kept['series'].append(s)
    data = {}
    for (ind, _), e in entries.items():
        data.setdefault(ind, []).append(e)
    json.dump({'status': 'COMPLETE', 'data': data}, open(out, 'w'))

if sys.argv[1] == 'unwrap':
    unwrap(sys.argv[2], sys.argv[3], sys.argv[4])
else:
    for name, text in answers(sys.argv[2], sys.argv[3]):
        open(os.path.join(sys.argv[4], name + '.json'), 'w', encoding='utf-8').write(text)
PY
py() { python3 "$tmp/unwrap.py" "$@"; }

# ---------------------------------------------------------------- valid fixtures
for f in "$wrap"/valid_*; do
    name=$(basename "$f")
    case $name in
        *.har) kind=har ;;
        valid_array_*) kind=array ;;
        *) kind=one ;;
    esac
    out=$tmp/$name.xml
    why=
    if ! convert -o "$out" "$f" 2>"$tmp/$name.err"; then
        why="convert failed: $(first_lines "$tmp/$name.err")"
    elif ! convert -q -o "$tmp/$name.2.xml" "$f" || ! cmp -s "$out" "$tmp/$name.2.xml"; then
        why="a second conversion differs"
    elif grep -q 'warning:' "$tmp/$name.err"; then
        why="warnings: $(first_lines "$tmp/$name.err")"
    elif ! xmllint --noout --nonet --schema "$src/schemas/espi.xsd" "$out" >"$tmp/$name.xsd" 2>&1; then
        why="not valid against schemas/espi.xsd: $(first_lines "$tmp/$name.xsd")"
    elif ! "$ESPI" validate --espi 3.3 "$out" >"$tmp/$name.val" 2>&1 ||
        ! grep -q ', 0 errors, 0 warnings, ' "$tmp/$name.val"; then
        why="espi validate: $(first_lines "$tmp/$name.val")"
    elif ! py unwrap "$kind" "$f" "$tmp/$name.unwrapped.json"; then
        why="cannot unwrap it for the oracle"
    elif ! python3 "$oracle" --tz "$tz" "$tmp/$name.unwrapped.json" "$out" >"$tmp/$name.oracle" 2>&1; then
        why="check_feed.py: $(first_lines "$tmp/$name.oracle")"
    fi
    if [ -z "$why" ]; then ok "$name: $(sed -n '1s/^check_feed: OK [^[]*\[[^]]*\]: //p' "$tmp/$name.oracle")"; else bad "$name: $why"; fi
done

# ---------------------------------------------------------------- equivalences
# the HAR and the array against their answers as files of their own
for pair in "har:valid_har_two_polls.har" "array:valid_array_of_polls.json"; do
    kind=${pair%%:*} name=${pair#*:}
    dir=$tmp/parts.$kind
    mkdir -p "$dir"
    py parts "$kind" "$wrap/$name" "$dir"
    files=("$dir"/*.json)
    convert -q -o "$tmp/$kind.whole.xml" "$wrap/$name"
    convert -q -o "$tmp/$kind.parts.xml" "${files[@]}"
    if cmp -s "$tmp/$kind.whole.xml" "$tmp/$kind.parts.xml"; then
        ok "$name gives the bytes of its ${#files[@]} answers as files"
    else
        bad "$name and its ${#files[@]} answers as files differ: $(cmp "$tmp/$kind.whole.xml" "$tmp/$kind.parts.xml" 2>&1)"
    fi
done
stored=("$wrap"/har_parts/*.json)
taken=("$tmp"/parts.har/*.json)
same=yes
if [ ${#stored[@]} -ne ${#taken[@]} ]; then
    same=no
else
    for i in "${!stored[@]}"; do cmp -s "${stored[$i]}" "${taken[$i]}" || same=no; done
fi
if [ $same = yes ]; then ok "har_parts/ holds exactly the HAR's ${#taken[@]} answers"; else bad "har_parts/ is not the HAR's answers"; fi

# ---------------------------------------------------------------- refusals
for f in "$wrap"/invalid_*; do
    name=$(basename "$f")
    code=${name#invalid_}
    code=${code%%_*}
    convert -o "$tmp/refused.xml" "$f" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    if [ $rc -ne 1 ]; then
        bad "$name: exit $rc, expected 1: $(first_lines "$tmp/$name.err")"
    elif ! grep -q "error: $code: " "$tmp/$name.err"; then
        bad "$name: no '$code' error: $(first_lines "$tmp/$name.err")"
    elif [ -e "$tmp/refused.xml" ] || [ -s "$tmp/$name.out" ]; then
        bad "$name: something was written"
    else
        ok "$name: $code"
    fi
done

# ---------------------------------------------------------------- secrets
# every fixture with every --from, and the valid ones to stdout and with --dry-run
secrets=(Fixture-Pa55word 'Fixture-Pa55word%21' eyJhbGciOiJIUzI1NiJ9 Zml4dHVyZS1zaWduYXR1cmU
    7f3a9c2e51b0fixturecookie b41d77e0xsrfcookievalue pat.member 'pat.member%40example.com'
    'Biscuit the Corgi')
n=0
for f in "$wrap"/*.json "$wrap"/*.har "$wrap"/har_parts/*.json; do
    for from in auto smarthub-json smarthub-account har; do
        n=$((n + 1))
        convert --from "$from" "$f" >"$tmp/secret.$n.out" 2>"$tmp/secret.$n.err"
        convert --from "$from" --dry-run "$f" >>"$tmp/secret.$n.out" 2>>"$tmp/secret.$n.err"
        "$ESPI" convert --from "$from" -o "$tmp/secret.$n.xml" "$f" 2>>"$tmp/secret.$n.err"
    done
done
leaks=
for s in "${secrets[@]}"; do
    if grep -rlF -- "$s" "$tmp"/secret.* "$tmp"/*.xml "$tmp"/*.err >/dev/null 2>&1; then
        leaks="$leaks $s ($(grep -rlF -- "$s" "$tmp"/secret.* "$tmp"/*.xml "$tmp"/*.err | head -n 1 | xargs basename))"
    fi
done
# the secrets are in the fixtures, so the grep can find them
grep -qF Fixture-Pa55word "$wrap/valid_har_two_polls.har" || leaks="$leaks (the HAR fixture lost its password)"
if [ -z "$leaks" ]; then ok "no secret in the outputs and messages of $n conversions"; else bad "secrets shown:$leaks"; fi

finish_checks
