package dev.ferry.daemon.serve;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The fixed pool of daemon threads on which leaf devices run their blocking file I/O. */
public final class BlockingIoPool {

    private BlockingIoPool() {
    }

    /** Enough threads to keep a disk's queue busy without oversubscribing small machines. */
    public static int defaultThreads() {
        return Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
    }

    /** A pool of {@code threads} daemon threads named {@code name-N}. */
    public static ExecutorService create(String name, int threads) {
        AtomicInteger counter = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
