#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An output path that is a folder (with and without a trailing slash): exit
# code 3, the message names the path, the folder and its contents untouched,
# no temporary file beside it or in it.
. "$(dirname "$0")/common.bash"

dir=$work/out
mkdir "$dir"
echo keep >"$dir/inside.txt"
before=$(ls -la "$dir" | sum /dev/stdin)
for target in "$dir" "$dir/"; do
    run convert $UPDATED -o "$target" "$small_json"
    check "convert -o $target" 3 "^$target: error: io: cannot write the output: Is a directory"
    run dump -o "$target" "$small_xml"
    check "dump -o $target" 3 "^$target: error: io: cannot write the output: Is a directory"
done
[ "$(ls -la "$dir" | sum /dev/stdin)" = "$before" ] && [ "$(cat "$dir/inside.txt")" = keep ] &&
    ok "the folder is untouched" || bad "the folder changed"
no_temp "output is a folder" "$work"
no_temp "output is a folder (inside)" "$dir"
finish
