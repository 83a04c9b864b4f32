package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static dev.ferry.nbd.server.ServerTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.MemoryExport.Gate;
import dev.ferry.nbd.testing.MemoryExport.Op;
import io.netty.buffer.Unpooled;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Ordering, draining, back-pressure and shutdown of a real server, controlled through export gates. */
class FlowControlEndToEndTest extends ServerFixture {

    @Test
    void repliesGoOutAsRequestsCompleteNotInArrivalOrder() throws Exception {
        startServer(ConnectionLimits.DEFAULT);
        disk.hold(Op.READ);
        try (RawClient c = connect(false, false, false)) {
            c.request(0, NBD_CMD_READ, 1, 0, 4096);
            Gate first = disk.parked().poll(20, TimeUnit.SECONDS);
            c.request(0, NBD_CMD_READ, 2, 4096, 4096);
            Gate second = disk.parked().poll(20, TimeUnit.SECONDS);
            second.open();
            assertThat(c.readSimple()).containsExactly(2, 0);
            c.in.readFully(new byte[4096]);
            first.open();
            assertThat(c.readSimple()).containsExactly(1, 0);
            c.in.readFully(new byte[4096]);
        }
    }

    @Test
    void discDrainsRequestsInFlightBeforeClosing() throws Exception {
        startServer(ConnectionLimits.DEFAULT);
        disk.hold(Op.READ);
        try (RawClient c = connect(true, false, false)) {
            await("client attached", () -> disk.attachedClients() == 1);
            c.request(0, NBD_CMD_READ, 1, 0, 4096);
            Gate gate = disk.parked().poll(20, TimeUnit.SECONDS);
            c.request(0, NBD_CMD_DISC, 2, 0, 0);
            c.request(0, NBD_CMD_READ, 3, 0, 4096); // after DISC: never answered
            gate.open();
            assertThat(c.readStructuredData(0, 4096)).isEqualTo(new byte[4096]);
            assertThat(c.closedByServer()).isTrue();
        }
        await("client detached", () -> disk.attachedClients() == 0);
        assertThat(disk.calls(Op.READ)).isEqualTo(1);
    }

    @Test
    void neverMoreRequestsInFlightThanTheLimit() throws Exception {
        startServer(new ConnectionLimits(8, 64L << 20));
        disk.hold(Op.READ);
        int total = 40;
        try (RawClient c = connect(false, false, false)) {
            for (int i = 0; i < total; i++) {
                c.request(0, NBD_CMD_READ, i, 0, 512);
            }
            await("8 reads parked", () -> disk.parked().size() == 8);
            for (int i = 0; i < total; i++) {
                Gate g = disk.parked().poll(20, TimeUnit.SECONDS);
                assertThat(g).as("read %d reached the export", i).isNotNull();
                g.open();
            }
            Set<Long> cookies = new HashSet<>();
            for (int i = 0; i < total; i++) {
                long[] r = c.readSimple();
                assertThat(r[1]).isZero();
                cookies.add(r[0]);
                c.in.readFully(new byte[512]);
            }
            assertThat(cookies).hasSize(total);
        }
        assertThat(disk.maxOutstanding()).isEqualTo(8);
    }

    @Test
    void aClientThatDoesNotReadRepliesCannotMakeTheServerBufferUnboundedly() throws Exception {
        long budget = 1024 * 1024;
        int length = 64 * 1024;
        startServer(new ConnectionLimits(64, budget));
        byte[] data = pattern(length, 3);
        disk.write(0, Unpooled.wrappedBuffer(data), false).get();
        int total = 2000; // 125 MiB of replies
        try (RawClient c = new RawClient(port, 64 * 1024)) {
            c.negotiate("disk", false, false, false);
            for (int i = 0; i < total; i++) {
                c.request(0, NBD_CMD_READ, i, 0, length);
            }
            int[] last = {-1};
            await("server stops reading requests", () -> {
                int now = disk.calls(Op.READ);
                boolean stable = now == last[0];
                last[0] = now;
                return stable && now > 0;
            });
            assertThat(disk.calls(Op.READ)).isLessThan(total);
            assertThat(disk.maxUnreleasedReadBytes()).isLessThanOrEqualTo(budget + length);
            byte[] back = new byte[length];
            for (int i = 0; i < total; i++) {
                assertThat(c.readSimple()[1]).isZero();
                c.in.readFully(back);
            }
            assertThat(back).isEqualTo(data);
        }
        assertThat(disk.calls(Op.READ)).isEqualTo(total);
        assertThat(disk.maxUnreleasedReadBytes()).isLessThanOrEqualTo(budget + length);
        await("all read buffers released", () -> disk.unreleasedReadBytes() == 0);
    }

    @Test
    void aClientHangingUpInTheMiddleOfALargeReadIsHarmless() throws Exception {
        startServer(ConnectionLimits.DEFAULT);
        MemoryExport big = disk;
        big.write(0, Unpooled.wrappedBuffer(pattern(4 << 20, 7)), false).get();
        try (RawClient c = new RawClient(port, 16 * 1024)) {
            c.negotiate("disk", true, false, false);
            for (int i = 0; i < 8; i++) {
                c.request(0, NBD_CMD_READ, i, 0, 4 << 20);
            }
            c.in.readFully(new byte[1000]);
            c.socket.setSoLinger(true, 0); // reset, not a polite close
        }
        await("connection released", () -> server.connectionCount() == 0 && disk.attachedClients() == 0);
        await("read buffers released", () -> disk.unreleasedReadBytes() == 0);
        assertServerStillServes();
    }

    @Test
    void closeAnswersNewRequestsWithEshutdownAndWaitsForInFlight() throws Exception {
        startServer(ConnectionLimits.DEFAULT);
        disk.hold(Op.READ);
        try (RawClient c = connect(false, false, false)) {
            c.request(0, NBD_CMD_READ, 1, 0, 4096);
            Gate gate = disk.parked().poll(20, TimeUnit.SECONDS);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            await("server stops accepting (shutdown has begun)", () -> !acceptsConnections());
            c.request(0, NBD_CMD_FLUSH, 2, 0, 0);
            assertThat(c.readSimple()).containsExactly(2, NBD_ESHUTDOWN);
            assertThat(closing).isNotDone();
            gate.open();
            assertThat(c.readSimple()).containsExactly(1, 0);
            c.in.readFully(new byte[4096]);
            closing.get(20, TimeUnit.SECONDS);
            assertThat(c.closedByServer()).isTrue();
        }
        server = null;
    }

    private boolean acceptsConnections() {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (java.io.IOException refused) {
            return false;
        }
    }
}
