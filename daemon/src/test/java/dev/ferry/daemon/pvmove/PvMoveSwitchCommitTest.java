package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.metadata.FileMetadataDevice;
import dev.ferry.daemon.metadata.MetadataDevice;
import dev.ferry.daemon.metadata.MetadataOps;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.testing.Poll;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The commit that switches a copied segment to its destination, when the destination's metadata write fails (the PV
 * is then lost): the commit is written to the destination first, so it stops there and reaches no other PV; the move
 * must not complete, it is held on the source. Real PV files and a real VolumeService; the destination's metadata
 * device refuses the first document that records a segment completed.
 */
class PvMoveSwitchCommitTest extends PvMoveFixtureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** What the VG document says of a segment switched to its destination. */
    private static final byte[] SWITCHED = "\"move_state\":\"completed\"".getBytes(StandardCharsets.UTF_8);

    @Test
    void aSwitchRefusedByTheDestinationIsHeldOnTheSourceAndCompletesAfterARestart() throws Exception {
        Path destination = root.resolve("pv2");
        AtomicBoolean armed = new AtomicBoolean(true);
        AtomicInteger refused = new AtomicInteger();
        f = new PvMoveFixture(root, PvWrapper.NONE, path -> {
            MetadataDevice d = FileMetadataDevice.open(path);
            return path.equals(destination) ? new SwitchRefusing(d, armed, refused) : d;
        });
        f.linear("a", "8M", f.pv1);
        LvWorkload writer = new LvWorkload(() -> f.device("a"), 7).start();
        Poll.until(WAIT, "writes before the move", () -> writer.writes() > 20);

        MoveProgress started = f.moves.start(PvMoveFixture.request(f.pv1, f.pv2));
        PvMoveJob job = f.moves.job(started.name());
        Poll.until(WAIT, "the move held", () -> job.state() == JobState.HELD || job.done().isDone());
        assertEquals(JobState.HELD, job.state(), job.errorMessage());
        assertEquals(1, refused.get(), "the switching commit's write to the destination was refused once");
        assertTrue(job.errorMessage().contains("the commit switching segment(s) [0] to the destination did not "
                + "happen: PV " + f.pv2 + " did not take the commit"), job.errorMessage());
        UUID dst = f.vg().pvs().stream().filter(p -> p.name().equals(f.pv2)).findFirst().orElseThrow().uuid();
        assertFalse(f.volumes.manager().presentPvs().contains(dst), "the destination is lost");
        for (String pv : List.of(f.pv1, f.pv2, f.pv3)) {   // the switch reached no PV: written to the destination first
            assertTrue(MetadataOps.validSlots(Path.of(pv)).values().stream().noneMatch(d -> d.contains(
                    new String(SWITCHED, StandardCharsets.UTF_8))), pv + " never held the switch");
        }
        // the metadata the other PVs hold (the newest): the segment held on its source, the LV on the pvmove LV
        assertEquals(List.of(MoveState.HELD), f.lv(started.name()).segments().stream().map(Segment::moveState)
                .toList());
        assertEquals(Set.of(started.name()), f.placement("a"));
        long before = writer.writes();
        Poll.until(WAIT, "writes while held", () -> writer.writes() > before + 20);
        writer.stop();
        writer.verify("while held");
        job.requestContinue().get(30, TimeUnit.SECONDS);
        assertEquals(JobState.HELD, job.state(), "a continue: the destination is missing until a restart");

        f.close();
        armed.set(false);
        f.open();   // the destination is back; the newest metadata (held) resumes the move
        PvMoveJob resumed = f.moves.job(started.name());
        assertEquals(JobState.COMPLETED, resumed.done().get(60, TimeUnit.SECONDS), resumed.errorMessage());
        assertEquals(Set.of(f.pv2), f.placement("a"));
        assertTrue(f.noMoveLeft());
        writer.verify("moved after the restart");
    }

    /** A PV's metadata device that fails, while armed, the write of a document recording a segment completed. */
    private static final class SwitchRefusing implements MetadataDevice {
        private final MetadataDevice delegate;
        private final AtomicBoolean armed;
        private final AtomicInteger refused;

        SwitchRefusing(MetadataDevice delegate, AtomicBoolean armed, AtomicInteger refused) {
            this.delegate = delegate;
            this.armed = armed;
            this.refused = refused;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            delegate.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            if (armed.get() && contains(src, SWITCHED)) {
                refused.incrementAndGet();
                throw new IOException("metadata write refused (test): the destination is gone");
            }
            delegate.write(offset, src);
        }

        @Override
        public void sync() throws IOException {
            delegate.sync();
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }

        private static boolean contains(ByteBuffer buf, byte[] what) {
            for (int i = buf.position(); i <= buf.limit() - what.length; i++) {
                int k = 0;
                while (k < what.length && buf.get(i + k) == what[k]) {
                    k++;
                }
                if (k == what.length) {
                    return true;
                }
            }
            return false;
        }
    }
}
