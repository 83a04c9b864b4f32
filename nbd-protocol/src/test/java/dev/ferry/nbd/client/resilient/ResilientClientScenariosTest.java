package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_FLUSH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.NbdConnectionClosedException;
import dev.ferry.nbd.testing.Seeds;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One scenario at a time on the simulated server, in virtual time: the FLUSH after a crash, FUA writes, the
 * rewrite handler, another export after a reconnect (size, flags, the reconnect check), deadlines and heartbeats on
 * a hung connection, the reconnect window, resend order, disconnect, the queue bound and close.
 */
class ResilientClientScenariosTest {

    private static final int SIZE = 1 << 20;
    private SimHarness h;

    private SimHarness start(UnaryOperator<ResilientNbdClient.Builder> hooks) {
        h = new SimHarness(Seeds.fixed(20261206), SIZE, 64, hooks);
        return h;
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private static ByteBuf bytes(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return Unpooled.wrappedBuffer(b);
    }

    private void crashAndReconnect() {
        h.server.crash(Duration.ofMillis(200).toNanos());
        h.loop.runUntil(() -> h.client.health().reconnects() == 1, h.loop.nanoTime() + SimHarness.WINDOW.toNanos());
        assertThat(h.client.state()).isEqualTo(LinkState.UP);
    }

    @Test
    void withoutAJournalAFlushAfterACrashFailsNamingTheReconnectUntilTheRangeIsRewritten() {
        start(b -> b.replayLimit(0));
        h.await(h.client.write(4096, bytes(8192, 7)));
        h.await(h.client.write(1 << 16, bytes(512, 8), NBD_CMD_FLAG_FUA));
        crashAndReconnect();
        Throwable refused = h.failure(h.client.flush());
        assertThat(refused).isInstanceOf(NbdLostWritesException.class)
                .hasMessageContaining("acknowledged before a reconnect")
                .hasMessageContaining("reconnected 1 time(s)");
        assertThat(((NbdLostWritesException) refused).ranges()).containsExactly(new ByteRange(4096, 8192));
        assertThat(((NbdEioException) refused).errno()).isEqualTo(5);
        assertThat(h.failure(h.client.flush())).as("sticky").isInstanceOf(NbdLostWritesException.class);
        h.await(h.client.write(4096, bytes(8192, 9)));
        h.await(h.client.flush());
        assertThat(h.server.durable[4096]).isEqualTo((byte) 9);
    }

    @Test
    void theJournalReplaysWhatACrashLostSoTheFlushAfterItSucceeds() {
        start(b -> b);
        h.server.live[1 << 16] = 9; // old data, zeroed below, and back after the crash
        h.server.durable[1 << 16] = 9;
        h.await(h.client.write(4096, bytes(8192, 7)));
        h.await(h.client.writeZeroes(1 << 16, 4096, 0));
        h.server.crash(Duration.ofMillis(200).toNanos());
        List<CompletableFuture<ByteBuf>> reads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            reads.add(h.client.read(4096 + i * 1024L, 1024));
        }
        for (CompletableFuture<ByteBuf> read : reads) {
            ByteBuf got = h.await(read);
            try {
                assertThat(ByteBufUtil.getBytes(got)).as("a read during the reconnect waits for the replay")
                        .containsOnly(7);
            } finally {
                got.release();
            }
        }
        assertThat(h.client.health().reconnects()).isEqualTo(1);
        h.await(h.client.flush());
        assertThat(h.server.durable[4096]).isEqualTo((byte) 7);
        assertThat(h.server.durable[4096 + 8191]).isEqualTo((byte) 7);
        assertThat(h.server.durable[1 << 16]).isZero();
        assertThat(h.await(h.client.lostWrites())).isEmpty();
    }

    @Test
    void aReplayNeverPutsOlderDataOverANewerFuaWriteOrAWriteWaitingForTheReconnect() {
        start(b -> b);
        h.await(h.client.write(0, bytes(16384, 1)));
        h.await(h.client.write(4096, bytes(4096, 2), NBD_CMD_FLAG_FUA));
        h.server.crash(Duration.ofMillis(200).toNanos());
        CompletableFuture<Void> during = h.client.write(8192, bytes(4096, 3));
        h.await(during);
        h.await(h.client.flush());
        assertThat(h.server.durable[0]).isEqualTo((byte) 1);
        assertThat(h.server.durable[4096]).as("FUA, newer than the replayed write").isEqualTo((byte) 2);
        assertThat(h.server.durable[8192]).as("submitted during the reconnect").isEqualTo((byte) 3);
        assertThat(h.server.durable[12288]).isEqualTo((byte) 1);
    }

    @Test
    void beyondTheReplayLimitTheFlushIsRefusedForTheWritesNotKept() {
        start(b -> b.replayLimit(4096 + ReplayJournal.ENTRY_OVERHEAD));
        h.await(h.client.write(0, bytes(4096, 1)));
        h.await(h.client.write(1 << 16, bytes(8192, 2)));
        crashAndReconnect();
        Throwable refused = h.failure(h.client.flush());
        assertThat(((NbdLostWritesException) refused).ranges()).as("only the write the journal could not keep")
                .containsExactly(new ByteRange(1 << 16, 8192));
        assertThat(h.server.live[0]).as("replayed").isEqualTo((byte) 1);
    }

    @Test
    void withoutAJournalAReadOfALostWriteIsRefusedUntilTheRangeIsRewritten() {
        start(b -> b.replayLimit(0));
        h.await(h.client.write(4096, bytes(8192, 7)));
        h.await(h.client.write(1 << 16, bytes(4096, 8)));   // lost too, but not where the read below reads
        crashAndReconnect();
        assertThat(h.server.live[4096]).as("the crash lost the write").isEqualTo((byte) 0);
        Throwable refused = h.failure(h.client.read(8192, 4096));
        assertThat(refused).isInstanceOf(NbdLostDataReadException.class)
                .hasMessage("READ of 4096 bytes at 8192 refused: it overlaps writes to 1 range(s), 8192 bytes "
                        + "[[4096, +8192)] that were acknowledged before a reconnect and may be lost (no FLUSH covered"
                        + " them and the replay journal could not keep them), so the server may hold older data");
        ByteBuf beside = h.await(h.client.read(0, 4096));   // next to the lost range, not overlapping it
        beside.release();
        h.await(h.client.write(4096, bytes(4096, 9)));
        assertThat(h.failure(h.client.read(4096, 8192))).as("the half not rewritten")
                .isInstanceOf(NbdLostDataReadException.class);
        ByteBuf rewritten = h.await(h.client.read(4096, 4096));
        try {
            assertThat(rewritten.getByte(rewritten.readerIndex())).isEqualTo((byte) 9);
        } finally {
            rewritten.release();
        }
        assertThat(h.await(h.client.acknowledgeLostWrites()))
                .containsExactly(new ByteRange(8192, 4096), new ByteRange(1 << 16, 4096));
        ByteBuf acknowledged = h.await(h.client.read(8192, 4096));   // the owner took responsibility: served
        acknowledged.release();
    }

    @Test
    void acknowledgingTheLostRangesLetsFlushesSucceedAgain() {
        start(b -> b.replayLimit(0));
        h.await(h.client.write(0, bytes(4096, 1)));
        crashAndReconnect();
        assertThat(h.await(h.client.acknowledgeLostWrites())).containsExactly(new ByteRange(0, 4096));
        h.await(h.client.flush());
    }

    @Test
    void flushedAndFuaWritesAreNotAtRisk() {
        start(b -> b);
        h.await(h.client.write(0, bytes(4096, 1)));
        h.await(h.client.flush());
        h.await(h.client.write(8192, bytes(4096, 2), NBD_CMD_FLAG_FUA));
        crashAndReconnect();
        h.await(h.client.flush());
        assertThat(h.server.durable[0]).isEqualTo((byte) 1);
        assertThat(h.server.durable[8192]).isEqualTo((byte) 2);
    }

    @Test
    void aRewriteHandlerRestoresTheLostRangesBeforeTheFlush() {
        List<List<ByteRange>> calls = new ArrayList<>();
        start(b -> b.replayLimit(0).unflushedWrites((client, ranges) -> {
            calls.add(ranges);
            return client.write(ranges.get(0).offset(), bytes((int) ranges.get(0).length(), 3));
        }));
        h.await(h.client.write(65536, bytes(4096, 3)));
        crashAndReconnect();
        assertThat(h.server.durable[65536]).as("lost by the crash").isEqualTo((byte) 0);
        h.await(h.client.flush());
        assertThat(calls).containsExactly(List.of(new ByteRange(65536, 4096)));
        assertThat(h.server.durable[65536 + 4095]).isEqualTo((byte) 3);
    }

    @Test
    void aHandlerThatRewritesNothingDoesNotMakeTheFlushSucceed() {
        start(b -> b.replayLimit(0).unflushedWrites((client, ranges) -> CompletableFuture.completedFuture(null)));
        h.await(h.client.write(0, bytes(4096, 1)));
        crashAndReconnect();
        assertThat(h.failure(h.client.flush())).isInstanceOf(NbdLostWritesException.class);
    }

    @Test
    void aShrunkExportFailsTheLinkWithThePreciseReason() {
        start(b -> b);
        h.server.restartAs(SIZE / 2, SimServer.FLAGS);
        h.loop.runUntil(() -> h.client.state() == LinkState.FAILED, h.loop.nanoTime() + Duration.ofSeconds(5).toNanos());
        assertThat(h.client.health().lastFailure()).isEqualTo("export 'sim' shrank from 1048576 to 524288 bytes");
        assertThat(h.failure(h.client.read(0, 512))).isInstanceOf(NbdUnavailableException.class)
                .hasMessageContaining("FAILED: export 'sim' shrank");
    }

    @Test
    void anExportThatLostSendFlushFailsTheLink() {
        start(b -> b);
        h.server.restartAs(SIZE, SimServer.FLAGS & ~NBD_FLAG_SEND_FLUSH);
        h.loop.runUntil(() -> h.client.state() == LinkState.FAILED, h.loop.nanoTime() + Duration.ofSeconds(5).toNanos());
        assertThat(h.client.health().lastFailure())
                .isEqualTo("export 'sim' lost transmission flag(s) NBD_FLAG_SEND_FLUSH");
    }

    @Test
    void anExportThatLostAMetaContextFailsTheLink() {
        start(b -> b);
        assertThat(h.client.metaContexts()).containsOnlyKeys(NbdConstants.BASE_ALLOCATION);
        h.server.restartAs(SIZE, SimServer.FLAGS, Map.of());
        h.loop.runUntil(() -> h.client.state() == LinkState.FAILED, h.loop.nanoTime() + Duration.ofSeconds(5).toNanos());
        assertThat(h.client.health().lastFailure()).isEqualTo("export 'sim' lost meta context(s) base:allocation");
    }

    @Test
    void aRequestToAHungServerTimesOutAndTheConnectionIsReplaced() {
        start(b -> b);
        h.server.hangOne();
        long start = h.loop.nanoTime();
        Throwable e = h.failure(h.client.read(0, 4096));
        long took = h.loop.nanoTime() - start;
        assertThat(e).isInstanceOf(NbdTimeoutException.class).hasMessageContaining("READ [0, +4096)");
        assertThat(took).isBetween(SimHarness.TIMEOUT.toNanos(), SimHarness.TIMEOUT.plus(SimHarness.TICK).toNanos());
        h.loop.runUntil(() -> h.client.state() == LinkState.UP && h.client.health().reconnects() == 1,
                h.loop.nanoTime() + SimHarness.WINDOW.toNanos());
        assertThat(h.client.health().lastFailure()).startsWith("request timed out: NBD_CMD_READ [0, +4096)");
        h.await(h.client.read(0, 4096)).release();
    }

    @Test
    void theHeartbeatFindsAHungServerOnAnIdleConnection() {
        start(b -> b);
        h.server.hangOne();
        long start = h.loop.nanoTime();
        h.loop.runUntil(() -> h.client.health().losses() == 1, start + Duration.ofSeconds(5).toNanos());
        long took = h.loop.nanoTime() - start;
        assertThat(h.client.health().lastFailure()).isEqualTo("heartbeat READ not answered within PT1S");
        // idle for the 300 ms interval (detected by a sweep tick), then unanswered for the 1 s timeout
        assertThat(took).isBetween(Duration.ofMillis(1300).toNanos(), Duration.ofMillis(1500).toNanos());
    }

    @Test
    void afterTheWindowRequestsFailAndReconnectBringsTheLinkBack() {
        start(b -> b);
        List<LinkState> seen = new ArrayList<>();
        h.client.addListener((before, after) -> seen.add(after.state()));
        CompletableFuture<ByteBuf> waiting = new CompletableFuture<>();
        h.server.crash(Duration.ofSeconds(10).toNanos());
        h.client.read(0, 512).whenComplete((b, e) -> waiting.completeExceptionally(e));
        Throwable e = h.failure(waiting);
        assertThat(e).isInstanceOf(NbdUnavailableException.class)
                .hasMessageContaining("no connection within the reconnect window of PT2S")
                .hasMessageContaining("Connection refused");
        h.advance(Duration.ofSeconds(10));
        h.client.reconnect();
        h.loop.runUntil(() -> h.client.state() == LinkState.UP, h.loop.nanoTime() + SimHarness.WINDOW.toNanos());
        assertThat(seen).containsExactly(LinkState.RECONNECTING, LinkState.FAILED, LinkState.RECONNECTING,
                LinkState.UP);
        h.await(h.client.read(0, 512)).release();
    }

    @Test
    void requestsCaughtByALossAreResentInSubmissionOrder() {
        start(b -> b);
        h.server.hangOne();
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.add(i % 3 == 0 ? h.client.write(i * 8192L, bytes(4096, i))
                    : h.client.read(i * 8192L, 4096).thenAccept(ByteBuf::release));
        }
        h.advance(Duration.ofMillis(10));
        int before = h.server.arrivals.size();
        h.server.dropOne();
        all.forEach(h::await);
        List<Long> resent = h.server.arrivals.subList(before, h.server.arrivals.size());
        assertThat(resent).hasSizeGreaterThanOrEqualTo(12).isSorted();
    }

    @Test
    void aFailingReconnectCheckFailsTheLinkWithItsReason() {
        start(b -> b.reconnectCheck((export, reader) -> reader.read(0, 512).thenAccept(label -> {
            try {
                if (label.getByte(0) != 0) {
                    throw new IllegalStateException("PV label changed");
                }
            } finally {
                label.release();
            }
        })));
        h.server.live[0] = 42; // another disk behind the same address
        h.server.durable[0] = 42;
        h.server.dropOne();
        h.loop.runUntil(() -> h.client.state() == LinkState.FAILED, h.loop.nanoTime() + Duration.ofSeconds(5).toNanos());
        assertThat(h.client.health().lastFailure()).isEqualTo("reconnect check failed: PV label changed");
    }

    @Test
    void disconnectLetsPendingRequestsFinishThenRefusesNewOnes() {
        start(b -> b);
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            writes.add(h.client.write(i * 4096L, bytes(4096, i)));
        }
        CompletableFuture<Void> closed = h.client.disconnect();
        assertThat(h.failure(h.client.read(0, 512))).hasMessageContaining("is disconnecting; no new requests");
        h.await(closed);
        writes.forEach(h::await);
        assertThat(h.client.state()).isEqualTo(LinkState.CLOSED);
    }

    @Test
    void requestsBeyondTheQueueAreRejectedAndCloseFailsTheWaitingOnes() {
        start(b -> b);
        h.server.crash(Duration.ofSeconds(1).toNanos());
        h.advance(Duration.ofMillis(10));
        assertThat(h.client.state()).isEqualTo(LinkState.RECONNECTING);
        int capacity = h.config.maxInFlight() + h.config.maxQueued();
        List<CompletableFuture<ByteBuf>> waiting = new ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            waiting.add(h.client.read(i * 512L, 512));
        }
        assertThat(h.failure(h.client.read(0, 512))).isInstanceOf(RejectedExecutionException.class);
        h.client.close();
        for (CompletableFuture<ByteBuf> f : waiting) {
            assertThat(h.failure(f)).isInstanceOf(NbdConnectionClosedException.class);
        }
    }
}
