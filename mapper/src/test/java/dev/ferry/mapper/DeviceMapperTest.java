package dev.ferry.mapper;

import static dev.ferry.mapper.targets.TestDevices.await;
import static dev.ferry.mapper.targets.TestDevices.pattern;
import static dev.ferry.mapper.targets.TestDevices.read;
import static dev.ferry.mapper.targets.TestDevices.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.device.DeviceEvent;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.device.SuspendMode;
import dev.ferry.mapper.mirror.MirrorTarget;
import dev.ferry.mapper.mirror.RecoveryOutcome;
import dev.ferry.mapper.targets.TestDevices;
import dev.ferry.mapper.testing.OpQueue;
import dev.ferry.mapper.testing.QueuedDevice;
import dev.ferry.mapper.time.ManualScheduler;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mirror through the whole device-mapper: tables parsed by the registry, leg failures injected by
 * flakey and error mapped devices underneath, events raised on the mapped device, recovery paused and resumed by
 * the device's suspend and resume.
 */
class DeviceMapperTest {

    private static final int MIB = 1 << 20;
    private static final long SECTORS = 2048;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final TestDevices leaves = new TestDevices();
    private final DeviceMapper mapper = new DeviceMapper(scheduler, new CopierConfig(64 * 1024, 4, 8, 0), leaves,
            Duration.ofSeconds(5));
    private final DeviceRegistry registry = mapper.registry();
    private final List<DeviceEvent> events = new CopyOnWriteArrayList<>();

    /** Creates device "mirror", listening before the table goes live so no event is missed. */
    private MappedDevice mirror(String table) {
        return registry.create("mirror", table, events::add);
    }

    /** A memory leaf of {@link #SECTORS} holding {@code data} at offset 0. */
    private MemoryBlockDevice leaf(String name, byte[] data) {
        MemoryBlockDevice d = leaves.memory(name, SECTORS);
        write(d, 0, data);
        return d;
    }

    private List<String> reasons() {
        return events.stream().map(DeviceEvent::reason).toList();
    }

    @Test
    void everyStandardTypeAndMirrorParse() {
        assertThat(mapper.targetTypes().names())
                .containsExactly("delay", "error", "flakey", "linear", "mirror", "striped", "zero");
        assertThat(mapper.copier().config().chunkSize()).isEqualTo(64 * 1024);
    }

    @Test
    void recoveryThroughATableCopiesTheDefaultLegAndRaisesAnEvent() {
        byte[] data = pattern(MIB, 3);
        leaf("/a", data);
        MemoryBlockDevice b = leaves.memory("/b", SECTORS);
        MappedDevice m = mirror("0 2048 mirror core 1 512 2 /a 0 /b 0");

        assertThat(reasons()).containsExactly("recovery finished IN_SYNC 4/4");
        assertThat(m.eventNumber()).isEqualTo(1);
        assertThat(events.get(0).target()).isInstanceOf(MirrorTarget.class);
        assertThat(m.status()).isEqualTo("0 2048 mirror 2 /a /b 4/4 1 AA 1 core\n");
        assertThat(read(b, 0, MIB)).isEqualTo(data);
        assertThat(m.table()).isEqualTo("0 2048 mirror core 1 512 2 /a 0 /b 0\n");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"0 2048 flakey /b 0 0 1 1 error_writes", "0 2048 error"})
    void destinationWriteErrorsStopRecoveryDegradedAndTheDefaultLegKeepsServing(String badLeg) {
        MemoryBlockDevice a = leaf("/a", pattern(MIB, 4));
        leaves.memory("/b", SECTORS);
        registry.create("badDev", badLeg);
        MappedDevice m = mirror("0 2048 mirror core 1 1024 2 /a 0 badDev 0");

        assertThat(reasons()).hasSize(2).startsWith("leg 1 (badDev) sync failure");
        assertThat(reasons().get(1)).startsWith("recovery finished DEGRADED 0/2: leg 1 (badDev) failed: S (sync "
                + "failure at ");
        assertThat(m.status()).isEqualTo("0 2048 mirror 2 /a badDev 0/2 1 AS 1 core\n");

        byte[] update = pattern(64 * 1024, 5);
        write(m, 4096, update);
        assertThat(read(m, 4096, update.length)).isEqualTo(update);
        assertThat(read(a, 4096, update.length)).isEqualTo(update);
        await(m.flush());
        assertThat(m.eventNumber()).isEqualTo(2);
    }

    @Test
    void sourceReadErrorFallsOverToTheInSyncLeg() {
        byte[] data = pattern(MIB, 6);
        MemoryBlockDevice a = leaf("/a", data);
        MemoryBlockDevice b = leaf("/b", data);
        registry.create("flakeySrc", "0 2048 flakey /a 0 0 1 1 error_reads");
        MappedDevice m = mirror("0 2048 mirror core 2 1024 nosync 2 flakeySrc 0 /b 0");
        assertThat(reasons()).containsExactly("recovery finished IN_SYNC 2/2");

        assertThat(read(m, 1000, 70_000)).isEqualTo(Arrays.copyOfRange(data, 1000, 71_000));
        assertThat(reasons()).containsExactly("recovery finished IN_SYNC 2/2", "leg 0 (flakeySrc) read failure");
        assertThat(m.status()).isEqualTo("0 2048 mirror 2 flakeySrc /b 2/2 1 RA 1 core\n");

        byte[] update = pattern(4096, 7);
        write(m, 0, update);
        assertThat(read(a, 0, 4096)).isEqualTo(update);
        assertThat(read(b, 0, 4096)).isEqualTo(update);
    }

    @Test
    void suspendPausesRecoveryAndResumeContinuesIt() {
        OpQueue queue = new OpQueue();
        MemoryBlockDevice a = new MemoryBlockDevice("a", SECTORS * 512);
        write(a, 0, pattern(MIB, 8));
        leaves.add("/a", new QueuedDevice(a, queue));
        MemoryBlockDevice b = leaves.add("/b", new MemoryBlockDevice("b", SECTORS * 512));
        MappedDevice m = mirror("0 2048 mirror core 1 256 2 /a 0 /b 0");
        assertThat(queue.size()).isPositive();

        var suspended = m.suspend(SuspendMode.NOFLUSH, Duration.ofSeconds(5));
        queue.drain();
        await(suspended);
        assertThat(queue.size()).isZero();
        String paused = m.status();
        assertThat(paused).doesNotContain(" 8/8 ");
        assertThat(events).isEmpty();

        await(m.resume());
        assertThat(queue.size()).isPositive();
        queue.drain();
        assertThat(reasons()).containsExactly("recovery finished IN_SYNC 8/8");
        assertThat(read(b, 0, MIB)).isEqualTo(pattern(MIB, 8));
        MirrorTarget target = (MirrorTarget) events.get(0).target();
        assertThat(await(target.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
    }
}
