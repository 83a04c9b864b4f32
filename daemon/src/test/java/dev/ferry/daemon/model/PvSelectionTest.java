package dev.ferry.daemon.model;

import static dev.ferry.daemon.model.VolumeFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PvSelectionTest {
    @TempDir
    Path tmp;

    @Test
    void parsesLvmRangeForms() {
        assertThat(PvSelection.parse("/dev/x").ranges()).isEmpty();
        assertThat(PvSelection.parse("/dev/x:3-5:9:10+4").ranges())
                .containsExactly(new PeRun(3, 3), new PeRun(9, 1), new PeRun(10, 4));
        for (String bad : List.of(":1", "/x:5-3", "/x:a", "/x:1+0", "/x:4294967296", "/x:-1")) {
            assertThatThrownBy(() -> PvSelection.parse(bad)).as(bad).isInstanceOf(VolumeException.class);
        }
    }

    @Test
    void aRemotePvsUriKeepsItsColonsAndOnlyTrailingRangesCount() {
        PvSelection plain = PvSelection.parse("nbd://127.0.0.1:10809/vg0/lv");
        assertThat(plain.path()).isEqualTo("nbd://127.0.0.1:10809/vg0/lv");
        assertThat(plain.ranges()).isEmpty();
        PvSelection ranged = PvSelection.parse("nbd://127.0.0.1:10809/a:b:3-5:9");
        assertThat(ranged.path()).isEqualTo("nbd://127.0.0.1:10809/a:b");
        assertThat(ranged.ranges()).containsExactly(new PeRun(3, 3), new PeRun(9, 1));
        assertThat(PvSelection.parse("nbd://[::1]:7/e").path()).isEqualTo("nbd://[::1]:7/e");
        PvSelection unix = PvSelection.parse("nbd+unix:///e?socket=/run/s.sock:0+2");
        assertThat(unix.path()).isEqualTo("nbd+unix:///e?socket=/run/s.sock");
        assertThat(unix.ranges()).containsExactly(new PeRun(0, 2));
        assertThat(PvSelection.parse("nbd://h:10809").path()).as("no path, so the port is no range")
                .isEqualTo("nbd://h:10809");
    }

    @Test
    void parsesSizes() {
        assertThat(SizeSpec.parseSize("10").resolve(0, MIB, 100, 100, 100, 1)).isEqualTo(10);
        assertThat(SizeSpec.parseSize("1.5G").resolve(0, MIB, 9999, 9999, 9999, 1)).isEqualTo(1536);
        assertThat(SizeSpec.parseSize("+4k").resolve(5, MIB, 100, 100, 100, 1)).isEqualTo(6);
        assertThat(SizeSpec.parseSize("-2m").resolve(5, MIB, 100, 100, 100, 1)).isEqualTo(3);
        assertThat(SizeSpec.parseExtents("50%FREE").resolve(0, MIB, 100, 31, 100, 1)).isEqualTo(15);
        assertThat(SizeSpec.parseExtents("+10%VG").resolve(1, MIB, 100, 31, 100, 1)).isEqualTo(11);
        assertThat(SizeSpec.parseExtents("100%FREE").resolve(0, MIB, 100, 31, 100, 2)).as("2-leg mirror")
                .isEqualTo(15);
        for (String bad : List.of("", "x", "10q", "1..2")) {
            assertThatThrownBy(() -> SizeSpec.parseSize(bad)).as(bad).isInstanceOf(VolumeException.class);
        }
        assertThatThrownBy(() -> SizeSpec.parseExtents("101%VG").resolve(0, MIB, 1, 1, 1, 1))
                .isInstanceOf(VolumeException.class);
    }

    @Test
    void lvcreateAllocatesOnlyFromTheGivenRanges() throws IOException {
        VolumeFixture fx = new VolumeFixture(tmp);
        try (VolumeManager vm = fx.open()) {
            vm.pvcreate(fx.pv("a"), 33 * MIB, false);
            vm.pvcreate(fx.pv("b"), 33 * MIB, false);
            vm.vgcreate("vg", List.of(fx.pv("a"), fx.pv("b")), MIB);
            LogicalVolume lv = vm.lvcreate(new LvCreateRequest("vg", "r", SizeSpec.parseExtents("6"), null, 0, 0,
                    -1, 0, null, List.of(fx.pv("b") + ":10-13", fx.pv("b") + ":20+2")));
            VolumeGroup vg = vm.volumeGroup("vg").orElseThrow();
            java.util.UUID b = vg.pvByName(fx.pv("b")).orElseThrow().uuid();
            assertThat(lv.segments()).extracting(s -> s.areas().get(0)).containsExactly(new Area(b, 10),
                    new Area(b, 20));
            assertThat(lv.segments()).extracting(Segment::extentCount).containsExactly(4L, 2L);
            LogicalVolume pvs = vm.lvcreate(new LvCreateRequest("vg", "p", SizeSpec.parseExtents("50%PVS"), null,
                    0, 0, -1, 0, null, List.of(fx.pv("a"))));
            assertThat(pvs.extentCount()).isEqualTo(16);
        }
    }
}
