package dev.ferry.daemon.testing;

import dev.ferry.nbd.client.NbdClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The run whose classes {@link ChildCds} archives: a daemon child JVM given the class-list option starts, takes the
 * volume, NBD and report calls the process tests make most (PVs, a VG, an LV written and read over NBD, a pvmove),
 * and stops on SIGTERM.
 */
final class ChildCdsTraining {

    private ChildCdsTraining() {
    }

    /** Trains in {@code workDir}, the daemon's JVM given {@code listOption}; throws unless the daemon stopped cleanly. */
    static void run(Path workDir, String listOption) throws Exception {
        FerryDaemon daemon = FerryDaemon.start(workDir, List.of(), List.of(listOption));
        try {
            String pv1 = workDir.resolve("pv1").toString();
            String pv2 = workDir.resolve("pv2").toString();
            daemon.cliOk("pvcreate", "--size", "64M", pv1, pv2);
            daemon.cliOk("vgcreate", "vg", pv1, pv2);
            daemon.cliOk("lvcreate", "-n", "lv", "-L", "8M", "vg", pv1);
            try (NbdClient client = daemon.nbdClient("vg/lv")) {
                ByteBuf block = Unpooled.directBuffer(4096).writeZero(4096);
                client.write(0, block).get(30, TimeUnit.SECONDS);
                client.flush().get(30, TimeUnit.SECONDS);
                client.read(0, 4096).get(30, TimeUnit.SECONDS).release();
            }
            daemon.cliOk("pvmove", pv1, pv2);
            daemon.cliOk("lvs");
            daemon.cliOk("pvs");
            daemon.cliOk("vgs");
        } finally {
            int status = daemon.terminate();
            if (status != 0) {
                throw new IllegalStateException("the training daemon exited with " + status + ":\n" + daemon.log());
            }
        }
    }
}
