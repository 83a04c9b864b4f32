# Functions the kernel-client tests call in the VM (sourced by /init; see scripts/kernel-vm.sh). The NBD server
# is 10.0.2.100:10809 (Ferry on the host), the device /dev/nbd0, the file system is mounted on /mnt. Files are
# written with an fsync each and only then recorded with their SHA-256 in /run/manifest: the manifest lists
# exactly what the kernel has acknowledged as durable. Verdicts go to the command channel (fd 3) as
# "FERRY-CASE NAME PASS|FAIL DETAIL".

NBD_HOST=10.0.2.100
NBD_PORT=10809
DEV=/dev/nbd0
MNT=/mnt
MANIFEST=/run/manifest

verdict() { # NAME PASS|FAIL DETAIL...
    name="$1"; result="$2"; shift 2
    echo "FERRY-CASE $name $result $*" >&3
    echo "FERRY-CASE $name $result $*"
    [ "$result" = PASS ]
}

# Polls (every 0.1 s) until COMMAND succeeds, for at most SECONDS.
wait_for() { # SECONDS COMMAND...
    limit=$(($1 * 10)); shift
    i=0
    until "$@"; do
        i=$((i + 1))
        [ "$i" -le "$limit" ] || { echo "wait_for: timed out: $*"; return 1; }
        sleep 0.1
    done
}

device_sized() { [ "$(cat /sys/block/nbd0/size)" != 0 ]; }

# Connects /dev/nbd0 to export EXPORT (vg/lv) with extra nbd-client options and waits until it has a size.
attach() { # EXPORT [NBD-CLIENT OPTIONS...]
    export="$1"; shift
    nbd-client "$NBD_HOST" "$NBD_PORT" "$DEV" -N "$export" "$@" || return 1
    wait_for 30 device_sized
}

# Unmounts /mnt if mounted and disconnects /dev/nbd0.
detach() {
    if grep -q " $MNT " /proc/mounts; then umount "$MNT" || return 1; fi
    nbd-client -d "$DEV"
}

mkfs_mount() {
    : >"$MANIFEST"
    mkfs.ext4 -q -F "$DEV" && mount -t ext4 "$DEV" "$MNT"
}

mount_fs() { mount -t ext4 "$DEV" "$MNT"; }

remount() { umount "$MNT" && mount_fs; }

# Writes COUNT files of KIB KiB of random data named TAG.N, each fsynced, then recorded in the manifest.
write_files() { # TAG COUNT KIB
    n=0
    while [ "$n" -lt "$2" ]; do
        n=$((n + 1))
        write_one "$1.$n" "$3" || return 1
    done
}

write_one() { # NAME KIB
    dd if=/dev/urandom of="$MNT/$1" bs=1024 count="$2" conv=fsync 2>/dev/null || return 1
    sha256sum "$MNT/$1" >>"$MANIFEST"
}

# Drops the page cache and checks every manifest entry; prints FERRY-CASE NAME PASS|FAIL [NOTE].
verify() { # NAME [NOTE...]
    name="$1"; shift
    note="$*"
    sync
    echo 3 >/proc/sys/vm/drop_caches
    count=$(wc -l <"$MANIFEST")
    bad=$(sha256sum -c "$MANIFEST" 2>&1 | grep -v ': OK$' | head -5 | tr '\n' ' ')
    if [ "$count" -gt 0 ] && [ -z "$bad" ]; then
        verdict "$name" PASS "$count files verified" "$note"
    else
        verdict "$name" FAIL "$count files, bad: ${bad:-none written}" "$note"
    fi
}

# A background writer: files TAG.N of KIB KiB, fsynced and recorded, re-verifying everything (page cache
# dropped) after every 8 files, until writer_stop. Its log is /run/writer.log, its status /run/writer.status.
writer_start() { # TAG KIB
    rm -f /run/writer.stop /run/writer.status
    writer_base=$(wc -l <"$MANIFEST")
    (
        n=0
        status=0
        while [ ! -e /run/writer.stop ]; do
            n=$((n + 1))
            write_one "$1.$n" "$2" || { echo "write $1.$n failed"; status=1; break; }
            if [ $((n % 8)) = 0 ]; then
                echo 3 >/proc/sys/vm/drop_caches
                sha256sum -c -s "$MANIFEST" || { echo "verify after $1.$n failed"; status=2; break; }
            fi
        done
        echo "$status" >/run/writer.status
    ) >/run/writer.log 2>&1 &
    writer_pid=$!
}

# Waits until the writer has written at least COUNT files (or stopped).
writer_wait() { # COUNT
    wait_for 120 writer_reached "$1"
}

writer_reached() { [ "$(wc -l <"$MANIFEST")" -ge $((writer_base + $1)) ] || [ -e /run/writer.status ]; }

# Stops the writer; prints FERRY-CASE NAME PASS when it never failed (FAIL with its log otherwise).
writer_stop() { # NAME
    touch /run/writer.stop
    wait "$writer_pid"
    if [ "$(cat /run/writer.status)" = 0 ]; then
        verdict "$1" PASS "$(($(wc -l <"$MANIFEST") - writer_base)) files written"
    else
        verdict "$1" FAIL "$(tr '\n' ' ' </run/writer.log)"
    fi
}

# Waits until the writer has written COUNT more files than it had when called (or stopped).
writer_wait_more() { # COUNT
    writer_more_base=$(wc -l <"$MANIFEST")
    wait_for 120 writer_reached_more "$1"
}

writer_reached_more() { [ "$(wc -l <"$MANIFEST")" -ge $((writer_more_base + $1)) ] || [ -e /run/writer.status ]; }

# Makes the netlink-configured device survive its server's restart: a request not answered within TIMEOUT s is
# requeued, and I/O finding every connection dead waits up to DEAD s for a new one (nbd-reconnect -t/-d).
reconnectable() { # TIMEOUT DEAD
    nbd-reconnect 0 -t "$1" -d "$2"
}

reconnected_count() { dmesg | grep -c 'nbd0: reconnected socket' || true; }

dead_count() { dmesg | grep -c 'nbd0: Dead connection' || true; }

# Marks the kernel log, for held_io.
mark_dead() { dead_base=$(dead_count); }

# Waits (up to 60 s) until, since mark_dead, a request met the dead connection (the kernel then logs "Dead
# connection" and holds the request for a new connection instead of failing it).
held_io() { wait_for 60 held_since_mark; }

held_since_mark() { [ "$(dead_count)" -gt "$dead_base" ]; }

# Gives the device a new connection to EXPORT in place of its dead one. The kernel takes a socket only while
# a connection is dead (else it closes the new one and still answers success), so this polls until the kernel
# logs "reconnected socket"; fails after 60 s.
reconnect() { # EXPORT
    reconnect_base=$(reconnected_count)
    wait_for 60 reconnect_once "$1"
}

reconnect_once() {
    nbd-reconnect 0 "$NBD_HOST" "$NBD_PORT" "$1" && [ "$(reconnected_count)" -gt "$reconnect_base" ]
}

# Unmounts /mnt and checks the file system with e2fsck -fn; prints FERRY-CASE NAME PASS|FAIL.
fsck_clean() { # NAME
    umount "$MNT" || return 1
    if out=$(e2fsck -fn "$DEV" 2>&1); then
        verdict "$1" PASS "e2fsck clean"
    else
        verdict "$1" FAIL "e2fsck: $(echo "$out" | tail -5 | tr '\n' ' ')"
    fi
}
