#!/usr/bin/env bash
# Benchmarks `ferry pvmove` against its goals and prints a table:
#   copy rate    idle move of a full LV (rate unlimited) vs `dd conv=fsync` of the same bytes on the same disk  (>= 0.8x)
#   fg IOPS      fio 4k randread (nbd engine, qd32) on the LV for -t seconds during a default move vs idle   (>= 0.7x)
#   sparse       move time of a 10%-written LV vs the same-size full LV                                         (<= 0.15x)
#   swap stall   longest time the daemon held new I/O at any table swap of the whole run (it logs each reload:
#                a live replace holds none, new I/O goes to the new table at once while requests in flight
#                finish on the old one, "drained in"; a suspend logs "I/O held", gate closed -> reopened)      (< 1 ms)
#                and, as a client's view, the longest latency of a qd1 4k reader's reads completing within 100 ms
#                of a swap of the last move, next to that reader's overall maximum during the move and idle
#   throttled    a qd1 4k random writer on one of three 16 MiB LVs while a move of all three runs at --rate 2M
#                (their regions copied in turn, each write to a region being copied waiting for that copy): its
#                longest and p99 latency, next to the same writer idle
# Moves are started and watched through the control API (curl on the Unix socket, polled every 20 ms), so JVM
# start-up of the CLI is not timed.
#
# Usage: scripts/bench-pvmove.sh [-s LV_SIZE_MIB] [-t SECONDS] [-d WORK_DIR] [-k]
#   -s  LV size in MiB, a multiple of 40 (default 1040; env LV_MIB)
#   -t  runtime of the idle fio runs in seconds (default 10; env RUNTIME)
#   -d  directory for the PV files and logs (default: a new directory under ${TMPDIR:-/tmp})
#   -k  keep the work directory afterwards
# The daemon listens on 127.0.0.1:${FERRY_PORT:-a free port}.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lv_mib="${LV_MIB:-1040}"
runtime="${RUNTIME:-10}"
work=""
keep=0

while getopts "s:t:d:kh" opt; do
    case "$opt" in
        s) lv_mib="$OPTARG" ;;
        t) runtime="$OPTARG" ;;
        d) work="$OPTARG" ;;
        k) keep=1 ;;
        *) sed -n '2,22p' "$0"; exit 2 ;;
    esac
done
[[ "$lv_mib" =~ ^[1-9][0-9]*$ && $((lv_mib % 40)) -eq 0 ]] \
    || { echo "bench-pvmove.sh: LV size must be a positive multiple of 40 MiB: $lv_mib" >&2; exit 2; }
[[ "$runtime" =~ ^[1-9][0-9]*$ ]] || { echo "bench-pvmove.sh: runtime must be a positive number of seconds" >&2; exit 2; }
"$root/scripts/install-tools.sh" fio nbdcopy qemu-io curl

source "$root/scripts/lib/daemon.sh"
daemon_work ferry-bench-pvmove
pv1="$work/pv1.img"
pv2="$work/pv2.img"
pv3="$work/pv3.img"
fio_pid=""

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# Starts a move of everything on SRC to DST (rate RATE, "0" = unlimited) and returns at once.
start_move() { # SRC DST [RATE]
    local rate=""
    [[ -n "${3:-}" ]] && rate=",\"rate\":\"$3\""
    api POST /v1/pvmoves "{\"source\":\"$1\",\"destinations\":[\"$2\"]$rate}" >/dev/null
}

# Waits until no move is active; fails unless the newest one COMPLETED.
await_moves() {
    while :; do
        local state
        state="$(api GET /v1/pvmoves | python3 -c '
import json, sys
moves = json.load(sys.stdin)["pvmoves"]
active = [m for m in moves if m["state"] in ("PLANNED", "RUNNING", "COMPLETING", "ABORTING")]
print("active" if active else (moves[-1]["state"] + " " + json.dumps(moves[-1].get("error")) if moves else "none"))')"
        case "$state" in
            active) sleep 0.02 ;;
            COMPLETED*) return 0 ;;
            *) fail "move ended as: $state" ;;
        esac
    done
}

# Moves and prints the move's elapsed_seconds as the daemon measured it (request to end; no polling lag).
timed_move() { # SRC DST RATE -> seconds
    start_move "$@"
    await_moves
    api GET /v1/pvmoves | python3 -c 'import json, sys; print(json.load(sys.stdin)["pvmoves"][-1]["elapsed_seconds"])'
}

fio_json() { # FILE FIELD... -> prints the values
    python3 - "$@" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
job = json.loads(text[text.index('{'):])["jobs"][0]
if job["error"] != 0:
    sys.exit("fio error %d" % job["error"])
side = job["write"] if job["write"]["total_ios"] > 0 else job["read"]
vals = {"iops": side["iops"], "lat_max_ms": side["lat_ns"]["max"] / 1e6,
        "lat_p99_ms": side["clat_ns"].get("percentile", {}).get("99.000000", 0) / 1e6}
print(" ".join("%.3f" % vals[f] for f in sys.argv[2:]))
EOF
}

# fio reading LV vol at random: fixed runtime, or (with "bg") until stop_fio; LAT_LOG=prefix logs every latency.
run_reader() { # OUT DEPTH SECONDS|bg
    local opts=(--name=reader --ioengine=nbd --uri="nbd://127.0.0.1:$port/bench/vol" --rw=randread --bs=4k
        --iodepth="$2" --size="${lv_mib}m" --time_based --output-format=json)
    [[ -n "${LAT_LOG:-}" ]] && opts+=(--write_lat_log="$LAT_LOG" --log_avg_msec=0)
    if [[ "$3" == bg ]]; then
        fio "${opts[@]}" --runtime=3600 >"$1" 2>"$1.err" &
        fio_pid=$!
        bg_pids="$fio_pid"
    else
        fio "${opts[@]}" --runtime="$3" --ramp_time=1 >"$1" 2>"$1.err" || fail "fio failed: $(cat "$1.err")"
    fi
}
stop_fio() {
    kill -INT "$fio_pid"
    local rc=0
    wait "$fio_pid" || rc=$?
    fio_pid=""
    bg_pids=""
    ((rc == 0 || rc == 128)) || fail "fio exited $rc"
}

ferry --version >/dev/null # build first, untimed
daemon_start
pv_mib=$((lv_mib + 64))
ferry pvcreate --size "${pv_mib}m" "$pv1" "$pv2" "$pv3" >/dev/null
ferry vgcreate -s 4M bench "$pv1" "$pv2" "$pv3" >/dev/null
ferry lvcreate -n vol -L "${lv_mib}M" bench "$pv1" >/dev/null
uri="nbd://127.0.0.1:$port/bench/vol"

echo "filling bench/vol (${lv_mib} MiB) ..." >&2
head -c "$((lv_mib << 20))" /dev/urandom >"$work/fill.bin"
nbdcopy --flush "$work/fill.bin" "$uri"

echo "1/5 copy rate: dd vs idle move ..." >&2
sync # both copies start with no dirty page cache (the fill's writeback would slow whichever runs first)
t0="$(now)"
dd if="$work/fill.bin" of="$work/dd.out" bs=4M conv=fsync status=none
dd_s="$(elapsed "$t0" "$(now)")"
rm -f "$work/dd.out"
sync
move_s="$(timed_move "$pv1" "$pv2" 0)"
dd_mib="$(awk -v m="$lv_mib" -v s="$dd_s" 'BEGIN { printf "%.1f", m / s }')"
move_mib="$(awk -v m="$lv_mib" -v s="$move_s" 'BEGIN { printf "%.1f", m / s }')"

echo "2/5 foreground randread IOPS: idle vs during a default move ..." >&2
run_reader "$work/idle-qd32.json" 32 "$runtime"
idle_iops="$(fio_json "$work/idle-qd32.json" iops)"
# the same fixed-length fio run with a default move (no rate) started as fio's 1 s ramp ends; the move must outlast it
run_reader "$work/move-qd32.json" 32 "$runtime" &
reader=$!
sleep 1
start_move "$pv2" "$pv1"
wait "$reader" || fail "fio failed during the move"
moving="$(api GET /v1/pvmoves | python3 -c 'import json, sys; print(json.load(sys.stdin)["pvmoves"][-1]["state"])')"
[[ "$moving" == RUNNING ]] || fail "the move ended (${moving}) before the ${runtime} s fio run did; use a larger -s"
await_moves
move_iops="$(fio_json "$work/move-qd32.json" iops)"

echo "3/5 sparse: 10%-written LV vs full ..." >&2
ferry lvcreate -n sparse -L "${lv_mib}M" bench "$pv3" >/dev/null
cmds=()
for ((off = 0; off < lv_mib; off += 40)); do
    cmds+=(-c "write -P 0x5a ${off}M 4M") # 4 MiB of every 40 MiB
done
qemu-io -f raw "${cmds[@]}" "nbd://127.0.0.1:$port/bench/sparse" >/dev/null
sleep 1.5 # past the daemon's 1 s busy window: an idle move, like the full one it is compared with
sync
sparse_s="$(timed_move "$pv3" "$pv2" 0)"
ferry lvremove -f bench/sparse >/dev/null

echo "4/5 swap stall: qd1 reader, idle and during a move ..." >&2
run_reader "$work/idle-qd1.json" 1 "$runtime"
read -r idle_max idle_p99 < <(fio_json "$work/idle-qd1.json" lat_max_ms lat_p99_ms)
swaps_from="$(wc -l <"$work/daemon.log")"
LAT_LOG="$work/qd1" run_reader "$work/move-qd1.json" 1 bg
start_move "$pv1" "$pv3" 256M # an explicit rate: the busy throttle would only stretch the move, not its swaps
await_moves
stop_fio
read -r move_max move_p99 < <(fio_json "$work/move-qd1.json" lat_max_ms lat_p99_ms)
# Every table swap the daemon logs ("reloaded VG/LV", HH:MM:SS.mmm) during the move; the stall a reader sees at a
# swap is the longest latency of a read completing within 100 ms of its log line. fio's log times are ms since its
# start, which is its report time minus its run time (good to a few ms).
read -r swaps swap_max all_swaps hold_max drain_max < <(python3 - "$work/move-qd1.json" "$work/qd1_lat.1.log" "$work/daemon.log" "$swaps_from" <<'EOF'
import datetime, json, sys, time
text = open(sys.argv[1]).read()
report = json.loads(text[text.index('{'):])
start = report["timestamp_ms"] - report["jobs"][0]["job_runtime"]
ios = []
for line in open(sys.argv[2]):
    f = [x.strip() for x in line.split(",")]
    ios.append((start + int(f[0]), int(f[1]) / 1e6))
today = datetime.date.today()
swaps = []
for line in open(sys.argv[3]).readlines()[int(sys.argv[4]):]:
    if " reloaded " in line:
        t = datetime.datetime.combine(today, datetime.time.fromisoformat(line.split()[0]))
        swaps.append(time.mktime(t.timetuple()) * 1000 + t.microsecond / 1000)
worst = max((lat for s in swaps for (t, lat) in ios if s - 100 <= t <= s + 100), default=0.0)
holds, drains = [], []
for l in open(sys.argv[3]):
    if " reloaded " not in l:
        continue
    if "no I/O held" in l:  # a live replace: new I/O went to the new table at once
        holds.append(0.0)
        drains.append(float(l.split("drained in ")[1].split()[0]))
    else:
        holds.append(float(l.split("I/O held ")[1].split()[0]))
print(len(swaps), "%.3f" % worst, len(holds), "%.3f" % max(holds, default=0.0), "%.3f" % max(drains, default=0.0))
EOF
)

echo "5/5 throttled: qd1 writer, idle and during a move at 2 MiB/s ..." >&2
# pv1 is empty since row 4: three LVs on it, filled, moved together to pv2 at 2 MiB/s (24 s)
head -c $((16 << 20)) /dev/urandom >"$work/fill16.bin"
for lv in w1 w2 w3; do
    ferry lvcreate -n "$lv" -L 16M bench "$pv1" >/dev/null
    nbdcopy --flush "$work/fill16.bin" "nbd://127.0.0.1:$port/bench/$lv"
done
writer_opts=(--name=writer --ioengine=nbd --uri="nbd://127.0.0.1:$port/bench/w1" --rw=randwrite --bs=4k --iodepth=1
    --size=16m --time_based --output-format=json)
fio "${writer_opts[@]}" --runtime="$runtime" >"$work/idle-w.json" 2>"$work/idle-w.err" || fail "fio: $(cat "$work/idle-w.err")"
read -r w_idle_max w_idle_p99 < <(fio_json "$work/idle-w.json" lat_max_ms lat_p99_ms)
fio "${writer_opts[@]}" --runtime=3600 >"$work/move-w.json" 2>"$work/move-w.err" &
fio_pid=$!
bg_pids="$fio_pid"
sleep 1
start_move "$pv1" "$pv2" 2M
await_moves
stop_fio
read -r w_move_max w_move_p99 < <(fio_json "$work/move-w.json" lat_max_ms lat_p99_ms)

printf '\nferry pvmove, LV %s MiB, 4 MiB extents, files under %s\n' "$lv_mib" "$work"
printf '%-34s %16s %16s %8s %8s\n' measure ferry reference ratio goal
printf '%-34s %12s MiB/s %10s MiB/s %7sx %8s\n' "copy rate (idle move vs dd)" "$move_mib" "$dd_mib" \
    "$(ratio "$move_mib" "$dd_mib")" ">=0.8x"
printf '%-34s %16s %16s %7sx %8s\n' "4k randread IOPS (move vs idle)" "$move_iops" "$idle_iops" \
    "$(ratio "$move_iops" "$idle_iops")" ">=0.7x"
printf '%-34s %14s s %14s s %7sx %8s\n' "move time (10% written vs full)" "$sparse_s" "$move_s" \
    "$(ratio "$sparse_s" "$move_s")" "<=0.15x"
printf '%-34s %13s ms %16s %8s %8s\n' "longest I/O hold at a table swap" "$hold_max" "($all_swaps swaps)" "" "<1ms"
printf '%-34s %13s ms %16s\n' "longest qd1 read near a swap" "$swap_max" "($swaps swaps)"
printf '%-34s %13s ms %16s\n' "longest old-table drain (no wait)" "$drain_max" "(live replaces)"
printf '%-34s %13s ms %13s ms\n' "max qd1 read latency (move/idle)" "$move_max" "$idle_max"
printf '%-34s %13s ms %13s ms\n' "p99 qd1 read latency (move/idle)" "$move_p99" "$idle_p99"
printf '%-34s %13s ms %13s ms\n' "max qd1 write, move at 2M/idle" "$w_move_max" "$w_idle_max"
printf '%-34s %13s ms %13s ms\n' "p99 qd1 write, move at 2M/idle" "$w_move_p99" "$w_idle_p99"
