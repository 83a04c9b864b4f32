package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FaultyDisk;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.NbdClient;
import dev.ferry.nbd.client.NbdErrorException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real daemon with one PV on a disk that fails on demand (nbdkit's error filter behind nbdfuse, see
 * {@link FaultyDisk#withErrorFilter}; faults hit its label and metadata area too): a disk failing every request is
 * lost while a mirror on it keeps serving, and is repaired away; under a linear LV it is lost by its failing data
 * I/O alone, only its extents failing; a mirror leg's disk failing only reads is lost however well its writes go,
 * while reads keep returning the other leg's bytes; a disk whose reads fail under a linear LV is lost by those alone;
 * migratepp onto a disk failing writes ends RESYNC_FAILED with the copy moved and stale.
 */
class FailingDiskProcessTest {
    private static final long MIB = 1 << 20;
    private static final int BLOCK = 4096;
    private static final int BLOCKS = (int) (16 * MIB / BLOCK);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FaultyDisk disk;
    private FerryDaemon daemon;
    private String a;
    private String bad;
    private String c;
    private String d;

    @BeforeEach
    void setUp() {
        FaultyDisk.assumeUsable();
        disk = FaultyDisk.withErrorFilter(dir, "bad", 64 * MIB);
        daemon = daemons.own(FerryDaemon.start(dir));
        a = dir.resolve("a").toString();
        bad = disk.file().toString();
        c = dir.resolve("c").toString();
        d = dir.resolve("d").toString();
        daemon.cliOk("pvcreate", "--size", "64m", a, c, d);
        daemon.cliOk("pvcreate", bad);
        daemon.cliOk("vgcreate", "-s", "4M", "vg", a, bad, c, d);
    }

    @AfterEach
    void tearDown() {
        if (daemon != null) {
            daemon.close(); // the daemon lets go of the PV file before it is unmounted
        }
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void aPvWhoseDiskFailsEveryRequestIsLostWhileTheMirrorOnItServesAndIsRepairedAway() throws Exception {
        daemon.cliOk("lvcreate", "-m1", "-n", "lv", "-L", "16M", "vg", a, bad, c);
        awaitInSync();
        AckedBlockWriter writer = new AckedBlockWriter(17, BLOCK, BLOCKS, 4);
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.fill(client);
            writer.start(client);
            Poll.until(WAIT, "writes under way", () -> writer.acknowledged() > 100);
            disk.failWrites(true);
            disk.failReads(true);
            awaitRecordedMissing("vg/lv");
            long atLoss = writer.acknowledged();
            Poll.until(WAIT, "writes acknowledged after the loss", () -> writer.acknowledged() > atLoss + 200);
            assertThat(writer.stop()).as("no write failed").isNull();
            writer.verifyAndSettle(client);
            assertThat(cli("lvs", "--noheadings", "-o", "lv_attr", "vg/lv")).isEqualTo("mwi-aom-p-");

            daemon.cliOk("lvconvert", "--repair", "vg/lv", d);
            Poll.until(WAIT, "repaired and in sync", () -> cli("lvs", "--noheadings", "-o",
                    "copy_percent,lv_stale_extents", "vg/lv").equals("100.00 0"));
            daemon.cliOk("vgreduce", "--removemissing", "vg");
            assertThat(daemon.cliOk("lvs", "-a", "--noheadings", "-o", "lv_name,devices", "vg").out())
                    .contains(d).doesNotContain(bad);
            assertThat(cli("vgs", "--noheadings", "-o", "vg_attr,vg_missing_pv_count", "vg")).isEqualTo("wz--n- 0");
            writer.verifyAndSettle(client);
        }
        assertThat(daemon.stop()).isZero();
    }

    @Test
    void migrateppOntoADiskWhoseWritesFailMovesTheCopyStaleWithResyncFailed() throws Exception {
        daemon.cliOk("lvcreate", "-m1", "--mirrorlog", "core", "-n", "lv", "-L", "16M", "vg", a, c);
        awaitInSync();
        AckedBlockWriter writer = new AckedBlockWriter(19, BLOCK, BLOCKS, 4);
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.fill(client);
            disk.failWrites(true);

            CliResult moved = daemon.cli("migratepp", "vg", a + ":1", bad + ":5").assertOk();
            assertThat(moved.out()).contains("(RESYNC_FAILED)");
            assertThat(moved.err()).contains("WARNING").contains("stale");
            assertThat(cli("lvs", "--noheadings", "-o", "lv_stale_extents", "vg/lv")).as("the new copy is stale")
                    .isEqualTo("1");
            assertThat(cli("lvs", "-a", "--noheadings", "-o", "lv_name,devices", "vg"))
                    .as("LE 1: its copy on c stays, the one from a:1 is on the failing disk's PE 5 (a row per segment)")
                    .endsWith("[lv_mimage_0] " + a + "(0) [lv_mimage_0] " + c + "(1) [lv_mimage_0] " + a + "(2) "
                            + "[lv_mimage_1] " + c + "(0) [lv_mimage_1] " + bad + "(5) [lv_mimage_1] " + c + "(2)");
            writer.verifyAndSettle(client);
            // The commits of the move could not be written to the failing disk: it is lost, the others have them.
            awaitRecordedMissing("vg/lv");

            daemon.cliOk("lvconvert", "--repair", "vg/lv", d);
            Poll.until(WAIT, "repaired and in sync", () -> cli("lvs", "--noheadings", "-o",
                    "copy_percent,lv_stale_extents", "vg/lv").equals("100.00 0"));
            daemon.cliOk("vgreduce", "--removemissing", "vg");
            writer.verifyAndSettle(client);
        }
        assertThat(daemon.stop()).isZero();
    }

    @Test
    void aDiskFailingEveryRequestUnderALinearLvIsLostByItsDataIoAndOnlyItsExtentsFail() throws Exception {
        daemon.cliOk("lvcreate", "-n", "span", "-L", "8M", "vg", a);
        daemon.cliOk("lvextend", "-L", "16M", "vg/span", bad);
        byte[] data = new byte[(int) (16 * MIB)];
        new Random(23).nextBytes(data);
        try (NbdClient client = daemon.nbdClient("vg/span")) {
            writeAndFlush(client, 0, data);
            disk.failWrites(true);
            disk.failReads(true);
            assertThat(client.write(12 * MIB, Unpooled.wrappedBuffer(new byte[BLOCK])))
                    .as("a write to the extents on the failing disk").failsWithin(WAIT);
            awaitRecordedMissing("vg/span");
            assertThat(daemon.log()).as("lost by the data I/O rule, nothing was committed")
                    .contains("data I/O failing with no success for").contains("probe read failed");

            ByteBuf onA = client.read(0, (int) (8 * MIB)).join();
            try {
                assertThat(ByteBufUtil.getBytes(onA)).isEqualTo(Arrays.copyOf(data, (int) (8 * MIB)));
            } finally {
                onA.release();
            }
            assertThat(client.read(8 * MIB, BLOCK)).as("the extents on the lost disk: EIO").failsWithin(WAIT);
        }
        assertThat(daemon.stop()).isZero();
    }

    @Test
    void aMirrorLegWhoseDiskFailsOnlyReadsIsLostWhileReadsKeepReturningTheOtherLegsBytes() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdcopy");
        daemon.cliOk("lvcreate", "-m1", "-n", "lv", "-L", "16M", "vg", a, bad, c);
        awaitInSync();
        AckedBlockWriter writer = new AckedBlockWriter(29, BLOCK, BLOCKS / 2, 4); // the first 8 MiB
        byte[] fixed = new byte[(int) (8 * MIB)]; // the last 8 MiB, only read
        new Random(31).nextBytes(fixed);
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.fill(client);
            writeAndFlush(client, 8 * MIB, fixed);
            writer.start(client);
            Poll.until(WAIT, "writes under way", () -> writer.acknowledged() > 100);
            disk.failReads(true);
            try (CheckingReader reader = new CheckingReader("vg/lv", 8 * MIB, fixed)) {
                awaitRecordedMissing("vg/lv");
                long atLoss = writer.acknowledged();
                int passesAtLoss = reader.passes();
                Poll.until(WAIT, "reads and writes after the loss",
                        () -> writer.acknowledged() > atLoss + 200 && reader.passes() > passesAtLoss + 2);
                assertThat(reader.stop()).as("every read returned the bytes written, on the one connection (a "
                        + "read the page cache does not answer goes through the legs and falls over on a read error)").isNull();
            }
            assertThat(writer.stop()).as("no write failed").isNull();
            writer.verifyAndSettle(client);
            assertThat(cli("lvs", "--noheadings", "-o", "lv_attr", "vg/lv")).isEqualTo("mwi-aom-p-");
        }
        assertThat(daemon.log()).as("lost by its failing reads, its writes working")
                .contains("failing with no success for").contains("(reads, first: ");
        Path copy = dir.resolve("lv-copy.img");
        ExternalTool.run(WAIT, "nbdcopy", daemon.nbdUri("vg/lv"), copy.toString()).assertSuccess();
        byte[] copied = Files.readAllBytes(copy);
        assertThat(sha256(Arrays.copyOfRange(copied, (int) (8 * MIB), copied.length))).as("nbdcopy's last 8 MiB")
                .isEqualTo(sha256(fixed));
        assertThat(daemon.stop()).isZero();
    }

    @Test
    void aDiskWhoseReadsFailUnderALinearLvIsLostByThemAndOnlyItsExtentsFail() throws Exception {
        daemon.cliOk("lvcreate", "-n", "span", "-L", "8M", "vg", a);
        daemon.cliOk("lvextend", "-L", "16M", "vg/span", bad);
        byte[] data = new byte[(int) (16 * MIB)];
        new Random(37).nextBytes(data);
        try (NbdClient client = daemon.nbdClient("vg/span")) {
            writeAndFlush(client, 0, data);
        }
        disk.failReads(true);
        try (NbdClient reader = daemon.nbdClient("vg/span")) {
            assertThat(reader.read(8 * MIB, (int) MIB)).as("a read from the failing disk: EIO")
                    .failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(NbdErrorException.class);
            assertThat(reader.isOpen()).as("an error reply, the connection open").isTrue();
        }
        awaitRecordedMissing("vg/span");
        assertThat(daemon.log()).as("lost by the failed read, seen by the PV's watcher")
                .contains("(reads, first: ").contains("probe read failed");
        try (NbdClient client = daemon.nbdClient("vg/span")) {
            ByteBuf onA = client.read(0, (int) (8 * MIB)).join();
            try {
                assertThat(ByteBufUtil.getBytes(onA)).isEqualTo(Arrays.copyOf(data, (int) (8 * MIB)));
            } finally {
                onA.release();
            }
            assertThat(client.read(8 * MIB, BLOCK)).as("the extents on the lost disk: EIO, the connection open")
                    .failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOfSatisfying(NbdErrorException.class,
                            e -> assertThat(e.errno()).isEqualTo(NbdConstants.NBD_EIO));
            assertThat(client.isOpen()).isTrue();
        }
        assertThat(daemon.stop()).isZero();
    }

    /**
     * Reads {@code expected} from export offset {@code at} over and over on its own connection, on a thread, in
     * 256 KiB reads, until stopped or the first read that fails or answers with wrong bytes, which it keeps.
     */
    private final class CheckingReader implements AutoCloseable {
        private static final int READ = 256 * 1024;

        private final long at;
        private final byte[] expected;
        private final NbdClient client;
        private final Thread thread;
        private final AtomicInteger passes = new AtomicInteger();
        private volatile boolean stopping;
        private volatile Throwable failure;

        CheckingReader(String export, long at, byte[] expected) {
            this.at = at;
            this.expected = expected;
            this.client = daemon.nbdClient(export);
            this.thread = new Thread(this::run, "checking-reader");
            thread.start();
        }

        private void run() {
            try {
                while (!stopping) {
                    for (int off = 0; off < expected.length; off += READ) {
                        ByteBuf got = client.read(at + off, READ).join();
                        try {
                            assertThat(ByteBufUtil.getBytes(got)).as("read at %d", at + off)
                                    .isEqualTo(Arrays.copyOfRange(expected, off, off + READ));
                        } finally {
                            got.release();
                        }
                    }
                    passes.incrementAndGet();
                }
            } catch (RuntimeException | AssertionError e) {
                failure = e;
            }
        }

        /** Complete passes over {@code expected} so far; throws the reader's failure if it has one. */
        int passes() {
            if (failure != null) {
                throw new AssertionError("the checking reader failed", failure);
            }
            return passes.get();
        }

        /** Stops reading; the failure, or null. */
        Throwable stop() throws InterruptedException {
            stopping = true;
            thread.join(WAIT.toMillis());
            return failure;
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            client.close();
        }
    }

    private static void writeAndFlush(NbdClient client, long at, byte[] data) {
        for (int off = 0; off < data.length; off += (int) MIB) {
            client.write(at + off, Unpooled.wrappedBuffer(data, off, (int) MIB)).join();
        }
        client.flush().join();
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Waits until the failing disk is flagged missing in the metadata (LV {@code lv} on it partial). */
    private void awaitRecordedMissing(String lv) {
        Poll.until(WAIT, "the failing PV recorded missing", () -> cli("lvs", "--noheadings", "-o",
                "lv_health_status", lv).equals("partial"));
        assertThat(cli("pvs", "--noheadings", "-o", "pv_name,pv_attr")).contains("[unknown] a-m");
        assertThat(cli("vgs", "--noheadings", "-o", "vg_attr,vg_missing_pv_count", "vg")).isEqualTo("wz-pn- 1");
    }

    private void awaitInSync() {
        Poll.until(WAIT, "in sync", () -> cli("lvs", "--noheadings", "-o", "copy_percent", "vg/lv")
                .equals("100.00"));
    }

    /** A report's output with its column padding collapsed to single spaces. */
    private String cli(String... args) {
        return daemon.cliOk(args).out().strip().replaceAll("\\s+", " ");
    }
}
