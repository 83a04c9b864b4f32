package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.mapper.device.MappedDevice;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** A seeded writer of 4 KiB blocks through an LV's device, keeping the expected image to verify byte for byte. */
final class LvWorkload {
    static final int BLOCK = 4096;
    private final Supplier<MappedDevice> device;
    private final byte[] expected;
    private final Random random;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong writes = new AtomicLong();
    private CompletableFuture<Void> writer;

    /** Fills the LV with seeded data first. */
    LvWorkload(Supplier<MappedDevice> device, long seed) throws Exception {
        this.device = device;
        this.random = new Random(seed);
        this.expected = new byte[(int) device.get().size()];
        random.nextBytes(expected);
        device.get().write(0, ByteBuffer.wrap(expected.clone()), false).get(30, TimeUnit.SECONDS);
    }

    /** Starts writing blocks until {@link #stop}. */
    LvWorkload start() {
        writer = CompletableFuture.runAsync(() -> {
            byte[] block = new byte[BLOCK];
            while (!stop.get()) {
                int off = random.nextInt(expected.length / BLOCK) * BLOCK;
                random.nextBytes(block);
                System.arraycopy(block, 0, expected, off, BLOCK);
                try {
                    device.get().write(off, ByteBuffer.wrap(block.clone()), false).get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError("write at " + off + " failed", e);
                }
                writes.incrementAndGet();
            }
        });
        return this;
    }

    long writes() {
        return writes.get();
    }

    /** Stops the writer, failing if any write failed. */
    void stop() throws Exception {
        stop.set(true);
        if (writer != null) {
            writer.get(60, TimeUnit.SECONDS);
        }
    }

    /** Reads the whole LV and compares it with what was written. */
    void verify(String when) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(expected.length);
        device.get().read(0, b).get(30, TimeUnit.SECONDS);
        byte[] got = b.array();
        if (!Arrays.equals(expected, got)) {
            int i = Arrays.mismatch(expected, got);
            assertEquals(expected[i], got[i], when + ": first difference at byte " + i);
        }
    }
}
