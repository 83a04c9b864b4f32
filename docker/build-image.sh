#!/usr/bin/env bash
# Builds the Ferry images without any registry: a Debian bookworm root file system from debootstrap
# (Java 17 runtime and the libnbd client tools), imported as local/ferry-base:bookworm, then the
# daemon image local/ferry:latest from docker/Dockerfile. Needs root, debootstrap and a Docker engine
# (DOCKER_HOST may point at a private dockerd started with --bridge=none; see shared docs).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
base=local/ferry-base:bookworm
if ! docker image inspect "$base" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  rootfs=$(mktemp -d /tmp/ferry-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include=openjdk-17-jre-headless,libnbd-bin bookworm "$rootfs" ${mirror:+"$mirror"}
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import - "$base"
fi
"$here/scripts/ferry" --version >/dev/null   # builds daemon/target/ferry.jar when missing or stale
docker build --network host -f "$here/docker/Dockerfile" -t local/ferry:latest "$here"
