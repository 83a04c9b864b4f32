package dev.ferry.mapper.sim;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A test leaf device whose operations stay pending until the test completes them, in any order it
 * chooses: completing one applies it to an in-memory medium and then completes its future. It logs when
 * each caller buffer (by backing array) first arrived, so tests can check the order requests reached
 * the leaves.
 */
public final class QueuedBlockDevice implements BlockDevice {

    /** One pending operation. */
    private record Pending(String what, Supplier<CompletableFuture<?>> action, CompletableFuture<Object> result) {
    }

    private final MemoryBlockDevice medium;
    private final AtomicLong arrivals;
    private final List<Pending> pending = new ArrayList<>();
    private final Map<byte[], Long> firstArrival = new IdentityHashMap<>();
    private long flushes;

    /**
     * Creates a device of {@code size} bytes; {@code arrivals} numbers arrivals and may be shared by
     * several devices to order arrivals across them.
     */
    public QueuedBlockDevice(String name, long size, AtomicLong arrivals) {
        this.medium = new MemoryBlockDevice(name, size);
        this.arrivals = arrivals;
    }

    /** The medium holding completed writes. */
    public MemoryBlockDevice medium() {
        return medium;
    }

    @SuppressWarnings("unchecked")
    private synchronized <T> CompletableFuture<T> enqueue(String what, ByteBuffer buf, Supplier<CompletableFuture<T>> action) {
        long n = arrivals.incrementAndGet();
        if (buf != null && buf.hasArray()) {
            firstArrival.putIfAbsent(buf.array(), n);
        }
        CompletableFuture<Object> result = new CompletableFuture<>();
        pending.add(new Pending(what, (Supplier<CompletableFuture<?>>) (Supplier<?>) action, result));
        return (CompletableFuture<T>) result;
    }

    /** When a request whose buffer is backed by {@code array} first arrived, or -1 if never. */
    public synchronized long firstArrival(byte[] array) {
        return firstArrival.getOrDefault(array, -1L);
    }

    /** Operations waiting to complete. */
    public synchronized int pendingCount() {
        return pending.size();
    }

    /** Flushes completed so far. */
    public synchronized long flushes() {
        return flushes;
    }

    /** Describes the pending operations, for failure messages. */
    public synchronized List<String> pendingDescriptions() {
        return pending.stream().map(Pending::what).toList();
    }

    /** Completes the pending operation at {@code index} (arrival order). */
    public void complete(int index) {
        Pending p;
        synchronized (this) {
            p = pending.remove(index);
            if (p.what().equals("flush")) {
                flushes++;
            }
        }
        p.action().get().whenComplete((v, e) -> {
            if (e != null) {
                p.result().completeExceptionally(e);
            } else {
                p.result().complete(v);
            }
        });
    }

    /** Completes one pending operation chosen by {@code random}; false if none was pending. */
    public boolean completeRandom(Random random) {
        int n = pendingCount();
        if (n == 0) {
            return false;
        }
        complete(random.nextInt(n));
        return true;
    }

    /** Completes pending operations in arrival order until none is left (including ones they cause). */
    public void completeAll() {
        while (pendingCount() > 0) {
            complete(0);
        }
    }

    @Override
    public long size() {
        return medium.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return enqueue("read " + offset + "+" + dst.remaining(), dst, () -> medium.read(offset, dst));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return enqueue("write " + offset + "+" + src.remaining(), src, () -> medium.write(offset, src, fua));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return enqueue("flush", null, medium::flush);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return enqueue("discard " + offset + "+" + length, null, () -> medium.discard(offset, length));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return enqueue("zero " + offset + "+" + length, null, () -> medium.writeZeroes(offset, length, mayUnmap));
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return enqueue("allocation " + offset + "+" + length, null, () -> medium.allocation(offset, length));
    }

    @Override
    public String describe() {
        return "queued:" + medium.describe();
    }

    @Override
    public void close() {
        medium.close();
    }
}
