package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;

/** Base of the end-to-end tests: a real NbdServer on 127.0.0.1:0 serving in-memory exports. */
abstract class ServerFixture {

    static final long SIZE = 4L * 1024 * 1024;

    final MemoryExport disk = new MemoryExport("disk", SIZE);
    final MemoryExport slowZero = new MemoryExport("nofastzero", SIZE,
            new ExportCapabilities(false, true, true, true, true, false, false, false, false),
            BlockSizeConstraints.DEFAULT, "");
    final MemoryExport aligned = new MemoryExport("aligned", SIZE, ExportCapabilities.FULL,
            new BlockSizeConstraints(512, 4096, 1024 * 1024), "");
    final MemoryExport readOnly = new MemoryExport("ro", SIZE, ExportCapabilities.FULL.asReadOnly(),
            BlockSizeConstraints.DEFAULT, "");
    NbdServer server;
    int port;

    void startServer(ConnectionLimits limits) throws InterruptedException {
        startServer(limits, NbdTrafficObserver.NONE);
    }

    void startServer(ConnectionLimits limits, NbdTrafficObserver observer) throws InterruptedException {
        startServer(limits, observer, Transport.AUTO);
    }

    void startServer(ConnectionLimits limits, NbdTrafficObserver observer, Transport transport)
            throws InterruptedException {
        server = NbdServer.builder().catalog(new TestCatalog(disk, slowZero, aligned, readOnly)).port(0)
                .limits(limits).writeBufferWaterMark(32 * 1024, 64 * 1024).observer(observer).transport(transport)
                .build();
        port = server.start().getPort();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    RawClient connect(boolean structured, boolean extended, boolean meta) throws IOException {
        return new RawClient(port).negotiate("disk", structured, extended, meta);
    }

    /** A fresh connection can still write and read back data. */
    void assertServerStillServes() throws IOException {
        try (RawClient c = connect(false, false, false)) {
            byte[] data = new byte[512];
            Arrays.fill(data, (byte) 0x3c);
            c.request(0, NBD_CMD_WRITE, 77, SIZE - 512, data.length, data);
            assertThat(c.readSimple()).containsExactly(77, 0);
            c.request(0, NBD_CMD_READ, 78, SIZE - 512, 512);
            assertThat(c.readSimple()).containsExactly(78, 0);
            byte[] back = new byte[512];
            c.in.readFully(back);
            assertThat(back).isEqualTo(data);
        }
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        return b;
    }
}
