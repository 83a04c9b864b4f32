#!/usr/bin/env bash
# Boots a small Linux VM under QEMU whose kernel NBD client (Debian's linux-image-amd64 with nbd.ko and Debian's
# nbd-client) can reach one Ferry NBD port on the host's loopback, for the kernel-client interop tests
# (daemon/docs/kernel-client.md).
#
# Usage:
#   scripts/kernel-vm.sh prepare [--cache DIR]
#       Downloads the Debian packages (apt-get download, unpacked with dpkg-deb -x; nothing is installed on the
#       host) and packs kernel modules, nbd-client, e2fsprogs, busybox-static and their libraries into an
#       initramfs, with scripts/kernel/nbd-reconnect.c built statically by the host's gcc (needs gcc and
#       libc6-dev). Everything is cached in DIR (default daemon/target/kernel-vm); a re-run with an intact cache
#       does nothing. Prints the cache directory.
#   scripts/kernel-vm.sh run --port PORT [--cache DIR] [--console FILE] [--accel auto|kvm|tcg]
#       Prepares (if needed) and boots the VM. The guest reaches host 127.0.0.1:PORT as 10.0.2.100:10809 (a
#       QEMU user-mode network with restrict=on: no other traffic leaves the guest). The guest's serial console
#       (kernel messages, command output) goes to FILE (default: stderr). The second serial port is the command
#       channel on stdin/stdout: each input line "SEQ COMMAND..." runs COMMAND in the guest's shell (with the
#       case functions of scripts/kernel/guest-lib.sh) and answers "FERRY-DONE SEQ EXIT-STATUS"; case functions
#       also print "FERRY-CASE NAME PASS|FAIL DETAIL" lines there. The guest prints "FERRY-READY" when it
#       accepts commands; the command "poweroff -f" ends the VM. --accel auto (default) uses KVM only when a
#       probe boot with KVM has succeeded on this machine (the result is cached), TCG otherwise.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/daemon/target/kernel-vm"
kernel_pkg=linux-image-amd64
# Userspace packages whose files go into the initramfs; their libraries are found with the unpacked ld.so.
user_pkgs=(nbd-client e2fsprogs busybox-static libc6 libext2fs2 libcom-err2 libblkid1 libuuid1 libss2
    libnl-3-200 libnl-genl-3-200 libgnutls30 libgcc-s1 libffi8 libgmp10 libhogweed6 libidn2-0 libnettle8
    libp11-kit0 libtasn1-6 libunistring2)
# Modules the guest loads (with their dependencies): the NBD client, the NIC, ext4 and its checksum.
modules=(drivers/block/nbd drivers/virtio/virtio_pci drivers/net/virtio_net fs/ext4/ext4 crypto/crc32c_generic)
binaries=(sbin/nbd-client sbin/mke2fs sbin/e2fsck)
guest_port=10809
guest_ip=10.0.2.100

fail() { echo "kernel-vm.sh: $*" >&2; exit 1; }
log() { echo "kernel-vm.sh: $*" >&2; }

# Recursively lists a module and its dependencies (read from the module's .modinfo), dependencies first.
module_closure() { # KERNEL_MODULE_DIR RELATIVE_PATH_WITHOUT_.ko
    local dir="$1" mod="$2" dep path
    [[ -f "$dir/kernel/$mod.ko" ]] || fail "module $mod.ko not in the kernel package"
    for dep in $(tr '\0' '\n' <"$dir/kernel/$mod.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
        path="$(cd "$dir/kernel" && find . -name "$dep.ko" -o -name "${dep//_/-}.ko" | head -1)"
        [[ -n "$path" ]] || fail "module $dep (needed by $mod) not found"
        path="${path#./}"
        module_closure "$dir" "${path%.ko}"
    done
    echo "$mod"
}

# Downloads the packages into $cache/debs unless the same list is there already.
download() {
    local debs="$cache/debs" key
    key="$(printf '%s\n' "$kernel_pkg" "${user_pkgs[@]}" | sha256sum | cut -c1-16)"
    if [[ -f "$debs/ready" && "$(cat "$debs/ready")" == "$key" ]]; then
        return
    fi
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || fail "needs apt-get and dpkg-deb (Debian)"
    # The meta package names the current kernel package; download that and the userspace packages.
    local image
    image="$(apt-cache depends "$kernel_pkg" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)"
    [[ -n "$image" ]] || fail "cannot resolve $kernel_pkg (apt-get update needed?)"
    log "downloading $image ${user_pkgs[*]}"
    rm -rf "$debs"
    mkdir -p "$debs"
    (cd "$debs" && apt-get download -q "$image" "${user_pkgs[@]}" >/dev/null 2>"$cache/apt.log") ||
        { cat "$cache/apt.log" >&2; fail "apt-get download failed"; }
    echo "$key" >"$debs/ready"
}

# Unpacks the packages and packs vmlinuz and initramfs.gz, unless they were packed from the same inputs.
prepare() {
    download
    local stamp="$cache/ready" key
    key="$(cat "$cache/debs/ready" "$root/scripts/kernel/guest-init.sh" "$root/scripts/kernel/guest-lib.sh" \
        "$root/scripts/kernel/nbd-reconnect.c" "$0" |
        sha256sum | cut -c1-16)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$key" ]]; then
        return
    fi
    local unpacked="$cache/unpacked" tree="$cache/initramfs"
    rm -rf "$unpacked" "$tree" "$stamp"
    mkdir -p "$unpacked" "$tree"
    for deb in "$cache"/debs/*.deb; do
        dpkg-deb -x "$deb" "$unpacked"
    done
    local kver
    kver="$(ls "$unpacked/lib/modules")"
    cp "$unpacked/boot/vmlinuz-$kver" "$cache/vmlinuz"

    mkdir -p "$tree"/{bin,sbin,dev,proc,sys,mnt,run,tmp,lib/modules,lib64}
    # Modules, in load order, without duplicates.
    local mod
    : >"$tree/lib/modules/load-order"
    for mod in $(for m in "${modules[@]}"; do module_closure "$unpacked/lib/modules/$kver" "$m"; done | awk '!seen[$0]++'); do
        cp "$unpacked/lib/modules/$kver/kernel/$mod.ko" "$tree/lib/modules/"
        basename "$mod.ko" >>"$tree/lib/modules/load-order"
    done
    # Binaries and the shared libraries they load (into /lib, searched by default), resolved by the unpacked
    # glibc's loader.
    local ldso="$unpacked/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" libpath bin lib
    libpath="$unpacked/lib/x86_64-linux-gnu:$unpacked/usr/lib/x86_64-linux-gnu"
    for bin in "${binaries[@]}"; do
        cp "$unpacked/$bin" "$tree/$bin"
        for lib in $("$ldso" --library-path "$libpath" --list "$unpacked/$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
            cp -L "$lib" "$tree/lib/$(basename "$lib")"
        done
    done
    cp -L "$ldso" "$tree/lib64/ld-linux-x86-64.so.2"
    ln -s mke2fs "$tree/sbin/mkfs.ext4"
    command -v gcc >/dev/null || fail "gcc missing (Debian packages gcc and libc6-dev): it builds nbd-reconnect"
    gcc -static -O2 -Wall -o "$tree/sbin/nbd-reconnect" "$root/scripts/kernel/nbd-reconnect.c" ||
        fail "building scripts/kernel/nbd-reconnect.c failed"
    cp "$unpacked/bin/busybox" "$tree/bin/busybox"
    for applet in $("$tree/bin/busybox" --list); do
        [[ -e "$tree/bin/$applet" || -e "$tree/sbin/$applet" ]] || ln -s busybox "$tree/bin/$applet"
    done
    cp "$unpacked/bin/busybox" "$cache/busybox"
    install -m 0755 "$root/scripts/kernel/guest-init.sh" "$tree/init"
    cp "$root/scripts/kernel/guest-lib.sh" "$tree/lib/guest-lib.sh"
    # busybox cpio packs the archive, so the host needs no cpio.
    (cd "$tree" && find . | sort | "$cache/busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$cache/initramfs.gz")
    rm -rf "$unpacked"
    echo "$key" >"$stamp"
    log "prepared $cache ($kver, $(du -h "$cache/initramfs.gz" | cut -f1) initramfs)"
}

# Boots the VM with the given accelerator, console and command channel; replaces this shell with QEMU.
# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can miss the timer and panic
# ("IO-APIC + timer doesn't work!"), as it did once at load 21.
boot() { # ACCEL CONSOLE_FILE PORT EXTRA_APPEND
    local accel="$1" console="$2" port="$3" append="$4"
    local cpu=max
    [[ "$accel" == kvm ]] && cpu=host
    exec qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -m 512 -smp 2 -nodefaults -no-reboot -display none \
        -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.gz" \
        -append "console=ttyS0 panic=-1 loglevel=4 no_timer_check $append" \
        -chardev "file,id=console,path=$console,append=on" -serial chardev:console -serial stdio \
        -netdev "user,id=net0,restrict=on,ipv6=off,guestfwd=tcp:$guest_ip:$guest_port-cmd:$cache/busybox nc 127.0.0.1 $port" \
        -device virtio-net-pci,netdev=net0
}

# Whether a KVM boot works here: boots once with ferry.probe=1 (the guest answers and powers off) and caches it.
kvm_works() {
    local result="$cache/kvm-probe"
    if [[ ! -f "$result" ]]; then
        local ok=no
        if [[ -r /dev/kvm && -w /dev/kvm ]] && command -v timeout >/dev/null; then
            if timeout 60 "$0" boot-probe --cache "$cache" </dev/null 2>/dev/null | grep -q '^FERRY-PROBE OK'; then
                ok=yes
            fi
        fi
        echo "$ok" >"$result"
        log "KVM probe: $ok"
    fi
    [[ "$(cat "$result")" == yes ]]
}

cmd="${1:-}"
[[ -n "$cmd" ]] || fail "usage: kernel-vm.sh prepare|run [options] (see the header of this script)"
shift
port="" console="" accel=auto
while (($#)); do
    case "$1" in
    --cache) cache="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --console) console="$2"; shift 2 ;;
    --accel) accel="$2"; shift 2 ;;
    *) fail "unknown option $1" ;;
    esac
done
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"

case "$cmd" in
prepare)
    prepare
    echo "$cache"
    ;;
run)
    [[ -n "$port" ]] || fail "run needs --port PORT"
    command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 missing (Debian package qemu-system-x86)"
    prepare
    if [[ "$accel" == auto ]]; then
        accel=tcg
        if kvm_works; then accel=kvm; fi
    fi
    log "booting with $accel"
    boot "$accel" "${console:-/dev/stderr}" "$port" ""
    ;;
boot-probe)
    boot kvm /dev/null 9 ferry.probe=1
    ;;
*) fail "unknown command $cmd" ;;
esac
