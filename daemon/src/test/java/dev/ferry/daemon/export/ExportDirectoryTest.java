package dev.ferry.daemon.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.nbd.export.Export;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExportDirectoryTest {
    private final MemoryBlockDevice device = new MemoryBlockDevice("mem", 1 << 20);

    private Export export(String name, MemoryBlockDevice d) {
        return FerryServices.blockDeviceExport(name, d, idle -> { });
    }

    @Test
    void publishesFindsListsSortedAndWithdrawsOnlyTheSameExport() {
        ExportDirectory dir = new ExportDirectory();
        Export b = export("vg/b", device);
        Export a = export("vg/a", device);
        dir.publish(b);
        dir.publish(a);
        assertEquals(List.of("vg/a", "vg/b"), dir.list().stream().map(Export::name).toList());
        assertEquals(a, dir.find("vg/a").orElseThrow());
        assertTrue(dir.find("").isEmpty(), "no default export");
        assertThrows(IllegalArgumentException.class, () -> dir.publish(export("vg/a", device)));
        assertThrows(IllegalArgumentException.class, () -> dir.publish(export("", device)));
        assertFalse(dir.withdraw(export("vg/a", device)), "another object of the same name stays");
        assertTrue(dir.withdraw(a));
        assertTrue(dir.find("vg/a").isEmpty());
    }
}
