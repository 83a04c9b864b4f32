package dev.ferry.daemon.metrics;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.export.BlockDeviceExport;
import dev.ferry.daemon.export.SingleExportCatalog;
import dev.ferry.daemon.testing.Exposition;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.nbd.client.NbdClient;
import dev.ferry.nbd.client.NbdClientConfig;
import dev.ferry.nbd.client.RawReply;
import dev.ferry.nbd.server.NbdServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real NBD server over a file, observed by {@link NbdMetrics}, answers a real client: the exposition counts each
 * request by op and outcome, the bytes of successful ones, a latency histogram per op, and the connections open.
 */
class NbdMetricsTest {
    private static final String EXPORT = "vg0/lv0";
    private static final long SIZE = 1 << 20;

    @TempDir
    Path dir;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private ExecutorService pool;
    private FileBlockDevice device;
    private NbdServer server;

    @BeforeEach
    void serve() throws Exception {
        pool = IoExecutors.newDefaultPool();
        device = FileBlockDevice.createSparse(dir.resolve("disk"), SIZE, false, pool);
        server = NbdServer.builder().catalog(new SingleExportCatalog(new BlockDeviceExport(EXPORT, "", device, false)))
                .port(0).observer(new NbdMetrics(registry)).build();
        server.start();
    }

    @AfterEach
    void close() {
        server.close();
        device.close();
        pool.shutdownNow();
        registry.close();
    }

    @Test
    void countsRequestsBytesLatencyAndConnectionsPerExport() {
        try (NbdClient c = NbdClient.connect(NbdClientConfig.builder("127.0.0.1", server.port())
                .exportName(EXPORT).build()).join()) {
            c.write(0, Unpooled.wrappedBuffer(new byte[65536])).join();
            c.write(65536, Unpooled.wrappedBuffer(new byte[4096])).join();
            c.read(0, 65536).join().release();
            c.flush().join();
            c.trim(131072, 8192).join();
            c.writeZeroes(262144, 16384, false, false).join();
            RawReply beyondTheEnd = c.sendRaw(NBD_CMD_READ, 0, SIZE, 4096, null).join();
            beyondTheEnd.release();
            assertThat(beyondTheEnd.ok()).isFalse();

            // a request is counted once its reply's write completed, which may be just after the client read it
            Poll.until(Duration.ofSeconds(10), "all 7 requests counted", () ->
                    scrape().sum("ferry_nbd_requests_total", "export", EXPORT) == 7);
            Exposition m = scrape();
            assertThat(m.value("ferry_nbd_connections", "export", EXPORT)).isEqualTo(1);
            assertThat(m.value("ferry_nbd_requests_total", "export", EXPORT, "op", "write", "outcome", "ok")).isEqualTo(2);
            assertThat(m.value("ferry_nbd_requests_total", "export", EXPORT, "op", "read", "outcome", "ok")).isEqualTo(1);
            assertThat(m.value("ferry_nbd_requests_total", "export", EXPORT, "op", "read", "outcome", "EINVAL"))
                    .isEqualTo(1);
            assertThat(m.value("ferry_nbd_requests_total", "export", EXPORT, "op", "flush", "outcome", "ok")).isEqualTo(1);
            assertThat(m.value("ferry_nbd_requests_total", "export", EXPORT, "op", "trim", "outcome", "ok")).isEqualTo(1);
            assertThat(m.value("ferry_nbd_requests_total", "export", EXPORT, "op", "write_zeroes", "outcome", "ok"))
                    .isEqualTo(1);
            assertThat(m.value("ferry_nbd_bytes_total", "export", EXPORT, "op", "write")).isEqualTo(65536 + 4096);
            assertThat(m.value("ferry_nbd_bytes_total", "export", EXPORT, "op", "read")).as("the failed read adds none")
                    .isEqualTo(65536);
            assertThat(m.value("ferry_nbd_bytes_total", "export", EXPORT, "op", "trim")).isEqualTo(8192);
            assertThat(m.value("ferry_nbd_bytes_total", "export", EXPORT, "op", "write_zeroes")).isEqualTo(16384);
            assertThat(m.value("ferry_nbd_bytes_total", "export", EXPORT, "op", "flush")).isZero();
            assertThat(m.value("ferry_nbd_request_seconds_count", "export", EXPORT, "op", "read"))
                    .as("both reads timed").isEqualTo(2);
            assertThat(m.value("ferry_nbd_request_seconds_bucket", "export", EXPORT, "op", "write", "le", "+Inf"))
                    .isEqualTo(2);
            assertThat(m.value("ferry_nbd_request_seconds_sum", "export", EXPORT, "op", "write")).isPositive();
            assertThat(m.samples("ferry_nbd_request_seconds_bucket", "export", EXPORT, "op", "write")).hasSize(18);
            assertThat(m.value("ferry_nbd_inflight_requests", "export", EXPORT)).as("every request answered").isZero();
        }
        Poll.until(Duration.ofSeconds(10), "the connection to close", () ->
                scrape().value("ferry_nbd_connections", "export", EXPORT) == 0);
    }

    private Exposition scrape() {
        return Exposition.parse(registry.scrape());
    }
}
