#!/usr/bin/env bash
# Captures what LVM itself prints for the report scenario Ferry's report layout is checked against
# (daemon/src/test/resources/lvm-reference/, read by LvmReportLayoutTest): five 256 MiB PVs on loop
# devices, a VG with 4 MiB extents, a linear LV "a" extended onto a second PV and a 2-stripe LV "s",
# then lvs/pvs/vgs in text and JSON. Needs root, loop devices and lvm2 (installed when missing); the
# kernel needs no device-mapper: LVM runs with activation disabled, so LV attrs show "XX" where an
# active LV shows "a-" (the test accounts for that). Usage: scripts/lvm-report-reference.sh [OUT_DIR]
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/../daemon/src/test/resources/lvm-reference}")
command -v lvm >/dev/null || { apt-get update -q; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends lvm2; }
work=$(mktemp -d /tmp/lvm-reference.XXXXXX)
loops=()
cleanup() {
    for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
export LVM_SUPPRESS_FD_WARNINGS=1
config='devices { use_devicesfile=0 filter=[ "a|^/dev/loop[0-9]$|", "r|.*|" ] } global { activation=0 }'
# Five loop devices with one-digit numbers, so their names are as long as the test's stand-ins.
for n in 0 1 2 3 4 5 6 7 8 9; do
    ((${#loops[@]} < 5)) || break
    truncate -s 256M "$work/pv$n.img"
    losetup "/dev/loop$n" "$work/pv$n.img" 2>/dev/null && loops+=("/dev/loop$n")
done
((${#loops[@]} == 5)) || { echo "lvm-report-reference.sh: need 5 free loop devices among loop0-9" >&2; exit 1; }
lvm() { command lvm "$1" --config "$config" "${@:2}" 2>/dev/null; }
mkdir -p "$out"
{
    lvm pvcreate "${loops[@]}"
    lvm vgcreate -s 4M vg0 "${loops[@]}"
    lvm lvcreate -an -Zn -n a -L 96m vg0 "${loops[0]}" | grep -v WARNING
    lvm lvextend -L +64m vg0/a "${loops[2]}"
    lvm lvcreate -an -Zn -i 2 -I 64k -n s -L 64m vg0 "${loops[3]}" "${loops[4]}" | grep -v WARNING
} > "$out/commands.txt"
lvm lvs > "$out/lvs.txt"
lvm lvs -o +devices > "$out/lvs-devices.txt"
lvm lvs --segments > "$out/lvs-segments.txt"
lvm lvs --noheadings -o lv_name,lv_size,seg_count > "$out/lvs-noheadings.txt"
lvm lvs --units b --nosuffix -o lv_name,lv_size > "$out/lvs-bytes.txt"
lvm pvs -o pv_name,vg_name,pv_attr,pv_size,pv_free > "$out/pvs.txt"
lvm pvs -o pv_name,pe_start,pv_pe_count,pv_pe_alloc_count,pv_uuid > "$out/pvs-extents.txt"
lvm vgs > "$out/vgs.txt"
lvm vgs -o +vg_extent_size,vg_extent_count,vg_free_count > "$out/vgs-extents.txt"
lvm lvs --reportformat json -o lv_name,vg_name,lv_size,devices > "$out/lvs-devices.json"
lvm vgs --reportformat json > "$out/vgs.json"
echo "lvm-report-reference.sh: wrote $(ls "$out" | wc -l) files to $out ($(command lvm version 2>/dev/null | awk '/LVM version/{print $3}'))"
