package dev.ferry.daemon.model;

import static dev.ferry.daemon.model.VolumeFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every refusal names a stable error and leaves every PV's label and metadata area byte-identical. */
class RefusalTest {
    @TempDir
    Path tmp;
    private VolumeFixture fx;

    @BeforeEach
    void setUp() throws IOException {
        fx = new VolumeFixture(tmp);
        try (VolumeManager vm = fx.open()) {
            for (String n : List.of("a", "b", "c", "orphan")) {
                vm.pvcreate(fx.pv(n), 33 * MIB, false);
            }
            vm.vgcreate("vg", List.of(fx.pv("a"), fx.pv("b")), MIB);
            vm.vgcreate("other", List.of(fx.pv("c")), MIB);
            vm.lvcreate(LvCreateRequest.linear("vg", "lv1", SizeSpec.parseExtents("40")));
            vm.lvcreate(LvCreateRequest.linear("vg", "busy", SizeSpec.parseExtents("1")));
        }
        try (RandomAccessFile raf = new RandomAccessFile(tmp.resolve("plain").toFile(), "rw")) {
            raf.setLength(4 * MIB);
        }
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                r(ErrorCode.PV_EXISTS, (vm, fx) -> vm.pvcreate(fx.pv("orphan"), null, false)),
                r(ErrorCode.PV_IN_USE, (vm, fx) -> vm.pvcreate(fx.pv("a"), null, true)),
                r(ErrorCode.PV_NOT_FOUND, (vm, fx) -> vm.pvcreate(fx.pv("missing"), null, false)),
                r(ErrorCode.PV_TOO_SMALL, (vm, fx) -> vm.pvcreate(fx.pv("tiny"), 4096L, false)),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.pvcreate(fx.pv("nodir/x"), 8 * MIB, false)),
                r(ErrorCode.PV_IN_USE, (vm, fx) -> vm.pvremove(fx.pv("a"))),
                r(ErrorCode.PV_NOT_FOUND, (vm, fx) -> vm.pvremove(fx.pv("plain"))),
                r(ErrorCode.VG_EXISTS, (vm, fx) -> vm.vgcreate("vg", List.of(fx.pv("orphan")), null)),
                r(ErrorCode.INVALID_NAME, (vm, fx) -> vm.vgcreate("-bad", List.of(fx.pv("orphan")), null)),
                r(ErrorCode.INVALID_NAME, (vm, fx) -> vm.vgcreate("a/b", List.of(fx.pv("orphan")), null)),
                r(ErrorCode.INVALID_EXTENT_SIZE, (vm, fx) -> vm.vgcreate("n", List.of(fx.pv("orphan")), 3 * MIB)),
                r(ErrorCode.INVALID_EXTENT_SIZE, (vm, fx) -> vm.vgcreate("n", List.of(fx.pv("orphan")), 1024L)),
                r(ErrorCode.PV_TOO_SMALL, (vm, fx) -> vm.vgcreate("n", List.of(fx.pv("orphan")), 64 * MIB)),
                r(ErrorCode.PV_IN_USE, (vm, fx) -> vm.vgcreate("n", List.of(fx.pv("a")), null)),
                r(ErrorCode.PV_NOT_FOUND, (vm, fx) -> vm.vgcreate("n", List.of(fx.pv("plain")), null)),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.vgcreate("n", List.of(), null)),
                r(ErrorCode.INVALID_ARGUMENT,
                        (vm, fx) -> vm.vgcreate("n", List.of(fx.pv("orphan"), fx.pv("orphan")), null)),
                r(ErrorCode.VG_NOT_FOUND, (vm, fx) -> vm.vgextend("nope", List.of(fx.pv("orphan")))),
                r(ErrorCode.PV_IN_USE, (vm, fx) -> vm.vgextend("vg", List.of(fx.pv("c")))),
                r(ErrorCode.PV_HAS_EXTENTS, (vm, fx) -> vm.vgreduce("vg", List.of(fx.pv("a")))),
                r(ErrorCode.PV_NOT_FOUND, (vm, fx) -> vm.vgreduce("vg", List.of(fx.pv("c")))),
                r(ErrorCode.LAST_PV, (vm, fx) -> vm.vgreduce("other", List.of(fx.pv("c")))),
                r(ErrorCode.VG_HAS_LVS, (vm, fx) -> vm.vgremove("vg", false)),
                r(ErrorCode.LV_OPEN, (vm, fx) -> vm.vgremove("vg", true)),
                r(ErrorCode.LV_EXISTS, (vm, fx) -> vm.lvcreate(
                        LvCreateRequest.linear("vg", "lv1", SizeSpec.parseExtents("1")))),
                r(ErrorCode.INVALID_NAME, (vm, fx) -> vm.lvcreate(
                        LvCreateRequest.linear("vg", "pvmove0", SizeSpec.parseExtents("1")))),
                r(ErrorCode.INVALID_NAME, (vm, fx) -> vm.lvcreate(
                        LvCreateRequest.linear("vg", "x_mimage_0", SizeSpec.parseExtents("1")))),
                r(ErrorCode.INSUFFICIENT_SPACE, (vm, fx) -> vm.lvcreate(
                        LvCreateRequest.linear("vg", "big", SizeSpec.parseSize("1g")))),
                r(ErrorCode.INSUFFICIENT_SPACE, (vm, fx) -> vm.lvcreate(new LvCreateRequest("vg", "m3",
                        SizeSpec.parseExtents("1"), SegmentType.MIRROR, 0, 0, 2, 0, null, List.of()))),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.lvcreate(new LvCreateRequest("vg", "m4",
                        SizeSpec.parseExtents("1"), SegmentType.MIRROR, 0, 0, 3, 0, null, List.of()))),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.lvcreate(new LvCreateRequest("vg", "s",
                        SizeSpec.parseExtents("2"), SegmentType.STRIPED, 2, 3000, -1, 0, null, List.of()))),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.lvcreate(
                        LvCreateRequest.linear("vg", "zero", SizeSpec.parseExtents("0")))),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.lvcreate(
                        LvCreateRequest.linear("vg", "rel", SizeSpec.parseExtents("+1")))),
                r(ErrorCode.PV_NOT_FOUND, (vm, fx) -> vm.lvcreate(new LvCreateRequest("vg", "x",
                        SizeSpec.parseExtents("1"), null, 0, 0, -1, 0, null, List.of(fx.pv("c"))))),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.lvcreate(new LvCreateRequest("vg", "x",
                        SizeSpec.parseExtents("1"), null, 0, 0, -1, 0, null, List.of(fx.pv("a") + ":9-3")))),
                r(ErrorCode.LV_NOT_FOUND, (vm, fx) -> vm.lvextend(
                        LvResizeRequest.of("vg", "nope", SizeSpec.parseExtents("+1")))),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.lvextend(
                        LvResizeRequest.of("vg", "lv1", SizeSpec.parseExtents("30")))),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.lvreduce(
                        LvResizeRequest.of("vg", "lv1", SizeSpec.parseExtents("50")))),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.lvresize(
                        LvResizeRequest.of("vg", "lv1", SizeSpec.parseExtents("40")))),
                r(ErrorCode.INVALID_ARGUMENT, (vm, fx) -> vm.lvreduce(
                        LvResizeRequest.of("vg", "lv1", SizeSpec.parseExtents("-40")))),
                r(ErrorCode.INSUFFICIENT_SPACE, (vm, fx) -> vm.lvextend(new LvResizeRequest("vg", "lv1",
                        SizeSpec.parseExtents("+5"), AllocationPolicy.CONTIGUOUS, List.of()))),
                r(ErrorCode.LV_OPEN, (vm, fx) -> vm.lvremove("vg", "busy", false)),
                r(ErrorCode.LV_NOT_FOUND, (vm, fx) -> vm.lvremove("vg", "nope", false)),
                r(ErrorCode.LV_EXISTS, (vm, fx) -> vm.lvrename("vg", "lv1", "busy")),
                r(ErrorCode.INVALID_NAME, (vm, fx) -> vm.lvrename("vg", "lv1", "snapshot1")));
    }

    private static Arguments r(ErrorCode code, Action action) {
        return Arguments.of(code, action);
    }

    /** A refused call. */
    @FunctionalInterface
    interface Action {
        void run(VolumeManager vm, VolumeFixture fx);
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("refusals")
    void refusalLeavesMetadataByteIdentical(ErrorCode code, Action action) throws IOException {
        Map<String, byte[]> before = fx.metadataBytes();
        String state;
        LvRuntime busy = new LvRuntime() {
            @Override
            public boolean isOpen(String vg, String lv) {
                return lv.equals("busy");
            }
        };
        try (VolumeManager vm = VolumeManager.open(fx.dataDir, dev.ferry.daemon.metadata.DeviceOpener.files(),
                busy)) {
            state = VolumeFixture.state(vm);
            assertThatThrownBy(() -> action.run(vm, fx)).isInstanceOfSatisfying(VolumeException.class,
                    e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(code));
            assertThat(VolumeFixture.state(vm)).isEqualTo(state);
        }
        Map<String, byte[]> after = fx.metadataBytes();
        assertThat(after.keySet()).isEqualTo(before.keySet());
        after.forEach((file, bytes) -> assertThat(bytes).as(file).isEqualTo(before.get(file)));
        assertThat(Files.exists(tmp.resolve("missing"))).isFalse();
        try (VolumeManager vm = fx.open()) {
            assertThat(VolumeFixture.state(vm)).isEqualTo(state);
        }
    }

    @Test
    void forceRelabelsAnOrphan() throws IOException {
        try (VolumeManager vm = fx.open()) {
            var first = vm.physicalVolumes().stream().filter(p -> p.path().equals(fx.pv("orphan"))).findFirst()
                    .orElseThrow();
            PvInfo again = vm.pvcreate(fx.pv("orphan"), null, true);
            assertThat(again.uuid()).isNotEqualTo(first.uuid());
        }
    }
}
