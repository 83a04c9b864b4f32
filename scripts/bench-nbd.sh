#!/usr/bin/env bash
# Compares `ferry serve` with `nbdkit file` on the same file using fio's nbd engine, interleaving the
# two servers test by test, and prints IOPS, MiB/s and the ferry/nbdkit ratio for each test.
#
# Usage: scripts/bench-nbd.sh [-t SECONDS_PER_RUN] [-w WARMUP_SECONDS] [-s FILE_SIZE] [-d WORK_DIR] [-k] [-T]
#   -t  runtime of each fio run in seconds (default 10; env RUNTIME)
#   -w  unrecorded warm-up run of every test on both servers first, in seconds (default 3; 0 = none;
#       env WARMUP): keeps the JVM's JIT warm-up out of the ratios
#   -s  size of the benchmark file, fio syntax (default 1g; env SIZE)
#   -d  directory for the benchmark file and logs (default: a new directory under ${TMPDIR:-/tmp})
#   -k  keep the work directory afterwards
#   -T  both servers require TLS (a throw-away openssl PKI; nbdkit --tls=require, ferry serve --tls require), and
#       fio connects with nbds:// URIs
# Both servers listen on 127.0.0.1 (ports FERRY_PORT=10909 and NBDKIT_PORT=10910 unless set).
# FERRY_SERVE_ARGS adds options to `ferry serve` (e.g. "--metrics 127.0.0.1:10911" to measure what metrics cost).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runtime="${RUNTIME:-10}"
warmup="${WARMUP:-3}"
size="${SIZE:-1g}"
work=""
keep=0
ferry_port="${FERRY_PORT:-10909}"
nbdkit_port="${NBDKIT_PORT:-10910}"

tls=0
while getopts "t:w:s:d:kTh" opt; do
    case "$opt" in
        t) runtime="$OPTARG" ;;
        w) warmup="$OPTARG" ;;
        s) size="$OPTARG" ;;
        d) work="$OPTARG" ;;
        k) keep=1 ;;
        T) tls=1 ;;
        *) sed -n '2,17p' "$0"; exit 2 ;;
    esac
done
[[ "$runtime" =~ ^[1-9][0-9]*$ ]] || { echo "bench-nbd.sh: runtime must be a positive number of seconds: $runtime" >&2; exit 2; }

"$root/scripts/install-tools.sh" fio nbdkit nbdinfo openssl

# shellcheck source=lib/peers.sh
source "$root/scripts/lib/peers.sh"
peers_work ferry-bench
file="$work/bench.img"

echo "filling $file ($size) ..." >&2
# fsync at the end, so the kernel is not still writing the fill back during the first tests.
fio --name=fill --filename="$file" --rw=write --bs=1M --size="$size" --ioengine=psync --end_fsync=1 \
    --output=/dev/null

((tls == 0)) || peers_tls
# shellcheck disable=SC2086 # FERRY_SERVE_ARGS is a list of options
peers_start "$file" bench ${FERRY_SERVE_ARGS:-}

# name | fio options
tests=(
    "seq-read-1M-qd8|--rw=read --bs=1M --iodepth=8"
    "seq-write-1M-qd8|--rw=write --bs=1M --iodepth=8"
    "rand-read-4k-qd32|--rw=randread --bs=4k --iodepth=32"
    "rand-write-4k-qd32|--rw=randwrite --bs=4k --iodepth=32"
    "rand-read-4k-qd32-2conn|--rw=randread --bs=4k --iodepth=32 --numjobs=2"
)

run_fio() { # seconds port options... -> prints "iops mibps"
    local seconds="$1" port="$2"
    shift 2
    local line
    line="$(fio --name=bench --ioengine=nbd --uri="$(peers_uri "$port")" --size="$size" \
        --time_based --runtime="$seconds" --ramp_time=1 --group_reporting \
        --output-format=terse --terse-version=3 "$@" | grep '^3;')"
    # terse v3: field 7/8 read KiB/s and IOPS, 48/49 write KiB/s and IOPS, 5 error
    awk -F';' '{ if ($5 != 0) { print "error " $5; exit 1 }
                 printf "%d %.1f\n", $8 + $49, ($7 + $48) / 1024 }' <<<"$line"
}

if ((warmup > 0)); then
    echo "warming up both servers (${warmup}s per test, not recorded) ..." >&2
    for t in "${tests[@]}"; do
        run_fio "$warmup" "$ferry_port" ${t#*|} >/dev/null
        run_fio "$warmup" "$nbdkit_port" ${t#*|} >/dev/null
    done
fi

printf '\nfio nbd engine, %ss per run, file %s, 127.0.0.1%s\n' "$runtime" "$size" "$( ((tls)) && echo ', TLS required')"
printf '%-26s %12s %10s %12s %10s %8s\n' test ferry-IOPS ferry-MiB/s nbdkit-IOPS nbdkit-MiB/s ratio
n=0
for t in "${tests[@]}"; do
    name="${t%%|*}"
    opts="${t#*|}"
    # Alternate which server goes first, so neither always inherits the other's writeback.
    if ((n++ % 2 == 0)); then
        read -r f_iops f_mib < <(run_fio "$runtime" "$ferry_port" $opts)
        read -r n_iops n_mib < <(run_fio "$runtime" "$nbdkit_port" $opts)
    else
        read -r n_iops n_mib < <(run_fio "$runtime" "$nbdkit_port" $opts)
        read -r f_iops f_mib < <(run_fio "$runtime" "$ferry_port" $opts)
    fi
    ratio="$(awk -v f="$f_iops" -v n="$n_iops" 'BEGIN { if (n > 0) printf "%.2f", f / n; else print "n/a" }')"
    printf '%-26s %12s %10s %12s %10s %8s\n' "$name" "$f_iops" "$f_mib" "$n_iops" "$n_mib" "${ratio}x"
done
