package dev.ferry.daemon.pvmove.process;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FerryDaemon;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * Runs a randomized pvmove scenario on a fresh daemon with volume group {@code vg} over two 40 MiB PVs (1 MiB
 * extents), printing its seed and naming it in any failure; {@code -Dferry.pvmove.seed=N} replays a seed.
 */
final class SeededTwoPvRun {

    /** A scenario given its seed, a random seeded with it, the daemon, its move API and the two PV paths. */
    @FunctionalInterface
    interface Scenario {
        void run(long seed, SplittableRandom random, FerryDaemon daemon, MoveApi api, String[] pvs);
    }

    private SeededTwoPvRun() {
    }

    /** A fresh seed (or {@code -Dferry.pvmove.seed}), printed with how to replay {@code test} with it. */
    static long seed(String test) {
        long seed = Long.getLong("ferry.pvmove.seed", new SecureRandom().nextLong());
        System.out.println(test + " seed=" + seed + " (replay with -Dferry.pvmove.seed=" + seed + ")");
        return seed;
    }

    /** Runs {@code scenario} against a new daemon in {@code dir} owned by {@code daemons}; failures name the seed. */
    static void run(String test, ChildProcesses<FerryDaemon> daemons, Path dir, Scenario scenario) {
        long seed = seed(test);
        try {
            FerryDaemon daemon = daemons.own(FerryDaemon.start(dir));
            String[] pvs = {dir.resolve("pv1").toString(), dir.resolve("pv2").toString()};
            daemon.cliOk("pvcreate", "--size", "40m", pvs[0], pvs[1]);
            daemon.cliOk("vgcreate", "-s", "1M", "vg", pvs[0], pvs[1]);
            scenario.run(seed, new SplittableRandom(seed), daemon, new MoveApi(daemon), pvs);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
        }
    }
}
