package dev.ferry.daemon.activation;

import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.mapper.device.MappedDevice;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The helper devices an LV's table needs besides the LV's own device (a pvmove's region-log slices),
 * their activation order, and flush-then-remove at stop; stateless over the mapper it is given.
 */
final class AuxDevices {

    private static final Logger LOG = LoggerFactory.getLogger(AuxDevices.class);

    private final MapperStack mapper;

    AuxDevices(MapperStack mapper) {
        this.mapper = mapper;
    }

    /** Activation order: a move's log LV (2) before its pvmove LV (1) before the LVs stacked on it (0). */
    static int tier(VolumeGroup vg, LogicalVolume lv) {
        if (lv.has(LvFlag.PVMOVE)) {
            return 1;
        }
        boolean log = vg.lvs().stream().anyMatch(l -> l.move() != null && l.move().logLv().equals(lv.name()));
        return log ? 2 : 0;
    }

    /** Creates the helper devices {@code lv}'s table needs that do not exist yet; returns all it needs. */
    Set<String> create(VolumeGroup vg, LogicalVolume lv) {
        Map<String, String> tables = LvTables.auxTables(vg, lv);
        for (Map.Entry<String, String> t : tables.entrySet()) {
            if (mapper.registry().lookup(t.getKey()).isEmpty()) {
                mapper.registry().create(t.getKey(), t.getValue());
            }
        }
        return Set.copyOf(tables.keySet());
    }

    /** Removes the helper devices in {@code aux} that are not in {@code keep}. */
    CompletableFuture<Void> remove(Set<String> aux, Set<String> keep) {
        return CompletableFuture.allOf(aux.stream().filter(n -> !keep.contains(n))
                .map(n -> mapper.registry().remove(n, true)).toArray(CompletableFuture[]::new));
    }

    CompletableFuture<Void> flushAndRemove(String device) {
        MappedDevice d = mapper.registry().lookup(device).orElse(null);
        if (d == null) {
            return CompletableFuture.completedFuture(null);
        }
        return d.flush().exceptionally(e -> {
            LOG.error("flush of {} at stop failed", device, e);
            return null;
        }).thenCompose(v -> mapper.registry().remove(device, true));
    }
}
