package dev.ferry.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VgDocumentCodecTest {
    private static VolumeGroup sample() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        List<PhysicalVolume> pvs = List.of(new PhysicalVolume(a, "/pv/a", 65 << 20, 1 << 20, 16),
                new PhysicalVolume(b, "/pv/b", 65 << 20, 1 << 20, 16));
        LogicalVolume striped = LogicalVolume.create("s", AllocationPolicy.CLING, List.of(new Segment(0, 4,
                SegmentType.STRIPED, 65536, 0, List.of(new Area(a, 0), new Area(b, 0)))));
        LogicalVolume mirror = new LogicalVolume("m", UUID.randomUUID(), true,
                EnumSet.of(LvFlag.READ, LvFlag.LOCKED), AllocationPolicy.INHERIT, List.of(new Segment(0, 3,
                        SegmentType.MIRROR, 0, 1 << 21, List.of(new Area(a, 2), new Area(b, 2, null, true)))))
                .withMirror(new MirrorOptions(MirrorWriteConsistency.PASSIVE, null, 4 << 20));
        return VolumeGroup.create("vg", 4 << 20, pvs).withLvs(List.of(striped, mirror)).withSeqno(9);
    }

    @Test
    void roundTripsExactlyAndDeterministically() {
        VolumeGroup vg = sample();
        byte[] doc = VgDocumentCodec.encode(vg);
        assertThat(VgDocumentCodec.decode(doc)).isEqualTo(vg);
        assertThat(VgDocumentCodec.encode(VgDocumentCodec.decode(doc))).isEqualTo(doc);
        VgValidator.validate(vg);
    }

    /** A VG whose mirror {@code m} (legs on a, b) has a mirrored log (core log, legs on c, d). */
    private static VolumeGroup mirroredLog() {
        List<PhysicalVolume> pvs = new java.util.ArrayList<>();
        for (String n : List.of("a", "b", "c", "d")) {
            pvs.add(new PhysicalVolume(UUID.randomUUID(), "/pv/" + n, 65 << 20, 1 << 20, 16));
        }
        LogicalVolume m = LogicalVolume.create("m", AllocationPolicy.INHERIT, List.of(new Segment(0, 4,
                SegmentType.MIRROR, 0, 1 << 21, List.of(new Area(pvs.get(0).uuid(), 0), new Area(pvs.get(1).uuid(),
                0))))).withMirror(new MirrorOptions(MirrorWriteConsistency.ACTIVE, "m_mlog"));
        LogicalVolume log = new LogicalVolume("m_mlog", UUID.randomUUID(), true, EnumSet.of(LvFlag.READ, LvFlag.WRITE,
                LvFlag.MIRROR_LOG), AllocationPolicy.INHERIT, List.of(new Segment(0, 1, SegmentType.MIRROR, 0,
                1 << 21, List.of(new Area(pvs.get(2).uuid(), 0), new Area(pvs.get(3).uuid(), 0, null, true)))))
                .withMirror(new MirrorOptions(MirrorWriteConsistency.PASSIVE, null));
        return VolumeGroup.create("vg", 4 << 20, pvs).withLvs(List.of(m, log)).withSeqno(3);
    }

    @Test
    void aMirroredLogRoundTripsAsAMirrorWithACoreLogAndNoDeeperNesting() {
        VolumeGroup vg = mirroredLog();
        byte[] doc = VgDocumentCodec.encode(vg);
        assertThat(VgDocumentCodec.decode(doc)).isEqualTo(vg);
        VgValidator.validate(VgDocumentCodec.decode(doc));
        assertThat(new String(doc, StandardCharsets.UTF_8)).contains("\"name\":\"m_mlog\"")
                .contains("\"mirror\":{\"mwc\":\"passive\"}");

        UUID c = vg.pvByName("/pv/c").orElseThrow().uuid();
        VolumeGroup nested = vg.withLvChanged("m_mlog", l -> l.withMirror(new MirrorOptions(
                MirrorWriteConsistency.ACTIVE, "m")));
        assertThatThrownBy(() -> VgValidator.validate(nested)).isInstanceOf(VolumeException.class)
                .hasMessageContaining("mirror log m_mlog is mirrored with a log of its own");
        VolumeGroup threeWay = vg.withLvChanged("m_mlog", l -> l.withSegments(List.of(new Segment(0, 1,
                SegmentType.MIRROR, 0, 1 << 21, List.of(l.segments().get(0).areas().get(0),
                l.segments().get(0).areas().get(1), new Area(c, 5))))));
        assertThatThrownBy(() -> VgValidator.validate(threeWay)).isInstanceOf(VolumeException.class)
                .hasMessageContaining("over more than 2 copies");
    }

    @Test
    void rejectsMalformedDocumentsNamingTheDefect() {
        String good = new String(VgDocumentCodec.encode(sample()), StandardCharsets.UTF_8);
        List<String[]> cases = List.of(
                new String[] {"{", "not JSON"},
                new String[] {"[]", "format"},
                new String[] {good.replace("\"version\":1", "\"version\":2"), "unsupported"},
                new String[] {good.replace("\"extent_size\":4194304", "\"extent_size\":\"4M\""), "extent_size"},
                new String[] {good.replace("\"type\":\"mirror\"", "\"type\":\"raid9\""), "raid9"},
                new String[] {good.replace("\"region_size\":2097152", "\"region_size\":3"), "mirror"},
                new String[] {good.replace("\"hidden\":false", "\"hidden\":0"), "hidden"},
                new String[] {good.replace("\"status\":[\"READ\",\"RESIZEABLE\",\"WRITE\"]", "\"status\":[\"X\"]"),
                        "X"},
                new String[] {good.replace("\"start_extent\":0,\"extent_count\":3", "\"start_extent\":1,"
                        + "\"extent_count\":3"), "expected 0"});
        for (String[] c : cases) {
            assertThatThrownBy(() -> VgDocumentCodec.decode(c[0].getBytes(StandardCharsets.UTF_8))).as(c[1])
                    .isInstanceOfSatisfying(VolumeException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.METADATA_INVALID);
                        assertThat(e.getMessage()).contains(c[1]);
                    });
        }
    }

    @Test
    void namesFollowLvmRules() {
        for (String ok : List.of("a", "vg_0", "x.y-z+1", "A".repeat(127))) {
            Names.checkLvName(ok);
            Names.checkVgName(ok);
        }
        for (String bad : List.of("", ".", "..", "-x", "a b", "a/b", "é", "A".repeat(128))) {
            assertThatThrownBy(() -> Names.checkVgName(bad)).as(bad).isInstanceOf(VolumeException.class);
        }
        for (String reserved : List.of("pvmove1", "snapshot", "x_mlog", "x_rimage_1", "x_tmeta")) {
            assertThatThrownBy(() -> Names.checkLvName(reserved)).as(reserved).isInstanceOf(VolumeException.class);
        }
    }
}
