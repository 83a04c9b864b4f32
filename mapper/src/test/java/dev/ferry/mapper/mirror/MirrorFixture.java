package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.time.ManualScheduler;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Builds mirror targets over named test devices through {@link MirrorTargetType}, recording events; records stale
 * copies like the daemon's metadata would (cleared when their region is back in sync), or fails to record them.
 */
final class MirrorFixture implements MirrorListener {

    final Map<String, BlockDevice> devices = new HashMap<>();
    final List<LegFailure> legFailures = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> synced = Collections.synchronizedList(new ArrayList<>());
    final List<RecoveryOutcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    /** {leg, region} per {@link #copyStale} call. */
    final List<List<Integer>> staleCopies = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> staleLegs = Collections.synchronizedList(new ArrayList<>());
    /** The stale copies recorded and not yet back in sync, per leg. */
    final Map<Integer, BitSet> recordedStale = new TreeMap<>();
    /** Fails the stale-copy records while set. */
    volatile boolean refuseStaleRecords;
    final ManualScheduler scheduler = new ManualScheduler();
    final Copier copier = new Copier(new CopierConfig(16 * 1024, 4, 8, 0), scheduler);

    MirrorFixture add(String name, BlockDevice device) {
        devices.put(name, device);
        return this;
    }

    MirrorTarget create(long sectors, String table, int recoveryRegions) {
        return (MirrorTarget) new MirrorTargetType(copier, this, recoveryRegions)
                .create(sectors, List.of(table.split(" ")), name -> {
                    BlockDevice d = devices.get(name);
                    if (d == null) {
                        throw new IllegalArgumentException("no device " + name);
                    }
                    return d;
                });
    }

    @Override
    public void legFailed(MirrorTarget mirror, LegFailure failure) {
        legFailures.add(failure);
    }

    @Override
    public void regionInSync(MirrorTarget mirror, int region) {
        synced.add(region);
        synchronized (recordedStale) {
            recordedStale.values().forEach(s -> s.clear(region));
        }
    }

    @Override
    public CompletableFuture<Void> copyStale(MirrorTarget mirror, int leg, int region) {
        staleCopies.add(List.of(leg, region));
        return record(leg, region, region + 1);
    }

    @Override
    public CompletableFuture<Void> legStale(MirrorTarget mirror, int leg) {
        staleLegs.add(leg);
        return record(leg, 0, mirror.regionCount());
    }

    private CompletableFuture<Void> record(int leg, int from, int to) {
        if (refuseStaleRecords) {
            return CompletableFuture.failedFuture(new IllegalStateException("metadata commit refused"));
        }
        synchronized (recordedStale) {
            recordedStale.computeIfAbsent(leg, l -> new BitSet()).set(from, to);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The {@code stale <leg> <ranges>} feature words of the recorded stale copies. */
    List<String> staleFeatureWords() {
        List<String> words = new ArrayList<>();
        synchronized (recordedStale) {
            recordedStale.forEach((leg, regions) -> {
                if (!regions.isEmpty()) {
                    words.addAll(List.of("stale", leg.toString(), regions.stream().mapToObj(Integer::toString)
                            .collect(Collectors.joining(","))));
                }
            });
        }
        return words;
    }

    @Override
    public void recoveryFinished(MirrorTarget mirror, RecoveryOutcome outcome) {
        outcomes.add(outcome);
    }
}
