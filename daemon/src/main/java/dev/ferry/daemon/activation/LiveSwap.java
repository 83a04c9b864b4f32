package dev.ferry.daemon.activation;

import dev.ferry.mapper.device.DeviceState;
import dev.ferry.mapper.device.MappedDevice;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an active LV's loaded table live without holding I/O ({@link MappedDevice#replace()}: an LV's tables
 * before and after a reload present the same bytes) and waits until the old table's requests have finished, so
 * nothing below it (a pvmove device about to go) still has I/O from it.
 */
final class LiveSwap {

    private static final Logger LOG = LoggerFactory.getLogger(Activator.class);

    private LiveSwap() {
    }

    /** Swaps {@code device}'s inactive table in; waits at most {@code timeout} for the old table to drain. */
    static void swap(MappedDevice device, Duration timeout) {
        if (device.state() == DeviceState.SUSPENDED) {   // suspended by an operator: swap under that suspend
            ActivationErrors.await(timeout, device.resume(), "resume of " + device.name());
            return;
        }
        CompletableFuture<Void> drained = device.replace();
        try {
            drained.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.warn("{}: the replaced table still has requests in flight after {} ms; it closes when they end",
                    device.name(), timeout.toMillis());
        } catch (ExecutionException e) {
            throw new IllegalStateException("table replace of " + device.name() + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted replacing the table of " + device.name(), e);
        }
    }
}
