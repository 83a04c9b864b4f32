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
 * ({@code -C 2}, needing CAN_MULTI_CONN) with syncs. One VM boot serves the whole class; the guest prints the
 * verdicts. (A daemon restart under the mounted device is not covered yet: that case hung now and then in the
 * guest's reattach, not diagnosed; see {@code daemon/docs/kernel-client.md}.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelNbdClientProcessTest {
    private static final Duration STEP = Duration.ofSeconds(120);
    private static final String LV = "vg/lv";

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
}
