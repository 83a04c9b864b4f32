package dev.ferry.mapper.device;

import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.time.Scheduler;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live replace procedure of one {@link MappedDevice}, once the device has entered REPLACING (no I/O held):
 * the old table's targets stop their background work while I/O flows (presuspend), the device makes the
 * inactive table live, so new requests go to it at once while requests in flight finish on the old one; once
 * those have drained, the old table's postsuspend hooks run, it closes, and the device ends the replace, which
 * resumes the new table's targets (so their background work, such as a mirror's recovery, never overlaps a
 * write still in flight on the old table). The device's state changes only through its transition methods.
 *
 * <p>This is for reloads whose old and new tables present the same bytes (a volume manager's reloads while
 * extents move): requests on the two tables then conflict no more than any concurrent requests do.
 */
final class TableReplacer {

    private static final Logger LOG = LoggerFactory.getLogger(MappedDevice.class);

    private final MappedDevice device;
    private final Scheduler clock;

    TableReplacer(MappedDevice device, Scheduler clock) {
        this.device = device;
        this.clock = clock;
    }

    /** Replaces the live table {@code old}; see {@link MappedDevice#replace()}. */
    CompletableFuture<Void> replace(MappedDevice.Live old) {
        CompletableFuture<Void> stopped = old.table() == null ? CompletableFuture.completedFuture(null)
                : old.table().presuspend();
        return stopped.whenComplete((v, e) -> {
            if (e != null) {
                device.replaceEnded(null);
            }
        }).thenCompose(v -> swap(old));
    }

    private CompletableFuture<Void> swap(MappedDevice.Live old) {
        Table now;
        try {
            now = device.replaceSwap(old);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        long swapped = clock.nanoTime();
        return old.inflight().drain()
                .thenCompose(v -> old.table() == null ? CompletableFuture.<Void>completedFuture(null)
                        : old.table().postsuspend())
                .handle((v, e) -> {
                    if (e != null) {
                        LOG.warn("device '{}': postsuspend of the replaced table failed", device.name(), e);
                    }
                    if (old.table() != null) {
                        old.table().close();
                    }
                    device.stats().replaced(clock.nanoTime() - swapped);
                    device.replaceEnded(now);
                    return null;
                });
    }
}
