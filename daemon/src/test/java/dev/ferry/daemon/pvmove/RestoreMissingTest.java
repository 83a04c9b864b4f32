package dev.ferry.daemon.pvmove;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.metadata.FileMetadataDevice;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.PvInfo;
import dev.ferry.daemon.model.VgDocumentCodec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.testing.LegFiles;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.DeviceMapper;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.device.MappedDevice;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code vgextend --restoremissing} in a running daemon: a destination PV lost by failing I/O (its data device
 * switched to an {@code error} table) holds a move and is recorded missing; impostors at its path (another PV's
 * label, the PV shrunk, the PV with newer metadata, no file) are refused with nothing changed; the real file back,
 * the restore commits its metadata, serves its linear LV again, resyncs the mirror copy there, and a continue
 * finishes the held move copying only what was not in sync.
 */
class RestoreMissingTest extends PvMoveFixtureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long MIB = PvMoveFixture.MIB;

    @Test
    void aLostDestinationPutBackLetsTheHeldMoveContinueWithoutARestart() throws Exception {
        Map<String, BlockDevice> files = new ConcurrentHashMap<>();
        DeviceMapper faults = DeviceMapper.create(files::get);
        String[] dst = new String[1];
        PvWrapper wrapper = (path, file) -> {
            if (!path.endsWith("/pv2")) {
                return file;
            }
            files.put(path, file);   // each open of pv2 gets a fresh (healthy) device
            dst[0] = "dst" + System.nanoTime();
            return faults.registry().create(dst[0], "0 " + file.size() / 512 + " linear " + path + " 0\n");
        };
        f = new PvMoveFixture(root, wrapper);
        f.linear("a", "16M", f.pv1);
        f.linear("b", "4M", f.pv2);
        f.mirror("m", "4M", f.pv3, f.pv2);
        Poll.until(WAIT, "m in sync", () -> f.volumes.activator().copyPercent("vg", "m").orElse(0) >= 100);
        LvWorkload wb = new LvWorkload(() -> f.device("b"), 62);   // filled; read back after the restore
        LvWorkload wm = new LvWorkload(() -> f.device("m"), 63).start();
        LvWorkload wa = new LvWorkload(() -> f.device("a"), 61).start();
        MoveProgress p = f.moves.start(PvMoveFixture.request(false, 4 * MIB, f.pv1, f.pv2));
        Poll.until(WAIT, "some regions in sync", () -> regionsInSync(p) >= 2);
        wa.stop();   // its regions are dirty until a flush (and out of sync if the leg fails meanwhile)
        f.device("a").flush().get(30, TimeUnit.SECONDS);
        Poll.until(WAIT, "a quarter of the regions in sync", () -> regionsInSync(p) >= 8);
        MappedDevice d = faults.registry().lookup(dst[0]).orElseThrow();
        faults.registry().load(dst[0], "0 " + d.size() / 512 + " error\n");
        d.resume().get(30, TimeUnit.SECONDS);
        f.moves.setRate(f.pv1, 0);
        Poll.until(WAIT, "the move held and pv2 missing", () -> f.moves.job(p.name()).state() == JobState.HELD
                && pv(f.pv2).missing() && f.vg().pvByName(f.pv2).orElseThrow().missing());
        MoveProgress held = f.moves.moves().get(0);
        assertThat(f.device("b").read(0, ByteBuffer.allocate(4096))).as("b's extents on the lost PV fail")
                .failsWithin(Duration.ofSeconds(5));
        long atLoss = wm.writes();
        Poll.until(WAIT, "m written while its copy on pv2 is stale", () -> wm.writes() > atLoss + 50);
        MoveProgress stillHeld = f.moves.resumeAll().get(0);
        assertThat(stillHeld.state()).isEqualTo(JobState.HELD);
        assertThat(stillHeld.errorMessage()).contains("its destination " + f.pv2 + " is missing",
                "vgextend --restoremissing vg " + f.pv2);

        long seqno = f.vg().seqno();
        refused(f.pv1, ErrorCode.INVALID_ARGUMENT, "Physical volume " + f.pv1 + " of volume group vg is not missing");
        refused(root.resolve("pv9").toString(), ErrorCode.PV_NOT_FOUND, "not in volume group vg");
        assertEquals(ErrorCode.VG_NOT_FOUND, assertThrows(VolumeException.class,
                () -> f.volumes.vgextendRestoreMissing("nope", f.pv2)).code());
        Path pv2 = Paths.get(f.pv2);
        Path aside = root.resolve("pv2.aside");
        Files.move(pv2, aside);
        head(Paths.get(f.pv3), pv2, 2 * MIB);   // another PV's label at pv2's path
        refused(f.pv2, ErrorCode.INVALID_ARGUMENT, "carries PV " + f.vg().pvByName(f.pv3).orElseThrow().uuid()
                + " where the volume group expects PV " + f.vg().pvByName(f.pv2).orElseThrow().uuid());
        Files.delete(pv2);
        head(aside, pv2, 2 * MIB);   // pv2's own label, shrunk to 2 MiB
        refused(f.pv2, ErrorCode.INVALID_ARGUMENT, "it shrank: it has " + 2 * MIB + " bytes, its PV is recorded with "
                + 64 * MIB);
        Files.delete(pv2);
        Files.copy(aside, pv2);   // pv2 itself, with a copy of the VG's metadata newer than the running one
        VolumeGroup newer = f.vg().withSeqno(f.vg().seqno() + 5);
        try (PvDisk disk = PvDisk.read(pv2, FileMetadataDevice.open(pv2)).orElseThrow()) {
            disk.writeSlot(disk.slotForNextCommit(newer.uuid()), newer.seqno(), newer.uuid(),
                    VgDocumentCodec.encode(newer));
            disk.sync();
        }
        refused(f.pv2, ErrorCode.INVALID_ARGUMENT, "its metadata of the volume group has seqno " + newer.seqno()
                + ", newer than the running one's " + seqno);
        Files.delete(pv2);
        refused(f.pv2, ErrorCode.IO_ERROR, "Cannot open physical volume " + f.pv2);
        assertEquals(seqno, f.vg().seqno(), "refusals commit nothing");
        assertThat(pv(f.pv2).missing()).isTrue();
        Files.move(aside, pv2, StandardCopyOption.ATOMIC_MOVE);

        long restoresBefore = f.volumes.manager().restores();
        VolumeGroup restored = f.volumes.vgextendRestoreMissing("vg", f.pv2);
        assertThat(restored.pvByName(f.pv2).orElseThrow().missing()).isFalse();
        assertThat(pv(f.pv2).missing()).isFalse();
        // the PV watch found the loss just before the restore and records it just after (a race a CI run met)
        f.volumes.pvLost("vg", restored.pvByName(f.pv2).orElseThrow().uuid(), "a finding older than the restore",
                restoresBefore);
        assertThat(f.vg().pvByName(f.pv2).orElseThrow().missing()).as("a loss found before the restore").isFalse();
        assertThat(pv(f.pv2).missing()).isFalse();
        assertThat(restored.seqno()).isGreaterThan(seqno);
        try (PvDisk disk = PvDisk.read(pv2, FileMetadataDevice.open(pv2)).orElseThrow()) {
            // at least the restore's commit (the mirror's resync may have committed healed stale marks since)
            assertThat(disk.newest().orElseThrow().seqno()).as("pv2's newest metadata")
                    .isGreaterThanOrEqualTo(restored.seqno());
        }
        wb.verify("b served from pv2 again");
        assertThat(f.moves.job(p.name()).state()).as("a restore alone does not continue the move")
                .isEqualTo(JobState.HELD);

        f.moves.resumeAll();
        assertEquals(JobState.COMPLETED, f.await(p));
        MoveProgress end = f.moves.moves().get(0);
        long resumed = end.transferredBytes() - held.transferredBytes();
        assertThat(held.copiedBytes()).as("in sync when held").isGreaterThanOrEqualTo(p.totalBytes() / 4);
        assertThat(resumed).as("the continue copied only what was not in sync (held with " + held.copiedBytes()
                + " bytes in sync)").isPositive().isLessThanOrEqualTo(p.totalBytes() - held.copiedBytes());
        wa.verify("a after the move");
        assertEquals(Set.of(f.pv2), f.placement("a"));
        assertThat(f.noMoveLeft()).isTrue();

        Poll.until(WAIT, "m's copy on pv2 resynced", () -> MirrorLayout.staleCopies(f.lv("m")) == 0
                && f.volumes.activator().copyPercent("vg", "m").orElse(0) >= 100);
        wm.stop();
        wm.verify("m after the resync");
        VolumeGroup vg = f.vg();
        assertThat(LegFiles.copy(vg, vg.requireLv("m"), 1)).as("the copy on pv2 equals the one on pv3")
                .isEqualTo(LegFiles.copy(vg, vg.requireLv("m"), 0));
        assertThat(f.volumes.manager().vanishedPvs(vg)).isEmpty();
    }

    private int regionsInSync(MoveProgress p) {
        try {
            return f.volumes.activator().recovery("vg", p.name(), 0).regionsInSync();
        } catch (IllegalStateException notMirroredYet) {
            return 0;
        }
    }

    private PvInfo pv(String name) {
        return f.volumes.manager().physicalVolumes().stream().filter(i -> i.path().equals(name)).findFirst()
                .orElseThrow();
    }

    private void refused(String pv, ErrorCode code, String message) {
        VolumeException e = assertThrows(VolumeException.class, () -> f.volumes.vgextendRestoreMissing("vg", pv));
        assertEquals(code, e.code(), e.getMessage());
        assertThat(e.getMessage()).contains(message);
    }

    /** Writes the first {@code bytes} of {@code from} to a new file {@code to}. */
    private static void head(Path from, Path to, long bytes) throws Exception {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            in.transferTo(0, bytes, out);
        }
    }
}
