package dev.ferry.mapper.device;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.targets.SharedDevice;
import dev.ferry.mapper.targets.Target;
import dev.ferry.mapper.time.Scheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A device-mapper device: a {@link BlockDevice} whose I/O is mapped by a live {@link Table}, with an
 * inactive table slot for the next one. Mapped devices stack: a table may map onto another one.
 *
 * <pre>
 *            suspend()     presuspend, drained (+flushed), postsuspend
 *   ACTIVE ─────────────► SUSPENDING ───────────────────────────────► SUSPENDED
 *     ▲  ▲                    │ timeout / flush error                     │
 *     │  └────────────────────┘ (queued I/O released)                     │
 *     └───────────────────────────────────────────────────────────────────┘
 *                 resume(): swap in the inactive table if any, release queued I/O in order
 *   ACTIVE ── replace() ──► ACTIVE: the inactive table goes live at once, no I/O held (see TableReplacer)
 *   ACTIVE, SUSPENDED ── remove() ──► REMOVED
 * </pre>
 * {@code load} and {@code clear} work in every state but REMOVED and touch only the inactive slot.
 * {@code resume()} on an ACTIVE device with an inactive table first suspends (FLUSH, the device's
 * default timeout), as dm does; without one it does nothing. Any other transition throws
 * {@link IllegalStateException} naming both states.
 *
 * <p>I/O path ({@link RequestGate}): a request enters the live table's {@link InflightCounter}, then
 * checks the gate (open only while ACTIVE with an empty queue) and that the table is still live; if
 * either fails it backs out and is queued. A request is pinned to the one table it entered for its whole life (all its
 * pieces, and a {@link FileSpan} until closed); suspend closes the gate and waits for that table's
 * counter to drain, so no request sees two tables. Requests split across targets complete when all
 * pieces have, with the first error.
 *
 * <p>Events: targets of a loaded table raise events through the table's sink, which this device
 * attaches: each increments {@link #eventNumber()} and is passed to the {@link DeviceListener}s.
 */
public final class MappedDevice implements SharedDevice {

    private final String name;
    /** Guards {@link #state}, the inactive slot and the gate's queue. */
    final Object lock = new Object();
    private final DeviceEvents events;
    private final AtomicInteger openCount = new AtomicInteger();
    final RequestGate gate;
    private final Suspender suspender;
    final DeviceStats stats;
    private final TableReplacer replacer;
    /** Whether a live replace runs; guarded by {@link #lock}. */
    boolean replacing;
    /** Guarded by {@link #lock}. */
    DeviceState state = DeviceState.ACTIVE;
    /** The inactive table slot; guarded by {@link #lock}. */
    Table inactive;

    /** Creates an ACTIVE device without a table; {@code defaultSuspendTimeout} bounds implicit suspends. */
    public MappedDevice(String name, Scheduler scheduler, Duration defaultSuspendTimeout) {
        this.name = name;
        this.gate = new RequestGate(name, lock);
        this.events = new DeviceEvents(name);
        this.suspender = new Suspender(this, scheduler, defaultSuspendTimeout);
        this.stats = new DeviceStats(scheduler);
        this.replacer = new TableReplacer(this, scheduler);
    }

    /** When requests were last submitted, and suspend hold times. */
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
        return gate.live().size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        stats.countRequest();
        return gate.submit(TableRequests.read(name, offset, dst));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        stats.countRequest();
        return gate.submit(TableRequests.write(name, offset, src, fua));
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        stats.countRequest();
        return gate.submit(TableRequests.discard(name, offset, length));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        stats.countRequest();
        return gate.submit(TableRequests.writeZeroes(name, offset, length, mayUnmap));
    }

    @Override
    public CompletableFuture<Void> flush() {
        if (gate.live().table() == null && gate.isOpen()) {
            return CompletableFuture.completedFuture(null);
        }
        return gate.submit(Table::flush);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return gate.submit(TableRequests.allocation(name, offset, length));
    }

    /**
     * A file span through the live table when the range maps onto one file within one target; the span
     * pins that table (a suspend waits for it) until closed. Empty while the gate is closed: callers fall
     * back to {@link #read}, which queues.
     */
    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        stats.countRequest();
        return gate.fileSpan(offset, length);
    }

    @Override
    public boolean fastZeroes() {
        Table t = gate.live().table();
        return t != null && t.fastZeroes();
    }

    @Override
    public String describe() {
        return "mapped:" + name;
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
        Table t = gate.live().table();
        return t == null ? "" : t.format();
    }

    /**
     * The live table's targets in line order (empty without a table), for inspection such as a mirror's
     * recovery progress; their I/O methods bypass the device and must not be used.
     */
    public List<Target> targets() {
        Table t = gate.live().table();
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
        Table t = gate.live().table();
        return t == null ? "" : t.status();
    }

    /** What {@code dmsetup info} shows. */
    public DeviceInfo info() {
        synchronized (lock) {
            Table t = gate.live().table();
            return new DeviceInfo(name, state, openCount.get(), t != null, inactive != null, events.number(),
                    t == null ? 0 : t.count(), t == null ? 0 : t.size());
        }
    }

    // ---------------------------------------------------------------- suspend / resume / remove

    /**
     * Suspends: runs the targets' presuspend hooks (and with {@link SuspendMode#FLUSH} flushes the live
     * table's devices once) while I/O still flows, then queues new I/O, waits for the live table's
     * in-flight I/O (file spans included), with {@link SuspendMode#FLUSH} flushes again, then runs the
     * targets' postsuspend hooks. Fails with {@link TimeoutException} if draining and flushing take longer than
     * {@code timeout}, or with the flush error; either way the device is ACTIVE again and queued I/O
     * is released.
     *
     * @throws IllegalStateException unless ACTIVE
     */
    public CompletableFuture<Void> suspend(SuspendMode mode, Duration timeout) {
        return suspender.suspend(mode, timeout);
    }

    /**
     * Resumes a SUSPENDED device: swaps in the inactive table if there is one, releases queued I/O in
     * arrival order, then resumes the targets (unless a new suspend began meanwhile) and closes the old
     * table. On an ACTIVE device,
     * suspends first if a table is waiting and otherwise does nothing.
     *
     * @throws IllegalStateException when SUSPENDING or REMOVED
     */
    public CompletableFuture<Void> resume() {
        return suspender.resume();
    }

    /**
     * Makes the inactive table live without holding I/O ({@link TableReplacer}); completes once the old table's
     * requests finished and it closed; fails if the device was removed or its inactive table cleared meanwhile.
     *
     * @throws IllegalStateException unless ACTIVE with an inactive table and no other replace running
     */
    public CompletableFuture<Void> replace() {
        return replacer.replace();
    }

    /**
     * Removes the device: further I/O fails as shut down, the tables are closed once in-flight I/O
     * completes. Without {@code force} it refuses while the device is open or has queued I/O; with it,
     * queued I/O fails.
     *
     * @throws IllegalStateException when SUSPENDING or REMOVED, or busy without force
     */
    public CompletableFuture<Void> remove(boolean force) {
        List<CompletableFuture<?>> dropped;
        RequestGate.Live ref;
        Table staged;
        synchronized (lock) {
            state.require(DeviceState.REMOVED, name, DeviceState.ACTIVE, DeviceState.SUSPENDED);
            if (!force && openCount.get() > 0) {
                throw new IllegalStateException("device '" + name + "' is open (" + openCount.get() + " openers)");
            }
            if (!force && gate.queued() > 0) {
                throw new IllegalStateException("device '" + name + "' has " + gate.queued() + " queued requests");
            }
            state = DeviceState.REMOVED;
            dropped = gate.shutdown();
            ref = gate.live();
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
        return ref.inflight().drain().thenRun(() -> {
            if (ref.table() != null) {
                ref.table().close();
            }
        });
    }

    /**
     * Removes the device by force if it is ACTIVE or SUSPENDED (does not wait for in-flight I/O); a device
     * in the middle of a suspend or already removed is left as it is.
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
        Table live;
        Table staged;
        synchronized (lock) {
            live = gate.live().table();
            staged = inactive;
        }
        return live != null && live.mapsOnto(other) || staged != null && staged.mapsOnto(other);
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
