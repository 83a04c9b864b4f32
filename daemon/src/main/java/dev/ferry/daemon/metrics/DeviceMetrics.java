package dev.ferry.daemon.metrics;

import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.device.DeviceStats;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.device.RegistryListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The meters of each mapped device (tag {@code device}), read from its {@link DeviceStats} at scrape time:
 * {@code ferry_dm_table_swaps_total} (tables made live, the first included), {@code ferry_dm_suspends_total}
 * (suspends that held new I/O) and {@code ferry_dm_suspend_seconds} (count and sum of the time each held I/O, counted
 * once its I/O is released). A device's meters are removed with it.
 */
public final class DeviceMetrics implements RegistryListener {
    private final MeterRegistry registry;
    private final Map<MappedDevice, List<Meter>> meters = new ConcurrentHashMap<>();

    private DeviceMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Meters in {@code registry} for every device of {@code devices}, now and from now on. */
    public static void bind(MeterRegistry registry, DeviceRegistry devices) {
        devices.addListener(new DeviceMetrics(registry));
    }

    @Override
    public void created(MappedDevice device) {
        Tags tags = Tags.of("device", device.name());
        DeviceStats stats = device.stats();
        meters.put(device, List.of(
                FunctionCounter.builder("ferry.dm.table.swaps", stats, DeviceStats::tableSwaps).tags(tags)
                        .description("Tables made live on a mapped device (on resume or live replace), its first one "
                                + "included").register(registry),
                FunctionCounter.builder("ferry.dm.suspends", stats, DeviceStats::suspends).tags(tags)
                        .description("Suspends of a mapped device that held its new I/O").register(registry),
                FunctionTimer.builder("ferry.dm.suspend", stats, DeviceStats::holds, DeviceStats::heldNanos,
                                TimeUnit.NANOSECONDS).tags(tags)
                        .description("Time new I/O of a mapped device was held by suspends, counted once released")
                        .register(registry)));
    }

    @Override
    public void removed(MappedDevice device) {
        List<Meter> gone = meters.remove(device);
        if (gone != null) {
            gone.forEach(registry::remove);
        }
    }
}
