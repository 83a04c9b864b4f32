package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.client.NbdClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry pvmove --abort} at seeded random points of moves of a four-segment LV, alternating modes, while a
 * writer keeps writing it: no write fails across the aborts' table swaps, every acknowledged write reads back,
 * and the LV ends where LVM says: all on the source after an atomic abort, and exactly the segments the abort
 * reports COMPLETED on the destination otherwise. Run with {@code -Dferry.seed=N} to replay a seed.
 */
class PvmoveAbortProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int ABORTS = 6;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    @Test
    void abortsAtRandomPointsKeepEveryWriteAndLeaveTheLvWhereTheModeSays() {
        SeededTwoPvRun.run(daemons, dir, PvmoveAbortProcessTest::run);
    }

    private static void run(long seed, SplittableRandom random, FerryDaemon daemon, MoveApi api, String[] pvs) {
        daemon.cliOk("lvcreate", "-n", "lv", "-L", "3M", "vg", pvs[0] + ":0-2");
        for (int i = 1; i < 4; i++) {
            daemon.cliOk("lvcreate", "-n", "gap" + i, "-L", "1M", "vg", pvs[0] + ":" + (4 * i - 1));
            daemon.cliOk("lvextend", "-L", "+3M", "vg/lv", pvs[0] + ":" + (4 * i) + "-" + (4 * i + 2));
        }
        AckedBlockWriter writer = new AckedBlockWriter(seed, 4096, 12 * 256, 4);
        try (NbdClient c = daemon.nbdClient("vg/lv")) {
            writer.fill(c);
            writer.start(c);
            for (int i = 0; i < ABORTS; i++) {
                boolean atomic = i % 2 == 1;
                int src = lvExtents(daemon, pvs[0]) >= lvExtents(daemon, pvs[1]) ? 0 : 1;
                int before = lvExtents(daemon, pvs[1 - src]);
                List<String> args = new ArrayList<>(List.of("pvmove", "-b", "--rate", "4M", "-n", "lv"));
                if (atomic) {
                    args.add("--atomic");
                }
                args.addAll(List.of(pvs[src], pvs[1 - src]));
                daemon.cliOk(args.toArray(String[]::new));
                double target = random.nextDouble(95);
                Poll.until(TIMEOUT, "copy progress " + target + "%", () -> api.percent() >= target || api.active().isEmpty());
                List<JsonNode> aborted = api.abortIfRunning(pvs[src]);
                int completed = 0;
                for (JsonNode m : aborted) {
                    for (JsonNode s : m.path("segments")) {
                        completed += s.path("state").asText().equals("COMPLETED") ? s.path("extents").asInt() : 0;
                    }
                }
                int after = lvExtents(daemon, pvs[1 - src]);
                if (aborted.isEmpty()) {
                    assertThat(after).as("a move that completed before the abort").isEqualTo(12);
                } else if (atomic) {
                    assertThat(completed).as("atomic segments never complete alone").isZero();
                    assertThat(after).as("atomic abort: nothing moved").isEqualTo(before);
                } else {
                    assertThat(after).as("non-atomic abort: the COMPLETED segments moved").isEqualTo(before + completed);
                }
                assertThat(api.allLvNames()).doesNotContain("pvmove");
                assertThat(writer.failure()).as("writes across abort %d", i).isNull();
            }
            assertThat(writer.stop()).isNull();
            writer.verifyAndSettle(c);
        }
        assertThat(daemon.stop()).isZero();
    }

    /** Extents of {@code pv} in use (the gap LVs never move off the first PV, so count them out). */
    private static int lvExtents(FerryDaemon daemon, String pv) {
        String out = daemon.cliOk("pvs", "--noheadings", "-o", "pv_pe_alloc_count", pv).out().strip();
        int gaps = pv.endsWith("pv1") ? 3 : 0;
        return Integer.parseInt(out) - gaps;
    }
}
