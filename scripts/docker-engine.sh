#!/usr/bin/env bash
# Runs a private Docker engine (Debian's docker.io dockerd) for Ferry's container tests and compose demo, with
# no bridge, no iptables and no registry: containers can only use host networking (loopback), and any image
# pull fails at once because the engine runs in its own mount namespace whose /etc/resolv.conf names only
# 127.0.0.1. Socket, data root (images, volumes: kept between runs as a cache), exec root, pid file and log
# live under one directory.
#
# Usage: scripts/docker-engine.sh start|stop|status|env
#   start   start the engine unless it already answers (idempotent); prints
#           `export DOCKER_HOST=unix://DIR/docker.sock`, so: eval "$(scripts/docker-engine.sh start)"
#   stop    remove every container of the engine, stop it (SIGTERM, SIGKILL after 30 s), delete a docker0 link
#   status  exit 0 when the engine answers, 1 otherwise
#   env     prints that export line without starting anything
# Environment: FERRY_DOCKER_DIR (default /tmp/ferry-docker). Needs root, dockerd and unshare; a missing dockerd
# is installed from Debian by scripts/install-tools.sh dockerd.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${FERRY_DOCKER_DIR:-/tmp/ferry-docker}"
sock="$dir/docker.sock"
pidfile="$dir/dockerd.pid"
log="$dir/dockerd.log"
export DOCKER_HOST="unix://$sock"

fail() { echo "docker-engine.sh: $*" >&2; exit 1; }
answers() { docker version >/dev/null 2>&1; }
alive() { kill -0 "$1" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; } # PID: no zombie
engine_pid() { # the pid of a live dockerd from the pid file, else nothing and status 1
    local pid
    pid="$(cat "$pidfile" 2>/dev/null)" && [[ -n "$pid" ]] && alive "$pid" && echo "$pid"
}
drop_docker0() {
    if ip link show docker0 >/dev/null 2>&1; then
        ip link delete docker0
        return 1
    fi
}

# A dockerd that was killed leaves its containerd running (or a zombie) and its pid file, and a new dockerd then
# waits for that one instead of starting its own, until it times out: stop it (by the pid in its pid file, if its
# command line names this directory) and remove the pid file.
stop_orphaned_containerd() {
    local pid pidfile="$dir/exec/containerd/containerd.pid"
    pid="$(cat "$pidfile" 2>/dev/null)" || return 0
    rm -f "$pidfile"
    if alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$dir/exec/containerd/"; then
        echo "docker-engine.sh: stopping containerd pid $pid left by a killed dockerd" >&2
        kill "$pid"
        local deadline=$((SECONDS + 10))
        while alive "$pid" && ((SECONDS < deadline)); do
            sleep 0.1
        done
        ! alive "$pid" || kill -9 "$pid"
    fi
}

start() {
    if answers; then
        echo "export DOCKER_HOST=$DOCKER_HOST"
        return
    fi
    ((EUID == 0)) || fail "dockerd needs root"
    "$root/scripts/install-tools.sh" dockerd docker >&2
    local pid deadline=$((SECONDS + 30))
    while pid="$(engine_pid)"; do # one that is still starting (or stopping) gets 30 s to answer (or exit)
        if answers; then
            echo "export DOCKER_HOST=$DOCKER_HOST"
            return
        fi
        ((SECONDS < deadline)) || fail "dockerd pid $pid runs but does not answer on $sock (log: $log)"
        sleep 0.2
    done
    rm -f "$pidfile" # left by a dockerd that was killed: dockerd would refuse to start while /proc/PID exists
    stop_orphaned_containerd
    mkdir -p "$dir/data" "$dir/exec"
    echo 'nameserver 127.0.0.1' >"$dir/resolv.conf"
    # setsid: the engine outlives this script and the terminal; unshare --mount: the resolv.conf bind mount and
    # every mount dockerd makes stay in its own namespace (and vanish with it). sh execs dockerd, so the pid
    # file dockerd writes names the process to stop.
    setsid unshare --mount --propagation slave sh -c '
        mount --bind "$0/resolv.conf" /etc/resolv.conf &&
        exec dockerd --host "unix://$0/docker.sock" --data-root "$0/data" --exec-root "$0/exec" \
            --pidfile "$0/dockerd.pid" --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
            --ip-masq=false --storage-driver=overlay2' "$dir" </dev/null >"$log" 2>&1 &
    pid=$!
    deadline=$((SECONDS + 60))
    until answers; do
        alive "$pid" || { tail -n 20 "$log" >&2; fail "dockerd exited while starting (log: $log)"; }
        ((SECONDS < deadline)) || { tail -n 20 "$log" >&2; fail "dockerd did not answer on $sock within 60 s"; }
        sleep 0.1
    done
    drop_docker0 || fail "dockerd created docker0 (deleted it); see $log"
    echo "export DOCKER_HOST=$DOCKER_HOST"
}

stop() {
    local pid
    pid="$(engine_pid || true)"
    if answers; then
        docker ps -aq | xargs -r docker rm -f >/dev/null
    fi
    if [[ -n "$pid" ]]; then
        kill "$pid"
        local deadline=$((SECONDS + 30))
        while alive "$pid" && ((SECONDS < deadline)); do
            sleep 0.1
        done
        if alive "$pid"; then
            echo "docker-engine.sh: dockerd pid $pid still runs after 30 s: SIGKILL" >&2
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    drop_docker0 || echo "docker-engine.sh: deleted a docker0 link" >&2
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) answers ;;
    env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
    *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
