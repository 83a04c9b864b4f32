# Shared by the scripts that run a Ferry daemon over PV files in a work directory (demo.sh, bench-pvmove.sh,
# bench-mirror.sh). Source it after setting `root` (the checkout), `work` (empty: a new temporary directory) and
# `keep` (1: keep the work directory). It defines:
#   ferry            the CLI (scripts/ferry)
#   fail MESSAGE     prints "SCRIPT: MESSAGE" to stderr and exits 1
#   now, elapsed A B wall-clock seconds and the difference of two of them
#   daemon_work PREFIX   makes the work directory and sets data, port (FERRY_PORT or a free one) and FERRY_CONTROL
#   daemon_start     starts `ferry daemon` (log in $work/daemon.log; PV files may lie anywhere under $work) and waits
#                    up to 90 s for its control API
#   daemon_cpu_ticks the daemon's user+system CPU time so far, in clock ticks (/proc/PID/stat)
#   api METHOD PATH [JSON]   one control API request (curl on the Unix socket)
# and an EXIT trap that stops the background processes whose pids are in `bg_pids`, shuts the daemon down,
# shows the tail of its log after a failure and removes the work directory unless keep=1.

ferry() { "$root/scripts/ferry" "$@"; }
fail() { echo "$(basename "$0"): $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

daemon_pid=""
bg_pids=""

daemon_work() { # PREFIX
    if [[ -z "$work" ]]; then
        work="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
    else
        mkdir -p "$work"
        work="$(cd "$work" && pwd)"
    fi
    port="${FERRY_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
    data="$work/data"
    export FERRY_CONTROL="$data/control.sock"
}

api() { # METHOD PATH [JSON]
    local args=(-sS --fail-with-body --unix-socket "$FERRY_CONTROL" -X "$1")
    [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' -d "$3")
    curl "${args[@]}" "http://localhost$2"
}

daemon_start() {
    mkdir -p "$data"
    "$root/scripts/ferry" daemon --data-dir "$data" --listen "127.0.0.1:$port" --allow-path "$work" \
        >"$work/daemon.log" 2>&1 &   # scripts/ferry execs java: this pid is the JVM
    daemon_pid=$!
    local deadline=$((SECONDS + 90))
    until api GET /v1/health >/dev/null 2>&1; do
        kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon exited while starting"
        ((SECONDS < deadline)) || fail "the daemon did not answer within 90 s"
        sleep 0.2
    done
}

daemon_cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$daemon_pid/stat"
}

daemon_cleanup() {
    local rc=$? pid
    for pid in $bg_pids; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "$daemon_pid" ]] && kill -0 "$daemon_pid" 2>/dev/null; then
        ferry shutdown >/dev/null 2>&1 || kill "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
    fi
    if ((rc != 0)) && [[ -f "$work/daemon.log" ]]; then
        echo "--- last lines of the daemon log ($work/daemon.log):" >&2
        tail -n 30 "$work/daemon.log" >&2
    fi
    if ((keep)); then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
    exit "$rc"
}
trap daemon_cleanup EXIT
trap 'exit 130' INT TERM
