package dev.ferry.daemon.api;

import static dev.ferry.daemon.api.ApiFixture.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.testing.CliResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every LVM verb's happy path through the CLI commands and the daemon's routes, with LVM's messages. */
class VolumeCommandsTest {
    @TempDir
    Path dir;
    private ApiFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new ApiFixture(dir, Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    private String ok(String... args) {
        CliResult r = f.run(args);
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        return r.out();
    }

    @Test
    void lifecycleFromTwoFilesToAnLvAndBack() throws Exception {
        String a = f.path("a.img");
        String b = f.path("b.img");
        assertThat(ok("pvcreate", "--size", "64m", a, b)).isEqualTo(
            "  Physical volume \"" + a + "\" successfully created.\n"
                + "  Physical volume \"" + b + "\" successfully created.\n");
        assertThat(Files.size(Path.of(a))).isEqualTo(64 * MIB);
        assertThat(ok("vgcreate", "-s", "4m", "vg", a)).isEqualTo("  Volume group \"vg\" successfully created\n");
        assertThat(ok("vgextend", "vg", b)).isEqualTo("  Volume group \"vg\" successfully extended\n");
        assertThat(ok("lvcreate", "-n", "data", "-L", "8m", "vg", a)).isEqualTo("  Logical volume \"data\" created.\n");
        assertThat(ok("lvcreate", "-l", "2", "vg")).isEqualTo("  Logical volume \"lvol0\" created.\n");
        assertThat(ok("lvextend", "-L", "+4m", "vg/data")).isEqualTo(
            "  Size of logical volume vg/data changed from 8.00 MiB (2 extents) to 12.00 MiB (3 extents).\n"
                + "  Logical volume vg/data successfully resized.\n");
        assertThat(ok("lvreduce", "-f", "-l", "1", "vg/data")).isEqualTo(
            "  Size of logical volume vg/data changed from 12.00 MiB (3 extents) to 4.00 MiB (1 extents).\n"
                + "  Logical volume vg/data successfully resized.\n");
        assertThat(ok("lvresize", "-L", "40m", "vg/data")).startsWith(
            "  Size of logical volume vg/data changed from 4.00 MiB (1 extents) to 40.00 MiB (10 extents).\n");
        assertThat(ok("lvrename", "vg", "data", "home")).isEqualTo("  Renamed \"data\" to \"home\" in volume group \"vg\"\n");
        assertThat(ok("lvrename", "vg/home", "vg/srv")).isEqualTo("  Renamed \"home\" to \"srv\" in volume group \"vg\"\n");
        assertThat(ok("lvs", "--units", "m", "-o", "lv_name,vg_name,lv_size")).isEqualTo(
            "  LV    VG LSize \n"
                + "  lvol0 vg  8.00m\n"
                + "  srv   vg 40.00m\n");
        assertThat(ok("lvremove", "vg/srv", "vg/lvol0")).isEqualTo(
            "  Logical volume \"srv\" successfully removed.\n  Logical volume \"lvol0\" successfully removed.\n");
        assertThat(ok("vgreduce", "vg", b)).isEqualTo("  Removed \"" + b + "\" from volume group \"vg\"\n");
        assertThat(ok("vgremove", "vg")).isEqualTo("  Volume group \"vg\" successfully removed\n");
        assertThat(ok("pvremove", a, b)).isEqualTo("  Labels on physical volume \"" + a + "\" successfully wiped.\n"
            + "  Labels on physical volume \"" + b + "\" successfully wiped.\n");
        assertThat(f.manager.physicalVolumes()).isEmpty();
        assertThat(f.manager.volumeGroups()).isEmpty();
    }

    @Test
    void relativePvPathsAreMadeAbsoluteByTheClient() throws Exception {
        Path cwd = Path.of("").toAbsolutePath();
        String relative = cwd.relativize(dir.resolve("rel.img")).toString();
        assertThat(ok("pvcreate", "--size", "16m", relative))
            .isEqualTo("  Physical volume \"" + dir.resolve("rel.img") + "\" successfully created.\n");
        assertThat(f.manager.physicalVolumes()).extracting(p -> p.path()).containsExactly(dir.resolve("rel.img").toString());
    }

    @Test
    void stripedAndMirroredLvsWithEveryOption() throws Exception {
        String a = f.path("a.img");
        String b = f.path("b.img");
        String c = f.path("c.img");
        ok("pvcreate", "--size", "32m", a, b, c);
        ok("vgcreate", "vg", a, b, c);
        assertThat(ok("lvcreate", "-n", "st", "--type", "striped", "-i", "2", "-I", "128", "-L", "8m",
            "--alloc", "normal", "vg", a, b)).isEqualTo("  Logical volume \"st\" created.\n");
        assertThat(ok("lvcreate", "-n", "mir", "-m", "1", "--mirrorlog", "core", "-R", "1m", "-l", "2", "vg",
            b + ":4-5", c))
            .isEqualTo("  Logical volume \"mir\" created.\n");
        assertThat(ok("lvs", "--units", "k", "--segments", "-o", "lv_name,segtype,stripes,stripe_size,region_size,devices"))
            .isEqualTo(String.format("  LV   Type    #Str Stripe  Region   %-" + (a + "(0)," + b + "(0)").length() + "s\n"
                + "  mir  mirror     2   0.00k 1024.00k %-" + (a + "(0)," + b + "(0)").length() + "s\n"
                + "  st   striped    2 128.00k    0.00k %s(0),%s(0)\n", "Devices", "mir_mimage_0(0),mir_mimage_1(0)", a, b));
        JsonNode created = f.call("POST", "/v1/vgs/vg/lvs", new ObjectMapper().readTree(
            "{\"name\":\"lin\",\"size\":\"4m\",\"type\":\"linear\",\"alloc\":\"contiguous\",\"pvs\":[\"" + c + "\"]}"));
        assertThat(created.toString()).isEqualTo("{\"vg_name\":\"vg\",\"lv_name\":\"lin\",\"lv_uuid\":\""
            + created.path("lv_uuid").asText() + "\",\"lv_size\":" + 4 * MIB + ",\"lv_extent_count\":1,"
            + "\"vg_extent_size\":" + 4 * MIB + ",\"segtype\":\"linear\",\"lv_copies\":1}");
    }

    @Test
    void jsonModePrintsTheDaemonsAnswer() throws Exception {
        String a = f.path("a.img");
        JsonNode pv = new ObjectMapper().readTree(ok("pvcreate", "--reportformat", "json", "--size", "16m", a));
        assertThat(pv.path("pv_name").asText()).isEqualTo(a);
        assertThat(pv.path("dev_size").asLong()).isEqualTo(16 * MIB);
        JsonNode vg = new ObjectMapper().readTree(ok("vgcreate", "--reportformat", "json", "vg", a));
        assertThat(vg.path("vg_extent_size").asLong()).isEqualTo(4 * MIB);
        assertThat(vg.path("vg_seqno").asLong()).isEqualTo(1);
        assertThat(vg.path("pvs").toString()).isEqualTo("[\"" + a + "\"]");
    }
}
