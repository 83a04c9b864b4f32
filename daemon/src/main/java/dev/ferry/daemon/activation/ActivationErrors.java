package dev.ferry.daemon.activation;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The errors activation raises, and its bounded wait for a device step (a table swap or removal). */
public final class ActivationErrors {

    private ActivationErrors() {
    }

    /** Waits up to twice {@code suspendTimeout} for {@code f}, turning its failure into an IllegalStateException. */
    static void await(Duration suspendTimeout, CompletableFuture<Void> f, String what) {
        awaitWithin(suspendTimeout.multipliedBy(2), f, what);
    }

    /**
     * Waits up to {@code limit} for {@code f} (a device step: a swap, a removal, a log write), turning its failure,
     * its timeout or an interrupt into an IllegalStateException naming {@code what}.
     */
    public static void awaitWithin(Duration limit, CompletableFuture<?> f, String what) {
        try {
            f.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }

    /** ACTIVATION_FAILED for {@code key}. */
    static VolumeException failed(String key, String message, Throwable cause) {
        return new VolumeException(ErrorCode.ACTIVATION_FAILED, "Cannot activate " + key + ": " + message, cause);
    }

    /** LV_OPEN for {@code vg/lv}. */
    static VolumeException inUse(String vg, String lv) {
        return new VolumeException(ErrorCode.LV_OPEN, "Logical volume " + vg + "/" + lv + " is in use");
    }
}
