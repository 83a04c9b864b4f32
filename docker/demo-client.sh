#!/bin/bash
# The client of the compose live-migration demo (docker/compose.yaml), run in the Ferry image as user ferry on the
# daemon's volume (/var/lib/ferry, so the control socket in FERRY_CONTROL reaches the daemon) with host networking:
#   1. waits until the daemon's health is RUNNING;
#   2. creates two file PVs, VG demo (4 MiB extents), LVs demo/keep and demo/vol on the first PV (ferry CLI);
#   3. writes random data to both over NBD (nbdcopy), reads each back and compares SHA-256 checksums;
#   4. starts `pvmove PV1 PV2` through the control API (POST /v1/pvmoves, rate limited so it can be watched);
#   5. while the move runs, rewrites demo/vol with new random data round after round, each read back and checked;
#   6. checks the move COMPLETED, both LVs now lie on PV2 only, and every checksum (keep's and vol's last round).
# Leftovers of an earlier run (VG demo, the PV files) are removed first; the VG and PVs are removed at the end
# (DELETE through the control API).
# Environment: FERRY_NBD_PORT (10809), LV_MIB (vol's size, 64), RATE (pvmove rate limit, 8M).
# Exits non-zero on any failure; prints "MIGRATION VERIFIED" at the end of a good run.
set -euo pipefail

port="${FERRY_NBD_PORT:-10809}"
lv_mib="${LV_MIB:-64}"
rate="${RATE:-8M}"
dir=/var/lib/ferry/demo
pv1="$dir/pv1.img"
pv2="$dir/pv2.img"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "demo-client: FAILED: $*" >&2; exit 1; }
api() { # METHOD PATH [JSON]: one control API call over the daemon's Unix socket
    local args=(-sS --fail-with-body --unix-socket "$FERRY_CONTROL" -X "$1")
    [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' -d "$3")
    curl "${args[@]}" "http://localhost$2"
}
lv_sha() { nbdcopy "nbd://127.0.0.1:$port/demo/$1" - | sha256sum | cut -d' ' -f1; }
write_checked() { # LV MIB: writes MIB MiB of new random data to LV, reads it back, prints the checksum
    head -c "$(($2 << 20))" /dev/urandom >"$tmp/data"
    local want got
    want="$(sha256sum <"$tmp/data" | cut -d' ' -f1)"
    nbdcopy --flush "$tmp/data" "nbd://127.0.0.1:$port/demo/$1"
    got="$(lv_sha "$1")"
    [[ "$got" == "$want" ]] || fail "demo/$1 read back $got after writing $want"
    echo "$want"
}
listed_move() { # ID: the move as GET /v1/pvmoves lists it
    api GET /v1/pvmoves | jq -c --argjson id "$1" '.pvmoves[] | select(.id == $id)'
}
delete() { # PATH: DELETE through the control API, where a *_NOT_FOUND answer means nothing was left to remove
    local out
    out="$(api DELETE "$1" 2>&1)" || [[ "$out" == *_NOT_FOUND* ]] || fail "DELETE $1: $out"
}
remove_demo() {
    delete '/v1/vgs/demo?force=true'
    delete "/v1/pvs?path=$pv1"
    delete "/v1/pvs?path=$pv2"
    rm -rf "$dir"
}

step "waiting for the daemon (control socket $FERRY_CONTROL)"
deadline=$((SECONDS + 120))
until [[ "$(api GET /v1/health 2>/dev/null | jq -r .state)" == RUNNING ]]; do
    ((SECONDS < deadline)) || fail "the daemon's health is not RUNNING after 120 s"
    sleep 0.5
done
api GET /v1/version | jq -c .

step "creating PVs $pv1 and $pv2, VG demo, LVs demo/keep (16 MiB) and demo/vol ($lv_mib MiB) on $pv1"
remove_demo
mkdir -p "$dir"
ferry pvcreate --size "$((lv_mib + 32))m" "$pv1" "$pv2"
ferry vgcreate -s 4M demo "$pv1" "$pv2"
ferry lvcreate -n keep -L 16M demo "$pv1"
ferry lvcreate -n vol -L "${lv_mib}M" demo "$pv1"
echo "NBD export demo/vol: $(nbdinfo --size "nbd://127.0.0.1:$port/demo/vol") bytes"

step "writing checksummed random data over NBD (nbdcopy), each LV read back and compared"
keep_sha="$(write_checked keep 16)"
echo "demo/keep sha256 $keep_sha"
vol_sha="$(write_checked vol "$lv_mib")"
echo "demo/vol  sha256 $vol_sha (round 1)"
ferry lvs -a -o +devices demo

step "POST /v1/pvmoves: $pv1 -> $pv2 at $rate/s"
move="$(api POST /v1/pvmoves "$(jq -nc --arg s "$pv1" --arg d "$pv2" --arg r "$rate" \
    '{source: $s, destinations: [$d], rate: $r}')")" || fail "POST /v1/pvmoves: $move"
echo "$move" | jq -c '{id, name, state, lvs, total_bytes, rate_limit}'
id="$(echo "$move" | jq -r .id)"

step "rewriting demo/vol while the move runs (every round read back and compared)"
round=1
during=0
while state="$(listed_move "$id" | jq -r .state)"; [[ "$state" =~ ^(PLANNED|RUNNING|COMPLETING)$ ]]; do
    round=$((round + 1))
    vol_sha="$(write_checked vol "$lv_mib")"
    during=$((during + 1))
    progress="$(listed_move "$id" | jq -r '"\(.state) \(.percent)%"')"
    echo "round $round: demo/vol sha256 $vol_sha verified; move $progress"
    ((during > 1)) || ferry lvs -a -o +devices demo
done
[[ "$state" == COMPLETED ]] || fail "the move ended $state: $(listed_move "$id")"
((during >= 1)) || fail "the move ended before any write during it"

step "after the move: placement and every checksum"
ferry lvs -a -o +devices demo
for lv in keep vol; do
    devices="$(ferry lvs --noheadings -o devices "demo/$lv" | tr -d ' ')"
    [[ "$devices" == "$pv2("* && "$devices" != *,* ]] || fail "demo/$lv lies on $devices, not on $pv2 only"
done
got="$(lv_sha keep)"
[[ "$got" == "$keep_sha" ]] || fail "demo/keep holds $got after the move, written $keep_sha before it"
got="$(lv_sha vol)"
[[ "$got" == "$vol_sha" ]] || fail "demo/vol holds $got after the move, its last round wrote $vol_sha"
echo "demo/keep $keep_sha ok; demo/vol $vol_sha ok ($during rounds written and verified during the move)"
remove_demo
echo
echo "MIGRATION VERIFIED"
