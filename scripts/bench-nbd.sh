#!/usr/bin/env bash
# Ferry's NBD data path against nbdkit, with fio's nbd engine, in alternating rounds after a warm-up:
#   file   `ferry serve FILE` against `nbdkit file FILE` (both on the same file)
#   A/A    a second `nbdkit file FILE` against the first: the noise floor of every ratio
#   zero   a `zero` table exported by a Ferry daemon against `nbdkit null` (the protocol path alone, no storage).
#          Ferry answers reads of 256 KiB and more of a zero device with hole chunks (no data on the wire) where
#          nbdkit null sends data, so its 1M row measures that; the 128k row, below Ferry's hole probing, sends data
#          on both sides
#   lv     a linear LV over 3 segments on 3 PV files in the same directory, exported by the daemon, against
#          `ferry serve FILE`
#   rss    4 clients each with 32 unread 32 MiB READs on `ferry serve` and on `nbdkit file`: each server's peak RSS
#          while they hold, and whether another client is still served (scripts/lib/unread-reads.py)
# Every round runs every test on every server, the order of the two servers of a pair alternating from round to round;
# it prints per-round figures, then per row the median ratio with its spread (min–max over the rounds), and the load
# average before and after.
#
# Usage: scripts/bench-nbd.sh [-r ROUNDS] [-t SECONDS_PER_RUN] [-w WARMUP_SECONDS] [-s FILE_SIZE] [-d WORK_DIR] [-k] [-T]
#   -r  rounds (default 3; env ROUNDS)
#   -t  runtime of each fio run in seconds (default 5; env RUNTIME)
#   -w  unrecorded warm-up run of every test on every server first, in seconds (default 10; 0 = none; env WARMUP):
#       keeps the JVM's JIT warm-up out of the ratios (`ferry serve`'s sequential writes reached their steady rate
#       only after about 20 s of writing: 1.6, 2.6, 3.2, 3.6, 4.0 GB/s in consecutive 6 s runs)
#   -s  size of the benchmark file, fio syntax (default 1g; env SIZE)
#   -d  directory for the benchmark files and logs (default: a new directory under ${TMPDIR:-/tmp})
#   -k  keep the work directory afterwards
#   -T  the file and A/A rows with TLS required on both servers (a throw-away openssl PKI; nbdkit --tls=require,
#       ferry serve --tls require; fio connects with nbds:// URIs); the zero, lv and rss rows are left out
# Servers listen on 127.0.0.1: ferry serve on FERRY_PORT (default 10909), nbdkit on NBDKIT_PORT (10910) and
# NBDKIT_PORT+1 (A/A) and +2 (null), the daemon on a free port. FERRY_SERVE_ARGS adds options to `ferry serve`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${ROUNDS:-3}"
runtime="${RUNTIME:-5}"
warmup="${WARMUP:-10}"
size="${SIZE:-1g}"
work=""
keep=0
tls=0
ferry_port="${FERRY_PORT:-10909}"
nbdkit_port="${NBDKIT_PORT:-10910}"
while getopts "r:t:w:s:d:kTh" opt; do
    case "$opt" in
        r) rounds="$OPTARG" ;;
        t) runtime="$OPTARG" ;;
        w) warmup="$OPTARG" ;;
        s) size="$OPTARG" ;;
        d) work="$OPTARG" ;;
        k) keep=1 ;;
        T) tls=1 ;;
        *) sed -n '2,29p' "$0" | grep '^#'; exit 2 ;;
    esac
done
[[ "$runtime" =~ ^[1-9][0-9]*$ ]] || { echo "bench-nbd.sh: runtime must be a positive number of seconds: $runtime" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench-nbd.sh: rounds must be a positive number: $rounds" >&2; exit 2; }

"$root/scripts/install-tools.sh" fio nbdkit nbdinfo nbdcopy openssl python3 curl

# shellcheck source=lib/peers.sh
source "$root/scripts/lib/peers.sh"
# shellcheck source=lib/daemon.sh
source "$root/scripts/lib/daemon.sh"   # its EXIT trap also stops the processes in bg_pids
daemon_work ferry-bench
file="$work/bench.img"
size_bytes="$(numfmt --from=iec "${size^^}")"

echo "filling $file ($size) ..." >&2
# fsync at the end, so the kernel is not still writing the fill back during the first tests.
fio --name=fill --filename="$file" --rw=write --bs=1M --size="$size" --ioengine=psync --end_fsync=1 \
    --output=/dev/null

((tls == 0)) || peers_tls
# shellcheck disable=SC2086 # FERRY_SERVE_ARGS is a list of options
peers_start "$file" bench ${FERRY_SERVE_ARGS:-}
aa_port=$((nbdkit_port + 1))
null_port=$((nbdkit_port + 2))
nbdkit -f -i 127.0.0.1 -p "$aa_port" "${nbdkit_args[@]}" file "$file" >"$work/nbdkit-aa.log" 2>&1 &
pids+=($!)
peers_wait nbdkit-aa "$aa_port" "$work/nbdkit-aa.log"
bg_pids="${pids[*]}"
ferry_pid="${pids[0]}"
nbdkit_pid="${pids[1]}"

if ((tls == 0)); then
    nbdkit -f -i 127.0.0.1 -p "$null_port" null "$size" >"$work/nbdkit-null.log" 2>&1 &
    pids+=($!)
    peers_wait nbdkit-null "$null_port" "$work/nbdkit-null.log"
    bg_pids="${pids[*]}"
    echo "starting a daemon with a zero device and a linear LV over 3 segments ..." >&2
    daemon_start
    segment=$(( (size_bytes / 3 / 4194304 + 1) * 4 ))   # MiB, whole 4 MiB extents, 3 of them cover the file's size
    for i in 1 2 3; do truncate -s "$((segment + 8))M" "$work/pv$i.img"; done
    ferry pvcreate "$work/pv1.img" "$work/pv2.img" "$work/pv3.img" >/dev/null
    ferry vgcreate vgb "$work/pv1.img" "$work/pv2.img" "$work/pv3.img" >/dev/null
    ferry lvcreate -n lv -L "${segment}M" vgb "$work/pv1.img" >/dev/null
    ferry lvextend -L "$((2 * segment))M" vgb/lv "$work/pv2.img" >/dev/null
    ferry lvextend -L "$((3 * segment))M" vgb/lv "$work/pv3.img" >/dev/null
    ferry dmsetup create zero0 --table "0 $((size_bytes / 512)) zero" >/dev/null
    # The LV holds data everywhere, as the file does, so neither side reads holes.
    fio --name=fill-lv --ioengine=nbd --uri="nbd://127.0.0.1:$port/vgb/lv" --rw=write --bs=1M --size="$size" \
        --output=/dev/null
fi

# name | fio options
tests=(
    "seq-read-1M-qd8|--rw=read --bs=1M --iodepth=8"
    "seq-write-1M-qd8|--rw=write --bs=1M --iodepth=8"
    "rand-read-4k-qd32|--rw=randread --bs=4k --iodepth=32"
    "rand-write-4k-qd32|--rw=randwrite --bs=4k --iodepth=32"
    "rand-read-4k-qd32-2conn|--rw=randread --bs=4k --iodepth=32 --numjobs=2"
)
zero_tests=("${tests[0]}" "seq-read-128k-qd8|--rw=read --bs=128k --iodepth=8" "${tests[2]}")

run_fio() { # seconds uri options... -> prints "iops mibps"
    local seconds="$1" u="$2"
    shift 2
    local line
    line="$(fio --name=bench --ioengine=nbd --uri="$u" --size="$size" \
        --time_based --runtime="$seconds" --ramp_time=1 --group_reporting \
        --output-format=terse --terse-version=3 "$@" | grep '^3;')"
    # terse v3: field 7/8 read KiB/s and IOPS, 48/49 write KiB/s and IOPS, 5 error
    awk -F';' '{ if ($5 != 0) { print "error " $5; exit 1 }
                 printf "%d %.1f\n", $8 + $49, ($7 + $48) / 1024 }' <<<"$line"
}

results="$work/results"   # row test round ratio a-iops b-iops
: >"$results"
pair() { # ROW TEST ROUND URI_A URI_B OPTIONS...: runs both, A first in odd rounds, records and prints the ratio A/B
    local row="$1" name="$2" round="$3" ua="$4" ub="$5" a b
    shift 5
    if ((round % 2 == 1)); then
        read -r a _ < <(run_fio "$runtime" "$ua" "$@")
        read -r b _ < <(run_fio "$runtime" "$ub" "$@")
    else
        read -r b _ < <(run_fio "$runtime" "$ub" "$@")
        read -r a _ < <(run_fio "$runtime" "$ua" "$@")
    fi
    local ratio
    ratio="$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }')"
    echo "$row $name $round $ratio $a $b" >>"$results"
    printf '  %-6s %-26s %10s %10s %7.2fx\n' "$row" "$name" "$a" "$b" "$ratio"
}

one_round() { # ROUND (0 = warm-up, with the warm-up runtime)
    local r="$1" t opts
    for t in "${tests[@]}"; do
        opts="${t#*|}"
        # shellcheck disable=SC2086 # fio options
        pair file "${t%%|*}" "$r" "$(peers_uri "$ferry_port")" "$(peers_uri "$nbdkit_port")" $opts
        # shellcheck disable=SC2086
        pair A/A "${t%%|*}" "$r" "$(peers_uri "$aa_port")" "$(peers_uri "$nbdkit_port")" $opts
        if ((tls == 0)); then
            # shellcheck disable=SC2086
            pair lv "${t%%|*}" "$r" "nbd://127.0.0.1:$port/vgb/lv" "$(peers_uri "$ferry_port")" $opts
        fi
    done
    if ((tls == 0)); then
        for t in "${zero_tests[@]}"; do
            # shellcheck disable=SC2086
            pair zero "${t%%|*}" "$r" "nbd://127.0.0.1:$port/zero0" "nbd://127.0.0.1:$null_port/" ${t#*|}
        done
    fi
}

printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
if ((warmup > 0)); then
    echo "warming up every server (${warmup}s per test, not recorded) ..." >&2
    saved="$runtime"
    runtime="$warmup"
    one_round 0 >/dev/null
    runtime="$saved"
    : >"$results"
fi
printf '\nfio nbd engine, %ss per run, %s rounds, file %s, 127.0.0.1%s\n' "$runtime" "$rounds" "$size" \
    "$( ((tls)) && echo ', TLS required')"
echo "rows: file = ferry serve / nbdkit file; A/A = nbdkit file / nbdkit file; lv = LV over 3 segments / ferry serve;"
echo "      zero = Ferry zero device / nbdkit null. Figures are IOPS."
for ((r = 1; r <= rounds; r++)); do
    printf 'round %d (load %s)\n' "$r" "$(cut -d' ' -f1 /proc/loadavg)"
    printf '  %-6s %-26s %10s %10s %8s\n' row test A B ratio
    one_round "$r"
done

echo
echo "medians over $rounds rounds (spread: min–max of the per-round ratios)"
printf '%-6s %-26s %8s %15s\n' row test median spread
awk '{ key = $1 " " $2; v[key] = v[key] " " $4; if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
     END { for (i = 0; i < n; i++) {
             k = order[i]; m = split(substr(v[k], 2), a, " ")
             for (x = 1; x <= m; x++) for (y = x + 1; y <= m; y++) if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t }
             med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
             split(k, kk, " ")
             printf "%-6s %-26s %7.2fx %7.2f–%.2fx\n", kk[1], kk[2], med, a[1], a[m] } }' "$results"

if ((tls == 0)); then
    rss_row() { # NAME PORT EXPORT PID
        local name="$1" p="$2" export="$3" pid="$4" before peak served
        before="$(awk '/^VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$pid/status")"
        python3 "$root/scripts/lib/unread-reads.py" 127.0.0.1 "$p" "$export" 4 32 33554432 20 >"$work/rss-$name.out" &
        local abuser=$!
        local deadline=$((SECONDS + 30))
        until grep -q ready "$work/rss-$name.out" 2>/dev/null || ((SECONDS > deadline)); do sleep 0.2; done
        peak=0
        served=no
        for _ in $(seq 10); do
            local now_rss
            now_rss="$(awk '/^VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$pid/status")"
            ((now_rss > peak)) && peak="$now_rss"
            sleep 0.3
        done
        if timeout 20 nbdinfo --size "nbd://127.0.0.1:$p/$export" >/dev/null 2>&1 \
            && timeout 20 nbdcopy --requests=1 "nbd://127.0.0.1:$p/$export" null: 2>/dev/null; then
            served=yes
        fi
        wait "$abuser" || true
        printf '%-8s RSS before %5d MiB, peak while abused %5d MiB, another client served while abused: %s\n' \
            "$name" "$before" "$peak" "$served"
    }
    echo
    echo "memory under abuse: 4 clients x 32 unread READs of 32 MiB each (goal for ferry: peak < 400 MiB, served)"
    rss_row ferry "$ferry_port" "" "$ferry_pid"
    rss_row nbdkit "$nbdkit_port" "" "$nbdkit_pid"
fi
printf '\nload average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
