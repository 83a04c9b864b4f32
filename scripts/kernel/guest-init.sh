#!/bin/sh
# PID 1 of the kernel-client test VM (scripts/kernel-vm.sh packs it as /init): mounts the pseudo file systems,
# loads the modules listed in /lib/modules/load-order, configures the NIC for QEMU's user-mode network and then
# serves the command channel on the second serial port: each line "SEQ COMMAND..." runs COMMAND in this shell
# (with the functions of /lib/guest-lib.sh; their output goes to the console) and answers "FERRY-DONE SEQ STATUS".
# With ferry.probe=1 on the kernel command line it only answers "FERRY-PROBE OK" and powers off.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
for m in $(cat /lib/modules/load-order); do
    insmod "/lib/modules/$m" || echo "init: insmod $m failed"
done
stty -F /dev/ttyS1 raw -echo
exec 3<>/dev/ttyS1
if grep -q 'ferry.probe=1' /proc/cmdline; then
    echo "FERRY-PROBE OK" >&3
    poweroff -f
fi
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
. /lib/guest-lib.sh
echo "init: kernel $(uname -r) ready, $(cat /proc/uptime | cut -d' ' -f1) s after boot"
echo "FERRY-READY" >&3
while read -r seq command <&3; do
    echo "init: [$seq] $command"
    eval "$command" </dev/null >/dev/console 2>&1
    echo "FERRY-DONE $seq $?" >&3
done
echo "init: command channel closed"
poweroff -f
