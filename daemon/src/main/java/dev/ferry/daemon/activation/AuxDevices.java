package dev.ferry.daemon.activation;

import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.mapper.device.DeviceInfo;
import dev.ferry.mapper.device.MappedDevice;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
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

    /** The highest {@link #tier}. */
    static final int MAX_TIER = 3;

    /**
     * Activation order, highest first: a move's log LV (3), its pvmove LV (2), mirror logs (1, which a move may
     * stack on the pvmove LV), then the LVs stacked on them (0).
     */
    static int tier(VolumeGroup vg, LogicalVolume lv) {
        if (lv.has(LvFlag.PVMOVE)) {
            return 2;
        }
        if (lv.has(LvFlag.MIRROR_LOG)) {
            return 1;
        }
        boolean log = vg.lvs().stream().anyMatch(l -> l.move() != null && l.move().logLv().equals(lv.name()));
        return log ? MAX_TIER : 0;
    }

    /**
     * Brings the helper devices {@code lv}'s table needs in step: creates those that do not exist yet and swaps
     * the table of those whose table changed (a mirror leg moved by pvmove: same bytes, live); returns all it
     * needs.
     */
    Set<String> create(VolumeGroup vg, LogicalVolume lv, Duration swapTimeout) {
        Map<String, String> tables = LvTables.auxTables(vg, lv);
        for (Map.Entry<String, String> t : tables.entrySet()) {
            MappedDevice existing = mapper.registry().lookup(t.getKey()).orElse(null);
            if (existing == null) {
                mapper.registry().create(t.getKey(), t.getValue());
            } else if (!canonical(existing.table()).equals(canonical(t.getValue()))) {
                mapper.registry().load(t.getKey(), t.getValue());
                LiveSwap.swap(existing, swapTimeout);
            }
        }
        return Set.copyOf(tables.keySet());
    }

    private static String canonical(String table) {
        return table.strip().replaceAll("[ \\t]+", " ").replaceAll(" ?\n ?", "\n");
    }

    /** Removes the helper devices in {@code aux} that are not in {@code keep}. */
    CompletableFuture<Void> remove(Set<String> aux, Set<String> keep) {
        return CompletableFuture.allOf(aux.stream().filter(n -> !keep.contains(n))
                .map(n -> mapper.registry().remove(n, true)).toArray(CompletableFuture[]::new));
    }

    /**
     * Flushes and removes every device at stop: first those not of {@code all} (created by hand, which may stack on
     * LVs), then the devices of {@code all} tier by tier from 0, each with its helper devices, its PV files released.
     */
    CompletableFuture<Void> removeAtStop(List<ActiveLv> all) {
        Set<String> lvDevices = new HashSet<>();
        all.forEach(a -> lvDevices.add(a.device().name()));
        all.forEach(a -> lvDevices.addAll(a.aux()));
        List<String> others = mapper.registry().list().stream().map(DeviceInfo::name)
                .filter(n -> !lvDevices.contains(n)).toList();
        CompletableFuture<Void> done = CompletableFuture.allOf(others.stream().map(this::flushAndRemove)
                .toArray(CompletableFuture[]::new));
        for (int tier = 0; tier <= MAX_TIER; tier++) {
            List<ActiveLv> level = all.stream().filter(withTier(tier)).toList();
            done = done.thenCompose(v -> CompletableFuture.allOf(level.stream().map(a -> flushAndRemove(
                    a.device().name()).thenCompose(x -> remove(a.aux(), Set.of()))
                    .thenCompose(x -> mapper.pvs().release(a.paths()))).toArray(CompletableFuture[]::new)));
        }
        return done;
    }

    private static Predicate<ActiveLv> withTier(int tier) {
        return a -> a.tier() == tier;
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
