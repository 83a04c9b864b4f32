#!/usr/bin/env bash
# Measures sparse reads: copies a 10 %-allocated sparse file with nbdcopy from `ferry serve` and from
# `nbdkit file` (the same file), in alternating rounds after a warm-up, and prints per-round seconds, the
# medians and the ferry/nbdkit ratio (of speeds, so > 1 means ferry is faster) for each workload:
#   nbdcopy          nbdcopy SERVER null:  (skips holes by base:allocation, reads only the data)
#   nbdcopy-noextents nbdcopy --no-extents SERVER null:  (reads every byte: holes travel as hole chunks
#                    where the server sends them)
#   nbdcopy-file     nbdcopy SERVER FILE  (a sparse destination file on the same file system)
#
# Usage: scripts/bench-sparse.sh [-r ROUNDS] [-s SIZE_MIB] [-d WORK_DIR] [-k]
#   -r  measured rounds (default 3; env ROUNDS); one unrecorded warm-up round runs first
#   -s  size of the sparse file in MiB (default 1024; env SIZE_MIB); 1 MiB of data every 10 MiB
#   -d  directory for the file and logs (default: a new directory under ${TMPDIR:-/tmp})
#   -k  keep the work directory afterwards
# Both servers listen on 127.0.0.1 (ports FERRY_PORT=10911 and NBDKIT_PORT=10912 unless set).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${ROUNDS:-3}"
size_mib="${SIZE_MIB:-1024}"
work=""
keep=0
ferry_port="${FERRY_PORT:-10911}"
nbdkit_port="${NBDKIT_PORT:-10912}"

while getopts "r:s:d:kh" opt; do
    case "$opt" in
        r) rounds="$OPTARG" ;;
        s) size_mib="$OPTARG" ;;
        d) work="$OPTARG" ;;
        k) keep=1 ;;
        *) sed -n '2,17p' "$0"; exit 2 ;;
    esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench-sparse.sh: rounds must be a positive number: $rounds" >&2; exit 2; }
[[ "$size_mib" =~ ^[1-9][0-9]*$ ]] || { echo "bench-sparse.sh: size must be a positive number of MiB" >&2; exit 2; }

"$root/scripts/install-tools.sh" nbdkit nbdinfo nbdcopy

# shellcheck source=lib/peers.sh
source "$root/scripts/lib/peers.sh"
peers_work ferry-bench-sparse
file="$work/sparse.img"

echo "making $file: ${size_mib} MiB, 1 MiB of data every 10 MiB ..." >&2
rm -f "$file"
truncate -s "${size_mib}M" "$file"
for ((mib = 0; mib < size_mib; mib += 10)); do
    dd if=/dev/urandom of="$file" bs=1M seek="$mib" count=1 conv=notrunc status=none
done
sync "$file"

peers_start "$file" sparse

tests=(nbdcopy nbdcopy-noextents nbdcopy-file) # described in the header

run_copy() { # port name -> prints seconds
    local port="$1" name="$2" args=() dest start end
    case "$name" in
        nbdcopy) dest="null:" ;;
        nbdcopy-noextents) args=(--no-extents); dest="null:" ;;
        nbdcopy-file) dest="$work/copy.img"; rm -f "$dest" ;;
    esac
    start="$(date +%s.%N)"
    nbdcopy "${args[@]}" "nbd://127.0.0.1:$port/" "$dest"
    end="$(date +%s.%N)"
    [[ "$dest" == null: ]] || rm -f "$dest"
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "warm-up round (not recorded) ..." >&2
for t in "${tests[@]}"; do
    run_copy "$ferry_port" "$t" >/dev/null
    run_copy "$nbdkit_port" "$t" >/dev/null
done

declare -A times
for ((round = 1; round <= rounds; round++)); do
    for name in "${tests[@]}"; do
        # Alternate which server goes first in each round.
        if ((round % 2)); then order=(ferry nbdkit); else order=(nbdkit ferry); fi
        for server in "${order[@]}"; do
            if [[ "$server" == ferry ]]; then p="$ferry_port"; else p="$nbdkit_port"; fi
            s="$(run_copy "$p" "$name")"
            times[$name.$server]+="$s "
            printf 'round %d %-18s %-6s %7ss\n' "$round" "$name" "$server" "$s" >&2
        done
    done
done

printf '\nnbdcopy of a %s MiB file, 10%% allocated, %d rounds, 127.0.0.1; load average: %s\n' \
    "$size_mib" "$rounds" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-18s %-24s %-24s %9s %9s %7s\n' workload ferry-rounds nbdkit-rounds ferry-med nbdkit-med ratio
for name in "${tests[@]}"; do
    f_med="$(tr ' ' '\n' <<<"${times[$name.ferry]}" | grep . | median)"
    n_med="$(tr ' ' '\n' <<<"${times[$name.nbdkit]}" | grep . | median)"
    ratio="$(awk -v f="$f_med" -v n="$n_med" 'BEGIN { if (f > 0) printf "%.2f", n / f; else print "n/a" }')"
    printf '%-18s %-24s %-24s %8ss %8ss %6sx\n' "$name" "${times[$name.ferry]}" "${times[$name.nbdkit]}" \
        "$f_med" "$n_med" "$ratio"
done
