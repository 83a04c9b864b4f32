package dev.ferry.daemon.metadata;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test hook for crash tests of the real process: with the system property
 * {@value #PROPERTY}{@code =N} the process halts (exit status 137, no shutdown hooks, like {@code kill -9})
 * right after its Nth metadata write has returned. Unset (always, outside tests) it does nothing.
 */
final class CrashHook {
    /** The system property naming the write after which the process dies. */
    static final String PROPERTY = "ferry.test.crashAfterMetadataWrites";
    private static final Logger LOG = LoggerFactory.getLogger(CrashHook.class);
    private static final long CRASH_AFTER = Long.getLong(PROPERTY, 0);
    private static final AtomicLong WRITES = new AtomicLong();

    private CrashHook() {
    }

    /** Counts one completed metadata write; halts the process if it was the chosen one. */
    static void afterWrite() {
        if (CRASH_AFTER > 0 && WRITES.incrementAndGet() == CRASH_AFTER) {
            LOG.warn("{}={}: halting after metadata write {}", PROPERTY, CRASH_AFTER, CRASH_AFTER);
            Runtime.getRuntime().halt(137);
        }
    }
}
