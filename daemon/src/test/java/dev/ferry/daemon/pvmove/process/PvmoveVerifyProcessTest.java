package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code pvmove --verify} through a real daemon: a move under a writer of acknowledged blocks verifies every segment
 * and completes; a destination changed behind the daemon's back (bytes written into the destination PV file in a
 * region already copied) fails the move before the segment switches, naming the LV, segment, PVs and bytes, while
 * the LV stays on the source with its data intact and keeps taking writes; a later verified move completes.
 */
class PvmoveVerifyProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final long MIB = 1 << 20;
    private static final int BLOCK = 4096;
    /** Where extents start on a PV (the default {@code pe_start}); extents here are 1 MiB. */
    private static final long PE_START = MIB;
    /** The LV byte changed on the destination: in its first 512 KiB region, copied first. */
    private static final long CORRUPT_AT = 4096 + 17;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FerryDaemon daemon;
    private MoveApi api;
    private String pv1;
    private String pv2;

    private void vg() {
        daemon = daemons.own(FerryDaemon.start(dir));
        api = new MoveApi(daemon);
        pv1 = dir.resolve("pv1").toString();
        pv2 = dir.resolve("pv2").toString();
        daemon.cliOk("pvcreate", "--size", "64m", pv1, pv2);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", pv1, pv2);
    }

    private static AckedBlockWriter writing(NbdClient client, long seed) {
        AckedBlockWriter writer = new AckedBlockWriter(seed, BLOCK, (int) (16 * MIB / BLOCK), 4);
        writer.fill(client);
        writer.start(client);
        return writer;
    }

    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void aVerifiedMoveUnderAWriterComparesEverySegmentAndCompletes(boolean atomic) {
        vg();
        daemon.cliOk("lvcreate", "-n", "a", "-L", "16M", "vg", pv1);
        daemon.cliOk("lvcreate", "-n", "b", "-L", "8M", "vg", pv1);
        String b = LvData.fill(daemon, "vg/b", Seeds.fresh());
        try (NbdClient c = daemon.nbdClient("vg/a")) {
            AckedBlockWriter writer = writing(c, Seeds.fresh());
            Poll.until(TIMEOUT, "writes before the move", () -> writer.acknowledged() > 100);
            long id = api.start(pv1, List.of(pv2), atomic, "16M", true).path("id").asLong();
            long ackedAtStart = writer.acknowledged();
            JsonNode end = api.awaitEnd(id, TIMEOUT);
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
            assertThat(end.path("verify").asBoolean()).isTrue();
            assertThat(end.path("mismatch").isNull()).isTrue();
            assertThat(end.path("segments")).hasSize(2)
                    .allSatisfy(s -> assertThat(s.path("verified").asBoolean()).as(s.toString()).isTrue());
            assertThat(writer.acknowledged()).as("writes during the move").isGreaterThan(ackedAtStart);
            assertThat(writer.stop()).isNull();
            writer.verifyAndSettle(c);
        }
        assertThat(api.devices("vg/a")).containsExactly(pv2);
        assertThat(api.devices("vg/b")).containsExactly(pv2);
        assertThat(LvData.sha256(daemon, "vg/b")).isEqualTo(b);
        assertThat(daemon.stop()).isZero();
    }

    /**
     * LV {@code data} (8 MiB of seeded bytes, first on the source, so pvmove segment 0) and LV {@code acked} (written
     * throughout) move at 2 MiB/s with {@code ferry pvmove --verify}; once a quarter of segment 0 is copied, one byte of
     * its first region is flipped in the destination PV file. The move fails at the verify of segment 0.
     */
    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void aDestinationChangedBehindTheCopyFailsTheMoveSafeAndSaysWhere(boolean atomic) throws Exception {
        vg();
        daemon.cliOk("lvcreate", "-n", "data", "-L", "8M", "vg", pv1);
        daemon.cliOk("lvcreate", "-n", "acked", "-L", "16M", "vg", pv1);
        String data = LvData.fill(daemon, "vg/data", Seeds.fresh());
        try (NbdClient c = daemon.nbdClient("vg/acked")) {
            AckedBlockWriter writer = writing(c, Seeds.fresh());
            List<String> move = new ArrayList<>(List.of("pvmove", "--verify", "--rate", "2M", "-i", "0"));
            if (atomic) {
                move.add("--atomic");
            }
            move.addAll(List.of(pv1, pv2));
            CompletableFuture<CliResult> cli = daemon.cliAsync(move.toArray(String[]::new));
            JsonNode[] running = new JsonNode[1];
            Poll.until(TIMEOUT, "a quarter of segment 0 copied", () -> {
                running[0] = api.active().stream().findFirst().orElse(null);
                return running[0] != null && running[0].path("segments").path(0).path("percent").asDouble() >= 25;
            });
            JsonNode segment = running[0].path("segments").path(0);
            assertThat(segment.path("source").asText()).as("LV data is segment 0").isEqualTo(pv1 + ":0");
            String destination = segment.path("destination").asText();
            assertThat(destination).startsWith(pv2 + ":");
            long destinationByte = PE_START + Long.parseLong(destination.substring(pv2.length() + 1)) * MIB
                    + CORRUPT_AT;
            flipByte(Path.of(pv2), destinationByte);

            CliResult failed = cli.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            failed.assertExit(ExitCodes.FAILED);
            JsonNode end = api.moves().get(0);
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("FAILED");
            JsonNode mismatch = end.path("mismatch");
            assertThat(mismatch.path("segment").asInt()).isZero();
            assertThat(mismatch.path("lv").asText()).isEqualTo("vg/data");
            assertThat(mismatch.path("lv_byte").asLong()).isEqualTo(CORRUPT_AT);
            assertThat(mismatch.path("source_pv").asText()).isEqualTo(pv1);
            assertThat(mismatch.path("source_byte").asLong()).isEqualTo(PE_START + CORRUPT_AT);
            assertThat(mismatch.path("destination_pv").asText()).isEqualTo(pv2);
            assertThat(mismatch.path("destination_byte").asLong()).isEqualTo(destinationByte);
            assertThat(end.path("segments").path(0).path("verified").asBoolean()).isFalse();
            String message = end.path("error").path("message").asText();
            assertThat(message).contains(pv2 + " byte " + destinationByte, pv1 + " byte " + (PE_START + CORRUPT_AT),
                    "vg/data byte " + CORRUPT_AT, "segment 0", "stays on the source");
            assertThat(failed.err()).as(failed.describe()).contains("MIGRATE_FAIL", message);

            assertThat(api.devices("vg/data")).containsExactly(pv1);
            assertThat(api.devices("vg/acked")).containsExactly(pv1);
            assertThat(api.allLvNames()).doesNotContain("pvmove");
            assertThat(LvData.sha256(daemon, "vg/data")).isEqualTo(data);
            long ackedAtFailure = writer.acknowledged();
            Poll.until(TIMEOUT, "writes after the failure", () -> writer.acknowledged() > ackedAtFailure + 100);
            assertThat(writer.failure()).isNull();

            CliResult again = daemon.cliOk("pvmove", "--verify", "-i", "0", pv1, pv2);
            assertThat(again.out()).contains("Moved: 100.0%");
            assertThat(writer.stop()).isNull();
            writer.verifyAndSettle(c);
        }
        assertThat(api.devices("vg/data")).containsExactly(pv2);
        assertThat(api.devices("vg/acked")).containsExactly(pv2);
        assertThat(LvData.sha256(daemon, "vg/data")).isEqualTo(data);
        assertThat(daemon.stop()).isZero();
    }

    /** Flips every bit of the byte at {@code at} of {@code file}, behind the daemon's back. */
    private static void flipByte(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.put(0, (byte) ~one.get(0)).rewind();
            ch.write(one, at);
            ch.force(false);
        }
    }
}
