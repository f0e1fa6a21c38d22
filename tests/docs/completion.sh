#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shell completions the build wrote (src/cli/completion of the build
# folder), each what `espi --generate` writes now. bash: run for real on
# command lines: the commands, every option of every command's --help and no
# other, the values of enumerated options (each one accepted by espi), file
# names, time zones, --option=value. zsh (when installed): zsh -n, compinit
# picks _espi up for espi, and every option of --help is in it.
set -euo pipefail
: "${ESPI:?set ESPI to the espi binary}" "${ESPI_BUILD:?set ESPI_BUILD to the build folder}"
dir=$ESPI_BUILD/src/cli/completion
if [ ! -d "$dir" ]; then
    echo "SKIP: no $dir (a cross build generates no completions)"
    exit 77
fi
bash_file=$dir/espi
zsh_file=$dir/_espi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
    echo "FAIL: $*"
    fail=1
}

for f in "$bash_file:bash-completion" "$zsh_file:zsh-completion"; do
    "$ESPI" --generate "${f#*:}" >"$tmp/fresh" || bad "espi --generate ${f#*:} failed"
    cmp -s "$tmp/fresh" "${f%%:*}" || bad "${f%%:*} differs from 'espi --generate ${f#*:}'"
done

commands=$("$ESPI" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || { echo "FAIL: no commands in 'espi --help'"; exit 1; }

# The options of a --help text, short and long, one a line, sorted.
help_options() {
    sed -n 's/^  \(-[a-zA-Z0-9], \)\{0,1\} *\(--[a-z][a-z0-9-]*\).*/\1\2/p' | tr -d ',' | tr ' ' '\n' |
        sed '/^$/d' | sort
}
# "--output FILE" lines: the long options that take a value, with its name.
help_valued() { sed -n 's/^  \(-[a-zA-Z0-9], \)\{0,1\} *--\([a-z][a-z0-9-]*\) \([A-Z][A-Z_]*\) .*/\2 \3/p'; }

# complete WORD... : what the bash completion offers for the last word, one
# a line, sorted (run in the scratch folder, with its files).
complete() {
    (cd "$tmp/files" && bash --norc --noprofile -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
        _espi
        [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_file" "$@") | sort
}
expect() {
    local want=$1
    shift
    local got
    got=$(complete "$@" | tr '\n' ' ')
    [ "$got" = "$want" ] || bad "completing '$*': got '$got', expected '$want'"
}

mkdir -p "$tmp/files/sub" "$tmp/zones/America"
touch "$tmp/files/usage.xml" "$tmp/files/bills 2026.json" "$tmp/zones/America/Los_Angeles" \
    "$tmp/zones/UTC" "$tmp/zones/zone.tab"

expect "$(printf '%s\n' $commands help | sort | tr '\n' ' ')" espi ''
expect "--help --version -h " espi -
expect "--version " espi --v
expect "$(printf '%s\n' $commands | sort | tr '\n' ' ')" espi help ''
expect "--format " espi dump --fo
expect "bills 2026.json " espi convert b
expect "bills 2026.json " espi dump -o b
expect "bills 2026.json sub usage.xml " espi validate --strict ''

for cmd in $commands; do
    "$ESPI" "$cmd" --help >"$tmp/help"
    got=$(complete espi "$cmd" - | tr '\n' ' ')
    want=$(help_options <"$tmp/help" | tr '\n' ' ')
    [ "$got" = "$want" ] || bad "espi $cmd -<TAB>: got '$got', --help lists '$want'"
    while read -r opt arg; do
        case $arg in
        FILE) expect "usage.xml " espi "$cmd" "--$opt" us ;;
        ZONE)
            TZDIR=$tmp/zones expect "America/ " espi "$cmd" "--$opt" Am
            TZDIR=$tmp/zones expect "America/Los_Angeles " espi "$cmd" "--$opt" America/L
            TZDIR=$tmp/zones expect "America/ UTC " espi "$cmd" "--$opt" ''
            ;;
        *)
            values=$(complete espi "$cmd" "--$opt" '')
            # --option=value: bash gives "--option" "=" "value" as words
            [ "$(complete espi "$cmd" "--$opt" = '')" = "$values" ] ||
                bad "espi $cmd --$opt=<TAB> offers other values than --$opt <TAB>"
            [ "$(complete espi "$cmd" "--$opt" =)" = "$values" ] ||
                bad "espi $cmd --$opt=<TAB> (cursor after =) offers other values than --$opt <TAB>"
            for v in $values; do # each offered value is one espi takes
                rc=0
                "$ESPI" "$cmd" "--$opt" "$v" /dev/null </dev/null >/dev/null 2>"$tmp/err" || rc=$?
                if [ $rc -eq 2 ] || grep -q -- "--$opt" "$tmp/err"; then
                    bad "espi $cmd --$opt $v (a completion) is refused: $(head -1 "$tmp/err")"
                fi
            done
            ;;
        esac
    done < <(help_valued <"$tmp/help")
done
expect "json jsonl " espi dump --format = j

if command -v zsh >/dev/null; then
    zsh -n "$zsh_file" || bad "zsh -n $zsh_file"
    mkdir "$tmp/fpath"
    cp "$zsh_file" "$tmp/fpath/_espi"
    # shellcheck disable=SC2016 # expanded by zsh
    zsh -fc 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -d "$2"
             [[ $_comps[espi] == _espi ]]' _ "$tmp/fpath" "$tmp/zcompdump" ||
        bad "compinit does not pick $zsh_file up for espi"
    for cmd in $commands; do
        sed -n "/^_espi_$cmd() {/,/^}/p" "$zsh_file" >"$tmp/zfunc"
        [ -s "$tmp/zfunc" ] || bad "$zsh_file: no _espi_$cmd"
        for opt in $("$ESPI" "$cmd" --help | help_options); do
            grep -qE -- "(^ +|[{,)'])$opt[=+'}, ]" "$tmp/zfunc" || bad "$zsh_file: no $opt for $cmd"
        done
    done
else
    echo "note: no zsh: _espi is not checked (apt-get install zsh)"
fi

if [ $fail -eq 0 ]; then echo "ok: bash and zsh completion of $(echo $commands | wc -w) commands"; fi
exit $fail
