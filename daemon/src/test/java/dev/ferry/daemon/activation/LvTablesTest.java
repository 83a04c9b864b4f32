package dev.ferry.daemon.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorOptions;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.MoveOptions;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LvTablesTest {
    private static final long MIB = 1 << 20;
    private static final UUID A = new UUID(0, 1);
    private static final UUID B = new UUID(0, 2);
    private static final UUID C = new UUID(0, 3);
    /** 4 MiB extents = 8192 sectors; data starts at 1 MiB = sector 2048. */
    private static final VolumeGroup VG = VolumeGroup.create("vg", 4 * MIB, List.of(
            new PhysicalVolume(A, "/pv/a", 101 * MIB, MIB, 25),
            new PhysicalVolume(B, "/pv/b", 101 * MIB, MIB, 25),
            new PhysicalVolume(C, "/pv/c", 65 * MIB, 2 * MIB, 15)));

    private static LogicalVolume lv(Segment... segments) {
        return LogicalVolume.create("lv", AllocationPolicy.NORMAL, List.of(segments));
    }

    @Test
    void linearSegmentsConcatenateInLeOrderAtPeStartPlusExtents() {
        LogicalVolume lv = lv(Segment.linear(0, 2, new Area(A, 3)), Segment.linear(2, 1, new Area(B, 0)),
                Segment.linear(3, 4, new Area(C, 10)));
        assertEquals("0 16384 linear /pv/a 26624\n"
                + "16384 8192 linear /pv/b 2048\n"
                + "24576 32768 linear /pv/c 86016\n", LvTables.table(VG, lv));
        assertEquals(7 * 4 * MIB, LvTables.sizeBytes(VG, lv));
        assertEquals(List.of("/pv/a", "/pv/b", "/pv/c"), List.copyOf(LvTables.pvPaths(VG, lv)));
    }

    @Test
    void stripedSegmentNamesChunkInSectorsAndEveryStripe() {
        LogicalVolume lv = lv(new Segment(0, 4, SegmentType.STRIPED, 64 * 1024, 0, List.of(new Area(A, 0),
                new Area(B, 1))), Segment.linear(4, 1, new Area(A, 2)));
        assertEquals("0 32768 striped 2 128 /pv/a 2048 /pv/b 10240\n"
                + "32768 8192 linear /pv/a 18432\n", LvTables.table(VG, lv));
    }

    @Test
    void mirroredLvIsOneMirrorOverItsImagesWithItsDiskLogAndStaleRegions() {
        LogicalVolume two = lv(new Segment(0, 1, SegmentType.MIRROR, 0, 2 * MIB, List.of(new Area(A, 0),
                new Area(B, 5))), new Segment(1, 1, SegmentType.MIRROR, 0, 2 * MIB, List.of(new Area(A, 1),
                new Area(B, 6, null, true)))).withMirror(new MirrorOptions(MirrorWriteConsistency.ACTIVE, "lv_mlog"));
        assertEquals("0 16384 mirror disk 2 vg-lv_mlog 4096 2 vg-lv_mimage_0 0 vg-lv_mimage_1 0 7 keep_serving "
                + "handle_errors stale 1 2-3 throttle vg-lv\n", LvTables.table(VG, two));
        assertEquals(Map.of("vg-lv_mimage_0", "0 8192 linear /pv/a 2048\n8192 8192 linear /pv/a 10240\n",
                "vg-lv_mimage_1", "0 8192 linear /pv/b 43008\n8192 8192 linear /pv/b 51200\n"),
                LvTables.auxTables(VG, two));
        assertEquals(Set.of("/pv/a", "/pv/b"), LvTables.pvPaths(VG, two));
    }

    @Test
    void aPieceWithFewerCopiesIsAnErrorMappingOfALegAbsentThere() {
        LogicalVolume ragged = lv(new Segment(0, 1, SegmentType.MIRROR, 0, MIB, List.of(new Area(A, 1),
                new Area(B, 2), new Area(C, 3))), new Segment(1, 1, SegmentType.MIRROR, 0, MIB, List.of(new Area(A, 2),
                new Area(B, 3)))).withStatus(Set.of(LvFlag.READ, LvFlag.WRITE))
                .withMirror(new MirrorOptions(MirrorWriteConsistency.PASSIVE, null));
        assertEquals("0 16384 mirror core 2 2048 nosync 3 vg-lv_mimage_0 0 vg-lv_mimage_1 0 vg-lv_mimage_2 0 7 "
                + "keep_serving handle_errors absent 2 4-7 throttle vg-lv\n", LvTables.table(VG, ragged));
        assertEquals("0 8192 linear /pv/c 28672\n8192 8192 error\n", LvTables.auxTables(VG, ragged)
                .get("vg-lv_mimage_2"));
        assertEquals("0 16384 mirror core 1 2048 3 vg-lv_mimage_0 0 vg-lv_mimage_1 0 vg-lv_mimage_2 0 7 "
                + "keep_serving handle_errors absent 2 4-7 throttle vg-lv\n", LvTables.table(VG, ragged, false),
                "a passive mirror not stopped cleanly copies everything");
    }

    @Test
    void aRegionOnlyPartlyWithoutACopyOnALegIsStaleThere() {
        long region = 8 * MIB;   // two extents
        LogicalVolume ragged = lv(new Segment(0, 1, SegmentType.MIRROR, 0, region, List.of(new Area(A, 1),
                new Area(B, 2), new Area(C, 3))), new Segment(1, 3, SegmentType.MIRROR, 0, region,
                List.of(new Area(A, 2), new Area(B, 3)))).withStatus(Set.of(LvFlag.READ, LvFlag.WRITE))
                .withMirror(new MirrorOptions(MirrorWriteConsistency.PASSIVE, null));
        assertEquals("0 32768 mirror core 2 16384 nosync 3 vg-lv_mimage_0 0 vg-lv_mimage_1 0 vg-lv_mimage_2 0 10 "
                + "keep_serving handle_errors stale 2 0 absent 2 1 throttle vg-lv\n", LvTables.table(VG, ragged),
                "region 0 holds LE 0, with a copy on leg 2, and LE 1, without one; region 1 LEs 2-3, without");
    }

    @Test
    void refusesAreasOutsideTheVgAndEmptyLvs() {
        LogicalVolume foreign = lv(Segment.linear(0, 1, new Area(new UUID(9, 9), 0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LvTables.table(VG, foreign));
        assertTrue(e.getMessage().contains("not a member of VG vg"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LvTables.table(VG, lv()));
    }

    @Test
    void deviceNamesDoubleHyphensAsLvm() {
        assertEquals("vg-lv", Activator.deviceName("vg", "lv"));
        assertEquals("my--vg-lv--data", Activator.deviceName("my-vg", "lv-data"));
        assertEquals("my-vg/lv-data", Activator.exportName("my-vg", "lv-data"));
    }

    @Test
    void mirrorStatusGivesLengthWeightedCopyPercent() {
        String status = "0 8192 mirror 2 /pv/a /pv/b 1/4 1 AA 1 core\n"
                + "8192 8192 linear\n"
                + "16384 24576 mirror 3 /pv/a /pv/b /pv/c 12/12 1 AAA 1 core\n";
        assertEquals(100.0 * (8192 * 0.25 + 24576) / (8192 + 24576), MirrorStatus.copyPercent(status).getAsDouble(),
                1e-9);
        assertTrue(MirrorStatus.copyPercent("0 8192 linear\n").isEmpty());
    }

    /** A pvmove LV of one segment of 2 extents from A:3 to B:7 in {@code state} (512 KiB regions, log LV mlog). */
    private static LogicalVolume pvmove(MoveState state) {
        return new LogicalVolume("pvmove0", UUID.randomUUID(), true, EnumSet.of(LvFlag.PVMOVE, LvFlag.LOCKED),
                AllocationPolicy.NORMAL, List.of(Segment.pvmove(0, 2, 512 * 1024, new Area(A, 3), new Area(B, 7),
                state)), new MoveOptions(A, false, 0, AllocationPolicy.NORMAL, "mlog", false), null);
    }

    @Test
    void aHeldPvmoveSegmentIsAMirrorOverItsLogWhoseDestinationLegIsOfflineAndNeedsOnlyTheSource() {
        String held = "0 16384 mirror disk 2 vg-mlog_0 1024 2 /pv/a 26624 vg-pvmove0_held_0 0 5 handle_errors offline 1"
                + " throttle vg-pvmove0\n";
        assertEquals(held, LvTables.table(VG, pvmove(MoveState.HELD)));
        assertEquals(List.of("/pv/a"), List.copyOf(LvTables.pvPaths(VG, pvmove(MoveState.HELD))));
        Map<String, String> aux = LvTables.auxTables(VG, pvmove(MoveState.HELD));
        assertEquals(Set.of("vg-mlog_0", "vg-pvmove0_held_0"), aux.keySet());
        assertEquals("0 16384 error\n", aux.get("vg-pvmove0_held_0"));

        assertEquals("0 16384 mirror disk 2 vg-mlog_0 1024 2 /pv/a 26624 /pv/b 59392 3 handle_errors throttle "
                + "vg-pvmove0\n", LvTables.table(VG, pvmove(MoveState.RUNNING)));
        VolumeGroup destinationMissing = VG.withPvs(VG.pvs().stream().map(p -> p.uuid().equals(B)
                ? p.withMissing(true) : p).toList());
        assertEquals(held, LvTables.table(destinationMissing, pvmove(MoveState.RUNNING)),
                "a running segment whose destination is missing maps held: its source serves");
        assertTrue(ActivationMode.DEGRADED.refusal(destinationMissing, pvmove(MoveState.RUNNING)).isEmpty());
        assertEquals("0 16384 error\n", LvTables.table(destinationMissing, pvmove(MoveState.COMPLETED)));
    }
}
