package dev.ferry.daemon.model;

import static dev.ferry.daemon.model.VolumeFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeLifecycleTest {
    @TempDir
    Path tmp;

    @Test
    void everyOperationPersistsAcrossReopen() throws IOException {
        VolumeFixture fx = new VolumeFixture(tmp);
        String a = fx.pv("a.img");
        String b = fx.pv("b.img");
        String c = fx.pv("c.img");
        try (VolumeManager vm = fx.open()) {
            PvInfo pa = vm.pvcreate(a, 65 * MIB, false);
            assertThat(Files.size(Path.of(a))).isEqualTo(65 * MIB);
            assertThat(pa.vgName()).isNull();
            vm.pvcreate(b, 65 * MIB, false);
            vm.pvcreate(c, 33 * MIB, false);
            VolumeGroup vg = vm.vgcreate("vg0", List.of(a, b), null);
            assertThat(vg.seqno()).isEqualTo(1);
            assertThat(vg.extentSize()).isEqualTo(4 * MIB);
            assertThat(vg.pvs()).extracting(PhysicalVolume::peCount).containsExactly(16L, 16L);
            vm.vgextend("vg0", List.of(c));
            LogicalVolume lv = vm.lvcreate(LvCreateRequest.linear("vg0", "data", SizeSpec.parseSize("10M")));
            assertThat(lv.extentCount()).as("10 MiB rounds up to 3 extents").isEqualTo(3);
            vm.lvextend(LvResizeRequest.of("vg0", "data", SizeSpec.parseExtents("+5")));
            vm.lvreduce(LvResizeRequest.of("vg0", "data", SizeSpec.parseExtents("-2")));
            vm.lvrename("vg0", "data", "home");
            vm.lvcreate(LvCreateRequest.linear("vg0", null, SizeSpec.parseExtents("1")));
            VolumeGroup now = vm.volumeGroup("vg0").orElseThrow();
            assertThat(now.lvs()).extracting(LogicalVolume::name).containsExactly("home", "lvol0");
            assertThat(now.lv("home").orElseThrow().extentCount()).isEqualTo(6);
            assertThat(now.seqno()).isEqualTo(7);
        }
        String before;
        try (VolumeManager vm = fx.open()) {
            before = VolumeFixture.state(vm);
            assertThat(vm.recoveryLog()).isEmpty();
            VolumeGroup vg = vm.volumeGroup("vg0").orElseThrow();
            assertThat(vg.lv("home").orElseThrow().segments()).hasSize(1);
            assertThat(VolumeFixture.freePerPv(vg).values()).containsExactly(9L, 16L, 8L);
            vm.lvremove("vg0", "lvol0", false);
            vm.vgreduce("vg0", List.of(c));
            assertThat(vm.physicalVolumes()).filteredOn(p -> p.path().equals(c)).singleElement()
                    .extracting(PvInfo::vgName).isNull();
        }
        try (VolumeManager vm = fx.open()) {
            assertThat(VolumeFixture.state(vm)).isNotEqualTo(before);
            assertThat(vm.volumeGroup("vg0").orElseThrow().pvs()).hasSize(2);
            vm.pvremove(c);
            vm.vgremove("vg0", true);
            assertThat(vm.volumeGroups()).isEmpty();
            vm.pvremove(a);
        }
        try (VolumeManager vm = fx.open()) {
            assertThat(vm.volumeGroups()).isEmpty();
            assertThat(vm.physicalVolumes()).extracting(PvInfo::path).containsExactly(b);
            assertThat(vm.recoveryLog()).isEmpty();
        }
        assertThat(Files.readString(fx.dataDir.resolve(KnownPvs.FILE_NAME)).strip()).isEqualTo(b);
        VolumeManager closed = fx.open();
        closed.close();
        closed.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> closed.volumeGroups())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("CLOSED");
    }

    @Test
    void stripedAndMirroredLvsSpreadOverDistinctPvs() throws IOException {
        VolumeFixture fx = new VolumeFixture(tmp);
        try (VolumeManager vm = fx.open()) {
            List<String> pvs = List.of(fx.pv("a"), fx.pv("b"), fx.pv("c"));
            for (String p : pvs) {
                vm.pvcreate(p, 41 * MIB, false);
            }
            vm.vgcreate("vg", pvs, MIB);
            LogicalVolume striped = vm.lvcreate(new LvCreateRequest("vg", "s", SizeSpec.parseExtents("10"), null, 3,
                    128 * 1024, -1, 0, null, List.of()));
            Segment seg = striped.segments().get(0);
            assertThat(seg.type()).isEqualTo(SegmentType.STRIPED);
            assertThat(striped.extentCount()).as("rounded up to a multiple of 3 stripes").isEqualTo(12);
            assertThat(seg.areas()).extracting(Area::pv).doesNotHaveDuplicates();
            assertThat(seg.stripeSize()).isEqualTo(128 * 1024);
            LogicalVolume mirror = vm.lvcreate(new LvCreateRequest("vg", "m", SizeSpec.parseSize("8m"),
                    SegmentType.MIRROR, 0, 0, 2, 0, null, List.of(), MirrorWriteConsistency.PASSIVE, false));
            assertThat(mirror.segments()).allSatisfy(s -> {
                assertThat(s.areas()).hasSize(3);
                assertThat(s.areas()).extracting(Area::pv).doesNotHaveDuplicates();
                assertThat(s.regionSize()).isEqualTo(2 * MIB);
            });
            LogicalVolume grown = vm.lvextend(LvResizeRequest.of("vg", "m", SizeSpec.parseSize("+4m")));
            assertThat(grown.extentCount()).isEqualTo(12);
            assertThat(grown.segments()).as("contiguous growth merges").hasSize(1);
            LogicalVolume shrunk = vm.lvreduce(LvResizeRequest.of("vg", "s", SizeSpec.parseExtents("7")));
            assertThat(shrunk.extentCount()).as("cut moves up to a whole stripe row").isEqualTo(9);
        }
        try (VolumeManager vm = fx.open()) {
            VolumeGroup vg = vm.volumeGroup("vg").orElseThrow();
            assertThat(vg.lv("m").orElseThrow().extentCount()).isEqualTo(12);
            assertThat(vg.lv("s").orElseThrow().extentCount()).isEqualTo(9);
            assertThat(VolumeFixture.freePerPv(vg).values().stream().mapToLong(Long::longValue).sum())
                    .isEqualTo(3 * 40 - 9 - 36);
        }
    }

    @Test
    void percentSizes() throws IOException {
        VolumeFixture fx = new VolumeFixture(tmp);
        try (VolumeManager vm = fx.open()) {
            vm.pvcreate(fx.pv("a"), 41 * MIB, false);
            vm.vgcreate("vg", List.of(fx.pv("a")), MIB);
            assertThat(vm.lvcreate(LvCreateRequest.linear("vg", "half", SizeSpec.parseExtents("50%VG")))
                    .extentCount()).isEqualTo(20);
            assertThat(vm.lvcreate(LvCreateRequest.linear("vg", "rest", SizeSpec.parseExtents("100%FREE")))
                    .extentCount()).isEqualTo(20);
            assertThat(FreeSpaceMap.of(vm.volumeGroup("vg").orElseThrow()).totalFree()).isZero();
        }
    }
}
