package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FUA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.Seeds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded, deterministic simulation of {@link ResilientNbdClient} against {@link SimServer} in virtual time: four
 * callers write (some with FUA), read, flush, trim and zero at random while the server drops connections, hangs
 * them, and crashes (losing unflushed data, refusing connects for up to 3 s against a 2 s reconnect window).
 * Checked: the server never sees two overlapping writes in flight; every read of a settled byte that succeeds sees
 * its acknowledged contents, even after a crash reverted it on the server (the client replays it first, or refuses
 * the read while the write may be lost; with the default journal no read is refused); a FLUSH that succeeds leaves
 * every settled byte durable as acknowledged, so none succeeds over writes a reconnect lost; with a rewrite handler (a second mirror leg) the
 * final image is durable and complete; with the replay journal (and no handler) no FLUSH is ever refused, not
 * even after the link was FAILED (the window ran out while the server was down) and reconnected, and with a journal
 * too small for the writes between two FLUSHes still none lies; every request ends within the request timeout plus the reconnect window
 * plus one sweep tick; and nothing stays pending. Four modes of 20 seeds each, plus a fresh seed in a random mode;
 * {@code -Dferry.seed=N} replays one seed.
 */
class ReconnectSimulationTest {

    private static final int SIZE = 64 << 10;
    private static final int OPS = 1500;
    private static final int CALLERS = 4;
    private static final long BOUND = SimHarness.TIMEOUT.plus(SimHarness.WINDOW).plus(SimHarness.TICK)
            .plusMillis(1).toNanos();

    static LongStream seeds() {
        return Seeds.range(1, 21);
    }

    /** What makes good the writes a reconnect may have lost. */
    private enum Mode {
        /** Nothing: a FLUSH over them is refused, and the caller forgives the ranges. */
        NONE(0, false),
        /** A rewrite handler (a second mirror leg); no journal. */
        HANDLER(0, false),
        /** The default replay journal, far larger than the image. */
        JOURNAL(ResilientNbdClient.DEFAULT_REPLAY_LIMIT, true),
        /** A journal of 2 KiB, smaller than the writes between two FLUSHes: refusals, forgiven, and no lies. */
        SMALL_JOURNAL(2048, false);

        final long replayLimit;
        /** Whether a refused FLUSH is a failure. */
        final boolean neverRefuses;

        Mode(long replayLimit, boolean neverRefuses) {
            this.replayLimit = replayLimit;
            this.neverRefuses = neverRefuses;
        }
    }

    @ParameterizedTest(name = "seed {0}, no rewrite handler, no journal")
    @MethodSource("seeds")
    void withoutHandlerNoFlushLies(long seed) {
        new Run(Seeds.fixed(seed), Mode.NONE).go();
    }

    @ParameterizedTest(name = "seed {0}, rewrite handler")
    @MethodSource("seeds")
    void withHandlerNoAcknowledgedWriteIsLost(long seed) {
        new Run(Seeds.fixed(seed), Mode.HANDLER).go();
    }

    @ParameterizedTest(name = "seed {0}, replay journal")
    @MethodSource("seeds")
    void withTheJournalNoFlushIsRefusedUnlessTheLinkFailed(long seed) {
        new Run(Seeds.fixed(seed), Mode.JOURNAL).go();
    }

    @ParameterizedTest(name = "seed {0}, small replay journal")
    @MethodSource("seeds")
    void withASmallJournalNoFlushLies(long seed) {
        new Run(Seeds.fixed(seed), Mode.SMALL_JOURNAL).go();
    }

    @Test
    void aFreshSeed() {
        long seed = Seeds.fresh();
        new Run(seed, Mode.values()[(int) Math.floorMod(seed, (long) Mode.values().length)]).go();
    }

    /** One simulated run. */
    private static final class Run {
        private final Mode mode;
        private final boolean handler;
        private final SimHarness h;
        private final SimModel model = new SimModel(SIZE);
        private int issued;
        private int completed;
        private int lostFlushes;
        private int refusedReads;
        private int timeouts;
        private int failedLinks;

        Run(long seed, Mode mode) {
            this.mode = mode;
            this.handler = mode == Mode.HANDLER;
            this.h = new SimHarness(seed, SIZE, 16, b -> {
                b.replayLimit(mode.replayLimit);
                return handler ? b.unflushedWrites(this::rewrite) : b;
            });
        }

        void go() {
            h.client.addListener((before, after) -> {
                if (after.state() == LinkState.FAILED) {
                    failedLinks++;
                    h.loop.schedule(h.client::reconnect, h.server.micros(100_000, 800_000));
                }
            });
            for (int i = 0; i < CALLERS; i++) {
                next();
            }
            h.loop.schedule(this::fault, h.server.micros(30_000, 500_000));
            boolean done = h.loop.runUntil(() -> completed == OPS, h.loop.nanoTime() + Duration.ofHours(1).toNanos());
            assertThat(done).as("all %d requests completed (%d did)", OPS, completed).isTrue();
            finalFlush();
            h.close();
            System.out.printf("simulation: %s, %d reconnects, %d losses, %d times FAILED, %d lost-write"
                    + " flushes, %d reads refused over lost writes, %d timeouts, virtual %d ms%n", mode,
                    h.client.health().reconnects(), h.client.health().losses(), failedLinks, lostFlushes,
                    refusedReads, timeouts, h.loop.nanoTime() / 1_000_000);
            assertThat(h.server.violations).as("overlapping writes in flight").isEmpty();
            assertThat(model.failures).as("model violations").isEmpty();
        }

        private void fault() {
            if (issued >= OPS) {
                return;
            }
            int kind = h.random.nextInt(100);
            if (kind < 35) {
                h.server.dropOne();
            } else if (kind < 60) {
                h.server.hangOne();
            } else if (kind < 85) {
                h.server.crash(h.server.micros(0, 3_000_000));
            }
            h.loop.schedule(this::fault, h.server.micros(30_000, 500_000));
        }

        private void next() {
            if (issued >= OPS) {
                return;
            }
            issued++;
            long start = h.loop.nanoTime();
            int off = h.random.nextInt(SIZE / 512) * 512;
            int len = Math.min(SIZE - off, (1 + h.random.nextInt(16)) * 512);
            int kind = h.random.nextInt(100);
            CompletableFuture<?> f;
            if (kind < 45) {
                byte[] data = new byte[len];
                h.random.nextBytes(data);
                f = write(start, off, data, h.random.nextInt(5) == 0 ? NBD_CMD_FLAG_FUA : 0);
            } else if (kind < 75) {
                f = h.client.read(off, len).thenAccept(buf -> {
                    byte[] got = ByteBufUtil.getBytes(buf);
                    buf.release();
                    model.checkRead(start, off, got);
                });
            } else if (kind < 90) {
                f = h.client.flush().thenRun(() -> model.checkFlush(start, h.server.durable, "FLUSH"));
            } else if (kind < 95) {
                model.submit(start, off, len, null);
                f = h.client.trim(off, len).whenComplete((v, e) -> model.completed(h.loop.nanoTime(), off, len,
                        null, e == null));
            } else {
                model.submit(start, off, len, new byte[len]);
                f = h.client.writeZeroes(off, len, 0).whenComplete((v, e) -> model.completed(h.loop.nanoTime(),
                        off, len, new byte[len], e == null));
            }
            f.whenComplete((v, e) -> finished(start, e));
        }

        private CompletableFuture<Void> write(long start, int off, byte[] data, int flags) {
            model.submit(start, off, data.length, data);
            return h.client.write(off, Unpooled.wrappedBuffer(data), flags).whenComplete((v, e) ->
                    model.completed(h.loop.nanoTime(), off, data.length, data, e == null));
        }

        private void finished(long start, Throwable error) {
            long took = h.loop.nanoTime() - start;
            if (took > BOUND) {
                model.failures.add("a request took " + took / 1_000_000 + " ms");
            }
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            long pause = 0;
            if (cause instanceof NbdLostWritesException lost) {
                lostFlushes++;
                if (h.client.health().losses() == 0) {
                    model.failures.add("lost writes reported without a connection loss: " + lost);
                }
                if (mode.neverRefuses) {
                    model.failures.add("lost writes reported though the journal kept them all: " + lost);
                }
                if (!handler) {
                    h.client.acknowledgeLostWrites().thenAccept(model::forgive);
                }
            } else if (cause instanceof NbdLostDataReadException refused) {
                refusedReads++;
                if (h.client.health().losses() == 0 || mode.neverRefuses) {
                    model.failures.add("a read refused though no write can have been lost: " + refused);
                }
            } else if (cause instanceof NbdTimeoutException) {
                timeouts++;
            } else if (cause instanceof NbdUnavailableException) {
                pause = 100_000_000;
            } else if (cause != null) {
                model.failures.add("unexpected failure: " + cause);
            }
            completed++;
            h.loop.schedule(this::next, pause + h.server.micros(0, 2000));
        }

        /** The other mirror leg: rewrites the lost ranges with the latest submitted contents. */
        private CompletionStage<Void> rewrite(ResilientNbdClient client, List<ByteRange> ranges) {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (ByteRange r : ranges) {
                byte[] data = java.util.Arrays.copyOfRange(model.submitted, (int) r.offset(), (int) r.end());
                ByteBuf buf = Unpooled.wrappedBuffer(data);
                writes.add(client.write(r.offset(), buf));
            }
            return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
        }

        /** Flushes until one succeeds, then every settled byte must be durable as acknowledged. */
        private void finalFlush() {
            for (int attempt = 0; attempt < 20; attempt++) {
                if (h.client.state() == LinkState.FAILED) {
                    h.client.reconnect();
                }
                long start = h.loop.nanoTime();
                CompletableFuture<Void> f = h.client.flush();
                h.loop.runUntil(f::isDone, start + Duration.ofMinutes(1).toNanos());
                if (!f.isCompletedExceptionally()) {
                    model.checkFlush(start, h.server.durable, "final FLUSH");
                    return;
                }
                if (!handler) {
                    model.forgive(h.await(h.client.acknowledgeLostWrites()));
                }
            }
            model.failures.add("no final FLUSH succeeded in 20 attempts");
        }
    }
}
