package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static dev.ferry.nbd.server.ServerTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real NbdServer with a MemoryExport, driven byte by byte over a socket. */
class ServerEndToEndTest {

    private static final long SIZE = 4L * 1024 * 1024;

    private MemoryExport disk;
    private NbdServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        disk = new MemoryExport("disk", SIZE);
        server = NbdServer.builder().catalog(new TestCatalog(disk)).port(0).build();
        port = server.start().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void simpleRepliesWriteThenReadBack() throws Exception {
        try (RawClient c = new RawClient(port).negotiate("disk", false, false, false)) {
            byte[] data = new byte[8192];
            Arrays.fill(data, (byte) 0x5a);
            c.request(0, NBD_CMD_WRITE, 1, 4096, data.length, data);
            assertThat(c.readSimple()).containsExactly(1, 0);
            c.request(0, NBD_CMD_READ, 2, 0, 16384);
            assertThat(c.readSimple()).containsExactly(2, 0);
            byte[] back = new byte[16384];
            c.in.readFully(back);
            assertThat(Arrays.copyOfRange(back, 4096, 12288)).isEqualTo(data);
            assertThat(Arrays.copyOfRange(back, 0, 4096)).isEqualTo(new byte[4096]);
        }
    }
}
