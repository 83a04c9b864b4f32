#!/usr/bin/env bash
# Installs, from Debian packages, the client tools that Ferry's tests, demo and benchmarks drive, when
# they are missing. Usage: scripts/install-tools.sh [COMMAND...] (default: every tool below).
# Needs root (or sudo) only when something is missing; refreshes the apt lists before installing.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

# command -> Debian package providing it
declare -A tools=(
    [nbdinfo]=libnbd-bin [nbdcopy]=libnbd-bin
    [qemu-io]=qemu-utils [qemu-img]=qemu-utils
    [fio]=fio
    [nbdkit]=nbdkit
    [fusermount3]=fuse3
    [nbdfuse]=nbdfuse
    [mkfs.ext4]=e2fsprogs [e2fsck]=e2fsprogs
    [losetup]=mount
    [curl]=curl
    [qemu-system-x86_64]=qemu-system-x86
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
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
