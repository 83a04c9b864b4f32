package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.FioVerifier;
import dev.ferry.daemon.testing.NbdfuseMount;
import dev.ferry.daemon.testing.NetworkNamespaces;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.SyncedFiles;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moves of attached, written LVs to a remote PV on another host ({@link RemoteDestination}, one pair of hosts and one
 * daemon for the class; the remote PV's link settings {@value #LINK}) through a slow link and a slow or silent
 * destination. Every LV write (or fio request) is answered within the request timeout plus the reconnect window plus
 * a second, and every acknowledged write reads back.
 * <ol>
 *   <li>A slow link (a {@code tbf} qdisc on the daemon host's egress): the move completes no faster than the link
 *       lets the LV's bytes through, and its {@code transferred_bytes} count the LV once (plus at most the regions
 *       the writer rewrote).</li>
 *   <li>A link too slow for a copy write to cross it within the request timeout: the move is held, the LV keeps
 *       serving from the source, an abort backs out.</li>
 *   <li>A destination that answers every write {@value #SHORT_DELAY_MS} ms late (nbdkit's delay filter), below the
 *       request timeout: the LV's writes, mirrored to it, wait that long, and the move completes.</li>
 *   <li>A silent partition (nftables drop) half way through the move of a mounted ext4 file system (12 MiB of files
 *       copied at 2 MiB/s, so the cut lands in the copy) that takes files across it, healed once the link is
 *       reconnecting: a request on the wire at the cut passes its deadline, so the
 *       move is held (or, when only the heartbeat saw the cut, the link reconnects before any deadline and the move
 *       completes), the file system, still taking files, is clean when unmounted; a held move is resumed to completion
 *       by a daemon restart, and every file reads back by its checksum from a fresh mount of the LV on the remote PV,
 *       {@code e2fsck -fn} clean.</li>
 *   <li>A destination failing a share of its writes: the move is held, the LV served from the source; after the
 *       repair a bare {@code pvmove} completes it.</li>
 *   <li>A destination whose writes are answered {@value #LONG_DELAY_MS} ms late, past the request timeout, swapped in
 *       half way through the copy, then {@code fio --verify} on the LV: fio's first write mirrored to it passes its deadline,
 *       which holds the move; that write waited at least the request timeout and at most the bound above, fio keeps
 *       running, an abort backs out to the local PV, and fio saw no error and no verify error.</li>
 * </ol>
 * The cells run in this order on the shared daemon (the last leaves the remote PV slow and lost).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlowRemoteDestinationProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final long MIB = 1 << 20;
    private static final int BLOCK = 4096;
    /** The writer's area: the first 256 KiB of an LV. */
    private static final int AREA_BLOCKS = 64;
    /** pvmove's region size (512 KiB, the extent size being larger). */
    private static final long REGION = 512 * 1024;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration WINDOW = Duration.ofSeconds(5);
    /** The link: a connect timeout of 3 s, as a daemon restart under load has seen a handshake take over 1 s. */
    private static final String LINK = "connect-timeout=3s&request-timeout=2s&heartbeat-interval=200ms"
            + "&reconnect-window=5s";
    /** The longest an LV's request may take: request timeout + reconnect window + 1 s. */
    private static final Duration BOUND = REQUEST_TIMEOUT.plus(WINDOW).plusSeconds(1);
    /** The slow link: 40 Mbit/s. */
    private static final long LINK_BITS_PER_SECOND = 40_000_000;
    /** A link on which one 512 KiB copy write takes about 4 s, twice the request timeout. */
    private static final long TOO_SLOW_BITS_PER_SECOND = 1_000_000;
    private static final long SHORT_DELAY_MS = 200;
    /** The share of the destination's writes its error filter fails in the cell of a destination failing some. */
    private static final double SOME_ERRORS = 0.2;
    private static final long LONG_DELAY_MS = 3000;

    @RegisterExtension
    static final ChildProcesses<FerryDaemon> DAEMONS = new ChildProcesses<>(true);

    @TempDir
    static Path dir;

    private static RemoteDestination hosts;
    private static FerryDaemon daemon;
    private static MoveApi api;

    @BeforeAll
    static void twoHosts() throws IOException {
        hosts = RemoteDestination.open(dir, DAEMONS, 128 * MIB, LINK);
        daemon = hosts.daemon();
        api = new MoveApi(daemon);
    }

    @AfterAll
    static void removeHosts() {
        if (hosts != null) {
            hosts.close();
        }
    }

    /** Whatever a cell left of its faults on the link is gone before the next. */
    @AfterEach
    void heal() {
        if (hosts != null) {
            hosts.net().heal();
        }
    }

    @Test
    @Order(1)
    void aMoveThroughASlowLinkCompletesAtTheLinksPaceAndCountsItsBytes() {
        long lvBytes = 8 * MIB;
        AckedBlockWriter writer = writtenLv("slow", lvBytes);
        try (NbdClient c = daemon.nbdClient("vg/slow")) {
            writer.start(c);
            hosts.net().slowLink(hosts.a(), LINK_BITS_PER_SECOND);
            JsonNode end;
            try {
                end = api.awaitEnd(api.start(hosts.local(), List.of(hosts.remote()), false, null).path("id").asLong(),
                        TIMEOUT);
            } finally {
                hosts.net().slowLink(hosts.a(), 0);
            }
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
            double floor = (lvBytes - NetworkNamespaces.burstBytes(LINK_BITS_PER_SECOND)) * 8.0 / LINK_BITS_PER_SECOND;
            System.out.printf("SlowRemoteDestinationProcessTest slow link: %s, writer's worst latency %s%n", end,
                    writer.worstLatency());
            assertThat(end.path("elapsed_seconds").asDouble()).as("no faster than the link").isGreaterThan(floor);
            assertTransferred(end, lvBytes);
            assertServed(writer, c);
        }
        assertThat(api.devices("vg/slow")).containsExactly(hosts.remote());
    }

    /**
     * A link so slow ({@value #TOO_SLOW_BITS_PER_SECOND} bit/s) that a copy write of one region cannot cross it within
     * the request timeout: that write passes its deadline, which fails the destination leg and holds the move, the
     * LV's own writes (mirrored until then) are answered from the source within the bound, and an abort backs out.
     */
    @Test
    @Order(2)
    void aLinkTooSlowForTheRequestDeadlineHoldsTheMoveAndTheLvKeepsServing() {
        AckedBlockWriter writer = writtenLv("crawl", 4 * MIB);
        try (NbdClient c = daemon.nbdClient("vg/crawl")) {
            writer.start(c);
            hosts.net().slowLink(hosts.a(), TOO_SLOW_BITS_PER_SECOND);
            try {
                long id = api.start(hosts.local(), List.of(hosts.remote()), false, null).path("id").asLong();
                JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
                System.out.printf("SlowRemoteDestinationProcessTest too slow a link: %s%n", held);
                assertThat(held.path("error").path("message").asText())
                        .contains("not answered within its deadline", "data stays on the source");
                long acked = writer.acknowledged();
                Poll.until(TIMEOUT, "writes while held", () -> writer.acknowledged() > acked + 100);
            } finally {
                hosts.net().slowLink(hosts.a(), 0);
            }
            JsonNode aborted = api.abort(hosts.local()).get(0);
            assertThat(aborted.path("state").asText()).as(aborted.toString()).isEqualTo("ABORTED");
            assertThat(api.devices("vg/crawl")).containsExactly(hosts.local());
            assertServed(writer, c);
        }
        // the next cells move whatever the local PV holds: nothing of this one stays there
        daemon.cliOk("lvremove", "-f", "vg/crawl");
        // the link reconnected over the slow link (a handshake is small), or, if the window ran out, is put back
        hosts.restoreIfMissing();
    }

    @Test
    @Order(3)
    void aDestinationSlowerToWriteThanUsualButWithinTheDeadlineJustSlowsTheMove() {
        restartServer(Duration.ofMillis(SHORT_DELAY_MS), 0);
        try {
            long lvBytes = 4 * MIB;
            AckedBlockWriter writer = writtenLv("delayed", lvBytes);
            try (NbdClient c = daemon.nbdClient("vg/delayed")) {
                writer.start(c);
                JsonNode end = api.awaitEnd(api.start(hosts.local(), List.of(hosts.remote()), false, null)
                        .path("id").asLong(), TIMEOUT);
                System.out.printf("SlowRemoteDestinationProcessTest short delay: %s, writer's worst latency %s%n",
                        end, writer.worstLatency());
                assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
                assertTransferred(end, lvBytes);
                assertThat(writer.worstLatency()).as("a write mirrored to the slow destination")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(SHORT_DELAY_MS));
                assertServed(writer, c);
            }
            assertThat(api.devices("vg/delayed")).containsExactly(hosts.remote());
        } finally {
            restartServer(Duration.ZERO, 0);
        }
    }

    @Test
    @Order(4)
    void aMountedExt4VolumeKeepsItsFilesThroughASilentPartitionOfItsMove() {
        NbdfuseMount.assumeUsable();
        // one thread per connection: after the heal, nbdkit 1.32's worker threads could crash it on the connection
        // the daemon closed at the cut (RemoteDestination#openSerial); the next cell starts its own server again
        restartServer(Duration.ZERO, 1);
        long size = 32 * MIB;
        daemon.cliOk("lvcreate", "-n", "fs", "-L", size / MIB + "M", "vg", hosts.local());
        SyncedFiles files = new SyncedFiles(Seeds.fresh());
        long id;
        boolean held;
        int losses = count("UP -> RECONNECTING");
        try (NbdfuseMount fs = NbdfuseMount.mount(dir, "fs", daemon.nbdUri("vg/fs"), size, true)) {
            // 12 MiB of data copied at 2 MiB/s: the copy skips the file system's holes, so with only a few MiB of
            // data it could finish before the cut (the LV then lives on the remote PV alone, and the cut fails its
            // I/O: the EIO of sync -f seen in CI with seed 6002415346172058118 and reproduced so)
            files.write(fs.mountPoint(), "before", 48, 256 * 1024);
            id = api.start(hosts.local(), List.of(hosts.remote()), false, "2M").path("id").asLong();
            files.write(fs.mountPoint(), "during", 8, 128 * 1024);
            Poll.until(TIMEOUT, "half of the copy", () -> api.move(id).path("percent").asDouble() >= 50);
            JsonNode atCut = api.move(id);
            assertThat(atCut.path("state").asText()).as("the cut lands in the copy: %s", atCut).isEqualTo("RUNNING");
            assertThat(atCut.path("percent").asDouble()).as("the cut lands in the copy").isLessThan(100);
            hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);
            // files written across the cut: their writes wait for the link (or for the leg to be dropped)
            CompletableFuture<Void> cut = CompletableFuture.runAsync(
                    () -> files.write(fs.mountPoint(), "cut", 8, 128 * 1024));
            Poll.until(TIMEOUT, "the link reconnecting", () -> count("UP -> RECONNECTING") > losses);
            hosts.net().heal();
            cut.join();
            // a request on the wire at the cut passes its deadline and holds the move; a cut only the heartbeat saw
            // (no request on the wire, the copy waiting for its rate limit) heals before any deadline, and the move
            // goes on to complete
            JsonNode after = api.awaitEnd(id, TIMEOUT);
            System.out.printf("SlowRemoteDestinationProcessTest silent partition: %s%n", after);
            held = after.path("state").asText().equals("HELD");
            if (held) {
                assertThat(after.path("error").path("message").asText()).contains("data stays on the source");
            } else {
                assertThat(after.path("state").asText()).as(after.toString()).isEqualTo("COMPLETED");
            }
            files.write(fs.mountPoint(), "after", 8, 128 * 1024);
            files.assertUnder(fs.mountPoint());
            fs.unmountAndCheck();
        }
        if (held) {
            // a restart resumes the move (a remote PV lost meanwhile connects again at the next start, or by
            // vgextend --restoremissing: see RestoreMissingProcessTest)
            daemon.stop();
            daemon.startAgain();
            JsonNode end = api.awaitEnd(api.moves().get(0).path("id").asLong(), TIMEOUT);
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
        }
        assertThat(api.devices("vg/fs")).containsExactly(hosts.remote());
        try (NbdfuseMount fs = NbdfuseMount.mount(dir, "fs-moved", daemon.nbdUri("vg/fs"), size, false)) {
            files.assertUnder(fs.mountPoint());
            fs.unmountAndCheck();
        }
    }

    /**
     * A destination that fails a share ({@value #SOME_ERRORS}) of its writes with EIO from a quarter of the copy on (nbdkit's
     * error filter at that rate): a failed copy or mirrored write fails the destination leg and holds the move, and
     * the LV keeps serving from the source. The remote PV stays present (seen in a run: {@code a--}, connected) unless
     * a metadata write to it was among the failed ones, which records it missing; once the errors stop,
     * {@code vgextend --restoremissing} puts it back in that case, and a bare {@code pvmove} completes the move,
     * copying at most the LV again.
     */
    @Test
    @Order(5)
    void aDestinationFailingSomeWritesHoldsTheMoveAndAContinueAfterTheRepairCompletesIt() {
        restartServer(Duration.ZERO, 0, SOME_ERRORS);
        try {
            long lvBytes = 8 * MIB;
            AckedBlockWriter writer = writtenLv("flaky", lvBytes);
            try (NbdClient c = daemon.nbdClient("vg/flaky")) {
                writer.start(c);
                long id = api.start(hosts.local(), List.of(hosts.remote()), false, "2M").path("id").asLong();
                Poll.until(TIMEOUT, "a quarter of the copy", () -> api.percent() >= 25);
                assertThat(api.percent()).as("the errors start before the copy ends").isLessThan(100);
                hosts.inject(RemoteDestination.Fault.ERRORS);
                JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
                System.out.printf("SlowRemoteDestinationProcessTest some writes failing: %s%n", held);
                assertThat(held.path("error").path("message").asText()).contains("data stays on the source");
                long acked = writer.acknowledged();
                Poll.until(TIMEOUT, "writes while held", () -> writer.acknowledged() > acked + 100);
                hosts.repair(RemoteDestination.Fault.ERRORS);
                hosts.restoreIfMissing();   // if a metadata write of the hold was among the failed writes
                daemon.cliOk("pvmove", "-i", "1");
                JsonNode end = api.move(id);
                assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
                assertThat(end.path("transferred_bytes").asLong() - held.path("transferred_bytes").asLong())
                        .as("bytes the continue copied").isPositive().isLessThanOrEqualTo(lvBytes);
                assertServed(writer, c);
            }
            assertThat(api.devices("vg/flaky")).containsExactly(hosts.remote());
        } finally {
            hosts.repair(RemoteDestination.Fault.ERRORS);
            restartServer(Duration.ZERO, 0);
        }
    }

    /**
     * The server is swapped for a slow one half way through the copy, while the copy waits and every byte it wrote is
     * flushed, so that the swap cannot lose an acknowledged write: at a rate of 1 KiB/s a move copies what its token
     * bucket holds at the start, one chunk, half of this LV, and then waits minutes for the next region. Then fio
     * writes that half, and its writes, mirrored to the destination, are the first to meet the delay.
     */
    @Test
    @Order(6)
    void aDestinationSlowerToWriteThanTheDeadlineHoldsTheMoveUnderFioVerify() {
        ExternalTool.assumeInstalled("fio", "fio");
        long lvBytes = 2L * CopierConfig.DEFAULT_CHUNK;
        daemon.cliOk("lvcreate", "-n", "fio", "-L", lvBytes / MIB + "M", "vg", hosts.local());
        LvData.fill(daemon, "vg/fio", Seeds.fresh());
        long id = api.start(hosts.local(), List.of(hosts.remote()), false, "1K").path("id").asLong();
        Poll.until(TIMEOUT, "the first chunk copied and flushed (in sync)", () -> {
            JsonNode m = api.move(id);
            return m.path("copied_bytes").asLong() == CopierConfig.DEFAULT_CHUNK
                    && m.path("transferred_bytes").asLong() == CopierConfig.DEFAULT_CHUNK;
        });
        restartServer(Duration.ofMillis(LONG_DELAY_MS), 0);
        // fio on the half in sync: a write to the region the copy claimed next would wait for that copy
        FioVerifier fio = FioVerifier.start(dir, daemon.nbdUri("vg/fio"), CopierConfig.DEFAULT_CHUNK, Seeds.fresh());
        try {
            JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
            System.out.printf("SlowRemoteDestinationProcessTest long delay: %s%n", held);
            assertThat(held.path("error").path("message").asText())
                    .contains("not answered within its deadline", "data stays on the source");
            assertThat(held.path("transferred_bytes").asLong()).as("bytes copied, all before the delay")
                    .isEqualTo(CopierConfig.DEFAULT_CHUNK);
            assertThat(fio.isAlive()).as("fio keeps running: no error").isTrue();
            JsonNode aborted = api.abort(hosts.local()).get(0);
            assertThat(aborted.path("state").asText()).as(aborted.toString()).isEqualTo("ABORTED");
            assertThat(api.devices("vg/fio")).containsExactly(hosts.local());
            JsonNode job = fio.stopAndCheck();
            Duration worst = Duration.ofNanos(job.path("write").path("clat_ns").path("max").asLong());
            System.out.printf("SlowRemoteDestinationProcessTest long delay: fio's worst write latency %s%n", worst);
            assertThat(worst).as("fio's worst write: it waited for the slow destination until the deadline")
                    .isBetween(REQUEST_TIMEOUT, BOUND);
        } finally {
            fio.kill();
        }
    }

    /** LV {@code name} of {@code bytes} on the local PV, filled with data, and a writer of its first blocks. */
    private static AckedBlockWriter writtenLv(String name, long bytes) {
        daemon.cliOk("lvcreate", "-n", name, "-L", bytes / MIB + "M", "vg", hosts.local());
        long seed = Seeds.fresh();
        LvData.fill(daemon, "vg/" + name, seed);   // data everywhere: the copy writes every region
        AckedBlockWriter writer = new AckedBlockWriter(seed, BLOCK, AREA_BLOCKS, 4);
        try (NbdClient c = daemon.nbdClient("vg/" + name)) {
            writer.fill(c);
        }
        return writer;
    }

    /** A completed move's copies wrote the LV once, plus at most the regions the writer's area covers. */
    private static void assertTransferred(JsonNode end, long lvBytes) {
        long writtenRegions = ((long) AREA_BLOCKS * BLOCK + REGION - 1) / REGION;
        assertThat(end.path("transferred_bytes").asLong()).as("bytes the move copied")
                .isBetween(lvBytes, lvBytes + writtenRegions * REGION);
    }

    /** The writer stops with no write failed, none took longer than {@link #BOUND}, and every one reads back. */
    private static void assertServed(AckedBlockWriter writer, NbdClient c) {
        assertThat(writer.stop()).as("a failed write").isNull();
        assertThat(writer.acknowledged()).as("writes acknowledged").isGreaterThan(0);
        assertThat(writer.worstLatency()).as("the writer's worst latency").isLessThanOrEqualTo(BOUND);
        writer.verifyAndSettle(c);
    }

    /**
     * Kills the server and starts it again at once, its writes answered {@code writeDelay} late, each connection
     * served by {@code threads} threads (0: nbdkit's default), and waits until the remote PV's link has reconnected
     * to it.
     */
    private static void restartServer(Duration writeDelay, int threads) {
        restartServer(writeDelay, threads, 1);
    }

    /** As {@link #restartServer(Duration, int)}, its error filter, once armed, failing a share {@code errorRate}. */
    private static void restartServer(Duration writeDelay, int threads, double errorRate) {
        int ups = count("RECONNECTING -> UP");
        hosts.serve(writeDelay, threads, errorRate);
        Poll.until(TIMEOUT, "the remote PV's link to reconnect", () -> count("RECONNECTING -> UP") > ups);
    }

    /** How often the daemon logged {@code transition} of a remote PV's link (as {@code UP -> RECONNECTING}). */
    private static int count(String transition) {
        String log = daemon.log();
        int n = 0;
        for (int at = log.indexOf(transition); at >= 0; at = log.indexOf(transition, at + 1)) {
            n++;
        }
        return n;
    }
}
