package dev.ferry.mapper.copy;

import dev.ferry.mapper.time.Scheduler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
        for (CopyJob job : active) {
            job.wake();
        }
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
        for (CopyJob job : active) {
            job.wake();
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
