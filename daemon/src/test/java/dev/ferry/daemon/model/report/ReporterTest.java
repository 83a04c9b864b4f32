package dev.ferry.daemon.model.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.LvRuntime;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReporterTest {
    private static final long MIB = 1 << 20;
    @TempDir
    Path tmp;
    private VolumeManager vm;
    private Reporter reporter;
    private String a;
    private String b;

    @BeforeEach
    void setUp() throws IOException {
        LvRuntime runtime = new LvRuntime() {
            @Override
            public boolean isActive(String vg, String lv) {
                return lv.equals("lin");
            }

            @Override
            public boolean isOpen(String vg, String lv) {
                return lv.equals("lin");
            }

            @Override
            public OptionalDouble copyPercent(String vg, String lv) {
                return lv.equals("mir") ? OptionalDouble.of(37.5) : OptionalDouble.empty();
            }
        };
        vm = VolumeManager.open(tmp.resolve("data"), DeviceOpener.files(), runtime);
        a = tmp.resolve("a").toString();
        b = tmp.resolve("b").toString();
        vm.pvcreate(a, 65 * MIB, false);
        vm.pvcreate(b, 65 * MIB, false);
        vm.pvcreate(tmp.resolve("c").toString(), 10 * MIB, false);
        vm.vgcreate("vg", List.of(a, b), null);
        vm.lvcreate(LvCreateRequest.linear("vg", "lin", SizeSpec.parseSize("8m")));
        vm.lvcreate(new LvCreateRequest("vg", "mir", SizeSpec.parseSize("4m"), SegmentType.MIRROR, 0, 0, 1, 0,
                null, List.of(), MirrorWriteConsistency.PASSIVE, false));
        vm.lvcreate(new LvCreateRequest("vg", "str", SizeSpec.parseSize("16m"), null, 2, 0, -1, 0,
                AllocationPolicy.CLING, List.of()));
        UUID pvA = vm.volumeGroup("vg").orElseThrow().pvByName(a).orElseThrow().uuid();
        vm.updateVolumeGroup("vg", g -> g.withLvAdded(new LogicalVolume("pvmove0", UUID.randomUUID(), true,
                EnumSet.of(LvFlag.READ, LvFlag.WRITE, LvFlag.PVMOVE, LvFlag.LOCKED), AllocationPolicy.INHERIT,
                List.of(Segment.linear(0, 1, new Area(pvA, 15))))));
        reporter = new Reporter(vm);
    }

    @Test
    void pvsShowsMembersAndOrphans() {
        Report r = reporter.pvs(ReportOptions.defaults());
        assertThat(r.headings()).containsExactly("PV", "VG", "Fmt", "Attr", "PSize", "PFree");
        assertThat(r.column("pv_name")).containsExactly(a, b, tmp.resolve("c").toString());
        assertThat(r.column("pv_attr")).containsExactly("a--", "a--", "---");
        assertThat(r.column("pv_size")).containsExactly("64.00m", "64.00m", "10.00m");
        assertThat(r.column("pv_free").get(0)).isEqualTo("40.00m");
        assertThat(r.toText().lines().findFirst().orElseThrow()).startsWith("  PV").contains("PFree");
    }

    @Test
    void vgsAndUnits() {
        Report r = reporter.vgs(new ReportOptions(false, "+vg_extent_size,vg_seqno", Units.parse("b"), false,
                List.of("vg")));
        assertThat(r.column("vg_size")).containsExactly(128 * MIB + "B");
        assertThat(r.column("lv_count")).as("hidden LVs are not counted").containsExactly("3");
        assertThat(r.column("vg_attr")).containsExactly("wz--n-");
        assertThat(r.column("vg_seqno")).containsExactly("5");
        assertThat(new Units('h').format(1536 * MIB)).isEqualTo("1.50g");
        assertThat(new Units('g').format(10_000_000_000L)).isEqualTo("9.31g");
        assertThat(new Units('r').format(2043 * MIB)).as("rounded up: marked").isEqualTo("<2.00g");
        assertThat(new Units('h').format(2043 * MIB)).as("h never marks").isEqualTo("2.00g");
        assertThat(new Units('r').format(1260 * MIB)).as("rounded down: not marked").isEqualTo("1.23g");
        assertThat(new Units('r').format(1152 * MIB)).as("1.125: a tie goes to even, down").isEqualTo("1.12g");
        assertThat(new Units('r').format(1164 * MIB)).as("1.1367: rounded up").isEqualTo("<1.14g");
        assertThat(new Units('G').format(10_000_000_000L)).isEqualTo("10.00G");
        assertThat(new Units('s').format(MIB)).isEqualTo("2048S");
        assertThat(new Units('k').format(4 * MIB)).isEqualTo("4096.00k");
        assertThatThrownBy(() -> Units.parse("x")).isInstanceOf(VolumeException.class);
    }

    @Test
    void lvsWithHiddenDevicesAndSegments() {
        Report plain = reporter.lvs(ReportOptions.defaults());
        assertThat(plain.column("lv_name")).containsExactly("lin", "mir", "str");
        assertThat(plain.column("lv_attr")).containsExactly("-wi-ao----", "mwi---m---", "-wl-------");
        assertThat(plain.column("copy_percent")).containsExactly("", "37.50", "");
        Report all = reporter.lvs(new ReportOptions(true, "+devices", Units.HUMAN, false, List.of()));
        assertThat(all.column("lv_name")).containsExactly("lin", "mir", "[mir_mimage_0]", "[mir_mimage_1]",
                "[pvmove0]", "str");
        assertThat(all.column("lv_attr").subList(2, 5)).containsExactly("iwi---m---", "iwi---m---", "pwI-------");
        assertThat(all.column("devices").subList(1, 4)).containsExactly("mir_mimage_0(0),mir_mimage_1(0)",
                a + "(2)", b + "(0)");
        Report segs = reporter.lvs(new ReportOptions(false, "+devices", Units.HUMAN, true, List.of("vg/str")));
        assertThat(segs.type()).isEqualTo("seg");
        assertThat(segs.headings()).containsExactly("LV", "VG", "Attr", "#Str", "Type", "SSize", "Devices");
        assertThat(segs.column("segtype")).containsExactly("striped");
        assertThat(segs.column("stripes")).containsExactly("2");
        assertThat(segs.column("seg_size")).containsExactly("16.00m");
    }

    @Test
    void jsonFollowsLvmLayout() throws IOException {
        JsonNode root = new ObjectMapper().readTree(reporter.lvs(ReportOptions.defaults()).toJson());
        JsonNode lvs = root.get("report").get(0).get("lv");
        assertThat(lvs).hasSize(3);
        JsonNode lin = lvs.get(0);
        assertThat(lin.get("lv_name").asText()).isEqualTo("lin");
        assertThat(lin.get("vg_name").asText()).isEqualTo("vg");
        assertThat(lin.get("lv_size").asText()).isEqualTo("8.00m");
        assertThat(lin.get("copy_percent").isTextual()).isTrue();
        assertThat(lin.fieldNames()).toIterable().containsExactly("lv_name", "vg_name", "lv_attr", "lv_size",
                "pool_lv", "origin", "data_percent", "metadata_percent", "move_pv", "mirror_log", "copy_percent",
                "convert_lv");
        JsonNode pvs = new ObjectMapper().readTree(reporter.pvs(ReportOptions.defaults()).toJson());
        assertThat(pvs.get("report").get(0).get("pv").get(0).get("pv_name").asText()).isEqualTo(a);
    }

    @Test
    void unknownNamesAndFieldsAreRefused() {
        assertThatThrownBy(() -> reporter.vgs(new ReportOptions(false, null, null, false, List.of("nope"))))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code()).isEqualTo(
                        ErrorCode.VG_NOT_FOUND));
        assertThatThrownBy(() -> reporter.lvs(new ReportOptions(false, null, null, false, List.of("vg/nope"))))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code()).isEqualTo(
                        ErrorCode.LV_NOT_FOUND));
        assertThatThrownBy(() -> reporter.lvs(new ReportOptions(false, "+bogus", null, false, List.of())))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code()).isEqualTo(
                        ErrorCode.INVALID_ARGUMENT));
    }

    @org.junit.jupiter.api.AfterEach
    void tearDown() throws IOException {
        vm.close();
    }
}
