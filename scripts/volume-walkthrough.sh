#!/usr/bin/env bash
# From two empty files to a mounted ext4 file system on a logical volume, then grown, reported and cleaned up:
# the commands of the README's "Volumes" section (the part between the walkthrough markers is shown there
# verbatim; WalkthroughProcessTest keeps the two in step and runs this script). Needs root (nbdfuse, losetup,
# mount). Environment: WORK (default: a new temporary directory), PORT (NBD port, default 10809), FERRY (the
# ferry command, default scripts/ferry).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ferry() { ${FERRY:-"$root/scripts/ferry"} "$@"; }
work="${WORK:-$(mktemp -d)}"
port="${PORT:-10809}"
cleanup() {   # after a failure: best effort, newest first
    umount "$work/mnt" 2>/dev/null || true
    [[ -n "${loop:-}" ]] && losetup -d "$loop" 2>/dev/null || true
    fusermount3 -u "$work/fuse" 2>/dev/null || true
    [[ -n "${daemon:-}" ]] && kill "$daemon" 2>/dev/null || true
}
trap 'status=$?; ((status == 0)) || cleanup; exit $status' EXIT

# --- walkthrough:begin
ferry --version                                         # scripts/ferry builds the jar first if needed
export FERRY_CONTROL="$work/data/control.sock"          # where the ferry commands find the daemon
ferry daemon --data-dir "$work/data" --listen "127.0.0.1:$port" --allow-path "$work" &
daemon=$!
for i in $(seq 150); do ferry version >/dev/null 2>&1 && break; kill -0 $daemon || break; sleep 0.2; done

ferry pvcreate --size 200M "$work/pv1" "$work/pv2"      # two new sparse files become PVs
ferry vgcreate vg0 "$work/pv1" "$work/pv2"              # 4 MiB extents
ferry lvcreate -n data -L 256M vg0                      # more than one PV holds: spans both
ferry lvs --reportformat json vg0

mkdir -p "$work/fuse" "$work/mnt"
nbdfuse "$work/fuse" "nbd://127.0.0.1:$port/vg0/data" &    # the LV as the file $work/fuse/nbd
for i in $(seq 150); do [[ -e "$work/fuse/nbd" ]] && break; sleep 0.2; done
loop=$(losetup -f --show "$work/fuse/nbd")
mkfs.ext4 -q "$loop"
mount "$loop" "$work/mnt"
echo "hello from an LV" > "$work/mnt/hello.txt"
df -h "$work/mnt"

ferry lvextend -L +64M vg0/data                         # online; clients see 320 MiB when they reconnect
ferry lvs --reportformat json -o lv_name,vg_name,lv_size,devices vg0

umount "$work/mnt"
losetup -d "$loop"
fusermount3 -u "$work/fuse"
ferry lvremove vg0/data
ferry vgremove vg0
ferry pvremove "$work/pv1" "$work/pv2"
ferry shutdown                                          # drains, flushes, commits; the daemon exits 0
wait "$daemon"
# --- walkthrough:end
