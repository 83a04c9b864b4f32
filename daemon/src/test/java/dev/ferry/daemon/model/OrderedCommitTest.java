package dev.ferry.daemon.model;

import static dev.ferry.daemon.model.VolumeFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.metadata.MetadataOps;
import dev.ferry.daemon.metadata.MetadataOps.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A commit with {@link RequiredPvs}, on real PV files (a, b, c in VG vg, b required) through {@link MetadataOps}:
 * the order of the writes and syncs, a required PV whose write or sync fails (nothing else written, the PV lost, the
 * seqno never used again), a required PV already gone, and the seqno after a scan that missed a PV.
 */
class OrderedCommitTest {
    @TempDir
    Path tmp;
    private VolumeFixture fx;
    private long seqno;

    @BeforeEach
    void threePvs() throws IOException {
        fx = new VolumeFixture(tmp);
        try (VolumeManager vm = fx.open()) {
            for (String pv : List.of("a", "b", "c")) {
                vm.pvcreate(fx.pv(pv), 33 * MIB, false);
            }
            vm.vgcreate("vg", List.of(fx.pv("a"), fx.pv("b"), fx.pv("c")), MIB);
            vm.lvcreate(LvCreateRequest.linear("vg", "lv", SizeSpec.parseExtents("2")));
            seqno = vm.requireVolumeGroup("vg").seqno();
        }
    }

    private static VolumeGroup rename(VolumeManager vm, String to, RequiredPvs required) {
        return vm.updateVolumeGroup("vg", v -> v.withLvChanged(v.lvs().get(0).name(), l -> l.withName(to)),
                required);
    }

    private RequiredPvs b(VolumeManager vm) {
        return RequiredPvs.of(List.of(pv(vm, "b")));
    }

    private UUID pv(VolumeManager vm, String name) {
        return vm.requireVolumeGroup("vg").pvByName(fx.pv(name)).orElseThrow().uuid();
    }

    @Test
    void theRequiredPvIsWrittenAndSyncedBeforeAnyOther() throws IOException {
        MetadataOps ops = MetadataOps.counting();
        try (VolumeManager vm = fx.open(ops.opener())) {
            rename(vm, "first", b(vm));
            assertThat(ops.log()).map(String::valueOf).containsExactly("write b", "sync b", "write a", "write c",
                    "sync a", "sync c");
            rename(vm, "plain", RequiredPvs.NONE);
            assertThat(ops.log().subList(6, 12)).map(String::valueOf).as("without required PVs, as before")
                    .containsExactly("write a", "write b", "write c", "sync a", "sync b", "sync c");
            assertThat(vm.requireVolumeGroup("vg").seqno()).isEqualTo(seqno + 2);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aRequiredPvThatFailsStopsTheCommitIsLostAndItsSeqnoIsNeverUsedAgain(Kind failing) throws IOException {
        Map<String, byte[]> before = fx.metadataBytes();
        MetadataOps ops = MetadataOps.counting();
        try (VolumeManager vm = fx.open(ops.opener())) {
            UUID b = pv(vm, "b");
            ops.fail("b", failing);
            assertThatThrownBy(() -> rename(vm, "switched", b(vm))).isInstanceOfSatisfying(VolumeException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.PV_MISSED_COMMIT)).hasMessageContaining(
                    "PV " + fx.pv("b") + " did not take the commit of VG vg seqno " + (seqno + 1)).hasMessageContaining(
                    "its metadata " + failing.name().toLowerCase(java.util.Locale.ROOT) + " failed: metadata "
                    + failing.name().toLowerCase(java.util.Locale.ROOT) + " b refused (test)");
            assertThat(ops.log()).map(String::valueOf).containsExactlyElementsOf(failing == Kind.WRITE ? List.of()
                    : List.of("write b"));
            assertThat(vm.requireVolumeGroup("vg").lv("lv")).as("nothing committed").isPresent();
            assertThat(vm.presentPvs()).as("b is lost").doesNotContain(b);
            Map<String, byte[]> after = fx.metadataBytes();
            assertThat(after.get("a")).as("a not written").isEqualTo(before.get("a"));
            assertThat(after.get("c")).as("c not written").isEqualTo(before.get("c"));
            assertThat(MetadataOps.validSlots(Path.of(fx.pv("b"))).containsKey(seqno + 1))
                    .as("b holds the refused seqno if its write got through").isEqualTo(failing == Kind.SYNC);

            VolumeGroup held = rename(vm, "held", RequiredPvs.NONE);
            assertThat(held.seqno()).as("the refused seqno is skipped").isEqualTo(seqno + 2);
        }
        try (VolumeManager vm = fx.open()) {   // a restart, b back: the newest copy wins and b is repaired
            assertThat(vm.requireVolumeGroup("vg").seqno()).isEqualTo(seqno + 2);
            assertThat(vm.requireVolumeGroup("vg").lv("held")).isPresent();
            assertThat(vm.recoveryLog()).anySatisfy(l -> assertThat(l).contains("repaired", fx.pv("b")));
        }
        assertOneDocumentPerSeqno(fx, List.of("a", "b", "c"));
    }

    @Test
    void severalRequiredPvsAreWrittenAndSyncedOneAfterTheOtherAndTheFirstFailureStopsTheCommit() throws IOException {
        MetadataOps ops = MetadataOps.counting();
        try (VolumeManager vm = fx.open(ops.opener())) {
            RequiredPvs cThenB = RequiredPvs.of(List.of(pv(vm, "c"), pv(vm, "b")));
            rename(vm, "both", cThenB);
            assertThat(ops.log()).map(String::valueOf).containsExactly("write c", "sync c", "write b", "sync b",
                    "write a", "sync a");
            ops.fail("b", Kind.WRITE);
            assertThatThrownBy(() -> rename(vm, "refused", cThenB)).hasMessageContaining("PV " + fx.pv("b")
                    + " did not take the commit of VG vg seqno " + (seqno + 2));
            assertThat(ops.log().subList(6, ops.log().size())).map(String::valueOf).as("c took it, then b failed")
                    .containsExactly("write c", "sync c");
            assertThat(MetadataOps.validSlots(Path.of(fx.pv("a")))).doesNotContainKey(seqno + 2);
            assertThat(rename(vm, "after", RequiredPvs.NONE).seqno()).isEqualTo(seqno + 3);
        }
        try (VolumeManager vm = fx.open()) {
            assertThat(vm.requireVolumeGroup("vg").lv("after")).as("the commit after the refused one wins").isPresent();
        }
        assertOneDocumentPerSeqno(fx, List.of("a", "b", "c"));
    }

    @Test
    void aRequiredPvAlreadyLostOrAbsentRefusesTheCommitBeforeAnyWrite() throws IOException {
        MetadataOps ops = MetadataOps.counting();
        try (VolumeManager vm = fx.open(ops.opener())) {
            UUID b = pv(vm, "b");
            ops.fail("b", Kind.WRITE);
            rename(vm, "blost", RequiredPvs.NONE);   // b's write fails: b is lost, the commit goes on without it
            assertThat(vm.presentPvs()).doesNotContain(b);
            int done = ops.log().size();
            assertThatThrownBy(() -> rename(vm, "switched", b(vm))).isInstanceOfSatisfying(VolumeException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.PV_MISSED_COMMIT))
                    .hasMessageContaining("PV " + fx.pv("b") + " is lost").hasMessageContaining("nothing was written");
            assertThat(ops.log()).hasSize(done);
            assertThat(rename(vm, "next", RequiredPvs.NONE).seqno()).as("nothing written, no seqno used")
                    .isEqualTo(seqno + 2);
        }
        Files.move(Path.of(fx.pv("b")), tmp.resolve("b.away"));
        try (VolumeManager vm = fx.open()) {
            assertThatThrownBy(() -> rename(vm, "switched", RequiredPvs.of(List.of(
                    vm.requireVolumeGroup("vg").pvByName(fx.pv("b")).orElseThrow().uuid()))))
                    .hasMessageContaining("PV " + fx.pv("b") + " is not present");
        }
    }

    @Test
    void aScanThatMissesAPvSkipsTheSeqnoThatPvMayHold() throws IOException {
        MetadataOps ops = MetadataOps.crashingAt(2, false);   // b takes seqno+1 and syncs it; then the crash
        try (VolumeManager vm = fx.open(ops.opener())) {
            assertThatThrownBy(() -> rename(vm, "onb", b(vm))).isInstanceOf(VolumeException.class);
            assertThat(ops.crashed()).isTrue();
        }
        assertThat(MetadataOps.validSlots(Path.of(fx.pv("b")))).containsKey(seqno + 1);
        Files.move(Path.of(fx.pv("b")), tmp.resolve("b.away"));
        try (VolumeManager vm = fx.open()) {   // b absent: a and c hold seqno, b may hold seqno+1 (it does)
            assertThat(vm.requireVolumeGroup("vg").seqno()).isEqualTo(seqno);
            assertThat(rename(vm, "without-b", RequiredPvs.NONE).seqno()).isEqualTo(seqno + 2);
        }
        Files.move(tmp.resolve("b.away"), Path.of(fx.pv("b")));
        try (VolumeManager vm = fx.open()) {   // b back: the commit made without it wins over b's
            assertThat(vm.requireVolumeGroup("vg").lv("without-b")).isPresent();
        }
        assertOneDocumentPerSeqno(fx, List.of("a", "b", "c"));
    }

    /** Every seqno that any of the PV files {@code pvs} holds has one document on all of them. */
    static void assertOneDocumentPerSeqno(VolumeFixture fx, List<String> pvs) throws IOException {
        Map<Long, String> seen = new HashMap<>();
        for (String pv : pvs) {
            MetadataOps.validSlots(Path.of(fx.pv(pv))).forEach((s, doc) -> {
                String other = seen.putIfAbsent(s, doc);
                assertThat(other == null || other.equals(doc)).as("seqno " + s + " on " + pv + " has one document")
                        .isTrue();
            });
        }
    }
}
