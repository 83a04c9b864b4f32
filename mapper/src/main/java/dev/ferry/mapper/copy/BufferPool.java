package dev.ferry.mapper.copy;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A bounded set of reusable direct buffers; callers that find none register to be woken on a release. */
final class BufferPool {

    private final Deque<ByteBuffer> free = new ArrayDeque<>();
    private final Deque<Runnable> waiters = new ArrayDeque<>();
    private final int bufferSize;

    BufferPool(int count, int bufferSize) {
        this.bufferSize = bufferSize;
        for (int i = 0; i < count; i++) {
            free.add(ByteBuffer.allocateDirect(bufferSize));
        }
    }

    /** A cleared buffer, or null after registering {@code onRelease} to run when one is returned. */
    synchronized ByteBuffer acquireOrWait(Runnable onRelease) {
        ByteBuffer b = free.poll();
        if (b == null) {
            waiters.add(onRelease);
            return null;
        }
        return b.clear();
    }

    /** Returns a buffer and wakes every waiter (each retries; those still unlucky register again). */
    void release(ByteBuffer buffer) {
        List<Runnable> wake;
        synchronized (this) {
            free.push(buffer);
            wake = new ArrayList<>(waiters);
            waiters.clear();
        }
        wake.forEach(Runnable::run);
    }

    int bufferSize() {
        return bufferSize;
    }

    synchronized int available() {
        return free.size();
    }
}
