package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.NbdNames;
import dev.ferry.nbd.testing.MemoryExport;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@link NbdTrafficObserver} port over a real server and raw client: one connection per transmission, every
 * request started when read and completed when its reply is written (with its length, error and a duration), the
 * close reported once, a request still parked in the export when the connection drops included.
 */
class TrafficObserverTest extends ServerFixture {
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    /** Records every call as text; durations must be positive. */
    private final NbdTrafficObserver recorder = exportName -> {
        events.add("open " + exportName);
        return new NbdTrafficObserver.Connection() {
            @Override
            public void requestStarted(int command) {
                events.add("start " + NbdNames.command(command));
            }

            @Override
            public void requestCompleted(int command, long bytes, int nbdError, long nanos) {
                events.add("done " + NbdNames.command(command) + " " + bytes + " " + NbdNames.error(nbdError)
                        + (nanos > 0 ? "" : " without a duration"));
            }

            @Override
            public void closed() {
                events.add("closed");
            }
        };
    };

    @Test
    void reportsConnectionsAndEveryRequestWithItsOutcome() throws Exception {
        startServer(ConnectionLimits.DEFAULT, recorder);
        try (RawClient c = connect(false, false, false)) {
            assertThat(next()).isEqualTo("open disk");
            c.request(0, NBD_CMD_WRITE, 1, 0, 512, pattern(512, 1));
            assertThat(c.readSimple()).containsExactly(1, 0);
            c.request(0, NBD_CMD_READ, 2, SIZE, 4096);
            assertThat(c.readSimple()).containsExactly(2, NBD_EINVAL);
            c.request(0, NBD_CMD_FLUSH, 3, 0, 0);
            assertThat(c.readSimple()).containsExactly(3, 0);
            assertThat(next()).isEqualTo("start NBD_CMD_WRITE");
            assertThat(next()).isEqualTo("done NBD_CMD_WRITE 512 OK");
            assertThat(next()).isEqualTo("start NBD_CMD_READ");
            assertThat(next()).isEqualTo("done NBD_CMD_READ 4096 EINVAL");
            assertThat(next()).isEqualTo("start NBD_CMD_FLUSH");
            assertThat(next()).isEqualTo("done NBD_CMD_FLUSH 0 OK");
            c.request(0, NBD_CMD_DISC, 4, 0, 0);
            assertThat(next()).as("DISC is not a request").isEqualTo("closed");
        }
        assertThat(events.poll(200, TimeUnit.MILLISECONDS)).as("closed only once").isNull();
    }

    @Test
    void aDroppedConnectionIsClosedOnceWithItsParkedRequestStarted() throws Exception {
        startServer(ConnectionLimits.DEFAULT, recorder);
        disk.hold(MemoryExport.Op.WRITE);
        RawClient c = connect(false, false, false);
        c.request(0, NBD_CMD_WRITE, 1, 0, 512, pattern(512, 2));
        MemoryExport.Gate parked = disk.parked().poll(10, TimeUnit.SECONDS);
        assertThat(parked).isNotNull();
        c.close();
        assertThat(next()).isEqualTo("open disk");
        assertThat(next()).isEqualTo("start NBD_CMD_WRITE");
        assertThat(next()).isEqualTo("closed");
        parked.open();
        String late = events.poll(2, TimeUnit.SECONDS);
        assertThat(late).as("a reply written after the close may still be reported").isIn(null,
                "done NBD_CMD_WRITE 512 OK");
        assertThat(events.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    private String next() throws InterruptedException {
        String e = events.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("an observer call within 10 s").isNotNull();
        return e;
    }
}
