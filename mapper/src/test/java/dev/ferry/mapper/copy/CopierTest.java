package dev.ferry.mapper.copy;

import static dev.ferry.mapper.testing.Bytes.get;
import static dev.ferry.mapper.testing.Bytes.join;
import static dev.ferry.mapper.testing.Bytes.put;
import static dev.ferry.mapper.testing.Bytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.testing.FaultyDevice;
import dev.ferry.mapper.time.ManualScheduler;
import dev.ferry.mapper.testing.OpQueue;
import dev.ferry.mapper.testing.QueuedDevice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class CopierTest {

    private static final int MIB = 1 << 20;
    private static final int CHUNK = 64 * 1024;

    private final ManualScheduler scheduler = new ManualScheduler();

    private Copier copier(long rate) {
        return new Copier(new CopierConfig(CHUNK, 4, 6, rate), scheduler);
    }

    @Test
    void copiesExactRangeToEveryDestinationAtTheirOffsets() {
        MemoryBlockDevice src = new MemoryBlockDevice("src", 4 * MIB);
        MemoryBlockDevice a = new MemoryBlockDevice("a", 4 * MIB);
        MemoryBlockDevice b = new MemoryBlockDevice("b", 4 * MIB);
        byte[] data = random(1, 3 * MIB + 1234);
        put(src, 100, data);
        put(a, 0, random(2, 4 * MIB));
        CopyRequest req = new CopyRequest(src, 100,
                List.of(new CopyDestination(a, 7), new CopyDestination(b, 512 * 1024)), data.length);
        List<Long> progress = new ArrayList<>();
        CopyJob job = copier(0).copy(req, new CopyListener() {
            @Override
            public void progress(CopyJob j, long done, long total) {
                progress.add(done);
            }
        });
        CopyResult result = join(job.future());
        assertThat(job.state()).isEqualTo(CopyState.COMPLETED);
        assertThat(get(a, 7, data.length)).isEqualTo(data);
        assertThat(get(b, 512 * 1024, data.length)).isEqualTo(data);
        assertThat(result.bytesCopied() + result.bytesZeroed()).isEqualTo(data.length);
        assertThat(result.failedDestinations()).isEmpty();
        assertThat(progress).isSorted().last().isEqualTo((long) data.length);
        assertThat(job.bytesDone()).isEqualTo(data.length);
    }

    @Test
    void holesAreZeroedNotReadAndZeroingNeverAllocates() {
        MemoryBlockDevice mem = new MemoryBlockDevice("src", 8 * MIB);
        put(mem, 0, random(3, CHUNK));                 // data at the start
        put(mem, 5 * MIB, random(4, 2 * CHUNK));       // and one island in the middle
        FaultyDevice src = new FaultyDevice(mem);
        MemoryBlockDevice dst = new MemoryBlockDevice("dst", 8 * MIB);
        put(dst, 0, random(5, 8 * MIB));              // stale data everywhere on the destination

        CopyResult result = join(copier(0).copy(CopyRequest.sameOffset(src, dst, 0, 8 * MIB), CopyListener.NONE).future());

        assertThat(src.bytesRead()).isEqualTo(3L * CHUNK);
        assertThat(result.bytesCopied()).isEqualTo(3L * CHUNK);
        assertThat(result.bytesZeroed()).isEqualTo(8L * MIB - 3L * CHUNK);
        assertThat(get(dst, 0, 8 * MIB)).isEqualTo(get(mem, 0, 8 * MIB));
        int stale = dst.allocatedPages();   // the stale data was zeroed in place, not punched out

        MemoryBlockDevice fresh = new MemoryBlockDevice("fresh", 8 * MIB);   // a sparse destination stays sparse
        join(copier(0).copy(CopyRequest.sameOffset(src, fresh, 0, 8 * MIB), CopyListener.NONE).future());
        assertThat(fresh.allocatedPages()).isEqualTo(mem.allocatedPages()).isLessThan(stale);
        assertThat(get(fresh, 0, 8 * MIB)).isEqualTo(get(mem, 0, 8 * MIB));
    }

    @Test
    void rateLimitPacesCopyOnTheInjectedClockAndCanChangeWhileRunning() {
        long rate = 1L * MIB;
        Copier copier = copier(rate);
        MemoryBlockDevice src = new MemoryBlockDevice("src", 8 * MIB);
        put(src, 0, random(6, 8 * MIB));
        MemoryBlockDevice dst = new MemoryBlockDevice("dst", 8 * MIB);
        CopyJob job = copier.copy(CopyRequest.sameOffset(src, dst, 0, 8 * MIB), CopyListener.NONE);

        long burst = Math.max(CHUNK, rate / 10);
        long step = 50_000_000L; // 50 ms
        long elapsed = 0;
        for (int i = 0; i < 40; i++) {  // 2 s at 1 MiB/s
            assertThat(job.bytesDone()).isLessThanOrEqualTo(burst + rate * elapsed / 1_000_000_000L + CHUNK);
            scheduler.advance(Duration.ofNanos(step));
            elapsed += step;
        }
        long atOneMib = job.bytesDone();
        assertThat(atOneMib).isBetween(2L * MIB - 2 * CHUNK, 2L * MIB + burst + CHUNK);
        assertThat(job.future()).isNotDone();

        copier.setRateLimit(4L * MIB);
        for (int i = 0; i < 20; i++) {  // 1 s at 4 MiB/s
            scheduler.advance(Duration.ofNanos(step));
        }
        long gained = job.bytesDone() - atOneMib;
        assertThat(gained).isBetween(4L * MIB - 2 * CHUNK, 4L * MIB + 4L * MIB / 10 + CHUNK);

        copier.setRateLimit(0);  // unlimited: finishes without time passing
        assertThat(join(job.future()).bytesCopied()).isEqualTo(8L * MIB);
        assertThat(get(dst, 0, 8 * MIB)).isEqualTo(get(src, 0, 8 * MIB));
        assertThat(copier.freeBuffers()).isEqualTo(6);
    }

    @Test
    void aThrottleGroupLimitsOnlyItsJobsAndZeroForgetsIt() {
        Copier copier = copier(0);
        MemoryBlockDevice src = new MemoryBlockDevice("src", 8 * MIB);
        put(src, 0, random(8, 8 * MIB));
        MemoryBlockDevice slowDst = new MemoryBlockDevice("slow", 8 * MIB);
        MemoryBlockDevice freeDst = new MemoryBlockDevice("free", 8 * MIB);
        copier.setRateLimit("g", MIB);
        assertThat(copier.rateLimit("g")).isEqualTo(MIB);
        CopyJob slow = copier.copy(new CopyRequest(src, 0, List.of(new CopyDestination(slowDst, 0)), 8 * MIB, true,
                "g"), CopyListener.NONE);
        CopyJob free = copier.copy(new CopyRequest(src, 0, List.of(new CopyDestination(freeDst, 0)), 8 * MIB, true,
                "other"), CopyListener.NONE);
        assertThat(join(free.future()).bytesCopied()).isEqualTo(8L * MIB);   // no time passed: not in group g
        for (int i = 0; i < 20; i++) {  // 1 s at 1 MiB/s
            scheduler.advance(Duration.ofMillis(50));
        }
        assertThat(slow.bytesDone()).isBetween(MIB - 2L * CHUNK, MIB + MIB / 10 + 2L * CHUNK);
        copier.setRateLimit("g", 0);    // the group is forgotten: its jobs run free
        assertThat(copier.rateLimit("g")).isZero();
        assertThat(join(slow.future()).bytesCopied()).isEqualTo(8L * MIB);
        assertThat(get(slowDst, 0, 8 * MIB)).isEqualTo(get(src, 0, 8 * MIB));
    }

    @Test
    void acquireTokensTakesThemOnceTheLimitHasThemAndWhatAJobDoesNotUseGoesBack() {
        long rate = 4L * CHUNK;                                       // the bucket holds one chunk, refilled in 250 ms
        Copier copier = copier(rate);
        assertThat(join(copier.acquireTokens(null, CHUNK))).as("the bucket starts full").isEqualTo(CHUNK);
        assertThat(copier.tryTake(null, CHUNK, scheduler.nanoTime())).as("taken").isPositive();
        CompletableFuture<Long> waiting = copier.acquireTokens(null, 8L * MIB);
        scheduler.advance(Duration.ofMillis(249));
        assertThat(waiting).isNotDone();
        scheduler.advance(Duration.ofMillis(2));
        assertThat(join(waiting)).as("capped at one chunk").isEqualTo(CHUNK);
        copier.returnTokens(null, CHUNK);
        assertThat(copier.tryTake(null, CHUNK, scheduler.nanoTime())).as("given back").isZero();

        copier.setRateLimit("g", MIB);
        CompletableFuture<Long> inGroup = copier.acquireTokens("g", CHUNK);
        assertThat(inGroup).as("the copier's bucket is empty, the group's full").isNotDone();
        copier.setRateLimit(0);
        assertThat(join(inGroup)).as("woken by the rate change").isEqualTo(CHUNK);

        copier.setRateLimit(rate);
        CompletableFuture<Long> endedByCaller = copier.acquireTokens(null, CHUNK);
        assertThat(endedByCaller).isNotDone();
        endedByCaller.complete(0L);                                   // how a caller stops waiting
        scheduler.advance(Duration.ofSeconds(1));                     // its pending check finds it ended
        assertThat(copier.tryTake(null, CHUNK, scheduler.nanoTime())).as("it took nothing").isZero();

        // a job started with its first chunk paid copies it at once and pays only for the next
        MemoryBlockDevice src = new MemoryBlockDevice("src", 2 * CHUNK);
        put(src, 0, random(21, 2 * CHUNK));
        MemoryBlockDevice dst = new MemoryBlockDevice("dst", 2 * CHUNK);
        CopyJob paid = copier.newJob(CopyRequest.sameOffset(src, dst, 0, 2 * CHUNK), CopyListener.NONE);
        paid.start(CHUNK);
        assertThat(paid.bytesDone()).isEqualTo(CHUNK);
        scheduler.advance(Duration.ofMillis(251));
        assertThat(join(paid.future()).bytesCopied()).isEqualTo(2L * CHUNK);
        // a job that copies no data (a hole) gives its paid tokens back
        scheduler.advance(Duration.ofMillis(251));
        assertThat(join(copier.acquireTokens(null, CHUNK))).isEqualTo(CHUNK);
        MemoryBlockDevice hole = new MemoryBlockDevice("hole", 2 * CHUNK);
        CopyJob zeroes = copier.newJob(CopyRequest.sameOffset(hole, dst, 0, 2 * CHUNK), CopyListener.NONE);
        zeroes.start(CHUNK);
        assertThat(join(zeroes.future()).bytesZeroed()).isEqualTo(2L * CHUNK);
        assertThat(copier.tryTake(null, CHUNK, scheduler.nanoTime())).as("returned by the hole copy").isZero();
    }

    @Test
    void cancelStopsIssuingWaitsForInFlightAndCompletesCancelled() {
        OpQueue queue = new OpQueue();
        MemoryBlockDevice mem = new MemoryBlockDevice("src", 4 * MIB);
        put(mem, 0, random(7, 4 * MIB));
        MemoryBlockDevice dstMem = new MemoryBlockDevice("dst", 4 * MIB);
        QueuedDevice src = new QueuedDevice(mem, queue);
        Copier copier = copier(0);
        CopyJob job = copier.copy(CopyRequest.sameOffset(src, new QueuedDevice(dstMem, queue), 0, 4 * MIB),
                CopyListener.NONE);
        queue.runOne(0);                    // allocation answer
        assertThat(queue.size()).isEqualTo(4);  // maxInFlight reads issued
        queue.runOne(0);                    // one read completes -> its write is queued
        queue.runOne(queue.size() - 1);     // the write completes -> another read is issued
        assertThat(job.state()).isEqualTo(CopyState.RUNNING);

        assertThat(job.cancel()).isTrue();
        assertThat(job.state()).isEqualTo(CopyState.CANCELLING);
        assertThat(job.future()).isNotDone();
        int before = queue.size();
        queue.drain();                       // in-flight chunks finish; nothing new is issued
        assertThat(job.state()).isEqualTo(CopyState.CANCELLED);
        assertThat(job.future()).isCancelled();
        assertThat(before).isEqualTo(4);
        assertThat(job.bytesDone()).isLessThan(4L * MIB);
        assertThat(copier.freeBuffers()).isEqualTo(6);
        assertThat(copier.activeJobs()).isZero();
        assertThat(job.cancel()).isFalse();
    }

    @Test
    void failingDestinationIsDroppedAndReportedWhileTheOtherCompletes() {
        MemoryBlockDevice src = new MemoryBlockDevice("src", 2 * MIB);
        byte[] data = random(8, 2 * MIB);
        put(src, 0, data);
        FaultyDevice bad = new FaultyDevice(new MemoryBlockDevice("bad", 2 * MIB)).failWritesAfter(3);
        MemoryBlockDevice good = new MemoryBlockDevice("good", 2 * MIB);
        List<DestinationFailure> reported = new ArrayList<>();
        CopyJob job = copier(0).copy(new CopyRequest(src, 0,
                List.of(new CopyDestination(bad, 0), new CopyDestination(good, 0)), 2 * MIB), new CopyListener() {
                    @Override
                    public void destinationFailed(CopyJob j, DestinationFailure f) {
                        reported.add(f);
                    }
                });
        CopyResult result = join(job.future());
        assertThat(get(good, 0, 2 * MIB)).isEqualTo(data);
        assertThat(reported).hasSize(1);
        assertThat(result.failedDestinations()).hasSize(1);
        DestinationFailure f = result.failedDestinations().get(0);
        assertThat(f.index()).isZero();
        assertThat(f.offset()).isEqualTo(3L * CHUNK);
        assertThat(f.toString()).contains("memory:bad").contains("injected write error");
    }

    @Test
    void allDestinationsFailingFailsTheJobNamingTheRange() {
        MemoryBlockDevice src = new MemoryBlockDevice("src", MIB);
        put(src, 0, random(9, MIB));
        FaultyDevice bad = new FaultyDevice(new MemoryBlockDevice("bad", MIB)).failWritesAfter(2);
        Copier copier = copier(0);
        CopyJob job = copier.copy(CopyRequest.sameOffset(src, bad, 0, MIB), CopyListener.NONE);
        assertThatThrownBy(() -> job.future().get()).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CopyException.class)
                .hasMessageContaining("every destination failed")
                .hasMessageContaining("copy range " + 2 * CHUNK + "+" + CHUNK);
        assertThat(job.state()).isEqualTo(CopyState.FAILED);
        assertThat(copier.freeBuffers()).isEqualTo(6);
    }

    @Test
    void sourceFailureFailsTheJobNamingTheRange() {
        MemoryBlockDevice mem = new MemoryBlockDevice("src", MIB);
        put(mem, 0, random(10, MIB));
        FaultyDevice src = new FaultyDevice(mem).failReadsAfter(5);
        CopyJob job = copier(0).copy(CopyRequest.sameOffset(src, new MemoryBlockDevice("d", MIB), 0, MIB),
                CopyListener.NONE);
        assertThatThrownBy(() -> job.future().get()).cause().isInstanceOf(CopyException.class)
                .hasMessageContaining("source memory:src failed reading " + 5 * CHUNK + "+" + CHUNK);
        assertThat(job.state()).isEqualTo(CopyState.FAILED);
    }

    @Test
    void flushFailureDropsThatDestination() {
        MemoryBlockDevice src = new MemoryBlockDevice("src", MIB);
        put(src, 0, random(11, MIB));
        FaultyDevice bad = new FaultyDevice(new MemoryBlockDevice("bad", MIB)).failWritesAfter(MIB / CHUNK);
        MemoryBlockDevice good = new MemoryBlockDevice("good", MIB);
        CopyResult r = join(copier(0).copy(new CopyRequest(src, 0,
                List.of(new CopyDestination(bad, 0), new CopyDestination(good, 0)), MIB), CopyListener.NONE).future());
        assertThat(r.failedDestinations()).singleElement().satisfies(f -> assertThat(f.length()).isZero());
    }

    @Test
    void illegalTransitionsNameBothStates() {
        MemoryBlockDevice src = new MemoryBlockDevice("src", MIB);
        CopyJob job = copier(0).copy(CopyRequest.sameOffset(src, new MemoryBlockDevice("d", MIB), 0, MIB),
                CopyListener.NONE);
        assertThat(job.state()).isEqualTo(CopyState.COMPLETED);
        assertThatThrownBy(job::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("copy job cannot go from COMPLETED to RUNNING");
        CopyJob pending = copier(0).newJob(CopyRequest.sameOffset(src, new MemoryBlockDevice("d", MIB), 0, MIB),
                CopyListener.NONE);
        assertThat(pending.cancel()).isTrue();
        assertThat(pending.state()).isEqualTo(CopyState.CANCELLED);
        assertThatThrownBy(() -> join(pending.future())).hasCauseInstanceOf(CancellationException.class);
    }

    @Test
    void rejectsRangesOutsideTheDevices() {
        MemoryBlockDevice src = new MemoryBlockDevice("src", MIB);
        MemoryBlockDevice small = new MemoryBlockDevice("small", 4096);
        assertThatThrownBy(() -> CopyRequest.sameOffset(src, small, 0, 8192))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memory:small");
        assertThatThrownBy(() -> new CopierConfig(1000, 1, 1, 0)).hasMessageContaining("chunkSize");
    }
}
