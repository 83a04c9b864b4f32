package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.FioVerifier;
import dev.ferry.daemon.testing.NbdfuseMount;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.client.NbdClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Moves under load through the real daemon, in both modes: fio (nbd engine, crc32c verify) and an
 * acknowledged-write tracker write two LVs during the whole move and see no error and no lost write, while
 * {@code lvs -a} shows the pvmove LV with Move and Cpy%Sync; and an ext4 file system mounted through nbdfuse and a
 * loop device takes checksummed file writes through a move aborted at a seeded point and a move that completes,
 * checks clean afterwards and reads back every file after a remount; and moves off two PVs run at once, each at
 * its own rate.
 */
class PvmoveUnderLoadProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final long MIB = 1 << 20;
    private static final long SEED = 0x5EEDL;
    /** Names the ext4 writer cycles through. */
    private static final int FILES = 48;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FerryDaemon daemon;
    private MoveApi api;
    private String pv1;
    private String pv2;

    private void volumes(String... lvs) {
        daemon = daemons.own(FerryDaemon.start(dir));
        api = new MoveApi(daemon);
        pv1 = dir.resolve("pv1").toString();
        pv2 = dir.resolve("pv2").toString();
        daemon.cliOk("pvcreate", "--size", "96m", pv1, pv2);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", pv1, pv2);
        for (String lv : lvs) {
            String[] nameSize = lv.split(":");
            daemon.cliOk("lvcreate", "-n", nameSize[0], "-L", nameSize[1], "vg", pv1);
        }
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void fioAndAcknowledgedWritesSeeNoErrorThroughTheWholeMove(boolean atomic) {
        volumes("fio:16M", "acked:16M");
        AckedBlockWriter writer = new AckedBlockWriter(SEED, 4096, (int) (16 * MIB / 4096), 8);
        FioVerifier fio = FioVerifier.start(dir, daemon.nbdUri("vg/fio"), 16 * MIB, SEED);
        try (NbdClient c = daemon.nbdClient("vg/acked")) {
            writer.fill(c);
            writer.start(c);
            Poll.until(TIMEOUT, "writes before the move", () -> writer.acknowledged() > 100);
            api.start(pv1, List.of(pv2), atomic, "12M");
            String during = daemon.cliOk("lvs", "-a", "-o", "lv_name,move_pv,copy_percent").out();
            long ackedAtStart = writer.acknowledged();
            api.awaitIdle(TIMEOUT);
            assertThat(writer.acknowledged()).as("writes acknowledged during the move").isGreaterThan(ackedAtStart);
            assertThat(writer.stop()).isNull();
            writer.verifyAndSettle(c);
            fio.stopAndCheck();
            assertThat(during).as("lvs -a during the move").contains("[pvmove0]").contains(pv1);
        } finally {
            fio.kill();
        }
        assertThat(api.devices("vg/fio")).containsExactly(pv2);
        assertThat(api.devices("vg/acked")).containsExactly(pv2);
        assertThat(api.allLvNames()).doesNotContain("pvmove");
        assertThat(daemon.stop()).isZero();
    }

    /**
     * Moves off two PVs run at once, each at its own rate, while both LVs take acknowledged writes: the unlimited
     * one finishes while the 2 MiB/s one keeps to its rate; re-rated, that one finishes too; no write is lost.
     */
    @Test
    void movesOffTwoPvsRunConcurrentlyEachAtItsOwnRateUnderWrites() {
        volumes("a:32M");
        String pv3 = dir.resolve("pv3").toString();
        daemon.cliOk("pvcreate", "--size", "96m", pv3);
        daemon.cliOk("vgextend", "vg", pv3);
        daemon.cliOk("lvcreate", "-n", "b", "-L", "32M", "vg", pv2);
        AckedBlockWriter wa = new AckedBlockWriter(SEED, 4096, (int) (32 * MIB / 4096), 4);
        AckedBlockWriter wb = new AckedBlockWriter(SEED + 1, 4096, (int) (32 * MIB / 4096), 4);
        try (NbdClient ca = daemon.nbdClient("vg/a"); NbdClient cb = daemon.nbdClient("vg/b")) {
            wa.fill(ca);
            wb.fill(cb);
            wa.start(ca);
            wb.start(cb);
            long slow = api.start(pv1, List.of(pv3), false, "2M").path("id").asLong();
            long fast = api.start(pv2, List.of(pv3), false, null).path("id").asLong();
            assertThat(api.awaitEnd(fast, TIMEOUT).path("state").asText()).isEqualTo("COMPLETED");
            JsonNode a = api.moves().stream().filter(m -> m.path("id").asLong() == slow).findFirst().orElseThrow();
            assertThat(a.path("state").asText()).as("the 2 MiB/s move of 32 MiB").isEqualTo("RUNNING");
            assertThat(a.path("rate_limit").asLong()).isEqualTo(2 * MIB);
            // within its rate since it started: 2 MiB/s, plus a burst and the regions in flight
            assertThat((double) a.path("copied_bytes").asLong())
                    .isLessThanOrEqualTo(2 * MIB * a.path("elapsed_seconds").asDouble() + 9 * MIB);
            daemon.api("POST", "/v1/pvmoves/rate", Map.of("source", pv1, "rate", "0"));
            assertThat(api.awaitEnd(slow, TIMEOUT).path("state").asText()).isEqualTo("COMPLETED");
            assertThat(wa.stop()).isNull();
            assertThat(wb.stop()).isNull();
            wa.verifyAndSettle(ca);
            wb.verifyAndSettle(cb);
        }
        assertThat(api.devices("vg/a")).containsExactly(pv3);
        assertThat(api.devices("vg/b")).containsExactly(pv3);
        assertThat(daemon.stop()).isZero();
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void mountedExt4TakesChecksummedWritesDuringTheMoveAndReadsBackAfterARemount(boolean atomic) throws Exception {
        NbdfuseMount.assumeUsable();
        volumes("fs:48M");
        Map<String, String> written = new ConcurrentHashMap<>();
        try (NbdfuseMount fs = NbdfuseMount.mount(dir, "move", daemon.nbdUri("vg/fs"), 48 * MIB, true)) {
            byte[] ballast = new byte[(int) (16 * MIB)];   // data, so the rate-limited copy outlasts the abort point
            new SplittableRandom(SEED - 1).nextBytes(ballast);
            writeFile(fs.mountPoint(), "ballast.bin", ballast, written);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicInteger count = new AtomicInteger();
            Thread files = new Thread(() -> writeFiles(fs.mountPoint(), written, count, stop, failure), "ext4-writer");
            files.start();
            try {
                Poll.until(TIMEOUT, "files before the move", () -> count.get() >= 5 || failure.get() != null);
                // first a move aborted at a point the seed picks, then the one that completes
                int abortAt = 10 + new SplittableRandom(SEED + (atomic ? 1 : 0)).nextInt(60);
                api.start(pv1, List.of(pv2), atomic, "12M");
                Poll.until(TIMEOUT, "the move to reach " + abortAt + "%", () -> api.percent() >= abortAt
                        || api.active().isEmpty() || failure.get() != null);
                assertThat(api.abortIfRunning(pv1)).as("the first move, aborted at %d%%", abortAt).hasSize(1)
                        .allMatch(m -> m.path("state").asText().equals("ABORTED"));
                int afterAbort = count.get();
                Poll.until(TIMEOUT, "files after the abort", () -> count.get() >= afterAbort + 3
                        || failure.get() != null);
                api.start(pv1, List.of(pv2), atomic, "12M");
                int atStart = count.get();
                api.awaitIdle(TIMEOUT);
                Poll.until(TIMEOUT, "files after the move", () -> count.get() >= atStart + 5 || failure.get() != null);
            } finally {
                stop.set(true);
                files.join(TIMEOUT.toMillis());
            }
            // a writer still running could write its next file into the mount point's directory after the unmount
            assertThat(files.isAlive()).as("the file writer stopped").isFalse();
            assertThat(failure.get()).as("file writes during the move").isNull();
            verifyFiles(fs.mountPoint(), written);
            fs.unmountAndCheck();
        }
        assertThat(api.devices("vg/fs")).containsExactly(pv2);
        try (NbdfuseMount again = NbdfuseMount.mount(dir, "remount", daemon.nbdUri("vg/fs"), 48 * MIB, false)) {
            verifyFiles(again.mountPoint(), written);
        }
        assertThat(written.size()).isGreaterThanOrEqualTo(10);   // of the files written and rewritten
        assertThat(daemon.stop()).isZero();
    }

    /**
     * Writes files of 16-256 KiB with fsync until stopped (and rewrites them, round robin over {@value #FILES} names,
     * so the file system never fills), recording each one's SHA-256 once it is durable.
     */
    private static void writeFiles(Path mnt, Map<String, String> written, AtomicInteger count, AtomicBoolean stop,
                                   AtomicReference<Throwable> failure) {
        SplittableRandom random = new SplittableRandom(SEED);
        try {
            for (int i = 0; !stop.get(); i++) {
                byte[] data = new byte[16 * 1024 + random.nextInt(240 * 1024)];
                random.nextBytes(data);
                writeFile(mnt, "f" + i % FILES + ".bin", data, written);
                count.incrementAndGet();
            }
        } catch (IOException | RuntimeException e) {
            failure.set(e);
        }
    }

    /** Writes {@code data} as file {@code name} (replacing it), fsyncs it and records its checksum. */
    private static void writeFile(Path mnt, String name, byte[] data, Map<String, String> written) throws IOException {
        try (FileChannel ch = FileChannel.open(mnt.resolve(name), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        written.put(name, sha256(data));
    }

    private static void verifyFiles(Path mnt, Map<String, String> written) {
        written.forEach((name, sum) -> {
            try {
                assertThat(sha256(Files.readAllBytes(mnt.resolve(name)))).as(name).isEqualTo(sum);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
