package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.operations.VolumeService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The resync jobs of this daemon run, one thread each: running ones and the last {@link #KEEP_FINISHED} finished
 * ones. A job holds its LVs' claims from its start to its end, so a second resync (or migratepp) of one of them is
 * refused with INRESYNC.
 */
final class ResyncJobs {
    /** Finished jobs kept for the API. */
    static final int KEEP_FINISHED = 32;
    private static final long STOP_SECONDS = 60;
    private final VolumeService volumes;
    private final LvClaims claims;
    private final Duration stall;
    private final LongSupplier nanoClock;
    private final List<ResyncJob> jobs = new ArrayList<>();
    private long lastId;
    private boolean closed;

    ResyncJobs(VolumeService volumes, LvClaims claims, Duration stall, LongSupplier nanoClock) {
        this.volumes = volumes;
        this.claims = claims;
        this.stall = stall;
        this.nanoClock = nanoClock;
    }

    /**
     * Claims the LVs of {@code les} and starts resyncing them in the background; the job as it starts.
     *
     * @throws VolumeException INRESYNC if one of the LVs is claimed
     */
    synchronized ResyncProgress start(ResyncRequest request, Map<String, List<Long>> les) {
        if (closed) {
            throw new VolumeException(ErrorCode.OFFLINE, "the daemon is stopping; no resync starts");
        }
        claims.claim(request.vg(), les.keySet());
        ResyncJob job;
        try {
            job = new ResyncJob(++lastId, request, les, volumes, stall, nanoClock,
                    () -> claims.release(request.vg(), les.keySet()));
        } catch (RuntimeException e) {
            claims.release(request.vg(), les.keySet());
            throw e;
        }
        jobs.add(job);
        forgetOldest();
        ResyncProgress started = job.progress();   // RUNNING, whatever the thread does first
        Thread t = new Thread(job, "resync-" + job.id() + "-" + request.vg());
        t.setDaemon(true);
        t.start();
        return started;
    }

    /** Every kept job, oldest first. */
    synchronized List<ResyncProgress> resyncs() {
        return jobs.stream().map(ResyncJob::progress).toList();
    }

    /** The end of job {@code id}, or empty if it is not kept. */
    synchronized Optional<CompletableFuture<ResyncProgress>> done(long id) {
        return jobs.stream().filter(j -> j.id() == id).findFirst().map(ResyncJob::done);
    }

    /** Stops every running job (its stale copies stay stale) and waits for them to end. */
    void close() throws InterruptedException {
        List<ResyncJob> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(jobs);
        }
        all.forEach(ResyncJob::requestStop);
        for (ResyncJob j : all) {
            try {
                j.done().get(STOP_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("resync " + j.id() + " did not stop: " + e, e);
            }
        }
    }

    private void forgetOldest() {
        long finished = jobs.stream().filter(j -> j.done().isDone()).count();
        for (int i = 0; i < jobs.size() && finished > KEEP_FINISHED; ) {
            if (jobs.get(i).done().isDone()) {
                jobs.remove(i);
                finished--;
            } else {
                i++;
            }
        }
    }
}
