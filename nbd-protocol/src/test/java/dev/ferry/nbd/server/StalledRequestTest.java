package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_REQUEST_MAGIC;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stall timeout in transmission: a client that sends part of a request (a WRITE's header and half its payload,
 * or half a header) and then nothing is dropped, its buffer released (the paranoid leak detector watches); a client
 * idle between requests, or one that keeps sending, is not. Closing is awaited (bounded), never assumed.
 */
class StalledRequestTest {

    private static final Duration STALL = Duration.ofMillis(300);

    private NbdServer server;
    private int port;

    @BeforeEach
    void start() throws InterruptedException {
        server = NbdServer.builder().catalog(new TestCatalog(new MemoryExport("disk", 4 << 20))).port(0)
                .stallTimeout(STALL).build();
        port = server.start().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aClientStoppingHalfwayThroughAWritePayloadIsDropped() throws Exception {
        try (RawClient c = new RawClient(port).negotiate("disk", false, false, false)) {
            c.out.writeInt(NBD_REQUEST_MAGIC);
            c.out.writeShort(0);
            c.out.writeShort(NBD_CMD_WRITE);
            c.out.writeLong(7);
            c.out.writeLong(0);
            c.out.writeInt(2 << 20);
            c.out.write(new byte[1 << 20]);      // half of the 2 MiB payload, then silence
            c.out.flush();
            long sent = System.nanoTime();
            assertThat(c.closedByServer()).isTrue();
            assertThat(System.nanoTime() - sent).as("dropped after the stall timeout, not before")
                    .isGreaterThanOrEqualTo(STALL.toNanos());
        }
        assertThat(awaitConnections(0)).isZero();
    }

    @Test
    void aClientStoppingInsideARequestHeaderIsDropped() throws Exception {
        try (RawClient c = new RawClient(port).negotiate("disk", false, false, false)) {
            c.out.writeInt(NBD_REQUEST_MAGIC);
            c.out.writeShort(0);
            c.out.flush();
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(awaitConnections(0)).isZero();
    }

    @Test
    void aClientIdleBetweenRequestsOrSendingSlowlyButSteadilyIsServed() throws Exception {
        try (RawClient c = new RawClient(port).negotiate("disk", false, false, false)) {
            c.request(0, NBD_CMD_READ, 1, 0, 512);
            assertThat(c.readSimple()).containsExactly(1, 0);
            c.in.readFully(new byte[512]);
            // idle between requests for four stall timeouts: a guard that counted idleness would close us
            Thread.sleep(4 * STALL.toMillis());
            // a WRITE whose payload arrives in pieces, each within the timeout, over more than one timeout in all
            c.out.writeInt(NBD_REQUEST_MAGIC);
            c.out.writeShort(0);
            c.out.writeShort(NBD_CMD_WRITE);
            c.out.writeLong(2);
            c.out.writeLong(0);
            c.out.writeInt(8 * 4096);
            c.out.flush();
            for (int i = 0; i < 8; i++) {
                Thread.sleep(STALL.toMillis() / 3);
                c.out.write(new byte[4096]);
                c.out.flush();
            }
            assertThat(c.readSimple()).containsExactly(2, 0);
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
