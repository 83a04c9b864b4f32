package dev.ferry.mapper.device;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.targets.Join;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * The I/O path of a {@link MappedDevice}: admits each request to the live table while the gate is
 * open, counting it in that table's {@link InflightCounter} until it completes, and queues it in
 * arrival order while the gate is closed. Admission takes no lock: a request enters the counter, then
 * checks that the gate is open and its table still live, else backs out and queues. Closing the gate,
 * swapping the table and releasing the queue happen under the device's lock.
 */
final class RequestGate {

    /** One request, applied to the table it is pinned to. */
    @FunctionalInterface
    interface Request<T> {
        CompletableFuture<T> apply(Table table);
    }

    /** A live table (or none) with its in-flight counter. */
    record Live(Table table, InflightCounter inflight) {
        long size() {
            return table == null ? 0 : table.size();
        }
    }

    /** A request queued while the gate is closed. */
    private record Deferred<T>(Request<T> request, CompletableFuture<T> result) {
    }

    private final String name;
    private final Object lock;
    private final ArrayDeque<Deferred<?>> queue = new ArrayDeque<>();
    private volatile Live live = new Live(null, new InflightCounter());
    private volatile boolean open = true;
    private boolean releasing;
    private boolean shutdown;

    RequestGate(String name, Object lock) {
        this.name = name;
        this.lock = lock;
    }

    /** The live table and its counter. */
    Live live() {
        return live;
    }

    /** Whether the gate admits requests directly. */
    boolean isOpen() {
        return open;
    }

    <T> CompletableFuture<T> submit(Request<T> request) {
        Live ref = live;
        int stripe = ref.inflight().enter();
        if (!open || live != ref) {
            ref.inflight().exit(stripe);
            return defer(request);
        }
        return run(ref, stripe, request);
    }

    /** Runs {@code request} on {@code ref}, which it has entered on {@code stripe}; exits on completion. */
    private <T> CompletableFuture<T> run(Live ref, int stripe, Request<T> request) {
        CompletableFuture<T> f;
        try {
            f = ref.table() == null
                    ? CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.IO_ERROR,
                            "device '" + name + "' has no live table"))
                    : request.apply(ref.table());
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        if (f.isDone()) {
            ref.inflight().exit(stripe);
            return f;
        }
        Admitted<T> result = new Admitted<>(ref.inflight(), stripe);
        f.whenComplete(result);
        return result;
    }

    /**
     * The caller's future of a request still in flight; also the completion callback that counts the
     * request out and passes its outcome on (one object per request rather than a future and a lambda).
     */
    private static final class Admitted<T> extends CompletableFuture<T> implements BiConsumer<T, Throwable> {
        private final InflightCounter counter;
        private final int stripe;

        Admitted(InflightCounter counter, int stripe) {
            this.counter = counter;
            this.stripe = stripe;
        }

        @Override
        public void accept(T value, Throwable error) {
            counter.exit(stripe);
            if (error != null) {
                completeExceptionally(Join.unwrap(error));
            } else {
                complete(value);
            }
        }
    }

    private <T> CompletableFuture<T> defer(Request<T> request) {
        synchronized (lock) {
            if (shutdown) {
                return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.SHUTDOWN,
                        "device '" + name + "' was removed"));
            }
            if (!open) {
                CompletableFuture<T> result = new CompletableFuture<>();
                queue.add(new Deferred<>(request, result));
                return result;
            }
        }
        return submit(request);
    }

    /** A file span through the live table pinning it until closed; empty while the gate is closed. */
    Optional<FileSpan> fileSpan(long offset, long length) {
        Live ref = live;
        int stripe = ref.inflight().enter();
        Optional<FileSpan> span = Optional.empty();
        try {
            Table t = ref.table();
            if (open && live == ref && t != null && offset >= 0 && length > 0 && offset <= t.size() - length) {
                int i = t.index(offset);
                if (offset + length <= t.end(i)) {
                    span = t.target(i).fileSpan(offset - t.start(i), length);
                }
            }
        } finally {
            if (span.isEmpty()) {
                ref.inflight().exit(stripe);
            }
        }
        return span.map(inner -> {
            AtomicBoolean released = new AtomicBoolean();
            return new FileSpan(inner.channel(), inner.position(), inner.length(), () -> {
                if (released.compareAndSet(false, true)) {
                    inner.close();
                    ref.inflight().exit(stripe);
                }
            });
        });
    }

    /** Closes the gate: new requests queue. Caller holds the lock. */
    void close() {
        open = false;
    }

    /**
     * Makes {@code table} live; returns the old one. Caller holds the lock. With the gate closed (a resume) the old
     * table has drained; with it open (a live replace) requests already admitted finish on the old table, and
     * one that entered the old counter but not yet run sees it is no longer live and retries on the new one.
     */
    Table swap(Table table) {
        Table old = live.table();
        live = new Live(table, new InflightCounter());
        return old;
    }

    /** Requests queued now. Caller holds the lock. */
    int queued() {
        return queue.size();
    }

    /**
     * Shuts the gate for good: returns the queued requests' futures (for the caller to fail outside the
     * lock); later requests fail at once. Caller holds the lock.
     */
    List<CompletableFuture<?>> shutdown() {
        shutdown = true;
        open = false;
        List<CompletableFuture<?>> dropped = new ArrayList<>(queue.size());
        for (Deferred<?> d : queue) {
            dropped.add(d.result());
        }
        queue.clear();
        return dropped;
    }

    /**
     * Re-admits queued requests in arrival order while {@code active} holds (checked under the lock),
     * then opens the gate once the queue is empty; one releaser at a time. Call without the lock.
     */
    void release(BooleanSupplier active) {
        synchronized (lock) {
            if (releasing) {
                return;
            }
            releasing = true;
        }
        while (true) {
            Deferred<?> next;
            Live ref;
            int stripe;
            synchronized (lock) {
                boolean go = active.getAsBoolean();
                next = go ? queue.poll() : null;
                if (next == null) {
                    open = go;
                    releasing = false;
                    return;
                }
                ref = live;
                stripe = ref.inflight().enter();
            }
            dispatch(next, ref, stripe);
        }
    }

    private <T> void dispatch(Deferred<T> d, Live ref, int stripe) {
        run(ref, stripe, d.request()).whenComplete((v, e) -> {
            if (e != null) {
                d.result().completeExceptionally(Join.unwrap(e));
            } else {
                d.result().complete(v);
            }
        });
    }
}
