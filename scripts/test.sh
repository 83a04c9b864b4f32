#!/usr/bin/env bash
# Installs the Debian tools the interop tests drive (when missing), then runs the whole build and
# test suite: mvn -B verify. Works from any directory; extra arguments go to Maven.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
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
)

missing=()
for cmd in "${!tools[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${tools[$cmd]}")
done

as_root=()
if ((${#missing[@]})) && ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "test.sh: not root and no sudo: cannot install ${missing[*]}; tests needing them will be skipped" >&2
        missing=()
    fi
fi

if ((${#missing[@]})); then
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    # Always refresh the package lists first: a fresh machine's lists may be missing or stale.
    echo "test.sh: apt-get update" >&2
    "${as_root[@]}" apt-get update -q
    echo "test.sh: installing ${missing[*]}" >&2
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

cd "$root"
exec mvn -B verify "$@"
