package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The mirror jobs (resyncs and migratepps) of this daemon run, one thread each: running ones and the last
 * {@link #KEEP_FINISHED} finished ones. A job holds its LVs' claims from its start to its end, so a second resync or
 * migratepp of one of them is refused with INRESYNC.
 */
final class ResyncJobs {
    /** Finished jobs kept for the API. */
    static final int KEEP_FINISHED = 32;
    private static final long STOP_SECONDS = 60;
    private final LvClaims claims;
    private final List<MirrorJob> jobs = new ArrayList<>();
    private long lastId;
    private boolean closed;

    /** Makes job {@code id}, which runs {@code release} when it ends. */
    @FunctionalInterface
    interface Factory {
        MirrorJob create(long id, Runnable release);
    }

    ResyncJobs(LvClaims claims) {
        this.claims = claims;
    }

    /**
     * Claims {@code lvs} of {@code vg} for the job (a {@code verb}), makes it and starts it in the background; the job
     * as it starts. Making the job may commit and reload (a resync records itself): that runs outside this registry's
     * lock, so listing the jobs never waits for it.
     *
     * @throws VolumeException INRESYNC if one of the LVs is claimed (naming by what), OFFLINE while the daemon stops,
     *                         or what making the job threw (the claims are released then)
     */
    ResyncProgress start(String vg, Collection<String> lvs, String verb, Factory factory) {
        List<String> claimed = List.copyOf(lvs);
        long id;
        synchronized (this) {
            if (closed) {
                throw stopping("no resync or migratepp starts");
            }
            claims.claim(vg, claimed, verb + " job " + (lastId + 1));
            id = ++lastId;
        }
        MirrorJob job;
        try {
            job = factory.create(id, () -> claims.release(vg, claimed));
        } catch (RuntimeException e) {
            claims.release(vg, claimed);
            throw e;
        }
        synchronized (this) {
            if (closed) {   // stopped while the job was made: what it committed resumes at the next start
                claims.release(vg, claimed);
                throw stopping("the job resumes at the next start");
            }
            jobs.add(job);
            forgetOldest();
        }
        ResyncProgress started = job.progress();   // RUNNING, whatever the thread does first
        Thread t = new Thread(job, started.request().verb() + "-" + job.id() + "-" + vg);
        t.setDaemon(true);
        t.start();
        return started;
    }

    private static VolumeException stopping(String consequence) {
        return new VolumeException(ErrorCode.OFFLINE, "the daemon is stopping; " + consequence);
    }

    /** Every kept job, oldest first. */
    synchronized List<ResyncProgress> resyncs() {
        return jobs.stream().map(MirrorJob::progress).toList();
    }

    /** The end of job {@code id}, or empty if it is not kept. */
    synchronized Optional<CompletableFuture<ResyncProgress>> done(long id) {
        return jobs.stream().filter(j -> j.id() == id).findFirst().map(MirrorJob::done);
    }

    /** Stops every running job (it resumes at the next start from its record) and waits for them to stop. */
    void close() throws InterruptedException {
        List<MirrorJob> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(jobs);
        }
        all.forEach(MirrorJob::requestStop);
        for (MirrorJob j : all) {
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
