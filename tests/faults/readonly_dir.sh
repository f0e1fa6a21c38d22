#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A read-only output folder: exit code 3, the message names the path, no
# output or temporary file, an existing output untouched. root ignores
# directory permissions, so the folder is made read-only by a read-only bind
# mount; failing that, espi runs as nobody (setpriv) in a folder it may not
# write; failing that, the folder is made immutable (chattr +i); else skip.
. "$(dirname "$0")/common.bash"

ro=$work/ro
mkdir "$ro"
echo "the previous feed" >"$ro/feed.xml"
echo "the previous rows" >"$ro/out.csv"
chmod 644 "$ro"/*
method=""
if [ "$(id -u)" != 0 ]; then
    chmod 555 "$ro" && method="chmod 555 (not root)"
elif mount --bind "$ro" "$ro" 2>/dev/null; then
    cleanups+=("umount '$ro'")
    if mount -o remount,bind,ro "$ro" 2>/dev/null; then
        method="read-only bind mount"
    else
        umount "$ro"
    fi
fi
if [ -z "$method" ] && command -v setpriv >/dev/null &&
    setpriv --reuid=65534 --regid=65534 --clear-groups "$ESPI" --version >/dev/null 2>&1; then
    chmod 555 "$ro"
    RUN_PREFIX=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    method="setpriv as nobody, folder mode 555"
fi
if [ -z "$method" ] && chattr +i "$ro" 2>/dev/null; then
    cleanups+=("chattr -i '$ro'")
    method="chattr +i"
fi
if [ -z "$method" ]; then
    echo "skip: cannot make a folder read-only for this user (no bind mount, setpriv or chattr)"
    exit 77
fi
echo "# read-only folder by: $method"
feed_sum=$(sum "$ro/feed.xml")
csv_sum=$(sum "$ro/out.csv")

run convert $UPDATED -o "$ro/new.xml" "$small_json"
check "convert -o, new file in a read-only folder" 3 "^$ro/new.xml: error: io: cannot create a temporary file: (Read-only file system|Permission denied|Operation not permitted)"
absent "convert -o, read-only folder" "$ro/new.xml"
run convert $UPDATED -o "$ro/feed.xml" "$small_json"
check "convert -o, existing file in a read-only folder" 3 "^$ro/feed.xml: error: io: cannot create a temporary file: "
same "convert -o, read-only folder" "$ro/feed.xml" "$feed_sum"
run dump -o "$ro/out.csv" "$small_xml"
check "dump -o, existing file in a read-only folder" 3 "^$ro/out.csv: error: io: cannot create a temporary file: "
same "dump -o, read-only folder" "$ro/out.csv" "$csv_sum"
run dump -o "$ro/new.csv" "$small_xml"
check "dump -o, new file in a read-only folder" 3 "^$ro/new.csv: error: io: cannot create a temporary file: "
absent "dump -o, read-only folder" "$ro/new.csv"
no_temp "read-only folder" "$ro"
finish
