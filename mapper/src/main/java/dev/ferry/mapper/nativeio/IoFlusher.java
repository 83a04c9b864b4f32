package dev.ferry.mapper.nativeio;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks threads that serve block I/O with {@code PR_SET_IO_FLUSHER}, so that when the kernel's NBD client on the same
 * host writes back dirty pages through Ferry, memory reclaim in those threads does not wait for that same
 * write-back (the deadlock the flag exists for). Without {@code CAP_SYS_RESOURCE} (EPERM) or on a kernel older than
 * 5.6 (EINVAL) the thread runs unmarked: that is logged once, at debug level.
 */
public final class IoFlusher {
    private static final Logger LOG = LoggerFactory.getLogger(IoFlusher.class);
    private static final AtomicBoolean FAILURE_LOGGED = new AtomicBoolean();

    private IoFlusher() {
    }

    /** Sets {@code PR_SET_IO_FLUSHER} on the calling thread if this process may; returns whether it is set. */
    public static boolean markCurrentThread() {
        try {
            NativeIo.get().setIoFlusher(true);
            return true;
        } catch (IOException e) {
            if (FAILURE_LOGGED.compareAndSet(false, true)) {
                LOG.debug("I/O threads run without PR_SET_IO_FLUSHER ({}): memory reclaim in them may wait on "
                    + "write-back through Ferry; give the process CAP_SYS_RESOURCE to set it", e.getMessage());
            }
            return false;
        }
    }

    /** A task that marks the thread running it, then runs {@code task}. */
    public static Runnable marking(Runnable task) {
        return () -> {
            markCurrentThread();
            task.run();
        };
    }
}
