# Shared by the benchmarks that compare `ferry serve` with `nbdkit file` on the same file (bench-nbd.sh,
# bench-sparse.sh). Source it after setting `root` (the checkout), `work` (empty: a new temporary directory),
# `keep` (1: keep the work directory), `ferry_port` and `nbdkit_port`. It defines:
#   peers_work PREFIX              makes the work directory ($work)
#   peers_start FILE NAME [ARG...] builds Ferry (so the build is not timed), starts `ferry serve FILE --name NAME ARG...`
#                                  on $ferry_port and `nbdkit file FILE` on $nbdkit_port, logs in $work, and waits
#                                  up to 60 s for both to answer
# and an EXIT trap that stops them and removes the work directory unless keep=1.

pids=()

peers_work() { # PREFIX
    if [[ -z "$work" ]]; then
        work="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
    else
        mkdir -p "$work"
    fi
}

peers_cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if ((keep)); then
        echo "work directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap peers_cleanup EXIT

peers_wait() { # name port log
    local deadline=$((SECONDS + 60))
    until nbdinfo --size "nbd://127.0.0.1:$2/" >/dev/null 2>&1; do
        if ((SECONDS > deadline)); then
            echo "$(basename "$0"): $1 did not come up on port $2; its log:" >&2
            cat "$3" >&2
            exit 1
        fi
        sleep 0.2
    done
}

peers_start() { # FILE NAME [FERRY_ARG...]
    "$root/scripts/ferry" --version >/dev/null
    "$root/scripts/ferry" serve "$1" --name "$2" --listen "127.0.0.1:$ferry_port" "${@:3}" >"$work/ferry.log" 2>&1 &
    pids+=($!)
    nbdkit -f -i 127.0.0.1 -p "$nbdkit_port" file "$1" >"$work/nbdkit.log" 2>&1 &
    pids+=($!)
    peers_wait ferry "$ferry_port" "$work/ferry.log"
    peers_wait nbdkit "$nbdkit_port" "$work/nbdkit.log"
}
