#!/usr/bin/env bash
# How fast a thin-client command answers: starts `ferry daemon` on a fresh data directory with two PVs, a VG and an
# LV, then times a command (default `vgs`; each run is a new JVM: its wall clock from fork to exit, and its CPU time,
# user + system, which other load on the machine disturbs less) run by scripts/ferry and, with -b, by a baseline
# launcher, alternating the two run by run so both see the same machine load. Prints each round's wall medians and,
# over all runs, the median, quartiles, min and max of wall and CPU time per launcher, and the load average.
#
# Usage: scripts/bench-cli.sh [-n RUNS] [-r ROUNDS] [-b REV [-j JAR]] [-d WORK_DIR] [-k] [COMMAND [ARGS...]]
#   -n  runs per launcher and round (default 10)
#   -r  rounds (default 3)
#   -b  git revision whose scripts/ferry and scripts/jvm-options are the baseline launcher
#   -j  the jar the baseline runs (default: daemon/target/ferry.jar, the one the current launcher runs)
#   -d  work directory (default: a new directory under ${TMPDIR:-/tmp})
#   -k  keep the work directory afterwards
# Example: scripts/bench-cli.sh -b 59199ef -j /tmp/ferry-before.jar
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work=""
keep=0
runs=10
rounds=3
base_rev=""
base_jar=""

while getopts "n:r:b:j:d:kh" opt; do
    case "$opt" in
        n) runs="$OPTARG" ;;
        r) rounds="$OPTARG" ;;
        b) base_rev="$OPTARG" ;;
        j) base_jar="$OPTARG" ;;
        d) work="$OPTARG" ;;
        k) keep=1 ;;
        *) sed -n '2,15p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
command=("${@:-vgs}")
[[ "$runs" =~ ^[1-9][0-9]*$ && "$rounds" =~ ^[1-9][0-9]*$ ]] \
    || { echo "bench-cli.sh: -n and -r take positive numbers" >&2; exit 2; }
[[ -z "$base_jar" || -n "$base_rev" ]] || { echo "bench-cli.sh: -j needs -b" >&2; exit 2; }

source "$root/scripts/lib/daemon.sh"
daemon_work ferry-bench-cli

launchers=("$root/scripts/ferry")
names=(current)
if [[ -n "$base_rev" ]]; then
    # The baseline launcher finds its jar and options relative to itself: a small tree in the work directory.
    base="$work/baseline"
    mkdir -p "$base/scripts" "$base/daemon/target"
    git -C "$root" show "$base_rev:scripts/ferry" >"$base/scripts/ferry"
    git -C "$root" show "$base_rev:scripts/jvm-options" >"$base/scripts/jvm-options"
    chmod +x "$base/scripts/ferry"
    ferry --version >/dev/null   # builds the jar if it is stale
    cp "${base_jar:-$root/daemon/target/ferry.jar}" "$base/daemon/target/ferry.jar"
    launchers+=("$base/scripts/ferry")
    names+=("baseline $base_rev")
fi

daemon_start
ferry pvcreate --size 64m "$work/pv1.img" "$work/pv2.img" >/dev/null
ferry vgcreate -s 4M vg0 "$work/pv1.img" "$work/pv2.img" >/dev/null
ferry lvcreate -n lv0 -L 8M vg0 >/dev/null

# One untimed run each: it writes the launcher's class-data sharing archive and shows what is timed.
for i in "${!launchers[@]}"; do
    echo "== ${names[$i]}: ${command[*]}"
    "${launchers[$i]}" "${command[@]}" || fail "${names[$i]}: '${command[*]}' failed"
done

stats() { # sorted numbers on stdin -> "median M  p25 A  p75 B  min X  max Y"
    awk '{ v[NR] = $1 } END {
        printf "median %4d  p25 %4d  p75 %4d  min %4d  max %4d", v[int((NR + 1) / 2)], v[int((NR + 3) / 4)],
            v[int((3 * NR + 3) / 4)], v[1], v[NR] }'
}
sorted() { tr ' ' '\n' <<<"$1" | grep . | sort -n; }

TIMEFORMAT='%3R %3U %3S'
declare -A wall=() cpu=()
echo
echo "ms of '${command[*]}', $runs runs per launcher and round, alternating:"
for ((round = 1; round <= rounds; round++)); do
    declare -A this=()
    for ((run = 0; run < runs; run++)); do
        for i in "${!launchers[@]}"; do
            # bash's time keyword: real, user and system seconds of the command, to the millisecond
            times="$({ time "${launchers[$i]}" "${command[@]}" >/dev/null 2>&1; } 2>&1)" \
                || fail "${names[$i]}: '${command[*]}' failed"
            read -r real user sys <<<"$times"
            ms=$(awk -v r="$real" 'BEGIN { printf "%d", r * 1000 }')
            this[$i]+="$ms "
            wall[$i]+="$ms "
            cpu[$i]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }') "
        done
    done
    for i in "${!launchers[@]}"; do
        printf 'round %d  %-20s wall %s\n' "$round" "${names[$i]}" "$(sorted "${this[$i]}" | stats)"
    done
    unset this
done
echo
for i in "${!launchers[@]}"; do
    printf 'all      %-20s wall %s  (n=%d)\n' "${names[$i]}" "$(sorted "${wall[$i]}" | stats)" "$((runs * rounds))"
    printf 'all      %-20s cpu  %s\n' "${names[$i]}" "$(sorted "${cpu[$i]}" | stats)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
