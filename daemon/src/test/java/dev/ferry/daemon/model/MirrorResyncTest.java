package dev.ferry.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The record of a running resync or migratepp in a mirrored LV's options: LE runs, encoding and strict decoding, the
 * checks of the record itself and of the validator, and that the LV's other changes carry it.
 */
class MirrorResyncTest {
    private static final UUID A = UUID.randomUUID();
    private static final UUID B = UUID.randomUUID();
    private static final UUID C = UUID.randomUUID();

    /** A VG with mirrored LV m (8 LEs, legs on a and b) whose options carry {@code record}. */
    private static VolumeGroup withRecord(MirrorResync record) {
        List<PhysicalVolume> pvs = List.of(new PhysicalVolume(A, "/pv/a", 65 << 20, 1 << 20, 16),
                new PhysicalVolume(B, "/pv/b", 65 << 20, 1 << 20, 16),
                new PhysicalVolume(C, "/pv/c", 65 << 20, 1 << 20, 16));
        LogicalVolume m = LogicalVolume.create("m", AllocationPolicy.INHERIT, List.of(new Segment(0, 8,
                SegmentType.MIRROR, 0, 1 << 20, List.of(new Area(A, 0), new Area(B, 0, null, true)))))
                .withMirror(new MirrorOptions(MirrorWriteConsistency.PASSIVE, null, 1 << 20, record));
        return VolumeGroup.create("vg", 4 << 20, pvs).withLvs(List.of(m)).withSeqno(4);
    }

    private static MirrorResync forcedPv() {
        return new MirrorResync("resyncpv", B, true, MirrorResync.runs(List.of(5L, 0L, 1L, 2L, 7L)), null);
    }

    private static MirrorResync move() {
        return new MirrorResync("migratepp", null, false, MirrorResync.runs(List.of(3L)),
                new MirrorResync.Move(3, new Area(A, 3), new Area(C, 9), true));
    }

    @Test
    void lesBecomeAscendingRunsAndBack() {
        MirrorResync r = forcedPv();
        assertThat(r.extents()).containsExactly(new MirrorResync.Run(0, 3), new MirrorResync.Run(5, 1),
                new MirrorResync.Run(7, 1));
        assertThat(r.les()).containsExactly(0L, 1L, 2L, 5L, 7L);
    }

    @Test
    void resyncAndMigrateRecordsRoundTripAndValidate() {
        for (MirrorResync r : List.of(forcedPv(), move(), new MirrorResync("resynclp", null, false,
                MirrorResync.runs(List.of(6L)), null))) {
            VolumeGroup vg = withRecord(r);
            byte[] doc = VgDocumentCodec.encode(vg);
            assertThat(VgDocumentCodec.decode(doc)).isEqualTo(vg);
            assertThat(VgDocumentCodec.encode(VgDocumentCodec.decode(doc))).isEqualTo(doc);
            VgValidator.validate(vg);
        }
        assertThat(new String(VgDocumentCodec.encode(withRecord(move())), StandardCharsets.UTF_8)).contains(
                "\"resync\":{\"verb\":\"migratepp\",\"force\":false,\"extents\":[[3,1]],\"move\":{\"le\":3,"
                + "\"source\":{\"pv\":\"" + A + "\",\"pe\":3},\"destination\":{\"pv\":\"" + C + "\",\"pe\":9},"
                + "\"reduce\":true}}");
        assertThat(new String(VgDocumentCodec.encode(withRecord(null)), StandardCharsets.UTF_8))
                .doesNotContain("resync");
    }

    @Test
    void badRecordsAreRefused() {
        assertThatThrownBy(() -> new MirrorResync("resyncpv", null, false, List.of(new MirrorResync.Run(0, 1)), null))
                .hasMessageContaining("bad mirror resync record");
        assertThatThrownBy(() -> new MirrorResync("resynclv", null, false, List.of(), null))
                .hasMessageContaining("bad mirror resync record");
        assertThatThrownBy(() -> new MirrorResync("resynclv", null, false, List.of(new MirrorResync.Run(2, 2),
                new MirrorResync.Run(4, 1)), null)).hasMessageContaining("out of order or touching");
        assertThatThrownBy(() -> new MirrorResync("migratepp", null, false, List.of(new MirrorResync.Run(0, 1)),
                null)).hasMessageContaining("bad mirror resync record");

        MirrorResync past = new MirrorResync("resynclv", null, false, List.of(new MirrorResync.Run(6, 3)), null);
        assertThatThrownBy(() -> VgValidator.validate(withRecord(past))).isInstanceOf(VolumeException.class)
                .hasMessageContaining("records a resynclv of LEs past its end or of unknown PVs");
        MirrorResync stranger = new MirrorResync("resyncpv", UUID.randomUUID(), false,
                List.of(new MirrorResync.Run(0, 1)), null);
        assertThatThrownBy(() -> VgValidator.validate(withRecord(stranger))).isInstanceOf(VolumeException.class)
                .hasMessageContaining("unknown PVs");

        String good = new String(VgDocumentCodec.encode(withRecord(forcedPv())), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> VgDocumentCodec.decode(good.replace("[[0,3],", "[[0],").getBytes(
                StandardCharsets.UTF_8))).hasMessageContaining("[start, count] pairs");
        assertThatThrownBy(() -> VgDocumentCodec.decode(good.replace("\"resyncpv\"", "\"resyncvg\"").getBytes(
                StandardCharsets.UTF_8))).hasMessageContaining("bad mirror resync record");
    }

    @Test
    void theRecordFollowsRateChangesAndRenames() {
        MirrorOptions o = new MirrorOptions(MirrorWriteConsistency.ACTIVE, "m_mlog", 0, forcedPv());
        assertThat(o.withRecoveryRate(5).resync()).isEqualTo(forcedPv());
        assertThat(o.renamedFor("n").resync()).isEqualTo(forcedPv());
        assertThat(o.withResync(null).resync()).isNull();
    }
}
