package dev.ferry.daemon.pvmove;

import java.util.concurrent.CompletableFuture;

/**
 * What a pvmove job is asked from outside (abort, stop, continue) and the future that wakes it when asked. An abort
 * or a stop is for good: the wake future stays completed. A continue is taken once ({@link #takeContinue}), which
 * re-arms the wake future, and is answered ({@link #answered}) once the job has continued, held again or ended.
 */
final class JobRequests {
    private boolean abort;
    private boolean stop;
    private boolean resume;
    private CompletableFuture<Void> wake = new CompletableFuture<>();
    private CompletableFuture<Void> answer;

    /** Asks for an abort. */
    synchronized void abort() {
        abort = true;
        wake.complete(null);
    }

    /** Asks for a stop (daemon shutdown). */
    synchronized void stop() {
        stop = true;
        wake.complete(null);
    }

    /** Asks a held job to continue; completes when the job has continued, held again or ended. */
    synchronized CompletableFuture<Void> resume() {
        resume = true;
        if (answer == null || answer.isDone()) {
            answer = new CompletableFuture<>();
        }
        wake.complete(null);
        return answer;
    }

    synchronized boolean aborting() {
        return abort;
    }

    synchronized boolean stopping() {
        return stop;
    }

    /** The future completed by the next request (already completed once an abort or stop was asked). */
    synchronized CompletableFuture<Void> wake() {
        return wake;
    }

    /** Takes a pending continue: true if there was one; the wake future is re-armed unless an abort or stop is due. */
    synchronized boolean takeContinue() {
        if (!resume) {
            return false;
        }
        resume = false;
        if (!abort && !stop) {
            wake = new CompletableFuture<>();
        }
        return true;
    }

    /** The job has answered the continues asked so far (it continued, held again or ended). */
    void answered() {
        CompletableFuture<Void> a;
        synchronized (this) {
            a = answer;
        }
        if (a != null) {
            a.complete(null);
        }
    }
}
