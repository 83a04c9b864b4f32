package dev.ferry.daemon.testing;

import java.util.concurrent.TimeUnit;

/** A child process a test started, with everything it printed. */
public interface LoggedProcess extends AutoCloseable {

    /** Everything the process printed so far, with a heading naming the log. */
    String log();

    /** Kills the process if it still runs. */
    @Override
    void close();

    /** Kills {@code process} if it still runs and waits up to 30 s for it to end. */
    static void kill(Process process) {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
