#!/usr/bin/env bash
# Benchmarks mirrored LVs against their goals, side by side in the same run, in ROUNDS alternating rounds, and
# prints the median ratio and its spread (min-max) per goal:
#   seq write   fio 1M writes qd8 (nbd engine) to a 2-copy LV vs the same to a linear LV on the same disks  (>= 0.8x)
#   seq read    fio 1M reads qd8 from the 2-copy LV (reads balanced over both copies) vs the linear LV     (>= 1.0x)
#   resync      `lvconvert -m1` of a fully written linear LV (idle, rate unlimited) vs `dd conv=fsync` of
#               the same bytes between the same kind of files                                               (>= 0.8x)
# and, to explain the write ratio, the daemon's CPU cost of the two writes (GiB written per CPU second of the
# daemon, mirror over linear; no goal): on 2 cores fio takes one, so a write the daemon must copy into the page
# cache twice cannot run at the linear speed.
# In each round the order of the two sides alternates. Before the rounds, each LV takes two untimed write runs of the
# same length, alternating (after the fill alone, perf showed the C2 compiler threads taking a third of the daemon's
# CPU during the first timed mirror write on a loaded 2-core machine: the mirror's write path has more code to compile
# than the linear one), and every timed run, reads too, starts with the page cache written back (`sync`, untimed), so
# no run pays for the dirty pages of the fill or of the run before it; a write run's own writeback still counts. (Reads
# once started without it: each round's first read follows a write run, and paid for that write's writeback, twice as
# large after the mirror's; the read ratio then followed the order of the round, 0.92-0.95x with the mirror's read
# first and 0.94-1.11x with the linear one's.)
# The resync is timed through the control API (polled every 20 ms), so JVM start-up of the CLI is not timed.
#
# Usage: scripts/bench-mirror.sh [-s LV_SIZE_MIB] [-t SECONDS] [-r ROUNDS] [-d WORK_DIR] [-k]
#   -s  LV size in MiB (default 512; env LV_MIB)
#   -t  runtime of each fio run in seconds (default 8; env RUNTIME)
#   -r  rounds, at least 3 (default 3; env ROUNDS)
#   -d  directory for the PV files and logs (default: a new directory under ${TMPDIR:-/tmp})
#   -k  keep the work directory afterwards
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
lv_mib="${LV_MIB:-512}"
runtime="${RUNTIME:-8}"
rounds="${ROUNDS:-3}"
work=""
keep=0

while getopts "s:t:r:d:kh" opt; do
    case "$opt" in
        s) lv_mib="$OPTARG" ;;
        t) runtime="$OPTARG" ;;
        r) rounds="$OPTARG" ;;
        d) work="$OPTARG" ;;
        k) keep=1 ;;
        *) sed -n '2,17p' "$0"; exit 2 ;;
    esac
done
[[ "$lv_mib" =~ ^[1-9][0-9]*$ ]] || { echo "bench-mirror.sh: LV size must be a positive number of MiB" >&2; exit 2; }
[[ "$runtime" =~ ^[1-9][0-9]*$ ]] || { echo "bench-mirror.sh: runtime must be a positive number of seconds" >&2; exit 2; }
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -ge 3 ]] || { echo "bench-mirror.sh: at least 3 rounds" >&2; exit 2; }
"$root/scripts/install-tools.sh" fio curl

source "$root/scripts/lib/daemon.sh"
daemon_work ferry-bench-mirror

# Prints the MiB/s of one fio run against export VG/LV and the daemon's CPU seconds per GiB moved in it. Reads
# ramp up for 1 s first (untimed, not counted); writes do not (the warm-up runs warmed their path), so their CPU time
# is exactly that of the bytes counted (reads print nan for it). Every run starts after a sync.
fio_mibps() { # LV RW
    local out="$work/fio-$1-$2.json" ramp=1 ticks
    if [[ "$2" == write ]]; then
        ramp=0
    fi
    sync
    ticks="$(daemon_cpu_ticks)"
    fio --name=bench --ioengine=nbd --uri="nbd://127.0.0.1:$port/bench/$1" --rw="$2" --bs=1M --iodepth=8 \
        --size="${lv_mib}m" --time_based --runtime="$runtime" --ramp_time="$ramp" --output-format=json >"$out" \
        2>"$out.err" || fail "fio failed: $(cat "$out.err")"
    python3 - "$out" "$2" "$(($(daemon_cpu_ticks) - ticks))" "$(getconf CLK_TCK)" "$ramp" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
job = json.loads(text[text.index('{'):])["jobs"][0]
if job["error"] != 0:
    sys.exit("fio error %d" % job["error"])
side = "read" if sys.argv[2] == "read" else "write"
gib = job[side]["io_bytes"] / 2**30
cpu = float(sys.argv[3]) / float(sys.argv[4]) / gib if sys.argv[5] == "0" else float("nan")
print("%.1f %.3f" % (job[side]["bw_bytes"] / 1048576, cpu))
EOF
}

# Seconds `lvconvert -m1` of LV src takes until every region is in sync (then drops the copy again).
timed_resync() {
    local start end pct
    start="$(now)"
    api POST /v1/vgs/bench/lvs/src/convert '{"mirrors":1}' >/dev/null
    while :; do
        pct="$(api GET '/v1/reports/lvs?name=bench/src&o=copy_percent' | python3 -c '
import json, sys
print(json.load(sys.stdin)["report"][0]["lv"][0]["copy_percent"])')"
        [[ "$pct" == "100.00" ]] && break
        sleep 0.02
    done
    end="$(now)"
    api POST /v1/vgs/bench/lvs/src/convert '{"mirrors":0,"pvs":["'"$pv2"'"]}' >/dev/null
    elapsed "$start" "$end"
}

# Seconds `dd conv=fsync` takes to copy LV-size bytes from one file to a fresh one.
timed_dd() {
    local start end
    rm -f "$work/dd.out"
    start="$(now)"
    dd if="$work/dd.in" of="$work/dd.out" bs=1M count="$lv_mib" conv=fsync status=none
    end="$(now)"
    rm -f "$work/dd.out"
    elapsed "$start" "$end"
}

ferry --version >/dev/null # build first, untimed
daemon_start
pv_mib=$((3 * lv_mib + 64))
pv1="$work/pv1.img"
pv2="$work/pv2.img"
pv3="$work/pv3.img"
ferry pvcreate --size "${pv_mib}m" "$pv1" "$pv2" "$pv3" >/dev/null
ferry vgcreate -s 4M bench "$pv1" "$pv2" "$pv3" >/dev/null
ferry lvcreate -n lin -L "${lv_mib}M" bench "$pv1" >/dev/null
ferry lvcreate -n mir -m 1 --nosync -L "${lv_mib}M" bench "$pv1" "$pv2" "$pv3" >/dev/null
ferry lvcreate -n src -L "${lv_mib}M" bench "$pv1" >/dev/null
echo "filling the LVs ..." >&2
for lv in lin mir src; do
    fio --name=fill --ioengine=nbd --uri="nbd://127.0.0.1:$port/bench/$lv" --rw=write --bs=1M --iodepth=8 \
        --size="${lv_mib}m" --output=/dev/null
done
dd if=/dev/urandom of="$work/dd.in" bs=1M count="$lv_mib" conv=fsync status=none
echo "warming up the write paths ..." >&2
for lv in mir lin mir lin; do
    fio --name=warm --ioengine=nbd --uri="nbd://127.0.0.1:$port/bench/$lv" --rw=write --bs=1M --iodepth=8 \
        --size="${lv_mib}m" --time_based --runtime="$runtime" --output=/dev/null
done

declare -A results
for ((r = 0; r < rounds; r++)); do
    echo "round $((r + 1)) of $rounds ..." >&2
    if ((r % 2 == 0)); then
        read -r mw mw_cpu < <(fio_mibps mir write); read -r lw lw_cpu < <(fio_mibps lin write)
        read -r lr _ < <(fio_mibps lin read); read -r mr _ < <(fio_mibps mir read)
        rs="$(timed_resync)"; dd_s="$(timed_dd)"
    else
        read -r lw lw_cpu < <(fio_mibps lin write); read -r mw mw_cpu < <(fio_mibps mir write)
        read -r mr _ < <(fio_mibps mir read); read -r lr _ < <(fio_mibps lin read)
        dd_s="$(timed_dd)"; rs="$(timed_resync)"
    fi
    [[ -n "$mw" && -n "$lw" && -n "$mr" && -n "$lr" ]] || fail "a fio run failed"
    results[write]+="$mw $lw;"
    results[read]+="$mr $lr;"
    results[resync]+="$dd_s $rs;"   # a rate ratio: dd seconds / resync seconds
    results[cpu]+="$lw_cpu $mw_cpu;" # the inverse: linear CPU per GiB / mirror CPU per GiB
    printf '  write mirror %s lin %s MiB/s (daemon CPU %s / %s s per GiB) | read mirror %s lin %s MiB/s | resync %ss dd %ss\n' \
        "$mw" "$lw" "$mw_cpu" "$lw_cpu" "$mr" "$lr" "$rs" "$dd_s" >&2
done

printf '\nmirrored LV vs peers, %s MiB LVs, %s rounds, fio %ss per run (nbd engine, 127.0.0.1)\n' "$lv_mib" "$rounds" "$runtime"
printf '%-40s %8s %14s %6s\n' goal median spread target
for goal in "write|seq write 1M qd8: mirror / linear|0.8" "read|seq read 1M qd8: mirror / linear|1.0" \
        "resync|lvconvert -m1 rate / dd conv=fsync|0.8" "cpu|seq write GiB per daemon CPU s: m / l|-"; do
    IFS='|' read -r key label target <<<"$goal"
    python3 - "${results[$key]}" "$label" "$target" <<'EOF'
import statistics, sys
pairs = [p.split() for p in sys.argv[1].split(";") if p.strip()]
ratios = sorted(float(a) / float(b) for a, b in pairs)
print("%-40s %7.2fx %6.2f-%.2fx %5sx" % (sys.argv[2], statistics.median(ratios), ratios[0], ratios[-1], sys.argv[3]))
EOF
done
