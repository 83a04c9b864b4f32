#!/usr/bin/env bash
# Installs, from Debian packages, the client tools that Ferry's tests, demo and benchmarks drive, when
# they are missing. Usage: scripts/install-tools.sh [COMMAND...] (default: every tool below).
# Needs root (or sudo) only when something is missing; refreshes the apt lists before installing.
# Exits non-zero, naming the commands and Debian packages, when a tool cannot be installed.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

# command -> Debian package providing it
declare -A tools=(
    [nbdinfo]=libnbd-bin [nbdcopy]=libnbd-bin [nbdsh]=python3-libnbd
    [qemu-io]=qemu-utils [qemu-img]=qemu-utils
    [fio]=fio
    [nbdkit]=nbdkit
    [fusermount3]=fuse3
    [nbdfuse]=nbdfuse
    [mkfs.ext4]=e2fsprogs [e2fsck]=e2fsprogs
    [losetup]=mount
    [curl]=curl
    [python3]=python3
    [openssl]=openssl
    [systemd-socket-activate]=systemd [systemd-analyze]=systemd
    [dockerd]=docker.io [docker]=docker.io
    [debootstrap]=debootstrap
    [docker-compose]=docker-compose
    [qemu-system-x86_64]=qemu-system-x86
    [gcc]=gcc
    [ip]=iproute2 [tc]=iproute2
    [nft]=nftables
)

wanted=("$@")
((${#wanted[@]})) || wanted=("${!tools[@]}")

missing=()
for cmd in "${wanted[@]}"; do
    [[ -n "${tools[$cmd]:-}" ]] || { echo "install-tools.sh: unknown tool $cmd" >&2; exit 2; }
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${tools[$cmd]}")
done
((${#missing[@]})) || exit 0

as_root=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "install-tools.sh: not root and no sudo: cannot install ${missing[*]}" >&2
        exit 1
    fi
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
# Always refresh the package lists first: a fresh machine's lists may be missing or stale.
echo "install-tools.sh: apt-get update" >&2
"${as_root[@]}" apt-get update -q
echo "install-tools.sh: installing ${missing[*]}" >&2
# docker.io's service must not start: a default dockerd would create docker0 on 172.17.0.0/16
# (scripts/docker-engine.sh runs a private one without a bridge). policy-rc.d exit 101 denies every start.
temp_policy=0
if [[ " ${missing[*]} " == *" docker.io "* && ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
    temp_policy=1
fi
# docker.io's recommends (apparmor, criu, cgroupfs-mount, needrestart, git, xz-utils) are not needed to run it.
plain=()
lean=()
for pkg in "${missing[@]}"; do
    if [[ "$pkg" == docker.io ]]; then lean+=("$pkg"); else plain+=("$pkg"); fi
done
status=0
if ((${#plain[@]})); then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${plain[@]}" || status=$?
fi
if ((${#lean[@]})); then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${lean[@]}" \
        || status=$?
fi
((temp_policy == 0)) || "${as_root[@]}" rm -f /usr/sbin/policy-rc.d
((status == 0)) || { echo "install-tools.sh: apt-get could not install ${missing[*]}" >&2; exit 1; }
still=()
for cmd in "${wanted[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || still+=("$cmd (package ${tools[$cmd]})")
done
if ((${#still[@]})); then
    echo "install-tools.sh: still missing after installing: ${still[*]}" >&2
    exit 1
fi
