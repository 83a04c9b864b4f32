package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.pvmove.process.RemoteDestination.Fault;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A move of LV {@code vg/lv} (16 MiB of seeded data) from the local PV of a {@link RemoteDestination} to its remote PV,
 * held by a fault of the destination while a writer of acknowledged FUA blocks keeps writing the LV's first 256 KiB,
 * with the checks that a later copy transferred only the delta and that the LV on the remote PV holds every write.
 */
final class HeldRemoteMove {

    /** How long each wait may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** The LV's size. */
    static final int LV_BYTES = 16 << 20;
    private static final int MIB = 1 << 20;
    private static final int BLOCK = 4096;
    /** The writer's area: the first 256 KiB of the LV. */
    private static final int AREA_BLOCKS = 64;
    /** pvmove's region size (512 KiB, the extent size being larger). */
    private static final long REGION = 512 * 1024;

    private final RemoteDestination hosts;
    private final AckedBlockWriter writer;
    private final long id;
    private final long inSyncWhenHeld;
    private final long transferredWhenHeld;

    private HeldRemoteMove(RemoteDestination hosts, AckedBlockWriter writer, long id, JsonNode settled) {
        this.hosts = hosts;
        this.writer = writer;
        this.id = id;
        this.inSyncWhenHeld = settled.path("copied_bytes").asLong();
        this.transferredWhenHeld = settled.path("transferred_bytes").asLong();
    }

    /**
     * Creates and fills the LV on the local PV, starts the writer and a move of the LV to the remote PV at 4 MiB/s,
     * injects {@code fault} once {@code percent} % of it is copied and waits until the move is held (the data staying
     * on the source); runs {@code whileHeld} with the held move, then lets the writer get {@code writes} more writes
     * acknowledged, stops it (no write failed) and verifies every one.
     */
    static HeldRemoteMove hold(RemoteDestination hosts, Fault fault, int percent, int writes,
            Consumer<JsonNode> whileHeld) {
        FerryDaemon daemon = hosts.daemon();
        MoveApi api = new MoveApi(daemon);
        daemon.cliOk("lvcreate", "-n", "lv", "-L", LV_BYTES / MIB + "M", "vg", hosts.local());
        long seed = Seeds.fresh();
        LvData.fill(daemon, "vg/lv", seed);   // data everywhere: no region is a hole the copy could skip
        AckedBlockWriter writer = new AckedBlockWriter(seed, BLOCK, AREA_BLOCKS, 4);
        try (NbdClient c = daemon.nbdClient("vg/lv")) {
            writer.fill(c);
            writer.start(c);
            long id = api.start(hosts.local(), List.of(hosts.remote()), false, "4M").path("id").asLong();
            Poll.until(TIMEOUT, percent + "% of the copy", () -> api.move(id).path("percent").asDouble() >= percent);
            hosts.inject(fault);

            JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
            assertThat(held.path("error").path("message").asText()).as(held.toString())
                    .contains("copy to the destination failed", "data stays on the source");
            whileHeld.accept(held);
            long acked = writer.acknowledged();
            Poll.until(TIMEOUT, writes + " writes acknowledged while held",
                    () -> writer.acknowledged() >= acked + writes || writer.failure() != null);
            assertThat(writer.stop()).as("a failed write").isNull();
            writer.verifyAndSettle(c);
            HeldRemoteMove move = new HeldRemoteMove(hosts, writer, id, api.move(id));   // the writer is still
            assertThat(move.inSyncWhenHeld).as("regions still in sync when held").isGreaterThan(0)
                    .isLessThan(LV_BYTES);
            return move;
        }
    }

    /** The move's id. */
    long id() {
        return id;
    }

    /** The bytes the move had transferred when it was held and the writer stopped. */
    long transferredWhenHeld() {
        return transferredWhenHeld;
    }

    /**
     * Checks that {@code transferred} bytes, what the copy after the hold transferred, are only the delta: at least
     * what was not in sync when held, at most that plus the regions the writer's area covers; prints them as
     * {@code run}'s.
     */
    void assertOnlyTheDeltaCopied(String run, long transferred) {
        long notInSync = LV_BYTES - inSyncWhenHeld;
        long writtenRegions = ((long) AREA_BLOCKS * BLOCK + REGION - 1) / REGION;
        System.out.printf("%s: %d of %d bytes in sync when held, the copy after the hold transferred %d%n", run,
                inSyncWhenHeld, LV_BYTES, transferred);
        assertThat(transferred).as("bytes the copy after the hold transferred (not in sync when held: %d)", notInSync)
                .isGreaterThanOrEqualTo(notInSync).isLessThanOrEqualTo(notInSync + writtenRegions * REGION);
    }

    /**
     * Checks that the LV is on the remote PV alone, every acknowledged write reads back from it, and it holds exactly
     * the bytes the source extents hold.
     */
    void assertOnTheRemotePv() throws IOException {
        FerryDaemon daemon = hosts.daemon();
        assertThat(new MoveApi(daemon).devices("vg/lv")).containsExactly(hosts.remote());
        try (NbdClient c = daemon.nbdClient("vg/lv")) {
            writer.verifyAndSettle(c);
            assertThat(read(c)).as("the LV on the remote PV equals the source extents")
                    .isEqualTo(hosts.localExtents(0, LV_BYTES));
        }
    }

    private static byte[] read(NbdClient c) {
        byte[] out = new byte[LV_BYTES];
        for (int off = 0; off < LV_BYTES; off += MIB) {
            ByteBuf b = c.read(off, MIB).join();
            try {
                b.getBytes(b.readerIndex(), out, off, MIB);
            } finally {
                b.release();
            }
        }
        return out;
    }
}
