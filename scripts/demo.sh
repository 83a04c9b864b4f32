#!/usr/bin/env bash
# Live migration demo: a volume moves from one physical volume to another while a writer keeps writing
# and verifying it.
#
#   1. builds Ferry (scripts/ferry) and starts `ferry daemon` on a fresh data directory;
#   2. creates two file PVs, a VG with 4 MiB extents and an LV on the first PV;
#   3. fills the first half of the LV with random data (nbdcopy) and notes its checksum;
#   4. starts fio (nbd engine, crc32c verify) writing the second half for the whole move;
#   5. runs `ferry pvmove -i 1 PV1 PV2`, showing `lvs -a -o +devices` before, during and after;
#   6. checks fio saw no error and the first half still has its checksum, then stops the daemon.
#
# Usage: scripts/demo.sh [-d WORK_DIR] [-s LV_SIZE_MIB] [-r RATE] [-k]
#   -d  directory for PV files, data and logs (default: a new directory under ${TMPDIR:-/tmp})
#   -s  LV size in MiB (default 256; env LV_MIB)
#   -r  pvmove rate limit, e.g. 64M (default: 48M so the move can be watched; 0 = unlimited; env RATE)
#   -k  keep the work directory afterwards
# The daemon listens on 127.0.0.1:${FERRY_PORT:-a free port}. Exits non-zero on any failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work=""
keep=0
lv_mib="${LV_MIB:-256}"
rate="${RATE:-48M}"

while getopts "d:s:r:kh" opt; do
    case "$opt" in
        d) work="$OPTARG" ;;
        s) lv_mib="$OPTARG" ;;
        r) rate="$OPTARG" ;;
        k) keep=1 ;;
        *) sed -n '2,16p' "$0"; exit 2 ;;
    esac
done
[[ "$lv_mib" =~ ^[1-9][0-9]*$ && $((lv_mib % 8)) -eq 0 ]] \
    || { echo "demo.sh: LV size must be a positive multiple of 8 MiB: $lv_mib" >&2; exit 2; }
"$root/scripts/install-tools.sh" fio nbdcopy nbdinfo curl
command -v sha256sum >/dev/null 2>&1 || { echo "demo.sh: sha256sum (coreutils) is not installed" >&2; exit 2; }

source "$root/scripts/lib/daemon.sh"
daemon_work ferry-demo
pv1="$work/pv1.img"
pv2="$work/pv2.img"
half=$((lv_mib / 2))

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "building Ferry (scripts/ferry)"
ferry --version

step "starting ferry daemon (data $data, NBD 127.0.0.1:$port)"
daemon_start
echo "daemon pid $daemon_pid is up"

step "creating PVs, VG demo and LV demo/vol (${lv_mib} MiB) on $pv1"
pv_mib=$((lv_mib + 64))
ferry pvcreate --size "${pv_mib}m" "$pv1" "$pv2"
ferry vgcreate -s 4M demo "$pv1" "$pv2"
ferry lvcreate -n vol -L "${lv_mib}M" demo "$pv1"
uri="nbd://127.0.0.1:$port/demo/vol"
nbdinfo --size "$uri" >/dev/null || fail "nbdinfo cannot open $uri"

step "writing ${half} MiB of random data to the first half (nbdcopy)"
head -c "$((half << 20))" /dev/urandom >"$work/payload.bin"
want="$(sha256sum <"$work/payload.bin" | cut -d' ' -f1)"
nbdcopy --flush "$work/payload.bin" "$uri"
echo "sha256 $want"

step "starting fio (nbd engine, crc32c verify) on the second half for the whole move"
fio --name=writer --ioengine=nbd --uri="$uri" --rw=randwrite --bs=4k --iodepth=8 \
    --offset="${half}m" --size="${half}m" --verify=crc32c --verify_backlog=64 --verify_fatal=1 \
    --verify_state_save=0 --time_based --runtime=3600 --output-format=json \
    >"$work/fio.json" 2>"$work/fio.err" &
fio_pid=$!
bg_pids="$fio_pid"

step "before: lvs -a -o +devices"
ferry lvs -a -o +devices

step "ferry pvmove -i 1 --rate $rate $pv1 $pv2"
ferry pvmove -i 1 --rate "$rate" "$pv1" "$pv2" &
move_pid=$!
bg_pids="$fio_pid $move_pid"
deadline=$((SECONDS + 60))
until ferry lvs -a --noheadings -o lv_name 2>/dev/null | grep -q '\[pvmove'; do
    kill -0 "$move_pid" 2>/dev/null || break
    ((SECONDS < deadline)) || fail "no pvmove LV appeared within 60 s"
    sleep 0.2
done
if kill -0 "$move_pid" 2>/dev/null; then
    step "during: lvs -a -o +devices"
    ferry lvs -a -o +devices
fi
wait "$move_pid" || { bg_pids="$fio_pid"; fail "pvmove failed"; }
bg_pids="$fio_pid"

step "after: lvs -a -o +devices"
ferry lvs -a -o +devices
ferry lvs -a --noheadings -o lv_name | grep -q '\[pvmove' && fail "a pvmove LV is still listed"
ferry lvs --noheadings -o devices demo/vol | grep -q "$pv2" || fail "demo/vol is not on $pv2"
ferry lvs --noheadings -o devices demo/vol | grep -q "$pv1" && fail "demo/vol still uses $pv1"

step "stopping fio and checking it saw no error"
kill -INT "$fio_pid"
rc=0
wait "$fio_pid" || rc=$?
bg_pids=""
# fio exits 128 after SIGINT when nothing failed; a verify error stops it earlier with another status.
((rc == 0 || rc == 128)) || fail "fio exited $rc: $(cat "$work/fio.err")"
python3 - "$work/fio.json" <<'EOF' || fail "fio reported an error (see $work/fio.json)"
import json, sys
text = open(sys.argv[1]).read()
job = json.loads(text[text.index('{'):])["jobs"][0]
w, r = job["write"]["io_bytes"], job["read"]["io_bytes"]
print(f"fio: error={job['error']} wrote {w >> 20} MiB, verified {r >> 20} MiB during the move")
sys.exit(0 if job["error"] == 0 and w > 0 and r > 0 else 1)
EOF

step "verifying the first half"
nbdcopy "$uri" "$work/readback.bin"
got="$(head -c "$((half << 20))" "$work/readback.bin" | sha256sum | cut -d' ' -f1)"
echo "sha256 $got"
[[ "$got" == "$want" ]] || fail "the data changed: $want != $got"

step "stopping the daemon"
ferry shutdown
wait "$daemon_pid" || fail "the daemon exited non-zero"
daemon_pid=""
printf '\n\033[1mdemo passed: demo/vol moved from %s to %s under load, no error, no lost byte\033[0m\n' "$pv1" "$pv2"
