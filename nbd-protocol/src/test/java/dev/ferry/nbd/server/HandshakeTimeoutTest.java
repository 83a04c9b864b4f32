package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.IHAVEOPT;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_C_FIXED_NEWSTYLE;
import static dev.ferry.nbd.NbdConstants.NBD_OPT_GO;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The handshake deadline: a client that sends nothing, or trickles an option byte by byte, is dropped; one that
 * reaches transmission in time is not. Closing is awaited (bounded), never assumed after a sleep.
 */
class HandshakeTimeoutTest {

    private static final Duration TIMEOUT = Duration.ofMillis(300);

    private NbdServer server;
    private int port;

    @BeforeEach
    void start() throws InterruptedException {
        server = NbdServer.builder().catalog(new TestCatalog(new MemoryExport("disk", 1 << 20))).port(0)
                .handshakeTimeout(TIMEOUT).build();
        port = server.start().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aClientThatSendsNothingIsDropped() throws Exception {
        try (RawClient c = new RawClient(port)) {
            assertThat(c.in.readLong()).isEqualTo(dev.ferry.nbd.NbdConstants.NBDMAGIC);
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(awaitConnections(0)).isZero();
    }

    @Test
    void aClientTricklingAnOptionIsDropped() throws Exception {
        try (RawClient c = new RawClient(port).greet(NBD_FLAG_C_FIXED_NEWSTYLE)) {
            c.out.writeLong(IHAVEOPT);
            c.out.writeInt(NBD_OPT_GO);
            c.out.writeInt(1000); // then one byte of the 1000 at a time, never finishing
            c.out.flush();
            c.socket.setSoTimeout(50);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            boolean closed = false;
            int sent = 0;
            while (!closed && System.nanoTime() < deadline && sent < 1000) {
                try {
                    c.out.write(0);
                    c.out.flush();
                    sent++;
                    closed = c.in.read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    // the server has not answered or closed yet; trickle on
                } catch (IOException reset) {
                    closed = true;
                }
            }
            assertThat(closed).as("dropped after %d trickled bytes", sent).isTrue();
            assertThat(sent).isLessThan(1000);
        }
    }

    @Test
    void aConnectionInTransmissionOutlivesTheHandshakeTimeout() throws Exception {
        try (RawClient c = new RawClient(port).negotiate("disk", false, false, false)) {
            // keep serving requests for four times the timeout: a deadline left armed would close us meanwhile
            long until = System.nanoTime() + 4 * TIMEOUT.toNanos();
            for (long cookie = 1; System.nanoTime() < until || cookie < 10; cookie++) {
                c.request(0, NBD_CMD_READ, cookie, 0, 512);
                assertThat(c.readSimple()).containsExactly(cookie, 0);
                c.in.readFully(new byte[512]);
            }
        }
    }

    /** Waits (bounded) until the server holds {@code n} connections; returns the count. */
    private int awaitConnections(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (server.connectionCount() != n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return server.connectionCount();
    }
}
