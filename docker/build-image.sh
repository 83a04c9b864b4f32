#!/usr/bin/env bash
# Builds Ferry's Docker images without any registry:
#   local/ferry-base:bookworm  a Debian bookworm root file system made by debootstrap (Java 17 runtime, the libnbd
#                              client tools nbdinfo/nbdcopy, curl for the health check, jq for the compose demo,
#                              user `ferry` uid 10001 owning /var/lib/ferry), imported with `docker import`.
#                              Cached: rebuilt only when missing or made from another package list (its label
#                              ferry.base.packages).
#   local/ferry:latest         docker/Dockerfile on top of it: COPY only (the jar Maven built, the JVM options,
#                              the launcher, the compose demo's client script), so no network is needed.
# Usage: docker/build-image.sh [--base-only] [--rebuild-base]
#   --base-only     build (or keep) the base image only; the Testcontainers tests build the daemon image themselves
#   --rebuild-base  rebuild the base image even if it is present
# Needs root and debootstrap (for the base), a Docker engine in DOCKER_HOST (scripts/docker-engine.sh start), and
# daemon/target/ferry.jar (built with Maven by scripts/ferry when missing or stale). The build context is exactly
# the files listed in docker/image-files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base=local/ferry-base:bookworm
image=local/ferry:latest
packages=openjdk-17-jre-headless,libnbd-bin,curl,jq
base_only=0
rebuild=0
for arg in "$@"; do
    case "$arg" in
        --base-only) base_only=1 ;;
        --rebuild-base) rebuild=1 ;;
        *) sed -n '2,15p' "$0" >&2; exit 2 ;;
    esac
done

if ! docker version >/dev/null 2>&1; then
    echo "build-image.sh: no Docker engine answers at ${DOCKER_HOST:-the default socket};" \
        'start one: eval "$(scripts/docker-engine.sh start)"' >&2
    exit 1
fi

now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

base_packages="$(docker image inspect -f '{{index .Config.Labels "ferry.base.packages"}}' "$base" 2>/dev/null || true)"
if ((rebuild)) || [[ "$base_packages" != "$packages" ]]; then
    t0=$(now)
    "$root/scripts/install-tools.sh" debootstrap
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    rootfs=$(mktemp -d "${TMPDIR:-/tmp}/ferry-rootfs.XXXXXX")
    trap 'rm -rf "$rootfs"' EXIT
    echo "build-image.sh: debootstrap bookworm with $packages (log: $rootfs.log)" >&2
    debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" ${mirror:+"$mirror"} >"$rootfs.log" 2>&1 \
        || { tail -n 20 "$rootfs.log" >&2; exit 1; }
    chroot "$rootfs" useradd --uid 10001 --user-group --no-create-home --home-dir /var/lib/ferry \
        --shell /usr/sbin/nologin ferry
    install -d -m 0700 -o 10001 -g 10001 "$rootfs/var/lib/ferry"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs.log"
    old="$(docker image inspect -f '{{.Id}}' "$base" 2>/dev/null || true)"
    tar -C "$rootfs" -c . | docker import --change "LABEL ferry.base.packages=$packages" - "$base" >/dev/null
    if [[ -n "$old" ]] && ! docker rmi "$old" >/dev/null 2>&1; then
        echo "build-image.sh: the previous $base ($old) is still used (by a container or an image built on it)" >&2
    fi
    echo "build-image.sh: $base built in $(took "$t0")" >&2
fi
((base_only)) && exit 0

"$root/scripts/ferry" --version >/dev/null   # builds daemon/target/ferry.jar when missing or stale
t0=$(now)
old="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
grep -v '^#' "$root/docker/image-files" | tar -C "$root" -c -T - \
    | docker build -q -f docker/Dockerfile -t "$image" - >/dev/null
if [[ -n "$old" && "$old" != "$(docker image inspect -f '{{.Id}}' "$image")" ]]; then
    docker rmi "$old" >/dev/null 2>&1 \
        || echo "build-image.sh: the previous $image ($old) is still used by a container" >&2
fi
echo "build-image.sh: $image built in $(took "$t0")" >&2
