package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.ChildJvm;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.Exposition;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.FioVerifier;
import dev.ferry.daemon.testing.GrafanaDashboard;
import dev.ferry.daemon.testing.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code ferry daemon} with {@code --metrics}, scraped over HTTP while real clients use an LV and while a
 * rate-limited pvmove moves it: the NBD counters grow by at least what qemu-io and fio sent and read, the connection
 * shows while fio is connected, the move's copied bytes climb toward the LV's size under its limit and go when it completes,
 * the LV's device counts the table swaps of the move, and the move's metadata commits are counted. A real
 * {@code ferry serve --metrics} counts its export's traffic the same way, and refuses a non-loopback address. Every
 * Ferry sample the Grafana dashboard in {@code docker/grafana} queries shows in the daemon's scrapes.
 */
class MetricsProcessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final long MIB = 1 << 20;
    private static final long LV_SIZE = 16 * MIB;
    private static final String EXPORT = "vg/lv";

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    /** Every sample name any scrape of this test saw. */
    private final Set<String> scraped = new TreeSet<>();
    private String metricsUri;

    @Test
    void metricsFollowClientIoAndAMove() {
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        int metricsPort = ChildJvm.freePort();
        metricsUri = "http://127.0.0.1:" + metricsPort + "/metrics";
        FerryDaemon daemon = daemons.own(FerryDaemon.start(dir, List.of("--metrics", "127.0.0.1:" + metricsPort)));
        String pv0 = dir.resolve("pv0").toString();
        String pv1 = dir.resolve("pv1").toString();
        daemon.cliOk("pvcreate", "--size", "40m", pv0, pv1);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", pv0, pv1);
        daemon.cliOk("lvcreate", "-n", "lv", "-L", "16M", "vg", pv0);

        Exposition before = scrape();
        ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", daemon.nbdUri(EXPORT), "-c", "write -P 0x5a 0 16M",
                "-c", "read -P 0x5a 0 16M").assertSuccess();
        // a request is counted once its reply's write completed, which may be just after the client read it
        Poll.until(TIMEOUT, "qemu-io's reads counted", () ->
                grown(before, scrape(), "ferry_nbd_bytes_total", "op", "read") >= LV_SIZE);
        Exposition afterQemu = scrape();
        assertThat(grown(before, afterQemu, "ferry_nbd_bytes_total", "op", "write")).isGreaterThanOrEqualTo(LV_SIZE);
        assertThat(grown(before, afterQemu, "ferry_nbd_bytes_total", "op", "read")).isGreaterThanOrEqualTo(LV_SIZE);
        assertThat(grown(before, afterQemu, "ferry_nbd_requests_total", "op", "write", "outcome", "ok")).isPositive();
        assertThat(grown(before, afterQemu, "ferry_nbd_request_seconds_count", "op", "read")).isPositive();
        assertThat(afterQemu.sum("ferry_nbd_requests_total", "export", EXPORT)
                - afterQemu.sum("ferry_nbd_requests_total", "export", EXPORT, "outcome", "ok")).as("no errors").isZero();

        FioVerifier fio = FioVerifier.start(dir, daemon.nbdUri(EXPORT), LV_SIZE, 13);
        JsonNode job;
        try {
            Poll.until(TIMEOUT, "fio's connection and its writes to show", () -> {
                Exposition m = scrape();
                return m.value("ferry_nbd_connections", "export", EXPORT) >= 1
                        && grown(afterQemu, m, "ferry_nbd_requests_total", "op", "write", "outcome", "ok") > 0;
            });
        } finally {
            job = fio.stopAndCheck();
        }
        Poll.until(TIMEOUT, "fio's connection to close", () ->
                scrape().value("ferry_nbd_connections", "export", EXPORT) == 0);
        Exposition afterFio = scrape();
        long fioWritten = job.path("write").path("io_bytes").asLong();
        long fioRead = job.path("read").path("io_bytes").asLong();
        assertThat(grown(afterQemu, afterFio, "ferry_nbd_bytes_total", "op", "write")).isGreaterThanOrEqualTo(fioWritten);
        assertThat(grown(afterQemu, afterFio, "ferry_nbd_bytes_total", "op", "read")).isGreaterThanOrEqualTo(fioRead);
        assertThat(grown(afterQemu, afterFio, "ferry_nbd_requests_total", "op", "write", "outcome", "ok"))
                .isGreaterThanOrEqualTo(fioWritten / 4096);
        assertThat(afterFio.value("ferry_nbd_inflight_requests", "export", EXPORT)).isZero();

        daemon.cliOk("pvmove", "-b", "--rate", "4M", "-n", "lv", pv0, pv1);
        String[] move = {"vg", "vg", "lv", "pvmove0"};
        List<Double> copied = new ArrayList<>();
        Poll.until(TIMEOUT, "the move to end", () -> {
            Exposition m = scrape();
            // a scrape reads the gauges one by one, and the move's are removed when it ends: one that ends during a
            // scrape leaves some of them out
            if (m.samples("ferry_pvmove_bytes_copied", move).isEmpty()
                    || m.samples("ferry_pvmove_bytes_remaining", move).isEmpty()
                    || m.samples("ferry_pvmove_rate_limit_bytes_per_second", move).isEmpty()) {
                return m.value("ferry_pvmove_completed_total", "outcome", "succeeded") == 1;
            }
            double c = m.value("ferry_pvmove_bytes_copied", move);
            // each gauge reads the move when scraped, so the copy may advance a region or two between the two
            assertThat(c + m.value("ferry_pvmove_bytes_remaining", move)).isCloseTo(LV_SIZE, within(2.0 * MIB));
            assertThat(m.value("ferry_pvmove_rate_limit_bytes_per_second", move)).isBetween(1.0, 4.0 * MIB);
            if (copied.isEmpty() || copied.get(copied.size() - 1) != c) {
                copied.add(c);
            }
            return false;
        });
        assertThat(copied).as("bytes copied seen while the move ran").isSorted().hasSizeGreaterThanOrEqualTo(2);
        Exposition afterMove = scrape();
        assertThat(afterMove.samples("ferry_pvmove_bytes_remaining")).as("the move's gauges are gone").isEmpty();
        assertThat(afterMove.value("ferry_pvmove_completed_total", "outcome", "failed")).isZero();
        assertThat(grown(afterFio, afterMove, "ferry_dm_table_swaps_total", "device", "vg-lv"))
                .as("the LV stacked on the pvmove device, then on the destination").isGreaterThanOrEqualTo(2);
        assertThat(afterMove.samples("ferry_dm_table_swaps_total", "device", "vg-pvmove0")).as("removed with the move")
                .isEmpty();
        assertThat(grown(afterFio, afterMove, "ferry_metadata_commits_total", "vg", "vg", "outcome", "ok"))
                .as("the move's start, segment and completion commits").isGreaterThanOrEqualTo(3);
        ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", "-r", daemon.nbdUri(EXPORT), "-c", "read 0 16M")
                .assertSuccess();   // fio overwrote random blocks of qemu-io's pattern, so no pattern here
        assertThat(daemon.stop()).isZero();
        assertThat(scraped).as("the samples " + GrafanaDashboard.FILE + " queries, all seen in this test's scrapes")
                .containsAll(GrafanaDashboard.queriedSamples());
    }

    @Test
    void serveCountsItsTrafficOnItsMetricsListenerWhichIsLoopbackOnly() {
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        int metricsPort = ChildJvm.freePort();
        ServeProcess refused = servers.own(ServeProcess.launch(dir, ChildJvm.freePort(), "disk",
                List.of("serve", dir.resolve("refused.img").toString(), "--size", "1M", "--metrics",
                        "0.0.0.0:" + metricsPort)));
        assertThat(refused.awaitExit(TIMEOUT)).as("a non-loopback --metrics is a usage error").isEqualTo(2);
        assertThat(refused.log()).contains("is not a loopback address").contains("--metrics-remote");

        metricsUri = "http://127.0.0.1:" + metricsPort + "/metrics";
        ServeProcess serve = servers.start(dir, dir.resolve("disk.img"), "disk", "--size", "8M", "--metrics",
                "127.0.0.1:" + metricsPort);
        ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", serve.uri(), "-c", "write -P 0x3c 0 1M",
                "-c", "read -P 0x3c 0 1M").assertSuccess();
        Exposition m = scrape();
        assertThat(m.value("ferry_nbd_bytes_total", "export", "disk", "op", "write")).isGreaterThanOrEqualTo(MIB);
        assertThat(m.value("ferry_nbd_bytes_total", "export", "disk", "op", "read")).isGreaterThanOrEqualTo(MIB);
        assertThat(m.samples("jvm_memory_used_bytes")).as("the JVM binders too").isNotEmpty();
        assertThat(serve.terminate(TIMEOUT)).isZero();
    }

    /** How much the export's (or any, for device and VG meters) samples of {@code name} grew between two scrapes. */
    private static double grown(Exposition from, Exposition to, String name, String... labels) {
        List<String> withExport = new ArrayList<>(List.of(labels));
        if (name.startsWith("ferry_nbd_")) {
            withExport.addAll(List.of("export", EXPORT));
        }
        String[] pairs = withExport.toArray(String[]::new);
        return to.sum(name, pairs) - from.sum(name, pairs);
    }

    private Exposition scrape() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(metricsUri)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            Exposition m = Exposition.parse(r.body());
            scraped.addAll(m.names());
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
