package dev.ferry.mapper.copy;

import dev.ferry.mapper.time.Scheduler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Copies byte ranges between block devices like dm-kcopyd: each job reads chunks from one source and
 * writes them to every destination with several chunks in flight, sharing a bounded pool of direct
 * buffers and one token-bucket rate limit across all jobs of this copier, plus optional per-group limits
 * (a job in a throttle group, such as one mirror's recovery, passes both); source holes are zeroed on
 * the destinations instead of read.
 */
public final class Copier {

    private final CopierConfig config;
    private final Scheduler scheduler;
    private final BufferPool buffers;
    private final TokenBucket bucket;
    private final Set<CopyJob> active = ConcurrentHashMap.newKeySet();
    private final Map<String, TokenBucket> groups = new ConcurrentHashMap<>();
    /** Callers of {@link #acquireTokens} still waiting, with what each waits for. */
    private final Map<CompletableFuture<Long>, TokenWait> tokenWaits = new ConcurrentHashMap<>();

    /** What a caller of {@link #acquireTokens} waits for. */
    private record TokenWait(String group, long bytes) {
    }

    /** Creates a copier; {@code scheduler} paces rate-limited copies. */
    public Copier(CopierConfig config, Scheduler scheduler) {
        this.config = config;
        this.scheduler = scheduler;
        this.buffers = new BufferPool(config.buffers(), config.chunkSize());
        this.bucket = new TokenBucket(config.rateLimit(), config.chunkSize(), scheduler.nanoTime());
    }

    /** A job for {@code request} in state PENDING; call {@link CopyJob#start()}. */
    public CopyJob newJob(CopyRequest request, CopyListener listener) {
        return new CopyJob(this, request, listener);
    }

    /** Creates and starts a job. */
    public CopyJob copy(CopyRequest request, CopyListener listener) {
        CopyJob job = newJob(request, listener);
        job.start();
        return job;
    }

    /** Changes the shared rate limit (bytes/s of data copied, 0 = unlimited), also for running jobs. */
    public void setRateLimit(long bytesPerSecond) {
        bucket.setRate(bytesPerSecond, scheduler.nanoTime());
        wakeAll();
    }

    /** The current rate limit in bytes/s (0 = unlimited). */
    public long rateLimit() {
        return bucket.rate();
    }

    /**
     * Limits the jobs of throttle group {@code group} together to {@code bytesPerSecond} (0 = no group limit,
     * which forgets the group), also for running jobs; the copier-wide limit applies as well.
     */
    public void setRateLimit(String group, long bytesPerSecond) {
        if (bytesPerSecond == 0) {
            groups.remove(group);
        } else {
            long now = scheduler.nanoTime();
            groups.computeIfAbsent(group, g -> new TokenBucket(bytesPerSecond, config.chunkSize(), now))
                    .setRate(bytesPerSecond, now);
        }
        wakeAll();
    }

    /** After a rate change: running jobs and token waiters look at the buckets again. */
    private void wakeAll() {
        for (CopyJob job : active) {
            job.wake();
        }
        tokenWaits.forEach(this::checkTokens);
    }

    /**
     * Takes {@code bytes} tokens (at most one chunk, the least a bucket holds) from the copier's bucket and
     * {@code group}'s (if it has one) as soon as both hold them, and then completes with the bytes taken; at once
     * without a limit. A caller that must not hold anything while a copy waits for the rate limit (mirror recovery
     * claims a region, delaying writes to it, only for the copy itself) waits here first and starts the copy with
     * the bytes paid ({@link CopyJob#start(long)}), so the copy does not wait again for tokens another job took
     * meanwhile. Completing the returned future from outside (with 0) ends the wait with nothing taken.
     */
    public CompletableFuture<Long> acquireTokens(String group, long bytes) {
        CompletableFuture<Long> paid = new CompletableFuture<>();
        TokenWait wait = new TokenWait(group, Math.min(bytes, config.chunkSize()));
        tokenWaits.put(paid, wait);
        paid.whenComplete((v, e) -> tokenWaits.remove(paid));
        checkTokens(paid, wait);
        return paid;
    }

    private void checkTokens(CompletableFuture<Long> paid, TokenWait wait) {
        long nanos;
        synchronized (this) {
            if (paid.isDone()) {
                return;
            }
            nanos = tryTake(wait.group(), wait.bytes(), scheduler.nanoTime());
        }
        if (nanos > 0) {
            scheduler.schedule(() -> checkTokens(paid, wait), nanos, TimeUnit.NANOSECONDS);
        } else if (!paid.complete(wait.bytes())) {
            returnTokens(wait.group(), wait.bytes());   // ended from outside meanwhile
        }
    }

    /** Gives back {@code bytes} tokens taken for a copy that did not use them (a bucket never exceeds its size). */
    public synchronized void returnTokens(String group, long bytes) {
        bucket.give(bytes);
        TokenBucket g = group == null ? null : groups.get(group);
        if (g != null) {
            g.give(bytes);
        }
    }

    /** The limit of throttle group {@code group} in bytes/s (0 = none). */
    public long rateLimit(String group) {
        TokenBucket b = groups.get(group);
        return b == null ? 0 : b.rate();
    }

    /** The configuration. */
    public CopierConfig config() {
        return config;
    }

    /** Buffers currently free in the pool. */
    public int freeBuffers() {
        return buffers.available();
    }

    /** Jobs started and not yet ended. */
    public int activeJobs() {
        return active.size();
    }

    Scheduler scheduler() {
        return scheduler;
    }

    BufferPool buffers() {
        return buffers;
    }

    /**
     * Takes {@code bytes} from the copier's bucket and {@code group}'s (if it has one) and returns 0, or takes
     * nothing and returns the nanoseconds to wait.
     */
    synchronized long tryTake(String group, long bytes, long now) {
        TokenBucket g = group == null ? null : groups.get(group);
        long wait = Math.max(bucket.waitFor(bytes, now), g == null ? 0 : g.waitFor(bytes, now));
        if (wait == 0) {
            bucket.take(bytes);
            if (g != null) {
                g.take(bytes);
            }
        }
        return wait;
    }

    void register(CopyJob job) {
        active.add(job);
    }

    void unregister(CopyJob job) {
        active.remove(job);
    }
}
