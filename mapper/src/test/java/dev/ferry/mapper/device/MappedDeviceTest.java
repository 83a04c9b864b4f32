package dev.ferry.mapper.device;

import static dev.ferry.mapper.targets.TestDevices.await;
import static dev.ferry.mapper.targets.TestDevices.failure;
import static dev.ferry.mapper.targets.TestDevices.pattern;
import static dev.ferry.mapper.targets.TestDevices.read;
import static dev.ferry.mapper.targets.TestDevices.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.mirror.MirrorListener;
import dev.ferry.mapper.mirror.MirrorTargetType;
import dev.ferry.mapper.sim.QueuedBlockDevice;
import dev.ferry.mapper.targets.ChannelDevice;
import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.targets.DeviceResolver;
import dev.ferry.mapper.targets.Target;
import dev.ferry.mapper.targets.TargetContext;
import dev.ferry.mapper.targets.TargetType;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.targets.ZeroTarget;
import dev.ferry.mapper.targets.TestDevices;
import dev.ferry.mapper.testing.FaultyDevice;
import dev.ferry.mapper.time.ManualScheduler;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedDeviceTest {

    private static final Duration LONG = Duration.ofHours(1);

    private final TestDevices leaves = new TestDevices();
    private final ManualScheduler clock = new ManualScheduler();
    private final DeviceRegistry registry = new DeviceRegistry(TargetTypes.standard(), clock, leaves, LONG);
    private final AtomicLong arrivals = new AtomicLong();
    private final MemoryBlockDevice a = leaves.memory("/a", 256);
    private final MemoryBlockDevice b = leaves.memory("/b", 256);
    private final QueuedBlockDevice q = leaves.add("/q", new QueuedBlockDevice("q", 256 * 512, arrivals));

    private static BlockIoException.Kind kind(CompletableFuture<?> f) {
        return ((BlockIoException) failure(f)).kind();
    }

    @Test
    void aNewDeviceIsActiveWithoutATable() {
        MappedDevice d = registry.create("d");
        assertThat(d.info()).isEqualTo(new DeviceInfo("d", DeviceState.ACTIVE, 0, false, false, 0, 0, 0));
        assertThat(kind(d.read(0, ByteBuffer.allocate(512)))).isEqualTo(BlockIoException.Kind.IO_ERROR);
        await(d.flush());
        assertThat(d.size()).isZero();
        assertThat(d.table()).isEmpty();
        assertThat(d.status()).isEmpty();
    }

    @Test
    void loadKeepsTheLiveTableServingUntilResume() {
        MappedDevice d = registry.create("d", "0 64 linear /a 0");
        write(a, 0, pattern(512, 1));
        write(b, 0, pattern(512, 2));
        registry.load("d", "0 32 linear /b 0\n32 32 zero");
        assertThat(read(d, 0, 512)).isEqualTo(pattern(512, 1));
        assertThat(d.info().inactiveTable()).isTrue();
        assertThat(d.table()).isEqualTo("0 64 linear /a 0\n");
        assertThat(d.inactiveTable()).isEqualTo("0 32 linear /b 0\n32 32 zero\n");
        await(d.resume());
        assertThat(read(d, 0, 512)).isEqualTo(pattern(512, 2));
        assertThat(d.info()).isEqualTo(new DeviceInfo("d", DeviceState.ACTIVE, 0, true, false, 0, 2, 64 * 512));
        assertThat(d.status()).isEqualTo("0 32 linear\n32 32 zero\n");
    }

    @Test
    void suspendQueuesNewIoAndWaitsForInflightIo() {
        MappedDevice d = registry.create("d", "0 64 linear /q 0");
        CompletableFuture<Void> inflight = d.write(0, ByteBuffer.wrap(pattern(512, 3)), false);
        CompletableFuture<Void> suspended = d.suspend(SuspendMode.NOFLUSH, LONG);
        assertThat(suspended).isNotDone();
        assertThat(d.state()).isEqualTo(DeviceState.SUSPENDING);
        ByteBuffer dst = ByteBuffer.allocate(512);
        CompletableFuture<Void> queued = d.read(0, dst);
        assertThat(q.pendingCount()).isEqualTo(1);
        q.complete(0);
        await(inflight);
        await(suspended);
        assertThat(d.state()).isEqualTo(DeviceState.SUSPENDED);
        assertThat(q.pendingCount()).isZero();
        assertThat(queued).isNotDone();
        await(d.resume());
        assertThat(q.pendingCount()).isEqualTo(1);
        q.complete(0);
        await(queued);
        assertThat(dst.array()).isEqualTo(pattern(512, 3));
        assertThat(q.flushes()).isZero();
    }

    @Test
    void flushSuspendFlushesOnceWhileIoFlowsAndAgainAfterDraining() {
        MappedDevice d = registry.create("d", "0 64 linear /q 0");
        CompletableFuture<Void> suspended = d.suspend(SuspendMode.FLUSH, LONG);
        assertThat(q.pendingDescriptions()).containsExactly("flush");
        // the first flush runs before the gate closes: I/O issued now goes straight to the device
        CompletableFuture<Void> during = d.write(0, ByteBuffer.wrap(pattern(512, 6)), false);
        assertThat(q.pendingDescriptions()).hasSize(2).contains("flush");
        q.complete(0);
        q.complete(0);
        await(during);
        assertThat(q.pendingDescriptions()).containsExactly("flush");
        assertThat(suspended).isNotDone();
        q.complete(0);
        await(suspended);
        assertThat(q.flushes()).isEqualTo(2);
        await(d.resume());
        await(d.suspend(SuspendMode.NOFLUSH, LONG));
        assertThat(q.pendingCount()).isZero();
    }

    @Test
    void mirrorRecoveryStopsBeforeTheGateClosesSoIoFlowsMeanwhile() {
        Copier copier = new Copier(new CopierConfig(4096, 2, 4, 0), clock);
        DeviceRegistry r = new DeviceRegistry(TargetTypes.standard().with(
                new MirrorTargetType(copier, MirrorListener.NONE, 2)), clock, leaves, LONG);
        write(a, 0, pattern(64 * 512, 7));
        MappedDevice d = r.create("m", "0 64 mirror core 1 16 2 /a 0 /q 0");
        assertThat(q.pendingCount()).isPositive();           // recovery copies wait on the queued leg
        CompletableFuture<Void> suspended = d.suspend(SuspendMode.NOFLUSH, LONG);
        ByteBuffer during = ByteBuffer.allocate(512);
        await(d.read(0, during));                            // presuspend pending: the gate is still open
        assertThat(during.array()).isEqualTo(java.util.Arrays.copyOf(pattern(64 * 512, 7), 512));
        assertThat(d.state()).isEqualTo(DeviceState.SUSPENDING);
        q.completeAll();                                      // cancelled copies end: recovery paused
        await(suspended);
        CompletableFuture<Void> queued = d.read(512, ByteBuffer.allocate(512));
        assertThat(queued).isNotDone();
        assertThat(q.pendingCount()).isZero();               // no recovery while suspended
        await(d.resume());
        await(queued);
        q.completeAll();
    }

    @Test
    void suspendTimesOutBackToActiveAndReleasesQueuedIo() {
        MappedDevice d = registry.create("d", "0 64 linear /q 0");
        CompletableFuture<Void> stuck = d.write(0, ByteBuffer.wrap(pattern(512, 4)), false);
        CompletableFuture<Void> suspended = d.suspend(SuspendMode.NOFLUSH, Duration.ofMillis(100));
        CompletableFuture<Void> queued = d.write(512, ByteBuffer.wrap(pattern(512, 5)), false);
        clock.advance(Duration.ofMillis(99));
        assertThat(suspended).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(failure(suspended)).isInstanceOf(TimeoutException.class).hasMessage(
                "suspend of device 'd' timed out after 100 ms with 1 requests in flight; device is ACTIVE again");
        assertThat(d.state()).isEqualTo(DeviceState.ACTIVE);
        assertThat(q.pendingCount()).isEqualTo(2);
        q.completeAll();
        await(stuck);
        await(queued);
        assertThat(read(q.medium(), 0, 1024)).isEqualTo(concat(pattern(512, 4), pattern(512, 5)));
        await(d.suspend(SuspendMode.NOFLUSH, LONG));
        assertThat(d.state()).isEqualTo(DeviceState.SUSPENDED);
    }

    @Test
    void aFlushErrorFailsTheSuspendAndReactivates() {
        leaves.add("/bad", new dev.ferry.mapper.block.BlockDevice() {
            private final MemoryBlockDevice m = new MemoryBlockDevice("bad", 64 * 512);

            public long size() { return m.size(); }
            public CompletableFuture<Void> read(long o, ByteBuffer d) { return m.read(o, d); }
            public CompletableFuture<Void> write(long o, ByteBuffer s, boolean f) { return m.write(o, s, f); }
            public CompletableFuture<Void> flush() {
                return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.IO_ERROR, "flush failed"));
            }
            public CompletableFuture<Void> discard(long o, long l) { return m.discard(o, l); }
            public CompletableFuture<Void> writeZeroes(long o, long l, boolean u) { return m.writeZeroes(o, l, u); }
            public CompletableFuture<List<dev.ferry.mapper.block.Extent>> allocation(long o, long l) { return m.allocation(o, l); }
            public String describe() { return "bad"; }
            public void close() { }
        });
        MappedDevice d = registry.create("d", "0 64 linear /bad 0");
        assertThat(failure(d.suspend(SuspendMode.FLUSH, LONG))).hasMessage("flush failed");
        assertThat(d.state()).isEqualTo(DeviceState.ACTIVE);
        await(d.suspend(SuspendMode.NOFLUSH, LONG));
    }

    /**
     * A pvmove device whose first segment already lives on a destination that cannot flush (a remote PV cut off) must
     * not fail the flush of an LV stacked on its other segment: a linear target flushes only its slice of the device
     * below, and a mapped device only the targets under that slice.
     */
    @Test
    void aStackedDeviceFlushesOnlyTheTargetsUnderItsSliceOfTheDeviceBelow() {
        leaves.add("/bad", new FaultyDevice(new MemoryBlockDevice("bad", 64 * 512)).failWrites());
        MappedDevice lower = registry.create("lower", "0 64 linear /a 0\n64 64 linear /bad 0");
        MappedDevice good = registry.create("good", "0 64 linear lower 0");
        MappedDevice bad = registry.create("bad", "0 32 linear lower 96");
        await(good.flush());
        assertThat(kind(bad.flush())).isEqualTo(BlockIoException.Kind.IO_ERROR);
        assertThat(kind(lower.flush())).as("the whole device").isEqualTo(BlockIoException.Kind.IO_ERROR);
        await(lower.flush(0, 64 * 512));
        assertThat(kind(lower.flush(63 * 512, 2 * 512))).as("a range over both targets")
                .isEqualTo(BlockIoException.Kind.IO_ERROR);
        await(lower.flush(128 * 512, 512));   // past the end: nothing under it
    }

    @Test
    void queuedIoIsReleasedInArrivalOrderOntoTheNewTable() {
        MappedDevice d = registry.create("d", "0 64 linear /a 0");
        await(d.suspend(SuspendMode.NOFLUSH, LONG));
        leaves.add("/q2", q);
        registry.load("d", "0 64 linear /q 0");
        List<byte[]> buffers = new ArrayList<>();
        List<CompletableFuture<Void>> ops = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            byte[] data = pattern(512, 10 + i);
            buffers.add(data);
            ops.add(i % 2 == 0 ? d.write((7 - i) * 512L, ByteBuffer.wrap(data), false) : d.read(i * 512L, ByteBuffer.wrap(data)));
        }
        assertThat(q.pendingCount()).isZero();
        await(d.resume());
        assertThat(q.pendingCount()).isEqualTo(8);
        for (int i = 1; i < 8; i++) {
            assertThat(q.firstArrival(buffers.get(i))).isGreaterThan(q.firstArrival(buffers.get(i - 1)));
        }
        q.completeAll();
        ops.forEach(TestDevices::await);
        assertThat(read(a, 0, 4096)).isEqualTo(new byte[4096]);
    }

    @Test
    void aRequestSpanningTargetsCompletesWhenAllPiecesDo() {
        MappedDevice d = registry.create("d", "0 8 linear /q 0\n8 8 linear /q 100\n");
        CompletableFuture<Void> w = d.write(3584, ByteBuffer.wrap(pattern(1024, 6)), false);
        assertThat(q.pendingCount()).isEqualTo(2);
        q.complete(1);
        assertThat(w).isNotDone();
        q.complete(0);
        await(w);
        assertThat(read(q.medium(), 100 * 512, 512)).isEqualTo(java.util.Arrays.copyOfRange(pattern(1024, 6), 512, 1024));
    }

    @Test
    void aRequestIsSplitAtTargetBoundariesEachPieceRelativeToItsTarget() {
        MappedDevice d = registry.create("d", "0 8 linear /a 0\n8 8 linear /b 8\n16 8 linear /a 100\n");
        byte[] data = pattern(16 * 512, 9);
        await(d.write(4 * 512, ByteBuffer.wrap(data), false));
        assertThat(read(a, 4 * 512, 2048)).isEqualTo(java.util.Arrays.copyOfRange(data, 0, 2048));
        assertThat(read(b, 8 * 512, 4096)).isEqualTo(java.util.Arrays.copyOfRange(data, 2048, 6144));
        assertThat(read(a, 100 * 512, 2048)).isEqualTo(java.util.Arrays.copyOfRange(data, 6144, 8192));
        ByteBuffer back = ByteBuffer.allocate(data.length);
        await(d.read(4 * 512, back));
        assertThat(back.array()).isEqualTo(data);
        await(d.writeZeroes(6 * 512, 12 * 512, false));
        assertThat(read(b, 8 * 512, 4096)).isEqualTo(new byte[4096]);
        assertThat(read(a, 100 * 512, 1024)).isEqualTo(new byte[1024]);
        assertThat(read(a, 102 * 512, 512)).isEqualTo(java.util.Arrays.copyOfRange(data, 7168, 7680));
    }

    @Test
    void theFirstPieceErrorFailsTheRequest() {
        MappedDevice d = registry.create("d", "0 8 linear /a 0\n8 8 error\n");
        assertThat(kind(d.write(3584, ByteBuffer.wrap(pattern(1024, 6)), false))).isEqualTo(BlockIoException.Kind.IO_ERROR);
        assertThat(kind(d.read(8 * 512, ByteBuffer.allocate(8 * 512 + 1)))).isEqualTo(BlockIoException.Kind.INVALID);
        assertThat(kind(d.discard(-1, 10))).isEqualTo(BlockIoException.Kind.INVALID);
    }

    @Test
    void aFileSpanPinsTheLiveTableUntilClosed(@TempDir Path dir) {
        ChannelDevice f = leaves.add("/f", new ChannelDevice(dir.resolve("f"), 64 * 512));
        MappedDevice d = registry.create("d", "0 8 linear /f 8\n8 8 linear /f 32\n");
        FileSpan span = d.fileSpan(4096 + 100, 200).orElseThrow();
        assertThat(span.position()).isEqualTo(32 * 512 + 100);
        assertThat(span.probe()).as("the leaf's allocation probe passes through").isSameAs(f.probe());
        assertThat(d.fileSpan(4000, 200)).isEmpty();
        CompletableFuture<Void> suspended = d.suspend(SuspendMode.NOFLUSH, LONG);
        assertThat(suspended).isNotDone();
        assertThat(d.fileSpan(0, 512)).isEmpty();
        span.close();
        span.close();
        await(suspended);
        assertThat(f.pins()).isZero();
        await(d.resume());
        f.close();
    }

    @Test
    void legalTransitionsAndTheirEffects() {
        MappedDevice d = registry.create("d", "0 64 linear /a 0");
        await(d.resume());
        assertThat(d.state()).isEqualTo(DeviceState.ACTIVE);
        await(d.suspend(SuspendMode.FLUSH, LONG));
        await(d.resume());
        await(d.suspend(SuspendMode.NOFLUSH, LONG));
        registry.load("d", "0 64 linear /b 0");
        assertThat(d.clear()).isTrue();
        assertThat(d.clear()).isFalse();
        await(d.resume());
        assertThat(d.table()).isEqualTo("0 64 linear /a 0\n");
        await(d.suspend(SuspendMode.NOFLUSH, LONG));
        await(d.remove(false));
        assertThat(d.state()).isEqualTo(DeviceState.REMOVED);
        assertThat(kind(d.read(0, ByteBuffer.allocate(512)))).isEqualTo(BlockIoException.Kind.SHUTDOWN);
        MappedDevice e = registry.create("e", "0 64 linear /a 0");
        await(e.remove(false));
        assertThat(e.state()).isEqualTo(DeviceState.REMOVED);
    }

    @Test
    void illegalTransitionsNameBothStates() {
        MappedDevice d = registry.create("d", "0 64 linear /q 0");
        d.write(0, ByteBuffer.allocate(512), false);
        CompletableFuture<Void> suspending = d.suspend(SuspendMode.NOFLUSH, LONG);
        assertThatThrownBy(() -> d.suspend(SuspendMode.NOFLUSH, LONG))
                .isInstanceOf(IllegalStateException.class).hasMessage("device 'd': illegal transition SUSPENDING -> SUSPENDING");
        assertThatThrownBy(d::resume).hasMessage("device 'd': illegal transition SUSPENDING -> ACTIVE");
        assertThatThrownBy(() -> d.remove(true)).hasMessage("device 'd': illegal transition SUSPENDING -> REMOVED");
        q.completeAll();
        await(suspending);
        assertThatThrownBy(() -> d.suspend(SuspendMode.FLUSH, LONG))
                .hasMessage("device 'd': illegal transition SUSPENDED -> SUSPENDING");
        await(d.remove(false));
        assertThatThrownBy(() -> d.suspend(SuspendMode.FLUSH, LONG)).hasMessage("device 'd': illegal transition REMOVED -> SUSPENDING");
        assertThatThrownBy(d::resume).hasMessage("device 'd': illegal transition REMOVED -> ACTIVE");
        assertThatThrownBy(() -> d.remove(true)).hasMessage("device 'd': illegal transition REMOVED -> REMOVED");
        assertThatThrownBy(d::clear).hasMessage("device 'd': cannot clear a table in state REMOVED");
        assertThatThrownBy(d::open).hasMessage("device 'd': cannot open in state REMOVED");
        assertThatThrownBy(() -> d.load(registry.parse("0 8 zero"))).hasMessage("device 'd': cannot load a table in state REMOVED");
    }

    @Test
    void aLiveReplaceIsVisibleAsReplacingUntilTheOldTablesRequestsDrained() {
        MappedDevice d = registry.create("d", "0 8 linear /q 0");
        CompletableFuture<Void> old = d.write(0, ByteBuffer.wrap(pattern(512, 1)), false);
        registry.load("d", "0 8 linear /a 0");
        CompletableFuture<Void> replaced = d.replace();
        assertThat(d.state()).isEqualTo(DeviceState.REPLACING);
        assertThat(d.info().state()).isEqualTo(DeviceState.REPLACING);
        assertThat(d.table()).isEqualTo("0 8 linear /a 0\n");
        await(d.write(512, ByteBuffer.wrap(pattern(512, 2)), false));   // no I/O held: the new table serves at once
        assertThat(read(a, 512, 512)).isEqualTo(pattern(512, 2));
        assertThatThrownBy(() -> d.suspend(SuspendMode.NOFLUSH, LONG))
                .isInstanceOf(IllegalStateException.class).hasMessage("device 'd': illegal transition REPLACING -> SUSPENDING");
        registry.load("d", "0 8 linear /b 0");
        assertThatThrownBy(d::replace).hasMessage("device 'd': illegal transition REPLACING -> REPLACING");
        assertThatThrownBy(d::resume).hasMessage("device 'd': illegal transition REPLACING -> SUSPENDING");
        assertThat(d.clear()).isTrue();
        assertThat(d.resume()).isCompleted();   // nothing waiting: nothing to do, as when ACTIVE
        assertThat(replaced).isNotDone();
        q.completeAll();
        await(old);
        await(replaced);
        assertThat(d.state()).isEqualTo(DeviceState.ACTIVE);
        assertThat(d.stats().lastReplaceDrainNanos()).isNotNegative();
    }

    @Test
    void aReplaceNeedsAnInactiveTableAndARemoveEndsIt() {
        MappedDevice d = registry.create("d", "0 8 linear /q 0");
        assertThatThrownBy(d::replace).hasMessage("device 'd' has no inactive table to make live");
        assertThat(d.state()).isEqualTo(DeviceState.ACTIVE);
        CompletableFuture<Void> old = d.write(0, ByteBuffer.allocate(512), false);
        registry.load("d", "0 8 linear /a 0");
        CompletableFuture<Void> replaced = d.replace();
        CompletableFuture<Void> removed = d.remove(true);
        assertThat(d.state()).isEqualTo(DeviceState.REMOVED);
        assertThat(kind(d.read(0, ByteBuffer.allocate(512)))).isEqualTo(BlockIoException.Kind.SHUTDOWN);
        await(removed);
        q.completeAll();
        await(old);
        await(replaced);
        assertThat(d.state()).isEqualTo(DeviceState.REMOVED);
    }

    @Test
    void aReplaceWhoseInactiveTableIsClearedBeforeTheSwapIsAbandonedAndTheOldTableKeepsServing() {
        Copier copier = new Copier(new CopierConfig(4096, 2, 4, 0), clock);
        DeviceRegistry r = new DeviceRegistry(TargetTypes.standard().with(
                new MirrorTargetType(copier, MirrorListener.NONE, 2)), clock, leaves, LONG);
        MappedDevice d = r.create("m", "0 64 mirror core 1 16 2 /a 0 /q 0");
        assertThat(q.pendingCount()).isPositive();           // recovery copies wait on the queued leg
        r.load("m", "0 64 linear /b 0");
        CompletableFuture<Void> replaced = d.replace();      // the old mirror's presuspend waits for its copies
        assertThat(d.state()).isEqualTo(DeviceState.REPLACING);
        assertThat(d.clear()).isTrue();
        q.completeAll();
        assertThat(failure(replaced)).isInstanceOf(IllegalStateException.class)
                .hasMessage("device 'm': table replace abandoned (inactive table cleared)");
        assertThat(d.state()).isEqualTo(DeviceState.ACTIVE);
        assertThat(d.table()).startsWith("0 64 mirror");
        await(d.suspend(SuspendMode.NOFLUSH, LONG));         // a suspend is legal again
        await(d.resume());
        q.completeAll();
    }

    @Test
    void removeRefusesABusyDeviceUnlessForced() {
        MappedDevice d = registry.create("d", "0 64 linear /a 0");
        var handle = d.open();
        assertThat(d.openCount()).isEqualTo(1);
        assertThatThrownBy(() -> d.remove(false)).hasMessage("device 'd' is open (1 openers)");
        handle.close();
        handle.close();
        assertThat(d.openCount()).isZero();
        await(d.suspend(SuspendMode.NOFLUSH, LONG));
        CompletableFuture<Void> queued = d.read(0, ByteBuffer.allocate(512));
        assertThatThrownBy(() -> d.remove(false)).hasMessage("device 'd' has 1 queued requests");
        await(d.remove(true));
        assertThat(kind(queued)).isEqualTo(BlockIoException.Kind.SHUTDOWN);
    }

    @Test
    void removeWaitsForInflightIoBeforeClosingTheTable() {
        MappedDevice lower = registry.create("lower", "0 64 linear /q 0");
        MappedDevice top = registry.create("top", "0 64 linear lower 0");
        CompletableFuture<Void> w = top.write(0, ByteBuffer.allocate(512), false);
        CompletableFuture<Void> removed = registry.remove("top", false);
        assertThat(removed).isNotDone();
        assertThat(lower.openCount()).isEqualTo(1);
        q.completeAll();
        await(w);
        await(removed);
        assertThat(lower.openCount()).isZero();
        assertThat(registry.lookup("top")).isEmpty();
    }

    @Test
    void stackedDevicesAreOpenedByTheirTablesAndCyclesAreRefused() {
        MappedDevice lower = registry.create("lower", "0 64 linear /a 0");
        MappedDevice top = registry.create("top", "0 32 linear lower 32\n32 32 linear /dev/mapper/lower 0");
        assertThat(lower.openCount()).isEqualTo(1);
        write(top, 0, pattern(512, 7));
        assertThat(read(a, 32 * 512, 512)).isEqualTo(pattern(512, 7));
        assertThatThrownBy(() -> registry.remove("lower", false)).hasMessage("device 'lower' is open (1 openers)");
        assertThatThrownBy(() -> registry.load("lower", "0 64 linear top 0"))
                .hasMessage("device 'lower': table maps onto mapped:top, which depends on this device");
        assertThat(lower.openCount()).isEqualTo(1);
        assertThat(top.dependsOn(a)).isFalse();
        assertThat(top.dependsOn(lower)).isTrue();
        registry.load("top", "0 64 zero");
        await(top.resume());
        assertThat(lower.openCount()).isZero();
    }

    @Test
    void targetEventsReachTheDeviceAndItsListeners() {
        AtomicReference<TargetContext> context = new AtomicReference<>();
        AtomicReference<Target> created = new AtomicReference<>();
        TargetType evented = new TargetType() {
            @Override
            public String name() {
                return "evented";
            }

            @Override
            public Target create(long lengthSectors, List<String> args, DeviceResolver devices) {
                throw new UnsupportedOperationException("needs a context");
            }

            @Override
            public Target create(long lengthSectors, List<String> args, TargetContext ctx) {
                context.set(ctx);
                created.set(new ZeroTarget(lengthSectors));
                return created.get();
            }
        };
        DeviceRegistry r = new DeviceRegistry(TargetTypes.standard().with(evented), clock, leaves, LONG);
        List<DeviceEvent> seen = new ArrayList<>();
        MappedDevice d = r.create("d", "0 64 evented");
        d.addListener(seen::add);
        d.addListener(e -> {
            throw new IllegalStateException("a broken listener does not stop the others");
        });
        d.addListener(seen::add);
        context.get().events().raise(created.get(), "leg 1 failed");
        DeviceEvent expected = new DeviceEvent("d", 1, created.get(), "leg 1 failed");
        assertThat(seen).containsExactly(expected, expected);
        assertThat(d.eventNumber()).isEqualTo(1);
        assertThat(d.info().eventNumber()).isEqualTo(1);
        Table table = r.parse("0 64 zero");
        r.create("e").load(table);
        assertThatThrownBy(() -> d.load(table)).hasMessage("table is already attached to a device");
    }

    private static byte[] concat(byte[] x, byte[] y) {
        byte[] out = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
