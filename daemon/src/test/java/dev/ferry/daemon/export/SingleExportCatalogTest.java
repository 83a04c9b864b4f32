package dev.ferry.daemon.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.MemoryBlockDevice;
import org.junit.jupiter.api.Test;

class SingleExportCatalogTest {

    private final BlockDeviceExport export =
            new BlockDeviceExport("disk", "", new MemoryBlockDevice("m", 4096), false);
    private final SingleExportCatalog catalog = new SingleExportCatalog(export);

    @Test
    void answersItsNameAndTheDefaultNameOnly() {
        assertThat(catalog.find("disk")).containsSame(export);
        assertThat(catalog.find("")).containsSame(export);
        assertThat(catalog.find("other")).isEmpty();
        assertThat(catalog.find("DISK")).isEmpty();
        assertThat(catalog.list()).containsExactly(export);
    }
}
