package dev.ferry.mapper.device;

import static dev.ferry.mapper.targets.TestDevices.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.table.InvalidTableException;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.targets.TestDevices;
import dev.ferry.mapper.time.ManualScheduler;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeviceRegistryTest {

    private final TestDevices files = new TestDevices();
    private final MemoryBlockDevice disk = files.memory("/disks/a", 128);
    private final DeviceRegistry registry = new DeviceRegistry(TargetTypes.standard(), new ManualScheduler(), files,
            Duration.ofSeconds(5));

    @Test
    void createLookupListRemove() {
        MappedDevice x = registry.create("vg-x", "0 64 linear /disks/a 0");
        MappedDevice y = registry.create("vg-y");
        assertThat(registry.lookup("vg-x")).containsSame(x);
        assertThat(registry.list()).extracting(DeviceInfo::name).containsExactly("vg-x", "vg-y");
        assertThat(registry.list().get(0).liveTable()).isTrue();
        assertThat(registry.list().get(1).liveTable()).isFalse();
        await(registry.remove("vg-y", false));
        assertThat(registry.lookup("vg-y")).isEmpty();
        assertThat(y.state()).isEqualTo(DeviceState.REMOVED);
        assertThat(registry.create("vg-y")).isNotSameAs(y);
    }

    @Test
    void resolvesMappedNamesAndDelegatesPaths() {
        MappedDevice x = registry.create("x", "0 64 linear /disks/a 0");
        assertThat(registry.resolve("x")).isSameAs(x);
        assertThat(registry.resolve("/dev/mapper/x")).isSameAs(x);
        assertThat(registry.resolve("/disks/a")).isSameAs(disk);
        assertThatThrownBy(() -> registry.resolve("nope")).hasMessage("no mapped device 'nope'");
        assertThatThrownBy(() -> registry.resolve("/disks/nope")).hasMessage("no such device");
    }

    @Test
    void refusesBadNamesAndDuplicates() {
        registry.create("x");
        assertThatThrownBy(() -> registry.create("x")).hasMessage("device 'x' already exists");
        for (String bad : new String[] {"", "a/b", "a b", ".", "..", "x".repeat(128)}) {
            assertThatThrownBy(() -> registry.create(bad)).hasMessageStartingWith("invalid device name");
        }
        assertThatThrownBy(() -> registry.remove("nope", false)).hasMessage("no mapped device 'nope'");
    }

    @Test
    void anInvalidTableCreatesNothing() {
        assertThatThrownBy(() -> registry.create("x", "0 64 linear /disks/a 100"))
                .isInstanceOf(InvalidTableException.class)
                .hasMessage("line 1: mapping of 64 sectors at offset 100 lies outside device '/disks/a' of 128 sectors");
        assertThat(registry.lookup("x")).isEmpty();
        registry.create("lower", "0 64 linear /disks/a 0");
        assertThatThrownBy(() -> registry.create("lower", "0 64 zero")).hasMessage("device 'lower' already exists");
        assertThatThrownBy(() -> registry.create("top", "0 65 linear lower 0"))
                .hasMessage("line 1: mapping of 65 sectors at offset 0 lies outside device 'lower' of 64 sectors");
        assertThat(registry.lookup("lower").orElseThrow().openCount()).isZero();
    }
}
