package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.KernelVm;
import dev.ferry.daemon.testing.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux kernel's NBD client (Debian's kernel and nbd-client in a QEMU VM, {@code scripts/kernel-vm.sh})
 * against a real Ferry daemon: ext4 on an LV survives a remount; files written and re-verified in the guest stay
 * intact while {@code ferry pvmove} (default and {@code --atomic}) moves the LV away and back; two connections
 * ({@code -C 2}, needing CAN_MULTI_CONN) with syncs; the daemon stopped (SIGTERM, the writer paused and started
 * again during the outage) or killed (kill -9, under the running writer) and restarted with mounted ext4, the
 * netlink-configured device given a new connection by {@code nbd-reconnect} (scripts/kernel/nbd-reconnect.c), the
 * writer never seeing an error, every fsynced file intact and e2fsck clean. One VM boot serves the whole class; the guest prints the verdicts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelNbdClientProcessTest {
    private static final Duration STEP = Duration.ofSeconds(120);
    private static final String LV = "vg/lv";
    /** The kernel's per-request timeout in the restart cases: a request unanswered this long is sent again. */
    private static final int REQUEST_TIMEOUT_S = 20;
    /** How long the kernel holds I/O while every connection is dead, waiting for a new one. */
    private static final int DEAD_CONNECTION_S = 120;

    @RegisterExtension
    static final ChildProcesses<FerryDaemon> DAEMONS = new ChildProcesses<>(true);
    @RegisterExtension
    static final ChildProcesses<KernelVm> VMS = new ChildProcesses<>(true);

    @TempDir
    static Path dir;
    private static FerryDaemon daemon;
    private static KernelVm vm;
    private static String pv1;
    private static String pv2;

    @BeforeAll
    static void bootVm() throws Exception {
        Prerequisites.require(ExternalTool.find("qemu-system-x86_64") != null,
                "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)");
        Prerequisites.require(ExternalTool.find("apt-get") != null && ExternalTool.find("dpkg-deb") != null,
                "the VM's kernel and tools come from Debian packages (apt-get download)");
        Prerequisites.require(ExternalTool.find("gcc") != null,
                "gcc is not installed (Debian packages gcc, libc6-dev): it builds the guest's nbd-reconnect");
        KernelVm.prepare(Duration.ofMinutes(10));
        daemon = DAEMONS.own(FerryDaemon.start(Files.createDirectories(dir.resolve("daemon")),
                List.of("--allow-path", dir.toString())));
        pv1 = dir.resolve("pv1").toString();
        pv2 = dir.resolve("pv2").toString();
        daemon.cliOk("pvcreate", "--size", "256M", pv1, pv2);
        daemon.cliOk("vgcreate", "vg", pv1, pv2);
        daemon.cliOk("lvcreate", "-n", "lv", "-L", "64M", "vg", pv1);
        vm = VMS.own(KernelVm.boot(daemon.nbdPort(), dir, Duration.ofMinutes(3)));
    }

    @AfterAll
    static void powerOff() {
        if (vm != null) {
            vm.powerOff();
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void ext4OnAnLvKeepsItsFilesAcrossRemountAndReconnect() {
        vm.runOk(STEP, "attach " + LV);
        vm.runOk(STEP, "mkfs_mount");
        vm.runOk(STEP, "write_files a 16 256");
        vm.runOk(STEP, "remount");
        vm.runOk(STEP, "verify remount");
        vm.runOk(STEP, "detach");
        vm.runOk(STEP, "attach " + LV + " && mount_fs");
        vm.runOk(STEP, "verify reconnect");
        vm.runOk(STEP, "detach");
    }

    @Test
    @Order(2)
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void filesStayIntactWhilePvmoveMovesTheLvAwayAndBack() {
        vm.runOk(STEP, "attach " + LV + " && mount_fs");
        moveAwayAndBackUnderWrites("b-default");
        moveAwayAndBackUnderWrites("b-atomic", "--atomic");
        vm.runOk(STEP, "remount && verify b-after");
        vm.runOk(STEP, "detach");
    }

    private static void moveAwayAndBackUnderWrites(String name, String... options) {
        vm.runOk(STEP, "writer_start " + name + " 128");
        int files = 8;
        for (String[] fromTo : new String[][] {{pv1, pv2}, {pv2, pv1}}) {
            vm.runOk(STEP, "writer_wait " + files);
            String[] args = new String[options.length + 3];
            args[0] = "pvmove";
            System.arraycopy(options, 0, args, 1, options.length);
            args[options.length + 1] = fromTo[0];
            args[options.length + 2] = fromTo[1];
            daemon.cliOk(args);
            assertThat(daemon.cliOk("lvs", "--noheadings", "-o", "devices", LV).out()).contains(fromTo[1]);
            files += 8;
        }
        vm.runOk(STEP, "writer_wait " + files);
        vm.runOk(STEP, "writer_stop " + name);
        vm.runOk(STEP, "verify " + name);
    }

    @Test
    @Order(3)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void twoConnectionsWithSyncsKeepEveryFile() {
        vm.runOk(STEP, "attach " + LV + " -C 2 && mkfs_mount");
        vm.runOk(STEP, "write_files c 16 256 && sync");
        vm.runOk(STEP, "verify c");
        vm.runOk(STEP, "remount && verify c-remount");
        vm.runOk(STEP, "detach");
    }

    @Test
    @Order(4)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aReconnectedDeviceHoldsTheWritersIoAcrossTheDaemonsSigterm() {
        attachReconnectable();
        // Graceful stop: the daemon answers requests that arrive while it drains with NBD_ESHUTDOWN, which the
        // kernel fails with EIO (it does not retry), so the writer pauses (synced) for the stop and starts again
        // while the daemon is down: its I/O must be held until the new connection, not failed.
        vm.runOk(STEP, "writer_start d-sigterm-before 128");
        vm.runOk(STEP, "writer_wait 8");
        vm.runOk(STEP, "writer_stop d-sigterm-before && sync && mark_dead");
        assertThat(daemon.terminate()).isZero();
        vm.runOk(STEP, "writer_start d-sigterm 128");
        vm.runOk(STEP, "held_io");
        restartAndReconnect("d-sigterm");
    }

    @Test
    @Order(5)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aReconnectedDeviceKeepsEveryFsyncedFileAcrossTheDaemonsKillNineUnderWrites() {
        attachReconnectable();
        vm.runOk(STEP, "writer_start d-kill9 128");
        vm.runOk(STEP, "writer_wait 8");
        daemon.kill9();
        restartAndReconnect("d-kill9");
    }

    private static void attachReconnectable() {
        vm.runOk(STEP, "attach " + LV + " && reconnectable " + REQUEST_TIMEOUT_S + " " + DEAD_CONNECTION_S
                + " && mkfs_mount");
    }

    /**
     * Starts the stopped daemon again on the same data directory and port; the guest hands its device a new
     * connection (which succeeds only if the old one died). Requests in flight at the stop time out after
     * {@value #REQUEST_TIMEOUT_S} s and are sent again on the new connection, and new ones wait for it, so the
     * running writer must go on without an error: 8 more files after the reconnect, then every file verifies (page
     * cache dropped) and e2fsck finds the unmounted file system clean.
     */
    private static void restartAndReconnect(String name) {
        daemon.startAgain();
        vm.runOk(STEP, "reconnect " + LV);
        vm.runOk(STEP, "writer_wait_more 8");
        vm.runOk(STEP, "writer_stop " + name);
        vm.runOk(STEP, "verify " + name);
        vm.runOk(STEP, "fsck_clean " + name);
        vm.runOk(STEP, "detach");
    }
}
