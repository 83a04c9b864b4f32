package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server-wide payload budget: two clients each halfway through a 4 MiB WRITE fill an 8 MiB budget; a third
 * client's 4 MiB payload then waits unread (the server's reserved payload bytes never pass the budget) while a
 * fourth client's READ is served; when one of the first two hangs up, the waiting payload is admitted and written,
 * and every byte reads back. Waits are bounded polls of observable state; no outcome is assumed after a sleep.
 */
class PayloadBudgetTest {

    private static final int MIB = 1 << 20;
    private static final long BUDGET = 8L * MIB;

    private NbdServer server;
    private int port;

    @BeforeEach
    void start() throws InterruptedException {
        server = NbdServer.builder().catalog(new TestCatalog(new MemoryExport("disk", 16 * MIB))).port(0)
                .stallTimeout(Duration.ofMinutes(5)).payloadBudget(BUDGET).build();
        port = server.start().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static byte[] pattern(int seed, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i / 4096);
        }
        return b;
    }

    @Test
    void payloadsBeyondTheBudgetWaitUnreadWhileOthersAreServedAndGoOnWhenRoomIsMade() throws Exception {
        try (RawClient a = new RawClient(port).negotiate("disk", false, false, false);
             RawClient b = new RawClient(port).negotiate("disk", false, false, false);
             RawClient c = new RawClient(port).negotiate("disk", false, false, false);
             RawClient d = new RawClient(port).negotiate("disk", false, false, false)) {
            byte[] half = new byte[2 * MIB];
            a.request(0, NBD_CMD_WRITE, 1, 0, 4 * MIB, half);          // header and half the payload, then silence
            b.request(0, NBD_CMD_WRITE, 2, 4 * MIB, 4 * MIB, half);
            awaitValue("reserved payload bytes", server::payloadBytesReserved, BUDGET);

            byte[] data = pattern(3, 4 * MIB);
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    c.request(0, NBD_CMD_WRITE, 3, 8 * MIB, 4 * MIB, data);   // blocks once the socket buffers fill
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            awaitValue("payloads waiting for the budget", server::payloadsWaiting, 1);
            for (long cookie = 10; cookie < 20; cookie++) {                   // another client is served meanwhile
                d.request(0, NBD_CMD_READ, cookie, 12 * MIB, 4096);
                assertThat(d.readSimple()).containsExactly(cookie, 0);
                d.in.readFully(new byte[4096]);
                assertThat(server.payloadBytesReserved()).isLessThanOrEqualTo(BUDGET);
            }
            assertThat(server.payloadBytesReserved()).as("the third payload waits").isEqualTo(BUDGET);
            assertThat(server.payloadsWaiting()).isEqualTo(1);

            a.close();                                                         // gives back a's 4 MiB
            sent.get(20, TimeUnit.SECONDS);
            assertThat(c.readSimple()).containsExactly(3, 0);
            b.out.write(half);
            b.out.flush();
            assertThat(b.readSimple()).containsExactly(2, 0);
            awaitValue("reserved payload bytes", server::payloadBytesReserved, 0);
            assertThat(server.payloadsWaiting()).isZero();

            d.request(0, NBD_CMD_READ, 99, 8 * MIB, 4 * MIB);
            assertThat(d.readSimple()).containsExactly(99, 0);
            byte[] back = new byte[4 * MIB];
            d.in.readFully(back);
            assertThat(Arrays.equals(back, data)).as("the admitted payload was written whole").isTrue();
        }
    }

    /** Waits (bounded) until {@code value} gives {@code expected}. */
    private static void awaitValue(String what, LongSupplier value, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (value.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(value.getAsLong()).as(what).isEqualTo(expected);
    }
}
