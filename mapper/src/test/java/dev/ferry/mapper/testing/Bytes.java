package dev.ferry.mapper.testing;

import dev.ferry.mapper.block.BlockDevice;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Byte helpers for device tests. */
public final class Bytes {

    private Bytes() {
    }

    /** {@code n} seeded random bytes. */
    public static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code data} at {@code offset}, waiting for completion. */
    public static void put(BlockDevice dev, long offset, byte[] data) {
        join(dev.write(offset, ByteBuffer.wrap(data), false).thenApply(v -> null));
    }

    /** Reads {@code n} bytes at {@code offset}, waiting for completion. */
    public static byte[] get(BlockDevice dev, long offset, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        join(dev.read(offset, b).thenApply(v -> null));
        return b.array();
    }

    /** Waits (bounded) for a future that must already be done or finish promptly. */
    public static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("operation failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
