package dev.ferry.daemon.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.Exposition;
import dev.ferry.mapper.DeviceMapper;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.device.SuspendMode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real mapped devices bound to {@link DeviceMetrics}: table swaps (on resume and live replace), suspends and the time
 * they held a queued read show up per device, from devices created before and after binding, and go with the device.
 */
class DeviceMetricsTest {
    private static final String ZERO = "0 2048 zero\n";
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DeviceRegistry devices = DeviceMapper.create(name -> {
        throw new IllegalArgumentException("no files here: " + name);
    }).registry();

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void countsSwapsSuspendsAndHeldTimePerDeviceUntilItIsRemoved() throws Exception {
        devices.create("before", ZERO);
        DeviceMetrics.bind(registry, devices);
        MappedDevice d = devices.create("after", ZERO);
        Exposition m = scrape();
        assertThat(m.value("ferry_dm_table_swaps_total", "device", "before")).as("the first table").isEqualTo(1);
        assertThat(m.value("ferry_dm_table_swaps_total", "device", "after")).isEqualTo(1);
        // creating a device with a table is dmsetup's create: load, then a resume that suspends the table-less device
        assertThat(m.value("ferry_dm_suspends_total", "device", "after")).isEqualTo(1);
        assertThat(m.value("ferry_dm_suspend_seconds_count", "device", "after")).isEqualTo(1);
        double createHeld = m.value("ferry_dm_suspend_seconds_sum", "device", "after");

        devices.load("after", ZERO);
        d.suspend(SuspendMode.FLUSH, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> held = d.read(0, ByteBuffer.allocate(512));
        long heldSince = System.nanoTime();
        while (System.nanoTime() - heldSince < 20_000_000) {
            assertThat(held).as("a read while suspended waits").isNotDone();
            Thread.onSpinWait();
        }
        d.resume().get(10, TimeUnit.SECONDS);
        held.get(10, TimeUnit.SECONDS);
        m = scrape();
        assertThat(m.value("ferry_dm_table_swaps_total", "device", "after")).isEqualTo(2);
        assertThat(m.value("ferry_dm_suspends_total", "device", "after")).isEqualTo(2);
        assertThat(m.value("ferry_dm_suspend_seconds_count", "device", "after")).isEqualTo(2);
        assertThat(m.value("ferry_dm_suspend_seconds_sum", "device", "after") - createHeld)
                .as("at least the 20 ms the read waited").isGreaterThanOrEqualTo(0.02);

        devices.load("after", ZERO);
        d.replace().get(10, TimeUnit.SECONDS);
        m = scrape();
        assertThat(m.value("ferry_dm_table_swaps_total", "device", "after")).as("a live replace swaps too").isEqualTo(3);
        assertThat(m.value("ferry_dm_suspends_total", "device", "after")).as("without a suspend").isEqualTo(2);

        devices.remove("after", true).get(10, TimeUnit.SECONDS);
        m = scrape();
        assertThat(m.samples("ferry_dm_table_swaps_total", "device", "after")).isEmpty();
        assertThat(m.samples("ferry_dm_suspend_seconds_count", "device", "after")).isEmpty();
        assertThat(m.value("ferry_dm_table_swaps_total", "device", "before")).isEqualTo(1);
    }

    private Exposition scrape() {
        return Exposition.parse(registry.scrape());
    }
}
