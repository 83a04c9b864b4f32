package dev.ferry.mapper.device;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.targets.Join;
import dev.ferry.mapper.targets.SharedDevice;
import dev.ferry.mapper.targets.Target;
import dev.ferry.mapper.time.Scheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device-mapper device: a {@link BlockDevice} whose I/O is mapped by a live {@link Table}, with an
 * inactive table slot for the next one. Mapped devices stack: a table may map onto another one.
 *
 * <p>This class alone holds and writes the device's state ({@link DeviceState}, whose javadoc draws the
 * transitions): the state itself, the live and inactive tables, and the gate with its queue. The suspend and
 * live-replace procedures run in {@link Suspender} and {@link TableReplacer}, which move the device only
 * through the transition methods here. {@code load} and {@code clear} work in every state but REMOVED and touch
 * only the inactive slot. {@code resume()} on an ACTIVE (or REPLACING) device with an inactive table first
 * suspends (FLUSH, the device's default timeout), as dm does; without one it does nothing.
 *
 * <p>I/O path: a request enters the live table's {@link InflightCounter}, then checks the gate (open only
 * while ACTIVE or REPLACING with an empty queue) and that the table is still live; if either fails it backs
 * out and is queued. Admitted, it is range-checked against its table, split at the table's target boundaries
 * (buffers sliced, not copied) and issued to the targets directly. A request is pinned to the one table it
 * entered for its whole life (all its pieces, and a {@link FileSpan} until closed); suspend closes the gate
 * and waits for that table's counter to drain, so no request sees two tables. Requests split across targets
 * complete when all pieces have, with the first error.
 *
 * <p>Events: targets of a loaded table raise events through the table's sink, which this device
 * attaches: each increments {@link #eventNumber()} and is passed to the {@link DeviceListener}s.
 */
public final class MappedDevice implements SharedDevice {
    private static final Logger LOG = LoggerFactory.getLogger(MappedDevice.class);

    /** A live table (or none) with the counter of the requests pinned to it. */
    record Live(Table table, InflightCounter inflight) {
        long size() {
            return table == null ? 0 : table.size();
        }
    }

    /** What a request does to the targets of its table. */
    private enum Op { READ, WRITE, DISCARD, ZEROES, ALLOCATION, FLUSH }

    /** A request queued while the gate is closed, with its caller's future. */
    private record Queued<T>(Op op, long offset, long length, ByteBuffer buffer, boolean flag,
            CompletableFuture<T> result) {
    }

    private final String name;
    private final Object lock = new Object();
    private final Scheduler clock;
    private final DeviceEvents events;
    private final DeviceStats stats;
    private final Suspender suspender;
    private final TableReplacer replacer;
    private final AtomicInteger openCount = new AtomicInteger();
    /** Requests queued behind the closed gate, in arrival order; guarded by {@link #lock}. */
    private final ArrayDeque<Queued<?>> queue = new ArrayDeque<>();
    /** Guarded by {@link #lock}; written only by the transition methods. */
    private DeviceState state = DeviceState.ACTIVE;
    /** The inactive table slot; guarded by {@link #lock}. */
    private Table inactive;
    /** Written under {@link #lock}, read without it by admission. */
    private volatile Live live = new Live(null, new InflightCounter());
    /** Whether requests are admitted directly; written under {@link #lock}. */
    private volatile boolean open = true;
    /** Whether a thread is releasing the queue; guarded by {@link #lock}. */
    private boolean releasing;
    /** The number of the current suspend attempt; guarded by {@link #lock}. */
    private long suspendAttempt;

    /** Creates an ACTIVE device without a table; {@code defaultSuspendTimeout} bounds implicit suspends. */
    public MappedDevice(String name, Scheduler scheduler, Duration defaultSuspendTimeout) {
        this.name = name;
        this.clock = scheduler;
        this.events = new DeviceEvents(name);
        this.stats = new DeviceStats(scheduler);
        this.suspender = new Suspender(this, scheduler, defaultSuspendTimeout);
        this.replacer = new TableReplacer(this, scheduler);
    }

    /** When requests were last submitted, suspend hold times, and totals of suspends and table swaps. */
    public DeviceStats stats() {
        return stats;
    }

    /** The device name. */
    public String name() {
        return name;
    }

    /** The current state. */
    public DeviceState state() {
        synchronized (lock) {
            return state;
        }
    }

    // ---------------------------------------------------------------- I/O

    @Override
    public long size() {
        return live.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        stats.countRequest();
        return submit(Op.READ, offset, dst.remaining(), dst, false);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        stats.countRequest();
        return submit(Op.WRITE, offset, src.remaining(), src, fua);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        stats.countRequest();
        return submit(Op.DISCARD, offset, length, null, false);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        stats.countRequest();
        return submit(Op.ZEROES, offset, length, null, mayUnmap);
    }

    @Override
    public CompletableFuture<Void> flush() {
        if (live.table() == null && open) {
            return CompletableFuture.completedFuture(null);
        }
        return submit(Op.FLUSH, 0, 0, null, false);
    }

    /** Flushes the live table's targets under the range only (see {@link Table#flush(long, long)}). */
    @Override
    public CompletableFuture<Void> flush(long offset, long length) {
        if (length <= 0 || live.table() == null && open) {
            return CompletableFuture.completedFuture(null);
        }
        return submit(Op.FLUSH, offset, length, null, false);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return submit(Op.ALLOCATION, offset, length, null, false);
    }

    /**
     * A file span through the live table when the range maps onto one file within one target; the span
     * pins that table (a suspend waits for it) until closed. Empty while the gate is closed: callers fall
     * back to {@link #read}, which queues.
     */
    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        stats.countRequest();
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
            return inner.withPin(() -> {
                if (released.compareAndSet(false, true)) {
                    inner.close();
                    ref.inflight().exit(stripe);
                }
            });
        });
    }

    @Override
    public boolean fastZeroes() {
        Table t = live.table();
        return t != null && t.fastZeroes();
    }

    @Override
    public String describe() {
        return "mapped:" + name;
    }

    /**
     * Admits a request to the live table (entering its counter) while the gate is open and the table still
     * live, else backs out and queues it. Takes no lock on the way in.
     */
    private <T> CompletableFuture<T> submit(Op op, long offset, long length, ByteBuffer buffer, boolean flag) {
        Live ref = live;
        int stripe = ref.inflight().enter();
        if (!open || live != ref) {
            ref.inflight().exit(stripe);
            return defer(op, offset, length, buffer, flag);
        }
        return run(ref, stripe, op, offset, length, buffer, flag);
    }

    /** Issues a request on {@code ref}, which it has entered on {@code stripe}; exits on completion. */
    private <T> CompletableFuture<T> run(Live ref, int stripe, Op op, long offset, long length, ByteBuffer buffer,
            boolean flag) {
        CompletableFuture<T> f;
        try {
            f = issue(ref.table(), op, offset, length, buffer, flag);
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
     * Applies a request to table {@code t}: range-checked (an empty valid range completes at once), split at the
     * target boundaries, each piece issued to its target with its buffer slice.
     */
    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> issue(Table t, Op op, long offset, long length, ByteBuffer buffer,
            boolean flag) {
        if (t == null) {
            return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.IO_ERROR,
                    "device '" + name + "' has no live table"));
        }
        if (op == Op.FLUSH) {   // length 0: the whole table (flush()), else the targets under the range
            return (CompletableFuture<T>) (length == 0 ? t.flush() : t.flush(offset, length));
        }
        if (offset < 0 || length <= 0 || offset > t.size() - length) {
            return outside(t, offset, length);
        }
        if (op == Op.ALLOCATION) {
            return (CompletableFuture<T>) (CompletableFuture<?>) t.allocation(offset, length);
        }
        int i = t.index(offset);
        if (offset + length <= t.end(i)) {
            return (CompletableFuture<T>) piece(t.target(i), op, offset - t.start(i), buffer, 0, length, flag);
        }
        Join join = new Join();
        long done = 0;
        while (done < length) {
            long at = offset + done;
            long n = Math.min(length - done, t.end(i) - at);
            CompletableFuture<Void> p;
            try {
                p = piece(t.target(i), op, at - t.start(i), buffer, done, n, flag);
            } catch (RuntimeException e) {
                p = CompletableFuture.failedFuture(e);
            }
            join.add(p);
            done += n;
            i++;
        }
        return (CompletableFuture<T>) join.seal();
    }

    /** Issues the piece of {@code n} bytes, {@code done} bytes into the request, at {@code at} of {@code target}. */
    private static CompletableFuture<Void> piece(Target target, Op op, long at, ByteBuffer buffer, long done, long n,
            boolean flag) {
        return switch (op) {
            case READ -> target.read(at, slice(buffer, done, n));
            case WRITE -> target.write(at, slice(buffer, done, n), flag);
            case DISCARD -> target.discard(at, n);
            case ZEROES -> target.writeZeroes(at, n, flag);
            case ALLOCATION, FLUSH -> throw new IllegalStateException(op + " is not split");
        };
    }

    private static ByteBuffer slice(ByteBuffer buf, long done, long length) {
        if (done == 0 && length == buf.remaining()) {
            return buf;
        }
        int start = buf.position() + (int) done;
        return buf.duplicate().limit(start + (int) length).position(start);
    }

    private <T> CompletableFuture<T> outside(Table t, long offset, long length) {
        if (length == 0 && offset >= 0 && offset <= t.size()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.INVALID, "device '" + name
                + "': range " + offset + "+" + length + " outside device of " + t.size() + " bytes"));
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

    private <T> CompletableFuture<T> defer(Op op, long offset, long length, ByteBuffer buffer, boolean flag) {
        synchronized (lock) {
            if (state == DeviceState.REMOVED) {
                return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.SHUTDOWN,
                        "device '" + name + "' was removed"));
            }
            if (!open) {
                CompletableFuture<T> result = new CompletableFuture<>();
                queue.add(new Queued<>(op, offset, length, buffer, flag, result));
                return result;
            }
        }
        return submit(op, offset, length, buffer, flag);
    }

    /**
     * Re-admits queued requests in arrival order while the device is ACTIVE or REPLACING (checked under the
     * lock), then opens the gate once the queue is empty, and records how long the gate held I/O; one releaser
     * at a time. Call without the lock.
     */
    private void reopenGate() {
        release();
        stats.gateReopened(clock.nanoTime());
    }

    private void release() {
        synchronized (lock) {
            if (releasing) {
                return;
            }
            releasing = true;
        }
        while (true) {
            Queued<?> next;
            Live ref;
            int stripe;
            synchronized (lock) {
                boolean go = state == DeviceState.ACTIVE || state == DeviceState.REPLACING;
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

    private <T> void dispatch(Queued<T> q, Live ref, int stripe) {
        this.<T>run(ref, stripe, q.op(), q.offset(), q.length(), q.buffer(), q.flag()).whenComplete((v, e) -> {
            if (e != null) {
                q.result().completeExceptionally(Join.unwrap(e));
            } else {
                q.result().complete(v);
            }
        });
    }

    // ---------------------------------------------------------------- tables

    /**
     * Validates that {@code table} may serve this device and stores it as the inactive table, replacing
     * (and closing) any previous one; the live table keeps serving.
     *
     * @throws IllegalArgumentException if the table maps onto this device, directly or through others
     */
    public void load(Table table) {
        for (SharedDevice d : table.sharedDevices()) {
            if (d == this || d.dependsOn(this)) {
                throw new IllegalArgumentException("device '" + name + "': table maps onto " + d.describe()
                        + ", which depends on this device");
            }
        }
        Table old;
        synchronized (lock) {
            if (state == DeviceState.REMOVED) {
                throw new IllegalStateException("device '" + name + "': cannot load a table in state REMOVED");
            }
            table.attach(events);
            old = inactive;
            inactive = table;
        }
        if (old != null) {
            old.close();
        }
    }

    /** Drops and closes the inactive table; returns whether there was one. */
    public boolean clear() {
        Table old;
        synchronized (lock) {
            if (state == DeviceState.REMOVED) {
                throw new IllegalStateException("device '" + name + "': cannot clear a table in state REMOVED");
            }
            old = inactive;
            inactive = null;
        }
        if (old != null) {
            old.close();
        }
        return old != null;
    }

    /** The live table's text ({@code dmsetup table}), empty without one. */
    public String table() {
        Table t = live.table();
        return t == null ? "" : t.format();
    }

    /**
     * The live table's targets in line order (empty without a table), for inspection such as a mirror's
     * recovery progress; their I/O methods bypass the device and must not be used.
     */
    public List<Target> targets() {
        Table t = live.table();
        return t == null ? List.of() : t.targets();
    }

    /** The inactive table's text ({@code dmsetup table --inactive}), empty without one. */
    public String inactiveTable() {
        synchronized (lock) {
            return inactive == null ? "" : inactive.format();
        }
    }

    /** The live table's status text ({@code dmsetup status}), empty without one. */
    public String status() {
        Table t = live.table();
        return t == null ? "" : t.status();
    }

    /** What {@code dmsetup info} shows. */
    public DeviceInfo info() {
        synchronized (lock) {
            Table t = live.table();
            return new DeviceInfo(name, state, openCount.get(), t != null, inactive != null, events.number(),
                    t == null ? 0 : t.count(), t == null ? 0 : t.size());
        }
    }

    // ---------------------------------------------------------------- transitions

    /**
     * Suspends (ACTIVE → SUSPENDING): runs the targets' presuspend hooks (and with {@link SuspendMode#FLUSH}
     * flushes the live table's devices once) while I/O still flows, then queues new I/O, waits for the live
     * table's in-flight I/O (file spans included), with {@link SuspendMode#FLUSH} flushes again, then runs the
     * targets' postsuspend hooks (→ SUSPENDED). Fails with {@link TimeoutException} if draining and flushing take
     * longer than {@code timeout}, or with the flush or postsuspend error; either way the device is ACTIVE again
     * and queued I/O is released.
     *
     * @throws IllegalStateException unless ACTIVE
     */
    public CompletableFuture<Void> suspend(SuspendMode mode, Duration timeout) {
        Live ref;
        long attempt;
        synchronized (lock) {
            enter(DeviceState.SUSPENDING);
            attempt = ++suspendAttempt;
            ref = live;
        }
        return suspender.suspend(attempt, ref, mode, timeout);
    }

    /** Whether suspend {@code attempt} is still the current one and undecided. */
    boolean suspending(long attempt) {
        synchronized (lock) {
            return state == DeviceState.SUSPENDING && suspendAttempt == attempt;
        }
    }

    /**
     * SUSPENDING, for the current {@code attempt}: closes the gate (new I/O queues); completes once the requests
     * pinned to {@code ref} drained. Completes at once if the attempt was given up.
     */
    CompletableFuture<Void> closeGate(long attempt, Live ref) {
        synchronized (lock) {
            if (!suspending(attempt)) {
                return CompletableFuture.completedFuture(null);
            }
            open = false;
            stats.gateClosed(clock.nanoTime());
        }
        return ref.inflight().drain();
    }

    /**
     * Decides suspend {@code attempt}'s outcome: true for the first caller (its drain completing or its timeout),
     * which then ends the attempt with {@link #suspended()} or {@link #suspendFailed()}; false for the later one.
     */
    boolean claimSuspend(long attempt, Live ref) {
        synchronized (lock) {
            if (!suspending(attempt)) {
                return false;
            }
            ref.inflight().disarm();
            suspendAttempt++;
            return true;
        }
    }

    /** SUSPENDING → SUSPENDED: drained, flushed if asked, postsuspend hooks done. */
    void suspended() {
        synchronized (lock) {
            move(DeviceState.SUSPENDING, DeviceState.SUSPENDED);
        }
    }

    /** SUSPENDING → ACTIVE: the suspend timed out or failed; queued I/O is released. */
    void suspendFailed() {
        synchronized (lock) {
            move(DeviceState.SUSPENDING, DeviceState.ACTIVE);
        }
        reopenGate();
    }

    /**
     * Resumes a SUSPENDED device (→ ACTIVE): swaps in the inactive table if there is one, releases queued I/O
     * in arrival order, then resumes the targets (unless a new suspend began meanwhile) and closes the old
     * table. On an ACTIVE or REPLACING device, suspends first if a table is waiting and otherwise does nothing.
     *
     * @throws IllegalStateException when SUSPENDING or REMOVED, or REPLACING with a table waiting
     */
    public CompletableFuture<Void> resume() {
        Table old = null;
        Table now;
        synchronized (lock) {
            if (state == DeviceState.ACTIVE || state == DeviceState.REPLACING) {
                return inactive == null ? CompletableFuture.completedFuture(null)
                        : suspend(SuspendMode.FLUSH, suspender.defaultTimeout()).thenCompose(v -> resume());
            }
            move(DeviceState.SUSPENDED, DeviceState.ACTIVE);
            if (inactive != null) {
                old = live.table();
                live = new Live(inactive, new InflightCounter());
                inactive = null;
                stats.tableSwapped();
            }
            now = live.table();
        }
        reopenGate();
        resumeIfLive(now);   // after the gate reopened: starting background work can take a while
        if (old != null) {
            old.close();
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Makes the inactive table live without holding I/O (ACTIVE → REPLACING → ACTIVE, see {@link TableReplacer});
     * completes once the old table's requests finished and it closed; fails if the device was removed or its
     * inactive table cleared meanwhile.
     *
     * @throws IllegalStateException unless ACTIVE with an inactive table
     */
    public CompletableFuture<Void> replace() {
        Live old;
        synchronized (lock) {
            state.checkTransition(DeviceState.REPLACING, name);
            if (inactive == null) {
                throw new IllegalStateException("device '" + name + "' has no inactive table to make live");
            }
            enter(DeviceState.REPLACING);
            old = live;
        }
        return replacer.replace(old);
    }

    /**
     * REPLACING: makes the inactive table live while I/O flows and returns it; requests already admitted finish
     * on the old table, and one that entered the old counter but has not run yet sees it is no longer live and
     * retries on the new one.
     *
     * @throws IllegalStateException if the replace is abandoned because the device was removed or the inactive
     *                               table cleared; the device is then ACTIVE again (unless removed) and the old
     *                               table's targets resume
     */
    Table replaceSwap(Live old) {
        String why;
        synchronized (lock) {
            if (state == DeviceState.REPLACING && inactive != null) {
                Table now = inactive;
                inactive = null;
                live = new Live(now, new InflightCounter());
                stats.tableSwapped();
                return now;
            }
            why = state == DeviceState.REMOVED ? "device removed" : "inactive table cleared";
        }
        replaceEnded(old.table());
        throw new IllegalStateException("device '" + name + "': table replace abandoned (" + why + ")");
    }

    /**
     * REPLACING → ACTIVE (nothing if removed meanwhile): the replace ended; {@code resume}'s targets resume if it
     * is still the live table.
     */
    void replaceEnded(Table resume) {
        synchronized (lock) {
            if (state == DeviceState.REPLACING) {
                move(DeviceState.REPLACING, DeviceState.ACTIVE);
            }
        }
        resumeIfLive(resume);
    }

    /** Resumes {@code table}'s targets if it is the live table and the device ACTIVE (no new suspend). */
    private void resumeIfLive(Table table) {
        synchronized (lock) {
            if (table != null && state == DeviceState.ACTIVE && live.table() == table) {
                table.resumeTargets();
            }
        }
    }

    /**
     * Removes the device (→ REMOVED): further I/O fails as shut down; once in-flight I/O completes the live table's
     * presuspend and postsuspend hooks run, unless the device was already suspended (as the kernel's device removal
     * does: a mirror persists its region log there), and the tables are closed. Without {@code force} it refuses while the device is open or has queued I/O; with it,
     * queued I/O fails.
     *
     * @throws IllegalStateException when SUSPENDING or REMOVED, or busy without force
     */
    public CompletableFuture<Void> remove(boolean force) {
        List<CompletableFuture<?>> dropped;
        Live ref;
        Table staged;
        boolean wasSuspended;
        synchronized (lock) {
            state.checkTransition(DeviceState.REMOVED, name);
            wasSuspended = state == DeviceState.SUSPENDED;
            if (!force && openCount.get() > 0) {
                throw new IllegalStateException("device '" + name + "' is open (" + openCount.get() + " openers)");
            }
            if (!force && !queue.isEmpty()) {
                throw new IllegalStateException("device '" + name + "' has " + queue.size() + " queued requests");
            }
            enter(DeviceState.REMOVED);
            open = false;
            dropped = new ArrayList<>(queue.size());
            for (Queued<?> q : queue) {
                dropped.add(q.result());
            }
            queue.clear();
            ref = live;
            staged = inactive;
            inactive = null;
        }
        for (CompletableFuture<?> d : dropped) {
            d.completeExceptionally(new BlockIoException(BlockIoException.Kind.SHUTDOWN,
                    "device '" + name + "' was removed while the request was queued"));
        }
        if (staged != null) {
            staged.close();
        }
        Table table = ref.table();
        if (table == null) {
            return ref.inflight().drain();
        }
        return ref.inflight().drain()
                .thenCompose(v -> wasSuspended ? CompletableFuture.<Void>completedFuture(null)
                        : table.presuspend().thenCompose(x -> table.postsuspend()))
                .handle((v, err) -> {
                    if (err != null) {
                        LOG.warn("device '{}': suspend hooks at removal failed", name, err);
                    }
                    table.close();
                    return null;
                });
    }

    /**
     * Removes the device by force unless it is in the middle of a suspend or already removed (does not wait
     * for in-flight I/O).
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (state == DeviceState.REMOVED || state == DeviceState.SUSPENDING) {
                return;
            }
        }
        remove(true);
    }

    /** Moves to {@code next} from the current state; throws naming both unless {@code next} is a successor. */
    private void enter(DeviceState next) {
        state.checkTransition(next, name);
        state = next;
    }

    /** Moves from {@code from} to {@code to}; throws naming both states if the device is in another state. */
    private void move(DeviceState from, DeviceState to) {
        if (state != from) {
            throw DeviceState.illegal(name, state, to);
        }
        enter(to);
    }

    // ---------------------------------------------------------------- openers and events

    @Override
    public Handle open() {
        synchronized (lock) {
            if (state == DeviceState.REMOVED) {
                throw new IllegalStateException("device '" + name + "': cannot open in state REMOVED");
            }
            openCount.incrementAndGet();
        }
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                openCount.decrementAndGet();
            }
        };
    }

    /** Registered openers. */
    public int openCount() {
        return openCount.get();
    }

    @Override
    public boolean dependsOn(BlockDevice other) {
        if (other == this) {
            return true;
        }
        Table now;
        Table staged;
        synchronized (lock) {
            now = live.table();
            staged = inactive;
        }
        return now != null && now.mapsOnto(other) || staged != null && staged.mapsOnto(other);
    }

    /** Events raised by targets so far. */
    public long eventNumber() {
        return events.number();
    }

    /** Adds a listener for target events. */
    public void addListener(DeviceListener listener) {
        events.add(listener);
    }

    /** Removes a listener. */
    public void removeListener(DeviceListener listener) {
        events.remove(listener);
    }
}
