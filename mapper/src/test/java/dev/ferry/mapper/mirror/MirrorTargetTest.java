package dev.ferry.mapper.mirror;

import static dev.ferry.mapper.testing.Bytes.get;
import static dev.ferry.mapper.testing.Bytes.join;
import static dev.ferry.mapper.testing.Bytes.put;
import static dev.ferry.mapper.testing.Bytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.testing.DelegatingDevice;
import dev.ferry.mapper.testing.FaultyDevice;
import dev.ferry.mapper.testing.OpQueue;
import dev.ferry.mapper.testing.QueuedDevice;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorTargetTest {

    private static final int REGION = 64 * 1024;   // 128 sectors
    private static final int SIZE = 8 * REGION;     // 8 regions, 1024 sectors

    private final MirrorFixture fx = new MirrorFixture();
    private final MemoryBlockDevice a = new MemoryBlockDevice("a", SIZE);
    private final MemoryBlockDevice b = new MemoryBlockDevice("b", SIZE + 16 * 512);

    @Test
    void writeToInSyncRegionHitsEveryLeg() {
        fx.add("a", a).add("b", b);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 16", 2);
        byte[] data = random(1, 3000);
        put(m, REGION + 100, data);
        assertThat(get(a, REGION + 100, 3000)).isEqualTo(data);
        assertThat(get(b, 16 * 512 + REGION + 100, 3000)).isEqualTo(data);
        assertThat(m.regionState(1)).isEqualTo(RegionState.DIRTY);
        join(m.flush());
        assertThat(m.regionState(1)).isEqualTo(RegionState.CLEAN);
        assertThat(m.status()).isEqualTo("2 a b 8/8 1 AA 1 core");
        assertThat(m.params()).isEqualTo("core 2 128 nosync 2 a 0 b 16");
    }

    @Test
    void writeToOutOfSyncRegionHitsDefaultLegOnly() {
        fx.add("a", a).add("b", b);
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 1);
        byte[] data = random(2, REGION + 10);   // spans regions 2 and 3
        put(m, 2 * REGION, data);
        assertThat(get(a, 2 * REGION, data.length)).isEqualTo(data);
        assertThat(get(b, 2 * REGION, data.length)).isEqualTo(new byte[data.length]);
        assertThat(m.regionState(2)).isEqualTo(RegionState.NOSYNC);
        assertThat(m.status()).isEqualTo("2 a b 0/8 1 AA 1 core");
    }

    @Test
    void recoveryConvergesAndReportsCompletion() {
        put(a, 0, random(3, SIZE));
        fx.add("a", a).add("b", b);
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 3);
        assertThat(m.recoveryFinished()).isNotDone();
        m.resume();
        RecoveryOutcome outcome = join(m.recoveryFinished());
        assertThat(outcome).isEqualTo(new RecoveryOutcome(RecoveryOutcome.Status.IN_SYNC, 8, 8, null));
        assertThat(get(b, 0, SIZE)).isEqualTo(get(a, 0, SIZE));
        assertThat(fx.synced).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(fx.outcomes).containsExactly(outcome);
        assertThat(m.status()).isEqualTo("2 a b 8/8 1 AA 1 core");
    }

    @Test
    void writeToRecoveringRegionWaitsUntilItsCopyCompletes() {
        OpQueue q = new OpQueue();
        put(a, 0, random(4, SIZE));
        fx.add("a", new QueuedDevice(a, q)).add("b", new QueuedDevice(b, q));
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 1);
        m.resume();
        assertThat(m.regionState(0)).isEqualTo(RegionState.RECOVERING);
        byte[] data = random(5, 1000);
        CompletableFuture<Void> w = m.write(500, ByteBuffer.wrap(data), false);
        assertThat(m.tracker().delayedWrites(0)).isEqualTo(1);
        int queued = q.size();
        while (m.regionState(0) == RegionState.RECOVERING) {
            assertThat(w).isNotDone();
            assertThat(q.runOne(0)).isTrue();
        }
        assertThat(queued).isEqualTo(2);  // the hole scan's and the copier's allocation queries: the write was not issued
        q.drain();
        join(w);
        assertThat(get(a, 500, 1000)).isEqualTo(data);
        assertThat(get(b, 500, 1000)).isEqualTo(data);   // released after the copy: the region was in sync
        join(m.recoveryFinished());
        assertThat(get(b, 0, SIZE)).isEqualTo(get(a, 0, SIZE));
    }

    @Test
    void recoveryCopiesSeveralRegionsAtOnce() {
        OpQueue q = new OpQueue();
        fx.add("a", new QueuedDevice(a, q)).add("b", new QueuedDevice(b, q));
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 3);
        m.resume();
        assertThat(java.util.stream.IntStream.range(0, 8).mapToObj(m::regionState))
                .containsExactly(RegionState.RECOVERING, RegionState.RECOVERING, RegionState.RECOVERING,
                        RegionState.NOSYNC, RegionState.NOSYNC, RegionState.NOSYNC, RegionState.NOSYNC, RegionState.NOSYNC);
        q.drain();
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
    }

    @Test
    void recoveryFlushesCopiedRegionsTogetherAndRecordsThemInSyncOnlyAfterTheFlush() {
        put(a, 0, random(12, SIZE));
        List<CompletableFuture<Void>> held = new ArrayList<>();
        DelegatingDevice heldFlushes = new DelegatingDevice(b) {
            @Override
            public CompletableFuture<Void> flush() {
                CompletableFuture<Void> release = new CompletableFuture<>();
                held.add(release);
                return release.thenCompose(v -> super.flush());
            }
        };
        fx.add("a", a).add("b", heldFlushes);
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 8);
        m.resume();
        assertThat(held).hasSize(1);                      // region 0 copied, its flush held
        assertThat(get(b, 0, SIZE)).isEqualTo(get(a, 0, SIZE));   // the rest copied meanwhile
        assertThat(m.regionsInSync()).isZero();           // nothing counts before a flush
        assertThat(m.regionState(5)).isEqualTo(RegionState.RECOVERING);
        held.get(0).complete(null);
        assertThat(m.regionsInSync()).isEqualTo(1);
        assertThat(held).hasSize(2);                      // regions 1-7 wait for one flush together
        held.get(1).complete(null);
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
        assertThat(m.regionsInSync()).isEqualTo(8);
    }

    @Test
    void recoveryZeroesEachRunOfSourceHolesWithOneCopy() {
        put(a, 2 * REGION, random(14, REGION));         // data in region 2 only; the rest of a is a hole
        put(b, 0, random(15, SIZE));                     // stale bytes everywhere on b
        List<Long> zeroed = new ArrayList<>();
        DelegatingDevice counted = new DelegatingDevice(b) {
            @Override
            public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
                zeroed.add(length);
                return super.writeZeroes(offset, length, mayUnmap);
            }
        };
        fx.add("a", a).add("b", counted);
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 4);
        m.resume();
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
        assertThat(get(b, 0, SIZE)).isEqualTo(get(a, 0, SIZE));
        assertThat(zeroed).containsExactly(2L * REGION, 5L * REGION);   // regions 0-1 and 3-7, one copy each
        assertThat(fx.synced).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void fileSpanReadsTheDefaultLegWhileRecovering(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("leg.img");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(SIZE);
        }
        try (FileBlockDevice leg = FileBlockDevice.open(file, FileBlockDevice.Access.READ_WRITE, Runnable::run)) {
            fx.add("f", leg).add("b", b);
            MirrorTarget m = fx.create(1024, "core 1 128 2 f 0 b 0", 1);
            assertThat(m.regionState(1)).isEqualTo(RegionState.NOSYNC);
            try (FileSpan span = m.fileSpan(REGION + 512, 4096).orElseThrow()) {
                assertThat(span.position()).isEqualTo(REGION + 512);
                assertThat(span.length()).isEqualTo(4096);
            }
            assertThat(m.fileSpan(SIZE - 512, 1024)).isEmpty();
            // once the default leg failed (even a read), reads take the path that can fall over to another leg
            m.legFailed(m.defaultLeg(), LegError.READ, 0, new java.io.IOException("injected"));
            assertThat(m.fileSpan(REGION + 512, 4096)).isEmpty();
        }
    }

    @Test
    void aLegWhoseDeviceOffersNoSpanLeavesZeroCopyReadsOfInSyncRegionsToTheOther(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("leg.img");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(SIZE);
        }
        try (FileBlockDevice leg = FileBlockDevice.open(file, FileBlockDevice.Access.READ_WRITE, Runnable::run)) {
            fx.add("a", a).add("f", leg);   // a offers no spans, as a PV whose I/O is failing
            MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 f 0", 1);
            for (int i = 0; i < 4; i++) {
                try (FileSpan span = m.fileSpan(REGION + 512, 4096).orElseThrow()) {
                    assertThat(span.position()).as("read %d, whichever leg the round robin starts at", i)
                            .isEqualTo(REGION + 512);
                }
            }
        }
    }

    @Test
    void aMirrorThatKeepsServingOffersSpansOnlyOfInSyncRangesFromCopiesGoodThroughout(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("leg.img");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(SIZE);
        }
        try (FileBlockDevice leg = FileBlockDevice.open(file, FileBlockDevice.Access.READ_WRITE, Runnable::run)) {
            fx.add("f", leg).add("g", leg);
            MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 f 0 g 0 2 handle_errors keep_serving", 1);
            try (FileSpan span = m.fileSpan(REGION + 512, 4096).orElseThrow()) {
                assertThat(span.position()).as("an in-sync range, from either copy").isEqualTo(REGION + 512);
            }
            m.copyStale(m.legs().get(1), 2).join();
            assertThat(m.fileSpan(2 * REGION + 512, 4096)).as("copies differ in a region with a stale one").isEmpty();
            assertThat(m.fileSpan(REGION + 512, 2 * REGION)).as("a span reaching into that region").isEmpty();
            m.legFailed(m.legs().get(0), LegError.READ, 0, new java.io.IOException("injected"));
            for (int i = 0; i < 4; i++) {
                assertThat(m.fileSpan(REGION + 512, 4096)).as("read %d: the copy without a read failure", i)
                        .isPresent().get().satisfies(FileSpan::close);
            }
            m.legFailed(m.legs().get(1), LegError.READ, 0, new java.io.IOException("injected"));
            assertThat(m.fileSpan(REGION + 512, 4096)).as("no copy without a read failure").isEmpty();
        }
    }

    @Test
    void aReaderWhoseSpanReadsFallBackReadsEveryLegThroughTheWatchedPath(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("f.img");
        Path g = dir.resolve("g.img");
        for (Path p : List.of(f, g)) {
            try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
                byte[] mark = new byte[SIZE];
                java.util.Arrays.fill(mark, (byte) (p == f ? 0x11 : 0x22));   // tells the legs apart
                raf.write(mark);
            }
        }
        try (FileBlockDevice fd = FileBlockDevice.open(f, FileBlockDevice.Access.READ_WRITE, Runnable::run);
                FileBlockDevice gd = FileBlockDevice.open(g, FileBlockDevice.Access.READ_WRITE, Runnable::run)) {
            fx.add("f", fd).add("g", gd);
            MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 f 0 g 0 2 handle_errors keep_serving", 1);
            java.util.Set<Byte> watched = new java.util.HashSet<>();
            for (int i = 0; i < 8; i++) {
                m.fileSpan(REGION + 512, 4096).orElseThrow().close();   // as a span read that found nothing cached
                watched.add(get(m, REGION + 512, 4096)[0]);               // and then read through the legs
            }
            assertThat(watched).as("legs read by the reads that fell back (one round robin for both would start "
                    + "them at the same leg every time)").containsExactlyInAnyOrder((byte) 0x11, (byte) 0x22);
        }
    }

    @Test
    void throttleFeatureNamesTheCopierGroupOfRecoveryAndRoundTrips() {
        put(a, 0, random(13, SIZE));
        fx.add("a", a).add("b", b);
        fx.copier.setRateLimit("vg-pvmove0", REGION);   // one region per second
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0 3 handle_errors throttle vg-pvmove0", 2);
        assertThat(m.params()).isEqualTo("core 1 128 2 a 0 b 0 3 handle_errors throttle vg-pvmove0");
        assertThat(fx.create(1024, "core 1 128 2 a 0 b 0 2 throttle g", 1).params()).endsWith(" 2 throttle g");
        m.resume();
        fx.scheduler.advance(java.time.Duration.ofSeconds(2));
        assertThat(m.regionsInSync()).isBetween(1, 4);
        fx.copier.setRateLimit("vg-pvmove0", 0);
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
        for (String bad : List.of("2 handle_errors throttle", "1 throttle", "4 handle_errors throttle g x",
                "3 throttle g throttle", "2 handle_errors handle_errors", "1 keep_log")) {
            assertThatThrownBy(() -> fx.create(1024, "core 1 128 2 a 0 b 0 " + bad, 1))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("mirror: ");
        }
    }

    @Test
    void recoveryIsPacedByTheCopierRateLimit() {
        put(a, 0, random(10, SIZE));
        fx.add("a", a).add("b", b);
        fx.copier.setRateLimit(REGION);           // one region per second
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 2);
        m.resume();
        int before = m.regionsInSync();
        fx.scheduler.advance(java.time.Duration.ofSeconds(2));
        int after = m.regionsInSync();
        assertThat(after).isGreaterThan(before).isLessThan(8);
        assertThat(after - before).isBetween(1, 3);
        fx.copier.setRateLimit(0);
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
        assertThat(get(b, 0, SIZE)).isEqualTo(get(a, 0, SIZE));
    }

    @Test
    void readFallsOverToAnotherInSyncLegOnDefaultLegError() {
        FaultyDevice fa = new FaultyDevice(a);
        fx.add("a", fa).add("b", b);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0", 1);
        byte[] data = random(6, 5000);
        put(m, 7, data);
        fa.failReads();
        assertThat(get(m, 7, 5000)).isEqualTo(data);
        assertThat(m.legHealth()).isEqualTo("RA");
        assertThat(fx.legFailures).singleElement().satisfies(f -> {
            assertThat(f.leg()).isZero();
            assertThat(f.error()).isEqualTo(LegError.READ);
        });
        assertThat(m.status()).isEqualTo("2 a b 8/8 1 RA 1 core");
    }

    @Test
    void readOfOutOfSyncRegionFailsWhenDefaultLegCannotRead() {
        FaultyDevice fa = new FaultyDevice(a).failReads();
        fx.add("a", fa).add("b", b);
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 1);
        assertThatThrownBy(() -> m.read(0, ByteBuffer.allocate(512)).get()).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(BlockIoException.class).hasMessageContaining("could read region 0");
    }

    @Test
    void legWriteFailureIsRecordedEventedShownAndPutsOnlyTheRegionsItMayLackOutOfSync() {
        FaultyDevice fb = new FaultyDevice(b).failWrites();
        fx.add("a", a).add("b", fb);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0 1 handle_errors", 2);
        byte[] data = random(7, 2000);
        put(m, 0, data);                                // acknowledged: the default leg has it
        assertThat(get(a, 0, 2000)).isEqualTo(data);
        assertThat(m.legHealth()).isEqualTo("AD");
        assertThat(fx.legFailures).singleElement().satisfies(f -> assertThat(f.error()).isEqualTo(LegError.WRITE));
        assertThat(m.status()).as("region 0 missed the write on b").isEqualTo("2 a b 7/8 1 AD 1 core");
        put(m, 3 * REGION + 5, random(8, 100));         // b is dead: not written, region 3 goes out of sync too
        assertThat(fb.writes()).as("writes sent to the dead leg").isEqualTo(1);
        assertThat(m.regionState(3)).isEqualTo(RegionState.NOSYNC);
        assertThat(m.regionsInSync()).isEqualTo(6);
        assertThat(m.params()).endsWith(" 1 handle_errors");
        m.resume();
        RecoveryOutcome o = join(m.recoveryFinished());
        assertThat(o.status()).isEqualTo(RecoveryOutcome.Status.DEGRADED);
        assertThat(o.reason()).contains("leg 1 (b) failed: D");
        assertThat(o.regionsInSync()).isEqualTo(6);
    }

    @Test
    void anOfflineLegIsNeverUsedAndEveryRegionWrittenWithoutItGoesOutOfSync() {
        FaultyDevice fb = new FaultyDevice(b).failWrites().failReads();
        fx.add("a", a).add("b", fb);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0 2 offline 1", 2);
        assertThat(m.legHealth()).isEqualTo("AD");
        assertThat(m.params()).endsWith(" 2 offline 1");
        byte[] data = random(9, 3000);
        put(m, 2 * REGION, data);
        assertThat(get(m, 2 * REGION, 3000)).isEqualTo(data);
        assertThat(get(m, 5 * REGION, 512)).as("an in-sync region read from the default leg").isEqualTo(new byte[512]);
        assertThat(fb.writes() + fb.reads()).as("requests sent to the offline leg").isZero();
        assertThat(m.status()).isEqualTo("2 a b 7/8 1 AD 1 core");
        assertThat(m.regionState(2)).isEqualTo(RegionState.NOSYNC);
        m.resume();
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.DEGRADED);
        assertThat(fb.writes()).as("recovery copies onto the offline leg").isZero();
        assertThat(fx.legFailures).as("an offline leg is no new failure").isEmpty();
        assertThatThrownBy(() -> fx.create(1024, "core 2 128 nosync 2 a 0 b 0 2 offline 0", 2))
                .hasMessageContaining("default leg 0 cannot be offline");
        assertThatThrownBy(() -> fx.create(1024, "core 2 128 nosync 2 a 0 b 0 3 keep_serving offline 1", 2))
                .hasMessageContaining("cannot go with 'keep_serving'");
    }

    @Test
    void defaultLegWriteFailureFailsTheWrite() {
        FaultyDevice fa = new FaultyDevice(a).failWrites();
        fx.add("a", fa).add("b", b);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0", 1);
        assertThatThrownBy(() -> m.write(0, ByteBuffer.allocate(512), false).get())
                .cause().isInstanceOf(BlockIoException.class).hasMessageContaining("default leg a");
        assertThat(m.legHealth()).isEqualTo("DA");
        assertThatThrownBy(() -> m.write(0, ByteBuffer.allocate(512), false).get())
                .cause().hasMessageContaining("has failed");
        assertThat(get(m, 0, 512)).isEqualTo(new byte[512]);  // reads of in-sync regions still work via b
    }

    @Test
    void legFailingAfterSomeRecoveryWritesIsASyncFailure() {
        put(a, 0, random(8, SIZE));
        FaultyDevice fb = new FaultyDevice(b).failWritesAfter(10);
        fx.add("a", a).add("b", fb);
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 2);
        m.resume();
        RecoveryOutcome o = join(m.recoveryFinished());
        assertThat(o.status()).isEqualTo(RecoveryOutcome.Status.DEGRADED);
        assertThat(m.legHealth()).isEqualTo("AS");
        assertThat(m.regionsInSync()).as("regions copied and flushed before the failure stay in sync").isLessThan(8);
        for (int r = 0; r < 8; r++) {
            if (m.regionState(r) != RegionState.NOSYNC) {
                assertThat(get(b, r * REGION, REGION)).as("in-sync region %d on leg b", r)
                        .isEqualTo(get(a, r * REGION, REGION));
            }
        }
        assertThat(fx.legFailures).extracting(LegFailure::error).containsExactly(LegError.SYNC);
    }

    /**
     * Under a rate limit a region is claimed (writes to it delayed) only once its copy can start, not while the copy
     * waits for the limit: a write to the region next in line goes on at once.
     */
    @Test
    void aRegionWhoseCopyWaitsForTheRateLimitIsNotClaimedAndWritesToItGoOn() {
        put(a, 0, random(18, SIZE));
        fx.copier.setRateLimit(REGION);                  // 16 KiB chunks at 64 KiB/s: one chunk per 250 ms
        fx.add("a", a).add("b", b);
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 4);
        m.resume();
        // region 0's four chunks at 0, 250, 500 and 750 ms; region 1's copy then waits for tokens until 1000 ms
        fx.scheduler.advance(java.time.Duration.ofMillis(800));
        assertThat(m.regionsInSync()).isEqualTo(1);
        assertThat(m.regionState(1)).isEqualTo(RegionState.NOSYNC);
        byte[] data = random(19, 4096);
        CompletableFuture<Void> w = m.write(REGION + 512, ByteBuffer.wrap(data), true);
        assertThat(w).as("a write to the region next in line, before the limit lets its copy start").isDone();
        join(w);
        assertThat(get(a, REGION + 512, 4096)).isEqualTo(data);

        fx.scheduler.advance(java.time.Duration.ofMillis(250));
        assertThat(m.regionState(1)).as("claimed once its copy starts").isEqualTo(RegionState.RECOVERING);
        fx.copier.setRateLimit(0);
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
        assertThat(get(b, 0, SIZE)).isEqualTo(get(a, 0, SIZE));
    }

    @Test
    void aDeadLegCancelsTheThrottledCopiesInFlight() {
        put(a, 0, random(16, SIZE));
        fx.copier.setRateLimit(REGION);                  // 16 KiB chunks at 64 KiB/s: one chunk per 250 ms
        fx.add("a", a).add("b", new FaultyDevice(b).failWritesAfter(1));
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 4);
        m.resume();                                      // one chunk written; four copies wait for tokens
        fx.scheduler.advance(java.time.Duration.ofMillis(260));
        // the next chunk's write failed and killed leg b: the copies still waiting were cancelled, not left to
        // finish at the throttled rate
        assertThat(m.recoveryFinished()).isDone();
        RecoveryOutcome o = join(m.recoveryFinished());
        assertThat(o.status()).isEqualTo(RecoveryOutcome.Status.DEGRADED);
        assertThat(m.legHealth()).isEqualTo("AS");
        assertThat(fx.copier.activeJobs()).isZero();
    }

    @Test
    void errorLegFailsRecoveryOfEveryRegion() {
        put(a, 0, random(17, SIZE));   // data to copy (a hole on both legs would need no write, only the flush)
        fx.add("a", a).add("bad", new FaultyDevice(b).failWrites());
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 bad 0", 4);
        m.resume();
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.DEGRADED);
        assertThat(m.status()).isEqualTo("2 a bad 0/8 1 AS 1 core");
    }

    @Test
    void postsuspendPausesRecoveryAndResumeContinues() {
        OpQueue q = new OpQueue();
        put(a, 0, random(9, SIZE));
        fx.add("a", new QueuedDevice(a, q)).add("b", new QueuedDevice(b, q));
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 0", 2);
        m.resume();
        for (int i = 0; i < 12; i++) {
            q.runOne(0);
        }
        CompletableFuture<Void> paused = m.postsuspend();
        q.drain();
        join(paused);
        int synced = m.regionsInSync();
        assertThat(synced).isLessThan(8);
        assertThat(q.size()).isZero();
        assertThat(m.recoveryFinished()).isNotDone();
        m.resume();
        q.drain();
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
        assertThat(get(b, 0, SIZE)).isEqualTo(get(a, 0, SIZE));
    }

    @Test
    void rejectsBadTables() {
        fx.add("a", a).add("b", b);
        assertThatThrownBy(() -> fx.create(1024, "core 1 100 2 a 0 b 0", 1)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> fx.create(1024, "core 1 128 1 a 0", 1)).hasMessageContaining("<#devs> must be 2..9");
        assertThatThrownBy(() -> fx.create(1024, "bogus 1 128 2 a 0 b 0", 1)).hasMessageContaining("unknown log type");
        assertThatThrownBy(() -> fx.create(1024, "core 1 128 2 a 0 b", 1)).hasMessageContaining("missing offset of leg 1");
        assertThatThrownBy(() -> fx.create(1024, "core 2 128 maybe 2 a 0 b 0", 1)).hasMessageContaining("sync or nosync");
        assertThatThrownBy(() -> fx.create(1024, "core 1 128 2 a 0 b 0 1 keep_log", 1)).hasMessageContaining("unknown feature");
        assertThatThrownBy(() -> fx.create(1024, "core 1 128 2 a 0 b 0 1 handle_errors x", 1)).hasMessageContaining("too many");
        assertThatThrownBy(() -> fx.create(1024, "core 1 128 2 a 0 b 17", 1)).hasMessageContaining("mirror leg b");
        assertThatThrownBy(() -> fx.create(1024, "core 1 128 2 a 0 c 0", 1)).hasMessageContaining("no device c");
        assertThatThrownBy(() -> fx.create(1024, "core x 128 2 a 0 b 0", 1)).hasMessageContaining("<#log_args>");
    }
}
