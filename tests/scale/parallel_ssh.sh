#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The "Across machines" recipes of docs/scale.md, run as written (the blocks after the lines
# "<!-- tests/scale/parallel_ssh.sh runs this block: NAME -->"): GNU Parallel shards a list
# of inputs over SSH hosts, each shard one `espi convert --output-dir` run there, the status
# lines back on stdout. "shared": outputs on storage the hosts share, on two hosts at once;
# "return": outputs brought back with --return, on one host (both hosts here share one
# home, where parallel's --cleanup of one shard may remove ~/.parallel/tmp under another).
#
# The two hosts are two sshd started here as the current user, each on a free port of
# 127.0.0.1 (never another address), each with its own throwaway host key, config, log and
# pid file in a temporary folder, each under timeout(1) so that none outlives a test killed
# outright; the client key is throwaway too and the only authorized key; the host keys are
# pinned in a known_hosts file made here (StrictHostKeyChecking yes). The client side is a
# temporary ssh_config (hosts node1 and node2, connections shared with ControlMaster) that
# parallel uses through $PARALLEL_SSH; the hosts' PATH (sshd SetEnv) finds this build's
# espi, as it would find an installed one. Run as root (CI), sshd needs its privilege
# separation folder /run/sshd, which Debian makes at boot: it is made here when missing, and
# removed after.
#
# The list: eleven SmartHub files (poll JSON, CSV exports), one with nothing to write.
# Checks, for each recipe: exit 1 (one shard failed) and the error came back on stderr; the
# joblog has the 4 shards on the hosts, only the broken input's failed; the outputs are, name
# for name and byte for byte, those of one local `espi convert --output-dir` run over the
# same list; so are the status lines gathered (but `seconds` and the output's folder). Then:
# the hosts' work folders are gone (--cleanup); both sshd are stopped, after their sessions
# ended.
# Needs sshd, ssh, ssh-keygen, GNU parallel, rsync (parallel's --return), perl, python3,
# timeout; skips (exit 77) without them (build.sh installs them). Does not need ../shared.
# usage: ESPI=/path/to/espi ESPI_SOURCE=/path/to/source parallel_ssh.sh [SHARED]
set -u
: "${ESPI:?set ESPI to the espi binary}"
: "${ESPI_SOURCE:?set ESPI_SOURCE to the source root}"
src=$ESPI_SOURCE
doc=$src/docs/scale.md
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}
give_up() { # the harness itself failed: no check can run
    echo "FAIL $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/    /' "$2" | head -20
    echo "$pass passed, $((fail + 1)) failed"
    exit 1
}

sshd=$(PATH=$PATH:/usr/sbin:/sbin command -v sshd) || sshd=
if [ -z "$sshd" ]; then
    echo "SKIP: no sshd (Debian: openssh-server; build.sh installs it)"
    exit 77
fi
for t in ssh ssh-keygen parallel rsync perl python3 timeout; do
    if ! command -v "$t" >/dev/null 2>&1; then
        echo "SKIP: no $t (Debian: openssh-client, parallel, rsync; build.sh installs them)"
        exit 77
    fi
done

tmp=$(mktemp -d)
sshd_pids=() # each sshd runs under timeout(1): a test killed outright leaves none for long
made_privsep=
remote_parallel= # the hosts' ~/.parallel, when this test made it

has_children() { # has_children PID: some process has PID for parent (read from /proc)
    local f s
    for f in /proc/[0-9]*/stat; do
        read -r s 2>/dev/null <"$f" || continue
        s=${s##*) } # "STATE PPID ...", after the command name
        s=${s#* }
        [ "${s%% *}" = "$1" ] && return 0
    done
    return 1
}
stop_sshd() { # wait for the sessions to end (they are sshd's children), then stop sshd
    local pid n=0 main
    for pid in "${sshd_pids[@]}"; do
        n=$((n + 1))
        main=$(cat "$tmp/sshd$n.pid" 2>/dev/null)
        for _ in $(seq 50); do
            if [ -z "$main" ] || ! has_children "$main"; then break; fi
            sleep 0.1
        done
        kill "$pid" 2>/dev/null # timeout(1) passes the TERM on to sshd
        wait "$pid" 2>/dev/null
    done
    sshd_pids=()
}
stop_masters() { # the SSH connections ControlPersist keeps open
    local n
    for n in 1 2; do
        ssh -F "$tmp/ssh_config" -O exit "node$n" >/dev/null 2>&1
    done
}
cleanup() {
    [ -f "$tmp/ssh_config" ] && stop_masters
    stop_sshd
    [ -n "$made_privsep" ] && rmdir /run/sshd 2>/dev/null
    # parallel's --workdir ... is made in the hosts' ~/.parallel/tmp
    [ -n "$remote_parallel" ] && rm -rf "$remote_parallel"
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the hosts ---------------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
    mkdir -m 0755 /run/sshd && made_privsep=1
fi
user=$(id -un)
mkdir -p "$tmp/bin" "$tmp/home"
ln -s "$(cd "$(dirname "$ESPI")" && pwd)/$(basename "$ESPI")" "$tmp/bin/espi"
ssh-keygen -q -t ed25519 -N '' -C espi-test-client -f "$tmp/client_key" ||
    give_up "ssh-keygen could not make the client key"
cp "$tmp/client_key.pub" "$tmp/authorized_keys"
: >"$tmp/known_hosts"
: >"$tmp/ssh_config"
for n in 1 2; do
    ssh-keygen -q -t ed25519 -N '' -C "espi-test-node$n" -f "$tmp/host$n" ||
        give_up "ssh-keygen could not make the host key of node$n"
    started=
    for _ in 1 2 3; do # the free port may be taken between the probe and sshd
        port=$(free_port)
        cat >"$tmp/sshd$n.conf" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $tmp/host$n
PidFile $tmp/sshd$n.pid
AuthorizedKeysFile $tmp/authorized_keys
AllowUsers $user
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding no
SetEnv PATH=$tmp/bin:/usr/local/bin:/usr/bin:/bin
LogLevel INFO
EOF
        "$sshd" -t -f "$tmp/sshd$n.conf" >"$tmp/sshd$n.log" 2>&1 ||
            give_up "sshd -t rejects the config of node$n" "$tmp/sshd$n.log"
        timeout 300 "$sshd" -D -e -f "$tmp/sshd$n.conf" 2>"$tmp/sshd$n.log" &
        pid=$!
        for _ in $(seq 50); do
            grep -q 'Server listening' "$tmp/sshd$n.log" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if grep -q 'Server listening' "$tmp/sshd$n.log" && [ -s "$tmp/sshd$n.pid" ]; then
            sshd_pids+=("$pid")
            started=1
            break
        fi
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [ -n "$started" ] || give_up "sshd of node$n did not start" "$tmp/sshd$n.log"
    printf 'Host node%s\n    HostName 127.0.0.1\n    Port %s\n    HostKeyAlias node%s\n' \
        "$n" "$port" "$n" >>"$tmp/ssh_config"
    printf 'node%s %s\n' "$n" "$(cut -d' ' -f1,2 "$tmp/host$n.pub")" >>"$tmp/known_hosts"
done
cat >>"$tmp/ssh_config" <<EOF
Host *
    User $user
    IdentityFile $tmp/client_key
    IdentitiesOnly yes
    IdentityAgent none
    StrictHostKeyChecking yes
    UserKnownHostsFile $tmp/known_hosts
    GlobalKnownHostsFile /dev/null
    BatchMode yes
    ConnectTimeout 5
    LogLevel ERROR
    ControlMaster auto
    ControlPath $tmp/cm-%C
    ControlPersist 60
EOF
for n in 1 2; do
    got=$(ssh -F "$tmp/ssh_config" "node$n" 'command -v espi' 2>"$tmp/ssh$n.err" </dev/null)
    if [ "$got" != "$tmp/bin/espi" ] && grep -q 'account is locked' "$tmp/sshd$n.log"; then
        echo "SKIP: sshd refuses $user, whose account is locked (passwd -l)"
        exit 77
    fi
    [ "$got" = "$tmp/bin/espi" ] ||
        give_up "ssh node$n: expected espi at $tmp/bin/espi, got '$got'" "$tmp/ssh$n.err"
done
remote_home=$(ssh -F "$tmp/ssh_config" node1 pwd </dev/null)
[ -d "$remote_home/.parallel" ] || remote_parallel=$remote_home/.parallel
ok "two sshd on 127.0.0.1, key login, host keys pinned, espi on the hosts' PATH"

# --- the inputs ----------------------------------------------------------------------------
# Ten SmartHub files (poll JSON and CSV exports) with the warts of real ones: DST days,
# nulls, net metering, two meters, bills; and one that has nothing to write (an open billing
# cycle alone), whose shard fails while the others go on. Copied so that the list names
# absolute paths.
mkdir -p "$tmp/data" "$tmp/run"
for f in valid_15min_alternate_nulls.json valid_15min_netmeter_cost_week.json \
    valid_15min_spring_gap_zeros.json valid_daily_fall.json valid_hourly_fall_back_cost.json \
    open_cycle_only.json valid_hourly_netmeter_5h.json valid_hourly_two_meters_tou.json \
    bills_netmeter_usage_cost.json csv/valid_export_spring_forward.csv csv/valid_usage_cost.csv; do
    cp "$src/testdata/smarthub/$f" "$tmp/data/" || give_up "no testdata/smarthub/$f"
    echo "$tmp/data/${f##*/}"
done >"$tmp/run/files.txt"
printf '# the two hosts, one shard at a time each\n1/node1\n1/node2\n' >"$tmp/run/hosts.txt"

# --- one local run over the same list: what the shards must give ---------------------------
mapfile -t files <"$tmp/run/files.txt"
"$ESPI" convert -q --output-dir "$tmp/local" --status "$tmp/local.jsonl" \
    "${files[@]}" >"$tmp/local.out" 2>"$tmp/local.err"
rc=$?
check "one local run over the list: exit $rc (the broken input), expected 1" test "$rc" = 1
broken=$(awk '/open_cycle_only/ { print NR % 4 }' "$tmp/run/files.txt") # its shard

# recipe NAME HOSTS: run the block of docs/scale.md after the line
# "<!-- tests/scale/parallel_ssh.sh runs this block: NAME -->" in $tmp/NAME (the list, and
# hosts.txt with HOSTS, one shard at a time on each) and check what it gave.
recipe() {
    local name=$1 hosts=$2 dir=$tmp/$1 rc start secs h
    local marker="<!-- tests/scale/parallel_ssh.sh runs this block: $name -->"
    awk -v m="$marker" '$0 == m { on = 1; next }
        on == 1 && /^```/ { on = 2; next }
        on == 2 && /^```/ { exit }
        on == 2 { print }' "$doc" >"$tmp/$name.sh"
    if [ ! -s "$tmp/$name.sh" ]; then
        bad "$name: no block after '$marker' in $doc"
        return
    fi
    mkdir -p "$dir"
    cp "$tmp/run/files.txt" "$dir/"
    for h in $hosts; do echo "1/$h"; done >"$dir/hosts.txt"

    start=$(date +%s.%N)
    (cd "$dir" && HOME=$tmp/home PARALLEL_SSH="ssh -F $tmp/ssh_config" \
        timeout 60 bash -e "$tmp/$name.sh") >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
    rc=$?
    secs=$(python3 -c "import time; print('%.1f' % (time.time() - $start))")
    # parallel's exit code: the number of shards that failed, here the broken input's
    if [ "$rc" = 1 ]; then
        ok "$name: ran in ${secs} s on $hosts: exit 1 (the shard of the broken input failed)"
    else
        bad "$name: ran in ${secs} s: exit $rc, expected 1 (one shard failed): $(grep -v '^espi: ' "$tmp/$name.err" | head -c 800)"
    fi
    check "$name: the broken input's error came back on stderr" \
        grep -q 'open_cycle_only.json: error: convert-empty' "$tmp/$name.err"

    # the joblog: 4 shards on the hosts, the broken input's shard failed, the others exit 0
    python3 - "$dir" "$broken" "$hosts" >"$tmp/$name.joblog" 2>&1 <<'EOF'
import glob, sys
logs = glob.glob(sys.argv[1] + "/*.log")
if len(logs) != 1:
    sys.exit("expected one joblog (*.log) in the run folder, found %d" % len(logs))
rows = [l.rstrip("\n").split("\t") for l in open(logs[0])][1:]
hosts = sorted({r[1] for r in rows})
# (k, failed, signal) of each shard: k from the command's "-v k=K"
exits = sorted((r[8].split("k=")[1].split(" ")[0], r[6] != "0", r[7]) for r in rows)
want = [(str(k), str(k) == sys.argv[2], "0") for k in range(4)]
if exits != want or hosts != sys.argv[3].split():
    sys.exit("shards (k, failed, signal) %s, expected %s; hosts %s" % (exits, want, hosts))
print("4 shards on %s, shard %s (the broken input's) failed, the others exit 0"
      % (" and ".join(hosts), sys.argv[2]))
EOF
    rc=$?
    check "$name: joblog: $(tail -n 1 "$tmp/$name.joblog")" test "$rc" = 0

    # the outputs: the local run's, name for name and byte for byte
    python3 - "$tmp/local" "$dir/out" >"$tmp/$name.outputs" 2>&1 <<'EOF'
import filecmp, os, sys
local, out = sys.argv[1], sys.argv[2]
want = sorted(os.listdir(local))
got = {}
for shard in sorted(os.listdir(out)):
    for name in os.listdir(os.path.join(out, shard)):
        if name in got:
            sys.exit("%s is in %s and in %s" % (name, got[name], shard))
        got[name] = shard
if sorted(got) != want:
    sys.exit("names differ: local %s, gathered %s" % (want, sorted(got)))
differ = [n for n in want if not filecmp.cmp(os.path.join(local, n),
                                             os.path.join(out, got[n], n), shallow=False)]
if differ:
    sys.exit("bytes differ: %s" % differ)
print("%d outputs from %d shards" % (len(want), len(set(got.values()))))
EOF
    check "$name: the outputs are the local run's, name for name, byte for byte: $(tail -n 1 "$tmp/$name.outputs")" \
        grep -q '^10 outputs from 4 shards' "$tmp/$name.outputs"

    # the status lines: the local run's, but for the time taken and the output's folder
    python3 - "$tmp/local.jsonl" "$dir/status.jsonl" >"$tmp/$name.status" 2>&1 <<'EOF'
import json, os, sys
def lines(path):
    rows = []
    for l in open(path):
        r = json.loads(l)
        r.pop("seconds")
        r["output"] = os.path.basename(r["output"])
        rows.append(r)
    return sorted(rows, key=lambda r: r["output"])
local, gathered = lines(sys.argv[1]), lines(sys.argv[2])
if local != gathered:
    sys.exit("differ: local %s, gathered %s" % (local, gathered))
counts = {}
for r in gathered:
    counts[r["status"]] = counts.get(r["status"], 0) + 1
print("%d status lines, %s" % (len(gathered),
                               ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items()))))
EOF
    check "$name: the status lines gathered are the local run's (but seconds): $(tail -n 1 "$tmp/$name.status")" \
        grep -q '^11 status lines, 1 error, 10 ok$' "$tmp/$name.status"
}

# Outputs on storage the hosts share (here: this machine's), on both hosts at once.
recipe shared "node1 node2"
# Outputs brought back with --return, work folders in the host's ~/.parallel/tmp. On one host:
# both hosts here share one home, where one shard's --cleanup may remove ~/.parallel/tmp
# under another's feet (parallel 20221122), which docs/scale.md says to avoid.
recipe return "node1"

# --- nothing left on the hosts, nothing left running -----------------------------------------
left=$(find "$remote_home/.parallel/tmp" -mindepth 1 -maxdepth 1 -newer "$tmp/return.sh" 2>/dev/null | head -3)
check "the hosts' work folders are removed (--cleanup)${left:+: left $left}" test -z "$left"
pids=("${sshd_pids[@]}" "$(cat "$tmp/sshd1.pid")" "$(cat "$tmp/sshd2.pid")")
stop_masters
stop_sshd
still=
for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null && still="$still $pid"
done
check "both sshd stopped${still:+: still running:$still}" test -z "$still"
finish
