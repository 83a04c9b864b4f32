package dev.ferry.mapper.copy;

import dev.ferry.mapper.time.Scheduler;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Copies byte ranges between block devices like dm-kcopyd: each job reads chunks from one source and
 * writes them to every destination with several chunks in flight, sharing a bounded pool of direct
 * buffers and one token-bucket rate limit across all jobs of this copier; source holes are zeroed on
 * the destinations instead of read.
 */
public final class Copier {

    private final CopierConfig config;
    private final Scheduler scheduler;
    private final BufferPool buffers;
    private final TokenBucket bucket;
    private final Set<CopyJob> active = ConcurrentHashMap.newKeySet();

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

    TokenBucket bucket() {
        return bucket;
    }

    void register(CopyJob job) {
        active.add(job);
    }

    void unregister(CopyJob job) {
        active.remove(job);
    }
}
