package dev.ferry.daemon.wiring;

import dev.ferry.daemon.activation.MirrorWatch;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.operations.VolumeService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The meters of each active mirrored LV, tagged {@code vg} and {@code lv} and read at scrape time:
 * {@code ferry_mirror_resync_bytes_total} (bytes resync copies wrote onto its legs since the daemon started, across
 * table reloads) and {@code ferry_mirror_stale_extents} (its stale copies in extents, from the committed metadata).
 * An LV's meters are removed when it is deactivated or renamed.
 */
final class MirrorMetrics implements MirrorWatch {
    private final MeterRegistry registry;
    private final VolumeService volumes;
    private final Map<String, List<Meter>> meters = new ConcurrentHashMap<>();

    /** Meters of the mirrored LVs of {@code volumes}, in {@code registry}, following activations from now on. */
    static void bind(MeterRegistry registry, VolumeService volumes) {
        volumes.activator().watchMirrors(new MirrorMetrics(registry, volumes));
    }

    private MirrorMetrics(MeterRegistry registry, VolumeService volumes) {
        this.registry = registry;
        this.volumes = volumes;
    }

    @Override
    public void activated(String vg, String lv) {
        Tags tags = Tags.of("vg", vg, "lv", lv);
        meters.computeIfAbsent(vg + "/" + lv, k -> List.of(
                FunctionCounter.builder("ferry.mirror.resync", volumes, v -> v.activator().mirrorResyncedBytes(vg, lv))
                        .baseUnit("bytes").tags(tags)
                        .description("Bytes written onto the legs of a mirrored LV by resync copies")
                        .register(registry),
                Gauge.builder("ferry.mirror.stale.extents", volumes, v -> staleExtents(v, vg, lv)).tags(tags)
                        .description("Stale copies of a mirrored LV in extents, counted once per stale leg")
                        .register(registry)));
    }

    @Override
    public void deactivated(String vg, String lv) {
        List<Meter> gone = meters.remove(vg + "/" + lv);
        if (gone != null) {
            gone.forEach(registry::remove);
        }
    }

    /** Stale copies of {@code vg/lv} in extents, or NaN if the LV is gone from the metadata. */
    private static double staleExtents(VolumeService volumes, String vg, String lv) {
        return volumes.manager().volumeGroup(vg).flatMap(g -> g.lv(lv)).map(MirrorLayout::staleCopies)
                .map(Long::doubleValue).orElse(Double.NaN);
    }
}
