package dev.ferry.mapper.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.testing.Bytes;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The random I/O the mirror simulations issue, checked against a byte model: writes that overlap no I/O in
 * flight (up to three regions, one in ten with FUA), reads that overlap no write in flight (up to two regions),
 * and, as they complete, writes applied to the model and reads compared with it.
 */
final class SimulatedIo {

    /** One request in flight: a write's data or a read's buffer. */
    record Io(long offset, byte[] data, CompletableFuture<Void> done, boolean write) {
        boolean overlaps(long off, int len) {
            return off < offset + data.length && offset < off + len;
        }
    }

    private final byte[] model;
    private final int region;
    private final List<Io> inFlight = new ArrayList<>();

    SimulatedIo(byte[] model, int region) {
        this.model = model;
        this.region = region;
    }

    /** The model: what every acknowledged write left. */
    byte[] model() {
        return model;
    }

    /** Requests issued and not yet settled. */
    List<Io> inFlight() {
        return inFlight;
    }

    /** Issues a random write to {@code m} unless it would overlap I/O in flight. */
    void write(Random rnd, MirrorTarget m) {
        long off = rnd.nextInt(model.length);
        int len = 1 + rnd.nextInt(Math.min(model.length - (int) off, 3 * region));
        if (inFlight.stream().noneMatch(io -> io.overlaps(off, len))) {
            byte[] data = Bytes.random(rnd.nextLong(), len);
            inFlight.add(new Io(off, data, m.write(off, ByteBuffer.wrap(data), rnd.nextInt(10) == 0), true));
        }
    }

    /** Issues a random read from {@code m} unless it would overlap a write in flight. */
    void read(Random rnd, MirrorTarget m) {
        long off = rnd.nextInt(model.length);
        int len = 1 + rnd.nextInt(Math.min(model.length - (int) off, 2 * region));
        if (inFlight.stream().noneMatch(io -> io.write && io.overlaps(off, len))) {
            byte[] buf = new byte[len];
            inFlight.add(new Io(off, buf, m.read(off, ByteBuffer.wrap(buf)), false));
        }
    }

    /** Checks the I/O that completed (all of it if {@code all}, which must have completed) against the model. */
    void settle(boolean all) {
        for (var it = inFlight.iterator(); it.hasNext();) {
            Io io = it.next();
            if (all || io.done.isDone()) {
                assertThat(io.done).as("I/O at %d+%d", io.offset, io.data.length).isCompletedWithValue(null);
                if (io.write) {
                    System.arraycopy(io.data, 0, model, (int) io.offset, io.data.length);
                } else {
                    assertThat(io.data).as("read at %d+%d", io.offset, io.data.length)
                            .isEqualTo(Arrays.copyOfRange(model, (int) io.offset, (int) io.offset + io.data.length));
                }
                it.remove();
            }
        }
    }
}
