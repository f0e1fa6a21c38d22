#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs one CLI case: run_case.sh ESPI CASE_FILE, from the source root.
#
# A case file is a list of KEY: value lines (and # comments):
#   args:    the arguments, split by the shell (quote with ' or ")
#   stdin:   a file fed to standard input (default: none, /dev/null)
#   exit:    the expected exit code
#   stdout:  a file the standard output must equal byte for byte, or
#            "empty"; absent: not compared
#   stdout-has: an extended regex some line of stdout must match (repeatable)
#   stderr-has: an extended regex some line of stderr must match (repeatable)
#   stderr:  "empty" when nothing may be written to stderr
#   env:     NAME=VALUE set for the run (repeatable)
#   setup:   a shell command run first, from the source root, with $OUT set
#   output:  a path (relative to the case's scratch folder, $OUT in args)
#            that must exist afterwards and equal the file after the path:
#            "out.xml expected/x.xml"; or "out.xml absent"
#
# With ESPI_VALGRIND=1 in the environment the binary runs under valgrind's
# memcheck: any memory error or definite/indirect leak exits 99, which no
# case expects, so the case fails.
set -u
espi=$1
case_file=$2
scratch=$(mktemp -d)
export TMPDIR=$scratch # temporary files of stdout output land here too
unset SOURCE_DATE_EPOCH # cases that want it say so with env:
trap 'rm -rf "$scratch"' EXIT

field() { sed -n "s/^$1: //p" "$case_file"; }

args=$(field args)
stdin=$(field stdin)
want_exit=$(field exit)
want_stdout=$(field stdout)
want_stderr=$(field stderr)

declare -a envs=()
while IFS= read -r e; do [ -n "$e" ] && envs+=("$e"); done < <(field env)

setup=$(field setup)
if [ -n "$setup" ]; then
    OUT=$scratch bash -c "$setup" || { echo "FAIL: setup failed: $setup"; exit 1; }
fi

eval "set -- $(printf '%s' "${args//\$OUT/$scratch}")"
declare -a wrap=()
if [ -n "${ESPI_VALGRIND:-}" ]; then
    wrap=(valgrind --error-exitcode=99 --leak-check=full
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect -q)
fi
env "${envs[@]}" "${wrap[@]}" "$espi" "$@" <"${stdin:-/dev/null}" >"$scratch/.stdout" 2>"$scratch/.stderr"
got_exit=$?

fail=0
report() { echo "FAIL: $*"; fail=1; }

[ "$got_exit" = "$want_exit" ] || report "exit code $got_exit, expected $want_exit"
if [ "$want_stdout" = empty ]; then
    [ -s "$scratch/.stdout" ] && report "stdout should be empty"
elif [ -n "$want_stdout" ]; then
    cmp -s "$scratch/.stdout" "$want_stdout" || {
        report "stdout differs from $want_stdout"
        diff "$want_stdout" "$scratch/.stdout" | head -20
    }
fi
while IFS= read -r re; do
    [ -n "$re" ] || continue
    grep -Eq -- "$re" "$scratch/.stdout" || report "stdout has no line matching: $re"
done < <(field stdout-has)
if [ "$want_stderr" = empty ]; then
    [ -s "$scratch/.stderr" ] && report "stderr should be empty"
fi
while IFS= read -r re; do
    [ -n "$re" ] || continue
    grep -Eq -- "$re" "$scratch/.stderr" || report "stderr has no line matching: $re"
done < <(field stderr-has)
while IFS= read -r spec; do
    [ -n "$spec" ] || continue
    path=${spec%% *} want=${spec#* }
    if [ "$want" = absent ]; then
        [ -e "$scratch/$path" ] && report "$path should not exist"
    else
        cmp -s "$scratch/$path" "$want" || report "$path differs from $want"
    fi
done < <(field output)
# no temporary file may be left behind in the scratch folder
leftover=$(find "$scratch" -name '.*.??????' -o -name 'espi.??????' | head -1)
[ -z "$leftover" ] || report "temporary file left behind: $leftover"

if [ $fail -ne 0 ]; then
    echo "--- stderr:"; head -20 "$scratch/.stderr"
    echo "--- stdout (head):"; head -5 "$scratch/.stdout"
    exit 1
fi
echo "ok"
