package dev.ferry.nbd.client.resilient;

/**
 * The single thread a {@link ResilientNbdClient}'s state lives on, with its clock and timers: a Netty event loop in
 * production ({@link NettyLoop}), a virtual-time loop in the deterministic simulation test.
 */
interface Loop {

    /** Monotonic time in nanoseconds. */
    long nanoTime();

    /** Whether the caller runs on this loop. */
    boolean inLoop();

    /**
     * Runs {@code task} on the loop later.
     *
     * @throws java.util.concurrent.RejectedExecutionException when the loop has shut down
     */
    void execute(Runnable task);

    /** Runs {@code task} on the loop after {@code delayNanos}; the returned action cancels it. */
    Runnable schedule(Runnable task, long delayNanos);

    /** Runs {@code task} now when on the loop, else later on it (dropped if the loop has shut down). */
    default void run(Runnable task) {
        if (inLoop()) {
            task.run();
        } else {
            try {
                execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the client has closed; everything it owned has already failed
            }
        }
    }
}
