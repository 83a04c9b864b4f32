package dev.ferry.daemon.pvmove.process;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.mapper.testing.Seeds;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Runs a randomized pvmove scenario on a fresh daemon with volume group {@code vg} over two 40 MiB PVs (1 MiB
 * extents), with a fresh seed from {@link Seeds} (printed, named in any failure; {@code -Dferry.seed=N} replays it).
 */
final class SeededTwoPvRun {

    /** A scenario given its seed, a random seeded with it, the daemon, its move API and the two PV paths. */
    @FunctionalInterface
    interface Scenario {
        void run(long seed, SplittableRandom random, FerryDaemon daemon, MoveApi api, String[] pvs);
    }

    private SeededTwoPvRun() {
    }

    /** Runs {@code scenario} against a new daemon in {@code dir} owned by {@code daemons}. */
    static void run(ChildProcesses<FerryDaemon> daemons, Path dir, Scenario scenario) {
        long seed = Seeds.fresh();
        FerryDaemon daemon = daemons.own(FerryDaemon.start(dir));
        String[] pvs = {dir.resolve("pv1").toString(), dir.resolve("pv2").toString()};
        daemon.cliOk("pvcreate", "--size", "40m", pvs[0], pvs[1]);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", pvs[0], pvs[1]);
        scenario.run(seed, new SplittableRandom(seed), daemon, new MoveApi(daemon), pvs);
    }
}
