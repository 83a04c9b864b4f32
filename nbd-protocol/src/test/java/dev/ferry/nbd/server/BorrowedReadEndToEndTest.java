package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static dev.ferry.nbd.server.ServerTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.nbd.testing.TestRules;
import io.netty.buffer.Unpooled;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * READ replies from borrowed bytes ({@code ReadResult.Borrowed}) through a real server and socket: the client gets
 * the bytes, the lender gets them back exactly once, and a client that stops reading cannot keep them: the server
 * copies what is unsent and gives them back (the export overwrites given-back memory, so a reply still using it would
 * show 0xEE bytes).
 */
class BorrowedReadEndToEndTest extends ServerFixture {

    private static final int MIB = 1 << 20;

    @Test
    void lentBytesReachTheClientAndGoBackOnceWithSimpleAndStructuredReplies() throws Exception {
        startServer(ConnectionLimits.DEFAULT);
        readsLentChunksBackAndGivesThemBack();
    }

    /** NIO writes regions itself; io_uring takes none of Ferry's, so lent bytes are copied there. */
    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"NIO", "IO_URING"})
    void everyTransportSendsLentBytes(Transport transport) throws Exception {
        assumeTrue(transport != Transport.IO_URING || IoUring.isAvailable() || TestRules.requireAll(),
                "io_uring is not available here: " + IoUring.unavailabilityCause());
        startServer(ConnectionLimits.DEFAULT, NbdTrafficObserver.NONE, transport);
        readsLentChunksBackAndGivesThemBack();
    }

    private void readsLentChunksBackAndGivesThemBack() throws Exception {
        byte[] data = pattern(4 * MIB, 11);
        disk.write(0, Unpooled.wrappedBuffer(data), false).get();
        disk.lendReads(true);
        for (boolean structured : new boolean[] {false, true}) {
            try (RawClient c = connect(structured, false, false)) {
                for (int i = 0; i < 4; i++) {
                    c.request(0, NBD_CMD_READ, i, (long) i * MIB, MIB);
                }
                for (int i = 0; i < 4; i++) {
                    byte[] back = structured ? c.readStructuredData((long) i * MIB, MIB) : readSimpleData(c, i);
                    assertThat(back).as("structured %s, read %d", structured, i)
                            .isEqualTo(java.util.Arrays.copyOfRange(data, i * MIB, (i + 1) * MIB));
                }
            }
        }
        await("every lent chunk given back", () -> disk.lentOut() == 0);
        assertThat(disk.duplicateGiveBacks()).isZero();
        assertThat(disk.calls(dev.ferry.nbd.testing.MemoryExport.Op.READ)).isEqualTo(8);
    }

    @Test
    void aClientThatStopsReadingGetsCopiesWhileTheLenderGetsItsBytesBack() throws Exception {
        startServer(ConnectionLimits.DEFAULT);
        byte[] data = pattern(4 * MIB, 5);
        disk.write(0, Unpooled.wrappedBuffer(data), false).get();
        disk.lendReads(true);
        int reads = 16;
        try (RawClient c = new RawClient(port, 64 * 1024)) {
            c.negotiate("disk", false, false, false);
            for (int i = 0; i < reads; i++) {
                c.request(0, NBD_CMD_READ, i, (long) (i % 4) * MIB, MIB);
            }
            await("all reads reached the export", () -> disk.calls(dev.ferry.nbd.testing.MemoryExport.Op.READ)
                    == reads);
            // Nothing has been read from the socket: 16 MiB cannot all have left, yet every chunk must come back.
            await("every lent chunk given back before the client reads", () -> disk.lentOut() == 0);
            for (int i = 0; i < reads; i++) {
                byte[] back = readSimpleData(c, i);
                assertThat(back).as("read %d", i)
                        .isEqualTo(java.util.Arrays.copyOfRange(data, (i % 4) * MIB, (i % 4 + 1) * MIB));
            }
        }
        assertThat(disk.duplicateGiveBacks()).isZero();
        await("copies released", () -> disk.unreleasedReadBytes() == 0);
    }

    @Test
    void aClientHangingUpWithRepliesUnsentReturnsEveryLentChunk() throws Exception {
        startServer(ConnectionLimits.DEFAULT);
        disk.write(0, Unpooled.wrappedBuffer(pattern(4 * MIB, 9)), false).get();
        disk.lendReads(true);
        try (RawClient c = new RawClient(port, 16 * 1024)) {
            c.negotiate("disk", true, false, false);
            for (int i = 0; i < 8; i++) {
                c.request(0, NBD_CMD_READ, i, 0, 4 * MIB);
            }
            c.in.readFully(new byte[1000]);
            c.socket.setSoLinger(true, 0); // reset, not a polite close
        }
        await("connection released", () -> server.connectionCount() == 0 && disk.attachedClients() == 0);
        await("every lent chunk given back", () -> disk.lentOut() == 0 && disk.unreleasedReadBytes() == 0);
        assertThat(disk.duplicateGiveBacks()).isZero();
        assertServerStillServes();
    }

    private static byte[] readSimpleData(RawClient c, long cookie) throws java.io.IOException {
        assertThat(c.readSimple()).containsExactly(cookie, 0);
        byte[] back = new byte[MIB];
        c.in.readFully(back);
        return back;
    }
}
