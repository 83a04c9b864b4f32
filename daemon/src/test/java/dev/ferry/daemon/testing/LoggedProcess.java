package dev.ferry.daemon.testing;

/** A child process a test started, with everything it printed. */
public interface LoggedProcess extends AutoCloseable {

    /** Everything the process printed so far, with a heading naming the log. */
    String log();

    /** Kills the process if it still runs. */
    @Override
    void close();
}
