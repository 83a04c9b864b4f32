package dev.ferry.daemon.pvmove;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.model.PvSelection;
import dev.ferry.daemon.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pvmove --verify} in this JVM against a destination whose reads of whole regions stall (only the verify reads
 * so much of a move's destination): the move copies, then waits in its verify, holding the writes to the region being compared
 * (the test's one writer soon waits there); an abort then ends it, back on the source, without waiting for the
 * stalled reads, the writer goes on, and no write is lost.
 */
class PvMoveVerifyTest {

    @TempDir
    Path root;

    @Test
    void anAbortDuringTheVerifyOfAStalledDestinationEndsTheMoveOnTheSource() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        AtomicInteger held = new AtomicInteger();
        try (PvMoveFixture f = new PvMoveFixture(root,
                (path, file) -> path.endsWith("/pv2")
                        ? new ReadGatedDevice(file, gate, held, (int) PvMovePlanner.DEFAULT_REGION) : file)) {
            f.linear("a", "4M", f.pv1);
            LvWorkload w = new LvWorkload(() -> f.device("a"), 14).start();
            MoveProgress p = f.moves.start(new PvMoveRequest(PvSelection.parse(f.pv1),
                    List.of(PvSelection.parse(f.pv2)), null, false, null, 0, true));
            assertThat(p.verify()).isTrue();
            Poll.until(Duration.ofSeconds(60), "the verify reading the destination", () -> held.get() > 0);
            assertThat(f.moves.job(p.name()).state()).isEqualTo(JobState.RUNNING);

            List<MoveProgress> aborted = f.moves.abort(f.pv1, Duration.ofSeconds(30));
            assertThat(aborted).singleElement().satisfies(m -> {
                assertThat(m.state()).isEqualTo(JobState.ABORTED);
                assertThat(m.segments()).singleElement().satisfies(s -> assertThat(s.verified()).isFalse());
            });
            assertThat(f.placement("a")).containsExactly(f.pv1);
            assertThat(f.noMoveLeft()).isTrue();
            long writesAfterAbort = w.writes();
            Poll.until(Duration.ofSeconds(30), "writes after the abort, with the destination still stalled", () -> w.writes() > writesAfterAbort + 20);
            gate.complete(null);
            w.stop();
            w.verify("after an abort during the verify");
        } finally {
            gate.complete(null);
        }
    }
}
