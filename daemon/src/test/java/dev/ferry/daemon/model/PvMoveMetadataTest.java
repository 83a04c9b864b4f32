package dev.ferry.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The pvmove parts of the VG document: LV areas, pvmove segments, move options; codec and validator rules. */
class PvMoveMetadataTest {
    private final UUID a = UUID.randomUUID();
    private final UUID b = UUID.randomUUID();

    private VolumeGroup moving(List<Area> lvAreas, Segment pvmoveSegment) {
        List<PhysicalVolume> pvs = List.of(new PhysicalVolume(a, "/pv/a", 65 << 20, 1 << 20, 16),
                new PhysicalVolume(b, "/pv/b", 65 << 20, 1 << 20, 16));
        LogicalVolume pvmove = new LogicalVolume("pvmove0", UUID.randomUUID(), true,
                EnumSet.of(LvFlag.READ, LvFlag.WRITE, LvFlag.PVMOVE, LvFlag.LOCKED), AllocationPolicy.NORMAL,
                List.of(pvmoveSegment), new MoveOptions(a, true, 1 << 20, AllocationPolicy.NORMAL, "pvmove0_mlog", true), null);
        LogicalVolume log = new LogicalVolume("pvmove0_mlog", UUID.randomUUID(), true,
                EnumSet.of(LvFlag.READ, LvFlag.WRITE, LvFlag.LOCKED), AllocationPolicy.ANYWHERE,
                List.of(Segment.linear(0, 1, new Area(b, 15))));
        LogicalVolume data = new LogicalVolume("data", UUID.randomUUID(), false,
                EnumSet.of(LvFlag.READ, LvFlag.WRITE, LvFlag.LOCKED), AllocationPolicy.INHERIT,
                List.of(new Segment(0, 4, SegmentType.STRIPED, 65536, 0, lvAreas)));
        return VolumeGroup.create("vg", 4 << 20, pvs).withLvs(List.of(pvmove, log, data)).withSeqno(3);
    }

    private Segment piece(MoveState state) {
        return Segment.pvmove(0, 2, 512 * 1024, new Area(a, 0), new Area(b, 4), state);
    }

    @Test
    void aMovingVgRoundTripsAndValidates() {
        VolumeGroup vg = moving(List.of(Area.inLv("pvmove0", 0), new Area(b, 0)), piece(MoveState.RUNNING));
        VgValidator.validate(vg);
        byte[] doc = VgDocumentCodec.encode(vg);
        assertThat(new String(doc)).contains("\"move_state\":\"running\"").contains("\"lv\":\"pvmove0\"")
                .contains("\"log_lv\":\"pvmove0_mlog\"").contains("\"verify\":true");
        assertThat(VgDocumentCodec.decode(doc)).isEqualTo(vg);
        FreeSpaceMap free = FreeSpaceMap.of(vg);
        assertThat(free.isFree(a, 0, 2)).as("source extents stay owned").isFalse();
        assertThat(free.isFree(b, 4, 2)).as("destination extents are owned").isFalse();
    }

    @Test
    void areasIntoNonPvmoveLvsPastTheEndOrTwiceAreInvalid() {
        assertThatThrownBy(() -> VgValidator.validate(moving(List.of(Area.inLv("data", 0), new Area(b, 0)),
                piece(MoveState.DISABLED)))).hasMessageContaining("not a pvmove LV");
        assertThatThrownBy(() -> VgValidator.validate(moving(List.of(Area.inLv("pvmove0", 1), new Area(b, 0)),
                piece(MoveState.DISABLED)))).hasMessageContaining("past the end");
        assertThatThrownBy(() -> VgValidator.validate(moving(List.of(Area.inLv("pvmove0", 0),
                Area.inLv("pvmove0", 0)), piece(MoveState.DISABLED)))).hasMessageContaining("used twice");
        assertThatThrownBy(() -> VgValidator.validate(moving(List.of(Area.inLv("pvmove0", 0), new Area(b, 4)),
                piece(MoveState.DISABLED)))).hasMessageContaining("already in use");
    }

    @Test
    void shapesAreChecked() {
        assertThatThrownBy(() -> new Segment(0, 2, SegmentType.LINEAR, 0, 0, List.of(new Area(a, 0)),
                MoveState.RUNNING)).hasMessageContaining("move state");
        assertThatThrownBy(() -> Segment.pvmove(0, 2, 512 * 1024, Area.inLv("x", 0), new Area(b, 0),
                MoveState.RUNNING)).hasMessageContaining("pvmove needs");
        assertThatThrownBy(() -> new Area(a, 0, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
