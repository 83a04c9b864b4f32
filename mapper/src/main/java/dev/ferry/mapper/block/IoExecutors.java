package dev.ferry.mapper.block;

import dev.ferry.mapper.nativeio.IoFlusher;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds the bounded thread pools that run blocking file I/O for {@link FileBlockDevice}; the caller
 * owns the pool and shuts it down (with {@code shutdown()}: interrupting an I/O thread in a
 * {@link java.nio.channels.FileChannel} operation closes that channel).
 */
public final class IoExecutors {

    /** Queue capacity of {@link #newDefaultPool()}. */
    public static final int DEFAULT_QUEUE_CAPACITY = 8192;

    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();

    private IoExecutors() {
    }

    /**
     * A pool of {@code max(4, min(32, 4 × cores))} daemon threads named {@code ferry-io-N} with a queue
     * of {@value #DEFAULT_QUEUE_CAPACITY} tasks.
     */
    public static ThreadPoolExecutor newDefaultPool() {
        int threads = Math.max(4, Math.min(32, 4 * Runtime.getRuntime().availableProcessors()));
        return newPool(threads, DEFAULT_QUEUE_CAPACITY);
    }

    /**
     * A fixed pool of {@code threads} daemon threads named {@code ferry-io-N}, each marked as an I/O flusher where
     * the process may ({@link IoFlusher}), and a queue bounded to
     * {@code queueCapacity}; when full, submissions are rejected (devices then fail the operation
     * rather than block the caller).
     */
    public static ThreadPoolExecutor newPool(int threads, int queueCapacity) {
        if (threads < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("threads=" + threads + " queueCapacity=" + queueCapacity);
        }
        ThreadFactory factory = r -> {
            Thread t = new Thread(IoFlusher.marking(r), "ferry-io-" + THREAD_NUMBER.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return new ThreadPoolExecutor(threads, threads, 0L, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), factory, new ThreadPoolExecutor.AbortPolicy());
    }
}
