package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.time.ManualScheduler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds mirror targets over named test devices through {@link MirrorTargetType}, recording events. */
final class MirrorFixture implements MirrorListener {

    final Map<String, BlockDevice> devices = new HashMap<>();
    final List<LegFailure> legFailures = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> synced = Collections.synchronizedList(new ArrayList<>());
    final List<RecoveryOutcome> outcomes = Collections.synchronizedList(new ArrayList<>());
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
    }

    @Override
    public void recoveryFinished(MirrorTarget mirror, RecoveryOutcome outcome) {
        outcomes.add(outcome);
    }
}
