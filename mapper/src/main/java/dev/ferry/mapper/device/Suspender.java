package dev.ferry.mapper.device;

import dev.ferry.mapper.targets.Join;
import dev.ferry.mapper.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The suspend procedure of one {@link MappedDevice}, once the device has entered SUSPENDING: while I/O still
 * flows runs the targets' presuspend hooks and, if asked to flush, flushes once; then has the device close its
 * gate, waits for the live table's in-flight I/O, flushes again if asked (only what was written since), runs
 * the targets' postsuspend hooks. Each attempt has a number; a timeout or late completion of an attempt that
 * is no longer current does nothing. The device's state changes only through its transition methods.
 */
final class Suspender {

    private static final Logger LOG = LoggerFactory.getLogger(MappedDevice.class);

    private final MappedDevice device;
    private final Scheduler scheduler;
    private final Duration defaultTimeout;

    Suspender(MappedDevice device, Scheduler scheduler, Duration defaultTimeout) {
        this.device = device;
        this.scheduler = scheduler;
        this.defaultTimeout = defaultTimeout;
    }

    /** The timeout of implicit suspends (a resume of an ACTIVE device with a table waiting). */
    Duration defaultTimeout() {
        return defaultTimeout;
    }

    /** Runs suspend {@code attempt} of the requests pinned to {@code ref}; see {@link MappedDevice#suspend}. */
    CompletableFuture<Void> suspend(long attempt, MappedDevice.Live ref, SuspendMode mode, Duration timeout) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Scheduler.Cancellable timer = scheduler.schedule(() -> abort(attempt, ref, result, new TimeoutException(
                "suspend of device '" + device.name() + "' timed out after " + timeout.toMillis() + " ms with "
                        + ref.inflight().sum() + " requests in flight; device is ACTIVE again")),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        boolean flush = mode == SuspendMode.FLUSH && ref.table() != null;
        // while I/O still flows: stop background work, and flush once so the flush inside the window is short
        CompletableFuture<Void> before = ref.table() == null ? CompletableFuture.completedFuture(null)
                : ref.table().presuspend().thenCompose(v -> flush && device.suspending(attempt)
                        ? ref.table().flush() : CompletableFuture.<Void>completedFuture(null));
        before.thenCompose(v -> device.closeGate(attempt, ref))
                .thenCompose(v -> flush && device.suspending(attempt)
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

    private void postsuspend(long attempt, MappedDevice.Live ref, CompletableFuture<Void> result) {
        if (!device.claimSuspend(attempt, ref)) {
            return;
        }
        CompletableFuture<Void> hooks = ref.table() == null ? CompletableFuture.completedFuture(null)
                : ref.table().postsuspend();
        hooks.whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("device '{}': postsuspend failed, resuming", device.name(), e);
                ref.table().resumeTargets();
                device.suspendFailed();
                result.completeExceptionally(Join.unwrap(e));
                return;
            }
            device.suspended();
            result.complete(null);
        });
    }

    private void abort(long attempt, MappedDevice.Live ref, CompletableFuture<Void> result, Throwable cause) {
        if (!device.claimSuspend(attempt, ref)) {
            return;
        }
        LOG.warn("device '{}': suspend failed: {}", device.name(), cause.toString());
        if (ref.table() != null) {
            ref.table().resumeTargets();
        }
        device.suspendFailed();
        result.completeExceptionally(cause);
    }
}
