package dev.ferry.nbd.testing;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Feeds one fuzz input to a pipeline the way a network delivers it: in pieces whose sizes are drawn from a
 * generator seeded by the input itself, so a saved input replays exactly.
 */
public final class FuzzInput {

    /** Largest piece handed to the pipeline at once. */
    public static final int MAX_PIECE = 4096;

    private FuzzInput() {
    }

    /** Feeds {@code input[from..]} to {@code ch}; no exception may escape the pipeline. */
    public static void feed(byte[] input, int from, EmbeddedChannel ch, Runnable invariant) {
        feed(input, from, ch, invariant, t -> false);
    }

    /**
     * Feeds {@code input[from..]} to {@code ch} in pieces, releasing what comes out and checking {@code invariant}
     * after each piece; stops at the first exception that {@code expected} accepts and rethrows any other.
     */
    public static void feed(byte[] input, int from, EmbeddedChannel ch, Runnable invariant,
            Predicate<Throwable> expected) {
        Random pieces = new Random(Arrays.hashCode(input));
        try {
            for (int at = Math.min(from, input.length); at < input.length;) {
                int n = Math.min(input.length - at, 1 + pieces.nextInt(MAX_PIECE));
                try {
                    ch.writeInbound(Unpooled.copiedBuffer(input, at, n)); // rethrows what the pipeline raised
                    ch.checkException();
                } catch (Throwable t) {
                    if (expected.test(t)) {
                        return;
                    }
                    throw t;
                }
                at += n;
                invariant.run();
                for (Object o = ch.readInbound(); o != null; o = ch.readInbound()) {
                    ReferenceCountUtil.release(o);
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
