package dev.ferry.daemon.api;

import static dev.ferry.daemon.api.ApiFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pvs/vgs/lvs over the routes and the CLI: LVM's JSON layout and field names, units, suffixes, text options. */
class ReportRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private ApiFixture f;
    private String a;
    private String b;

    @BeforeEach
    void start() throws Exception {
        f = new ApiFixture(dir, Duration.ofSeconds(5));
        a = f.path("a.img");
        b = f.path("b.img");
        assertThat(f.run("pvcreate", "--size", "33m", a, b).exit()).isZero();
        assertThat(f.run("vgcreate", "vg", a, b).exit()).isZero();
        assertThat(f.run("lvcreate", "-n", "one", "-L", "8m", "vg", a).exit()).isZero();
        assertThat(f.run("lvcreate", "-n", "two", "-l", "1", "vg", b).exit()).isZero();
        assertThat(f.run("lvextend", "-l", "+1", "vg/one", b).exit()).isZero();
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    private static List<String> column(JsonNode report, String type, String field) {
        List<String> out = new ArrayList<>();
        report.path("report").get(0).path(type).forEach(row -> out.add(row.path(field).asText()));
        return out;
    }

    @Test
    void jsonLayoutAndFieldNamesAsLvm() throws Exception {
        JsonNode lvs = f.call("GET", "/v1/reports/lvs", null);
        assertThat(lvs.path("report").isArray()).isTrue();
        assertThat(lvs.path("report").size()).isEqualTo(1);
        JsonNode rows = lvs.path("report").get(0).path("lv");
        assertThat(rows.size()).isEqualTo(2);
        List<String> names = new ArrayList<>();
        rows.get(0).fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("lv_name", "vg_name", "lv_attr", "lv_size", "pool_lv", "origin",
            "data_percent", "metadata_percent", "move_pv", "mirror_log", "copy_percent", "convert_lv");
        assertThat(column(lvs, "lv", "lv_name")).containsExactly("one", "two");
        assertThat(column(lvs, "lv", "lv_size")).containsExactly("12.00m", "4.00m");

        JsonNode pvs = f.call("GET", "/v1/reports/pvs?units=b&nosuffix&o=pv_name,vg_name,pv_size,pv_free", null);
        assertThat(column(pvs, "pv", "pv_name")).containsExactly(a, b);
        assertThat(column(pvs, "pv", "pv_size")).containsExactly(Long.toString(32 * MIB), Long.toString(32 * MIB));
        assertThat(column(pvs, "pv", "pv_free")).containsExactly(Long.toString(24 * MIB), Long.toString(24 * MIB));

        JsonNode vgs = JSON.readTree(f.run("vgs", "--reportformat", "json", "--units", "m", "-o", "+vg_extent_count,vg_free_count", "vg").out());
        assertThat(vgs.toString()).isEqualTo("{\"report\":[{\"vg\":[{\"vg_name\":\"vg\",\"pv_count\":\"2\",\"lv_count\":\"2\","
            + "\"snap_count\":\"0\",\"vg_attr\":\"wz--n-\",\"vg_size\":\"64.00m\",\"vg_free\":\"48.00m\","
            + "\"vg_extent_count\":\"16\",\"vg_free_count\":\"12\"}]}]}");
    }

    @Test
    void segmentsDevicesAndNames() throws Exception {
        JsonNode segs = JSON.readTree(f.run("lvs", "--reportformat", "json", "--segments", "-o", "+devices", "--units", "b",
            "--nosuffix", "vg/one").out());
        assertThat(column(segs, "seg", "seg_size")).containsExactly(Long.toString(8 * MIB), Long.toString(4 * MIB));
        assertThat(column(segs, "seg", "devices")).containsExactly(a + "(0)", b + "(1)");
        assertThat(f.run("lvs", "--noheadings", "--separator", ":", "-o", "lv_name,lv_size,devices", "--units", "m").out())
            .as("a segment field gives a row per segment, as in LVM")
            .isEqualTo("  one:12.00m:" + a + "(0)\n  one:12.00m:" + b + "(1)\n  two:4.00m:" + b + "(0)\n");
        assertThat(f.run("pvs", "--noheadings", "-o", "pv_name", b).out()).isEqualTo("  " + b + "\n");
        assertThat(f.run("vgs").out()).isEqualTo(
            "  VG #PV #LV #SN Attr   VSize  VFree \n"
                + "  vg   2   2   0 wz--n- 64.00m 48.00m\n");
        assertThat(f.client.callText("/v1/reports/vgs?reportformat=text&noheadings&o=vg_name,vg_size&units=b&nosuffix"))
            .isEqualTo("  vg " + 64 * MIB + "\n");
    }

    @Test
    void fieldsMatchAsLvmDoesAndHelpListsThem() throws Exception {
        assertThat(f.run("lvs", "--noheadings", "--separator", ":", "-o", "name,size,LV_ATTR,regionsize", "--units", "m",
            "vg/two").out()).isEqualTo(f.run("lvs", "--noheadings", "--separator", ":", "-o",
            "lv_name,lv_size,lv_attr,region_size", "--units", "m", "vg/two").out());
        assertThat(f.run("pvs", "--noheadings", "-o", "name", b).out()).isEqualTo("  " + b + "\n");
        String help = f.run("lvs", "-o", "help").out();
        assertThat(help).contains("lv_name", "lv_size", "region_size", "devices");
        assertThat(f.run("vgs", "-o", "help").out()).contains("vg_name", "vg_missing_pv_count");
    }

    @Test
    void allShowsHiddenLvsInBrackets() throws Exception {
        UUID pv = f.manager.volumeGroup("vg").orElseThrow().pvs().get(0).uuid();
        f.manager.updateVolumeGroup("vg", vg -> vg.withLvAdded(new LogicalVolume("pvmove0", UUID.randomUUID(), true,
            EnumSet.of(LvFlag.READ, LvFlag.WRITE, LvFlag.PVMOVE), vg.alloc(),
            List.of(new Segment(0, 1, SegmentType.LINEAR, 0, 0, List.of(new Area(pv, 7)))))));
        assertThat(f.run("lvs", "--noheadings", "-o", "lv_name").out()).isEqualTo("  one \n  two \n");
        assertThat(f.run("lvs", "-a", "--noheadings", "-o", "lv_name").out()).isEqualTo("  one      \n  [pvmove0]\n  two      \n");
    }
}
