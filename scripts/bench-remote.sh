#!/usr/bin/env bash
# Benchmarks remote PVs against their goals (issue 14), side by side in the same run, in ROUNDS alternating rounds,
# and prints per goal the median ratio and its spread (min-max over the rounds):
#   move       idle pvmove of a full LV (rate unlimited) from a local PV to a remote PV, against the same move to a
#              second local PV; a rate ratio (local seconds / remote seconds)                                  (>= 0.8x)
#   randread   fio 4k randread qd32 (nbd engine) on an LV on the remote PV, against the same on an LV on a local
#              PV                                                                                               (>= 0.8x)
# after an unrecorded warm-up (WARMUP moves of each kind, there and back, and a fio run on each LV: the JIT compiles
# the remote path only once it runs: a first move to the remote PV took about 2.5 times as long as a warm one), and once,
# after the rounds:
#   partition  a 4k random writer at queue depth 1 on an LV while it moves to the remote PV (at a rate limit), and
#              the remote PV cut off without a reset (nftables drop in its namespace) for PARTITION seconds: the
#              writer's worst request latency, against the remote PV's request-timeout + 1 s (the goal: the
#              destination leg is dropped and the source serves; the writer must see no error), and how the
#              move ended.
# The remote PV is `nbdkit file` in a network namespace of its own, joined to the root namespace by a veth pair with
# a /30 of a free 10.231.N.0/24 (the Java tests' range); while the script runs, an `unreachable` route for that /24
# in the root namespace keeps any other address of it from leaving the machine. The daemon runs in the root
# namespace; its local PV files and nbdkit's file lie in the same work directory (the same file system).
#
# Usage: scripts/bench-remote.sh [-s LV_SIZE_MIB] [-t SECONDS] [-r ROUNDS] [-w WARMUP] [-p PARTITION_SECONDS] [-d WORK_DIR] [-k]
#   -s  LV size in MiB (default 512; env LV_MIB)
#   -t  runtime of each fio run in seconds (default 6; env RUNTIME)
#   -r  rounds, at least 3 (default 3; env ROUNDS)
#   -w  unrecorded warm-up moves of each kind before the rounds (default 3; 0 = no warm-up at all; env WARMUP)
#   -p  length of the partition in seconds (default 10; 0 = leave the partition row out; env PARTITION)
#   -d  directory for the PV files and logs (default: a new directory under ${TMPDIR:-/tmp})
#   -k  keep the work directory afterwards
# Needs root (namespaces, nftables). The remote PV's URI sets request-timeout=2s and reconnect-window=2s, so a
# partition outlasts the window and the leg is dropped.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lv_mib="${LV_MIB:-512}"
runtime="${RUNTIME:-6}"
rounds="${ROUNDS:-3}"
warmup="${WARMUP:-3}"
partition="${PARTITION:-10}"
work=""
keep=0
request_timeout_s=2

while getopts "s:t:r:w:p:d:kh" opt; do
    case "$opt" in
        s) lv_mib="$OPTARG" ;;
        t) runtime="$OPTARG" ;;
        r) rounds="$OPTARG" ;;
        w) warmup="$OPTARG" ;;
        p) partition="$OPTARG" ;;
        d) work="$OPTARG" ;;
        k) keep=1 ;;
        *) sed -n '2,31p' "$0"; exit 2 ;;
    esac
done
[[ "$lv_mib" =~ ^[1-9][0-9]*$ ]] || { echo "bench-remote.sh: LV size must be a positive number of MiB" >&2; exit 2; }
[[ "$runtime" =~ ^[1-9][0-9]*$ ]] || { echo "bench-remote.sh: runtime must be a positive number of seconds" >&2; exit 2; }
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -ge 3 ]] || { echo "bench-remote.sh: at least 3 rounds" >&2; exit 2; }
[[ "$warmup" =~ ^[0-9]+$ ]] || { echo "bench-remote.sh: warm-up must be a number of moves" >&2; exit 2; }
[[ "$partition" =~ ^[0-9]+$ ]] || { echo "bench-remote.sh: partition must be a number of seconds" >&2; exit 2; }
((EUID == 0)) || { echo "bench-remote.sh: needs root (network namespaces, nftables)" >&2; exit 2; }
"$root/scripts/install-tools.sh" fio curl nbdkit ip nft python3

source "$root/scripts/lib/daemon.sh"
daemon_work ferry-bench-remote

# --- the remote host: a namespace, a veth pair, a guard route ----------------------------------------------------
ns="ferry-bench-remote-$$"
veth="fbr$$"
subnet=""
net_cleanup() {
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    ip link del "$veth" 2>/dev/null || true
    [[ -n "$subnet" ]] && ip route del unreachable "$subnet" 2>/dev/null || true
}
# the daemon's cleanup (stop it, remove the work directory) first, in a subshell since it exits; then the network
on_exit() {
    local rc=$?
    ( (exit "$rc"); daemon_cleanup ) || true
    net_cleanup
    exit "$rc"
}
trap on_exit EXIT
for n in $(seq 200 254); do
    if [[ -z "$(ip route show "10.231.$n.0/24")" ]] && ip route add unreachable "10.231.$n.0/24" 2>/dev/null; then
        subnet="10.231.$n.0/24"
        local_ip="10.231.$n.1"
        remote_ip="10.231.$n.2"
        break
    fi
done
[[ -n "$subnet" ]] || fail "no free 10.231.N.0/24 (N = 200..254) for the guard route"
ip netns add "$ns"
ip link add "$veth" type veth peer name eth0 netns "$ns"
ip addr add "$local_ip/30" dev "$veth"
ip link set "$veth" up
ip netns exec "$ns" ip addr add "$remote_ip/30" dev eth0
ip netns exec "$ns" ip link set eth0 up
ip netns exec "$ns" ip link set lo up

nbd_port=10809
rfile="$work/remote.img"
pv_mib=$((2 * lv_mib + 64)) # vol and a read LV of half its size, on any PV
truncate -s "${pv_mib}M" "$rfile"
ip netns exec "$ns" nbdkit -f -i "$remote_ip" -p "$nbd_port" file "$rfile" >"$work/nbdkit.log" 2>&1 &
bg_pids="$!"
deadline=$((SECONDS + 30))
until nbdinfo --size "nbd://$remote_ip:$nbd_port/" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "nbdkit in $ns did not answer within 30 s"
    sleep 0.2
done
rpv="nbd://$remote_ip:$nbd_port/?request-timeout=${request_timeout_s}s&reconnect-window=2s"

# Drops (without a reset) everything the remote namespace receives from or sends to the daemon's side: "on"/"off".
cut_remote() { # on|off
    local rules="table inet ferrybench
delete table inet ferrybench
"
    [[ "$1" == on ]] && rules+="table inet ferrybench {
  chain in { type filter hook input priority 0; policy accept; ip saddr $local_ip drop; }
  chain out { type filter hook output priority 0; policy accept; ip daddr $local_ip drop; }
}
"
    ip netns exec "$ns" nft -f - <<<"$rules"
}

# --- moves and fio, through the control API and the daemon's exports ----------------------------------------------
moves_state() {
    api GET /v1/pvmoves | python3 -c '
import json, sys
moves = json.load(sys.stdin)["pvmoves"]
active = [m for m in moves if m["state"] in ("PLANNED", "RUNNING", "COMPLETING", "ABORTING")]
print("active" if active else (moves[-1]["state"] + " " + json.dumps(moves[-1].get("error")) if moves else "none"))'
}
await_moves() { # prints the newest move's final state line
    local state
    while state="$(moves_state)"; [[ "$state" == active ]]; do sleep 0.02; done
    echo "$state"
}
# Moves LV vol from SRC to DST (unlimited rate) and prints the daemon's elapsed_seconds for it.
timed_move() { # SRC DST
    api POST /v1/pvmoves "{\"source\":\"$1\",\"destinations\":[\"$2\"],\"lv\":\"vol\"}" >/dev/null
    local end
    end="$(await_moves)"
    [[ "$end" == COMPLETED* ]] || fail "move $1 -> $2 ended as: $end"
    api GET /v1/pvmoves | python3 -c 'import json, sys; print(json.load(sys.stdin)["pvmoves"][-1]["elapsed_seconds"])'
}
fio_iops() { # LV
    local out="$work/fio-$1.json"
    fio --name=bench --ioengine=nbd --uri="nbd://127.0.0.1:$port/bench/$1" --rw=randread --bs=4k --iodepth=32 \
        --size="${lv_mib}m" --time_based --runtime="$runtime" --ramp_time=1 --output-format=json >"$out" \
        2>"$out.err" || fail "fio failed: $(cat "$out.err")"
    python3 - "$out" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
job = json.loads(text[text.index('{'):])["jobs"][0]
if job["error"] != 0:
    sys.exit("fio error %d" % job["error"])
print("%.0f" % job["read"]["iops"])
EOF
}

ferry --version >/dev/null # build first, untimed
daemon_start
pv1="$work/pv1.img"
pv2="$work/pv2.img"
ferry pvcreate --size "${pv_mib}m" "$pv1" "$pv2" >/dev/null
ferry pvcreate "$rpv" >/dev/null
ferry vgcreate -s 4M bench "$pv1" "$pv2" "$rpv" >/dev/null
rpv_name="$(api GET '/v1/reports/pvs?o=pv_name' | python3 -c '
import json, sys
print([p["pv_name"] for p in json.load(sys.stdin)["report"][0]["pv"] if p["pv_name"].startswith("nbd://")][0])')"
ferry lvcreate -n vol -L "${lv_mib}M" bench "$pv1" >/dev/null
ferry lvcreate -n rread -L "$((lv_mib / 2))M" bench "$rpv_name" >/dev/null
ferry lvcreate -n lread -L "$((lv_mib / 2))M" bench "$pv2" >/dev/null
echo "filling the LVs ..." >&2
for lv in vol rread lread; do
    fio --name=fill --ioengine=nbd --uri="nbd://127.0.0.1:$port/bench/$lv" --rw=write --bs=1M --iodepth=8 \
        --output=/dev/null
done
sync

if ((warmup > 0)); then
    echo "warm-up: $warmup unrecorded moves of each kind, there and back, and a fio run on each LV ..." >&2
    for ((w = 0; w < warmup; w++)); do
        timed_move "$pv1" "$rpv_name" >/dev/null; timed_move "$rpv_name" "$pv1" >/dev/null
        timed_move "$pv1" "$pv2" >/dev/null; timed_move "$pv2" "$pv1" >/dev/null
    done
    fio_iops rread >/dev/null; fio_iops lread >/dev/null
fi

declare -A results
for ((r = 0; r < rounds; r++)); do
    echo "round $((r + 1)) of $rounds ..." >&2
    if ((r % 2 == 0)); then
        rm_s="$(timed_move "$pv1" "$rpv_name")"; timed_move "$rpv_name" "$pv1" >/dev/null
        lm_s="$(timed_move "$pv1" "$pv2")"; timed_move "$pv2" "$pv1" >/dev/null
        ri="$(fio_iops rread)"; li="$(fio_iops lread)"
    else
        lm_s="$(timed_move "$pv1" "$pv2")"; timed_move "$pv2" "$pv1" >/dev/null
        rm_s="$(timed_move "$pv1" "$rpv_name")"; timed_move "$rpv_name" "$pv1" >/dev/null
        li="$(fio_iops lread)"; ri="$(fio_iops rread)"
    fi
    results[move]+="$lm_s $rm_s;"   # a rate ratio: local seconds / remote seconds
    results[randread]+="$ri $li;"
    printf '  move %s MiB: to remote %ss, to local %ss | 4k randread qd32: remote %s, local %s IOPS (load %s)\n' \
        "$lv_mib" "$rm_s" "$lm_s" "$ri" "$li" "$(cut -d' ' -f1 /proc/loadavg)" >&2
done

printf '\nremote PV (nbdkit file over a veth pair) vs local PV, %s MiB LV, %s rounds, fio %ss per run\n' \
    "$lv_mib" "$rounds" "$runtime"
printf '%-44s %8s %14s %6s\n' goal median spread target
for goal in "move|pvmove rate: to remote / to local|0.8" "randread|fio 4k randread qd32: remote / local|0.8"; do
    IFS='|' read -r key label target <<<"$goal"
    python3 - "${results[$key]}" "$label" "$target" <<'EOF'
import statistics, sys
pairs = [p.split() for p in sys.argv[1].split(";") if p.strip()]
ratios = sorted(float(a) / float(b) for a, b in pairs)
print("%-44s %7.2fx %6.2f-%.2fx %5sx" % (sys.argv[2], statistics.median(ratios), ratios[0], ratios[-1], sys.argv[3]))
EOF
done

((partition > 0)) || exit 0
# --- the partition: a writer on vol while vol moves to the remote PV at 4 MiB/s ----------------------------------
echo "partition: ${partition}s without a reset during a move to the remote PV ..." >&2
wout="$work/fio-writer.json"
fio --name=writer --ioengine=nbd --uri="nbd://127.0.0.1:$port/bench/vol" --rw=randwrite --bs=4k --iodepth=1 \
    --size="${lv_mib}m" --time_based --runtime=3600 --output-format=json >"$wout" 2>"$wout.err" &
writer=$!
bg_pids="$bg_pids $writer"
api POST /v1/pvmoves "{\"source\":\"$pv1\",\"destinations\":[\"$rpv_name\"],\"lv\":\"vol\",\"rate\":\"4M\"}" >/dev/null
until api GET /v1/pvmoves | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)["pvmoves"][-1]["percent"] >= 10 else 1)'; do
    sleep 0.1
done
cut_remote on
cut_at="$(now)"
sleep "$partition" # the partition's length is the fault itself, not a wait for a result
cut_remote off
healed_at="$(now)"
end="$(await_moves)"
kill -INT "$writer"
rc=0
wait "$writer" || rc=$?
((rc == 0 || rc == 128)) || fail "the writer exited $rc: $(cat "$wout.err")"
python3 - "$wout" "$request_timeout_s" "$(elapsed "$cut_at" "$healed_at")" "$end" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
job = json.loads(text[text.index('{'):])["jobs"][0]
worst = job["write"]["lat_ns"]["max"] / 1e9
bound = float(sys.argv[2]) + 1
print("partition of %.1f s: writer's worst latency %.3f s (bound: request-timeout %s s + 1 s = %.0f s: %s), "
      "%d writes, fio error %d; the move ended %s"
      % (float(sys.argv[3]), worst, sys.argv[2], bound, "met" if worst <= bound else "NOT met",
         job["write"]["total_ios"], job["error"], sys.argv[4]))
EOF
# a move the partition held or failed is backed out, so the work directory can go
api POST /v1/pvmoves/abort '{}' >/dev/null 2>&1 || true
