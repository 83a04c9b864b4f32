package dev.ferry.mapper.device;

import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.targets.Join;
import dev.ferry.mapper.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The suspend and resume procedures of one {@link MappedDevice} (ACTIVE → SUSPENDING → SUSPENDED, or back to
 * ACTIVE on timeout or error): while I/O still flows runs the targets' presuspend hooks and, if asked to
 * flush, flushes once; then closes the gate, waits for the live table's in-flight I/O, flushes again if
 * asked (only what was written since), runs the targets' postsuspend hooks. Each attempt has a number; a timeout or late completion
 * of an attempt that is no longer current does nothing.
 */
final class Suspender {

    private static final Logger LOG = LoggerFactory.getLogger(MappedDevice.class);

    private final MappedDevice device;
    private final Scheduler scheduler;
    private final Duration defaultTimeout;
    /** Guarded by the device's lock. */
    private int attempts;

    Suspender(MappedDevice device, Scheduler scheduler, Duration defaultTimeout) {
        this.device = device;
        this.scheduler = scheduler;
        this.defaultTimeout = defaultTimeout;
    }

    /** See {@link MappedDevice#resume}. */
    CompletableFuture<Void> resume() {
        synchronized (device.lock) {
            device.state.require(DeviceState.ACTIVE, device.name(), DeviceState.ACTIVE, DeviceState.SUSPENDED);
            if (device.state == DeviceState.ACTIVE) {
                return device.inactive != null ? suspend(SuspendMode.FLUSH, defaultTimeout).thenCompose(v -> resume())
                        : CompletableFuture.completedFuture(null);
            }
        }
        Table old = null;
        Table now;
        synchronized (device.lock) {
            device.state.require(DeviceState.ACTIVE, device.name(), DeviceState.SUSPENDED);
            if (device.inactive != null) {
                old = device.gate.swap(device.inactive);
                device.inactive = null;
            }
            now = device.gate.live().table();
            device.state = DeviceState.ACTIVE;
        }
        reopenGate();
        resumeIfLive(device, now);   // after the gate reopened: starting background work can take a while
        if (old != null) {
            old.close();
        }
        return CompletableFuture.completedFuture(null);
    }

    /** See {@link MappedDevice#suspend}. */
    CompletableFuture<Void> suspend(SuspendMode mode, Duration timeout) {
        RequestGate.Live ref;
        int attempt;
        synchronized (device.lock) {
            device.state.require(DeviceState.SUSPENDING, device.name(), DeviceState.ACTIVE);
            if (device.replacing) {
                throw new IllegalStateException("device '" + device.name() + "' is replacing its table; suspend later");
            }
            device.state = DeviceState.SUSPENDING;
            ref = device.gate.live();
            attempt = ++attempts;
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        Scheduler.Cancellable timer = scheduler.schedule(() -> abort(attempt, ref, result, new TimeoutException(
                "suspend of device '" + device.name() + "' timed out after " + timeout.toMillis() + " ms with "
                        + ref.inflight().sum() + " requests in flight; device is ACTIVE again")),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        boolean flush = mode == SuspendMode.FLUSH && ref.table() != null;
        // while I/O still flows: stop background work, and flush once so the flush inside the window is short
        CompletableFuture<Void> before = ref.table() == null ? CompletableFuture.completedFuture(null)
                : ref.table().presuspend().thenCompose(v -> flush && current(attempt)
                        ? ref.table().flush() : CompletableFuture.<Void>completedFuture(null));
        before.thenCompose(v -> closeGate(attempt, ref))
                .thenCompose(v -> flush && current(attempt)
                        ? ref.table().flush() : CompletableFuture.<Void>completedFuture(null))
                .whenComplete((v, e) -> {
                    timer.cancel();
                    if (e != null) {
                        abort(attempt, ref, result, Join.unwrap(e));
                    } else {
                        postsuspend(attempt, ref, result);
                    }
                });
        return result;
    }

    /** Closes the gate (new I/O queues) unless the attempt was given up; completes when in-flight I/O drained. */
    private CompletableFuture<Void> closeGate(int attempt, RequestGate.Live ref) {
        synchronized (device.lock) {
            if (!current(attempt)) {
                return CompletableFuture.completedFuture(null);
            }
            device.gate.close();
            device.stats.gateClosed(scheduler.nanoTime());
        }
        return ref.inflight().drain();
    }

    private boolean current(int attempt) {
        synchronized (device.lock) {
            return device.state == DeviceState.SUSPENDING && attempts == attempt;
        }
    }

    private void postsuspend(int attempt, RequestGate.Live ref, CompletableFuture<Void> result) {
        synchronized (device.lock) {
            if (!current(attempt)) {
                return;
            }
            ref.inflight().disarm();
            attempts++;
        }
        CompletableFuture<Void> hooks = ref.table() == null ? CompletableFuture.completedFuture(null)
                : ref.table().postsuspend();
        hooks.whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("device '{}': postsuspend failed, resuming", device.name(), e);
                ref.table().resumeTargets();
                reopen(result, Join.unwrap(e));
                return;
            }
            synchronized (device.lock) {
                device.state = DeviceState.SUSPENDED;
            }
            result.complete(null);
        });
    }

    private void abort(int attempt, RequestGate.Live ref, CompletableFuture<Void> result, Throwable cause) {
        synchronized (device.lock) {
            if (!current(attempt)) {
                return;
            }
            ref.inflight().disarm();
            attempts++;
        }
        LOG.warn("device '{}': suspend failed: {}", device.name(), cause.toString());
        if (ref.table() != null) {
            ref.table().resumeTargets();
        }
        reopen(result, cause);
    }

    private void reopen(CompletableFuture<Void> result, Throwable cause) {
        synchronized (device.lock) {
            device.state = DeviceState.ACTIVE;
        }
        reopenGate();
        result.completeExceptionally(cause);
    }

    /** Releases the I/O queued behind the gate and records how long it was held. */
    private void reopenGate() {
        device.gate.release(() -> device.state == DeviceState.ACTIVE);
        device.stats.gateReopened(scheduler.nanoTime());
    }

    /** Resumes {@code table}'s targets if it is {@code device}'s live table and the device ACTIVE (no new suspend). */
    static void resumeIfLive(MappedDevice device, Table table) {
        synchronized (device.lock) {
            if (table != null && device.state == DeviceState.ACTIVE && device.gate.live().table() == table) {
                table.resumeTargets();
            }
        }
    }
}
