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
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real daemon at seeded random points of moves (both modes, back and forth between two PVs) while a
 * writer keeps writing the LV with FUA, until 20 kills have landed during a move (the daemon reported the move still
 * running just before the kill; kills after a move finished are made but not counted): after every restart the daemon
 * resumes the move by itself, every write it acknowledged before the kill reads back, and every move completes with
 * the LV on its destination and no pvmove LV left. The seed is printed; {@code -Dferry.seed=N} replays it.
 */
@Tag("slow")
class PvmoveKillNineProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int KILLS = 20;
    private static final int BLOCK = 4096;
    private static final int LV_MIB = 16;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesKillsAtRandomPointsAndEveryMoveResumesToCompletion() {
        SeededTwoPvRun.run(daemons, dir, PvmoveKillNineProcessTest::run);
    }

    private static void run(long seed, SplittableRandom random, FerryDaemon daemon, MoveApi api, String[] pvs) {
        daemon.cliOk("lvcreate", "-n", "lv", "-L", LV_MIB + "M", "vg", pvs[0]);

        AckedBlockWriter writer = new AckedBlockWriter(seed, BLOCK, LV_MIB * (1 << 20) / BLOCK, 8);
        NbdClient client = daemon.nbdClient("vg/lv");
        writer.fill(client);
        int kills = 0;
        int allKills = 0;
        int moves = 0;
        try {
            while (kills < KILLS) {
                boolean atomic = moves % 2 == 1;
                String src = pvs[moves % 2];
                String dst = pvs[(moves + 1) % 2];
                writer.start(client);
                JsonNode started = api.start(src, List.of(dst), atomic, "16M");
                assertThat(started.path("atomic").asBoolean()).isEqualTo(atomic);
                // Kill this move once or several times, at random points, until it has completed.
                while (true) {
                    if (killAtRandomPoint(random, api, daemon)) {
                        kills++;
                    }
                    allKills++;
                    assertThat(writer.awaitStopped()).as("writes fail once the daemon is gone").isNotNull();
                    client.close();
                    daemon.startAgain();
                    client = daemon.nbdClient("vg/lv");
                    writer.verifyAndSettle(client);
                    if (api.active().isEmpty() || kills >= KILLS) {
                        break;
                    }
                    writer.start(client);
                }
                writer.start(client);
                api.awaitIdle(TIMEOUT);
                assertThat(writer.stop()).isNull();
                writer.verifyAndSettle(client);
                assertThat(api.devices("vg/lv")).as("after move %d (atomic %s)", moves, atomic).containsExactly(dst);
                assertThat(api.allLvNames()).doesNotContain("pvmove");
                moves++;
            }
        } finally {
            client.close();
        }
        System.out.printf("PvmoveKillNineProcessTest: %d kills during a move (of %d) over %d moves, %d acknowledged"
                + " writes verified%n", kills, allKills, moves, writer.acknowledged());
        assertThat(moves).isGreaterThanOrEqualTo(2);
        assertThat(daemon.stop()).isZero();
    }

    /**
     * Kills the daemon at a random point of the running move: right after it started, at a random delay, or once
     * the copy passed a random percentage; returns whether the daemon reported the move still running just before.
     */
    private static boolean killAtRandomPoint(SplittableRandom random, MoveApi api, FerryDaemon daemon) {
        switch (random.nextInt(3)) {
            case 0 -> pause(random.nextInt(50));
            case 1 -> pause(random.nextInt(1500));
            default -> {
                double target = random.nextDouble(100);
                Poll.until(TIMEOUT, "copy progress " + target + "% or the end of the move",
                        () -> api.active().isEmpty() || api.percent() >= target);
            }
        }
        boolean during = !api.active().isEmpty();
        daemon.kill9();
        return during;
    }

    /** A random kill point in time (not a wait for a condition). */
    private static void pause(int millis) {
        LockSupport.parkNanos(Duration.ofMillis(millis).toNanos());
    }
}
