package dev.ferry.mapper.device;

import dev.ferry.mapper.table.Table;
import dev.ferry.mapper.time.Scheduler;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live replace of one {@link MappedDevice}'s table (ACTIVE throughout, no I/O held): the old table's targets
 * stop their background work while I/O flows (presuspend), the inactive table becomes live, so new requests go to
 * it at once while requests in flight finish on the old one; once those have drained, the old table's
 * postsuspend hooks run, it closes, and the new table's targets resume (so their background work, such as a
 * mirror's recovery, never overlaps a write still in flight on the old table).
 *
 * <p>This is for reloads whose old and new tables present the same bytes (a volume manager's reloads while
 * extents move): requests on the two tables then conflict no more than any concurrent requests do. A device
 * suspend is refused while a replace runs.
 */
final class TableReplacer {

    private static final Logger LOG = LoggerFactory.getLogger(MappedDevice.class);

    private final MappedDevice device;
    private final Scheduler clock;

    TableReplacer(MappedDevice device, Scheduler clock) {
        this.device = device;
        this.clock = clock;
    }

    /** See {@link MappedDevice#replace()}. */
    CompletableFuture<Void> replace() {
        RequestGate.Live old;
        synchronized (device.lock) {
            device.state.require(DeviceState.ACTIVE, device.name(), DeviceState.ACTIVE);
            if (device.replacing) {
                throw new IllegalStateException("device '" + device.name() + "' is already replacing its table");
            }
            if (device.inactive == null) {
                throw new IllegalStateException("device '" + device.name() + "' has no inactive table to make live");
            }
            device.replacing = true;
            old = device.gate.live();
        }
        CompletableFuture<Void> stopped = old.table() == null ? CompletableFuture.completedFuture(null)
                : old.table().presuspend();
        return stopped.thenCompose(v -> swap(old)).whenComplete((v, e) -> {
            synchronized (device.lock) {
                device.replacing = false;
            }
        });
    }

    private CompletableFuture<Void> swap(RequestGate.Live old) {
        Table now;
        synchronized (device.lock) {
            if (device.state != DeviceState.ACTIVE || device.inactive == null) {
                String why = "device '" + device.name() + "': table replace abandoned (state " + device.state
                        + (device.inactive != null ? ")" : ", inactive table cleared)");
                Suspender.resumeIfLive(device, old.table());
                return CompletableFuture.failedFuture(new IllegalStateException(why));
            }
            now = device.inactive;
            device.inactive = null;
            device.gate.swap(now);
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
                    device.stats.replaced(clock.nanoTime() - swapped);
                    Suspender.resumeIfLive(device, now);
                    return null;
                });
    }
}
