package dev.ferry.daemon.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.CliResult;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrong input for every verb: the exact error name, message and exit code, nothing on stdout, and the
 * metadata (every VG, PV and LV segment as the reports show them, seqno included) unchanged.
 */
class RefusalCommandsTest {
    @TempDir
    Path dir;
    private ApiFixture f;
    private String a;
    private String b;
    private String c;

    @BeforeEach
    void start() throws Exception {
        f = new ApiFixture(dir, Duration.ofSeconds(5));
        a = f.path("a.img");
        b = f.path("b.img");
        c = f.path("c.img");
        assertThat(f.run("pvcreate", "--size", "64m", a, b).exit()).isZero();
        assertThat(f.run("pvcreate", "--size", "16m", c).exit()).isZero();
        assertThat(f.run("vgcreate", "vg", a, b).exit()).isZero();
        assertThat(f.run("lvcreate", "-n", "lv", "-L", "8m", "vg", a).exit()).isZero();
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    /** Runs a command that must be refused with {@code exit} and exactly {@code err}, changing nothing. */
    private void refused(int exit, String err, String... args) throws Exception {
        String before = f.metadata();
        CliResult r = f.run(args);
        assertThat(r.err()).isEqualTo(err + "\n");
        assertThat(r.exit()).isEqualTo(exit);
        assertThat(r.out()).isEmpty();
        assertThat(f.metadata()).isEqualTo(before);
    }

    /** Runs a command the client refuses as a usage error (exit 2) before calling the daemon. */
    private void usage(String message, String... args) throws Exception {
        String before = f.metadata();
        CliResult r = f.run(args);
        assertThat(r.err()).startsWith(message + "\nUsage: ferry " + args[0] + " ");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(f.metadata()).isEqualTo(before);
    }

    @Test
    void pvRefusals() throws Exception {
        refused(4, "ferry pvcreate: Physical volume " + a + " belongs to volume group vg (PV_IN_USE)", "pvcreate", a);
        refused(4, "ferry pvcreate: Device " + c + " is already labelled as a physical volume; use force to overwrite "
            + "(PV_EXISTS)", "pvcreate", c);
        String d = f.path("d.img");
        refused(2, "ferry pvcreate: Invalid size '10x': expected NUMBER[b|s|k|m|g|t|p|e] (INVALID_ARGUMENT)",
            "pvcreate", "--size", "10x", d);
        refused(2, "ferry pvcreate: Invalid size '-1m': a sign is not allowed here (INVALID_ARGUMENT)",
            "pvcreate", "--size", "-1m", d);
        refused(3, "ferry pvcreate: Device " + d + " does not exist; give a size to create it as a sparse file "
            + "(PV_NOT_FOUND)", "pvcreate", d);
        refused(4, "ferry pvremove: Physical volume " + a + " belongs to volume group vg; run vgreduce first (PV_IN_USE)",
            "pvremove", a);
        refused(3, "ferry pvremove: Physical volume " + d + " not found; run pvcreate first (PV_NOT_FOUND)", "pvremove", d);
    }

    @Test
    void severalPvsGoOnAfterAFailureAndExitWithTheFirstFailure() throws Exception {
        String d = f.path("d.img");
        CliResult r = f.run("pvcreate", "--size", "16m", a, d);
        assertThat(r.exit()).isEqualTo(4);
        assertThat(r.err()).isEqualTo("ferry pvcreate: Physical volume " + a + " belongs to volume group vg (PV_IN_USE)\n");
        assertThat(r.out()).isEqualTo("  Physical volume \"" + d + "\" successfully created.\n");
    }

    @Test
    void vgRefusals() throws Exception {
        refused(4, "ferry vgcreate: A volume group called vg already exists. (VG_EXISTS)", "vgcreate", "vg", c);
        refused(2, "ferry vgcreate: Invalid extent size 3145728 bytes: must be a power of 2 between 4 KiB and 16 GiB "
            + "(INVALID_EXTENT_SIZE)", "vgcreate", "-s", "3m", "vg2", c);
        refused(2, "ferry vgcreate: Invalid extent size '4q': expected NUMBER[b|s|k|m|g|t|p|e] (INVALID_ARGUMENT)",
            "vgcreate", "-s", "4q", "vg2", c);
        String unknown = f.path("unknown.img");
        refused(3, "ferry vgcreate: Physical volume " + unknown + " not found; run pvcreate first (PV_NOT_FOUND)",
            "vgcreate", "vg2", unknown);
        refused(4, "ferry vgcreate: Physical volume " + a + " is already in volume group vg (PV_IN_USE)",
            "vgcreate", "vg2", a);
        refused(2, "ferry vgcreate: Name \"a@b\" contains invalid characters: use a-z A-Z 0-9 + _ . - (INVALID_NAME)",
            "vgcreate", "a@b", c);
        refused(3, "ferry vgextend: Volume group \"nosuch\" not found (VG_NOT_FOUND)", "vgextend", "nosuch", c);
        refused(4, "ferry vgextend: Physical volume " + a + " is already in volume group vg (PV_IN_USE)",
            "vgextend", "vg", a);
        refused(2, "ferry vgextend: Physical volume " + a + " of volume group vg is not missing (INVALID_ARGUMENT)",
            "vgextend", "--restoremissing", "vg", a);
        refused(3, "ferry vgextend: Physical volume " + c + " not in volume group vg (PV_NOT_FOUND)",
            "vgextend", "--restoremissing", "vg", c);
        refused(3, "ferry vgextend: Volume group \"nosuch\" not found (VG_NOT_FOUND)",
            "vgextend", "--restoremissing", "nosuch", a);
        refused(4, "ferry vgreduce: Physical volume " + a + " still in use: 2 extents allocated (PV_HAS_EXTENTS)",
            "vgreduce", "vg", a);
        refused(3, "ferry vgreduce: Physical volume " + c + " not in volume group vg (PV_NOT_FOUND)", "vgreduce", "vg", c);
        refused(4, "ferry vgremove: Volume group vg still contains 1 logical volume(s) (VG_HAS_LVS)", "vgremove", "vg");
        refused(3, "ferry vgremove: Volume group \"nosuch\" not found (VG_NOT_FOUND)", "vgremove", "nosuch");
    }

    @Test
    void lvRefusals() throws Exception {
        refused(4, "ferry lvcreate: Logical volume \"lv\" already exists in volume group \"vg\" (LV_EXISTS)",
            "lvcreate", "-n", "lv", "-L", "4m", "vg");
        refused(4, "ferry lvcreate: Insufficient suitable allocatable extents: 256 extents needed in each of 1 parallel "
            + "area(s) under policy normal, 28 free extents in total (INSUFFICIENT_SPACE)", "lvcreate", "-n", "big",
            "-L", "1g", "vg");
        refused(2, "ferry lvcreate: Invalid size '4q': expected [+|-]NUMBER[b|s|k|m|g|t|p|e] (INVALID_ARGUMENT)",
            "lvcreate", "-n", "x", "-L", "4q", "vg");
        usage("Error: --size=[+|-]SIZE, --extents=[+|-]EXTENTS are mutually exclusive (specify only one)",
            "lvcreate", "-n", "x", "-L", "4m", "-l", "1", "vg");
        String unknown = f.path("unknown.img");
        refused(3, "ferry lvcreate: Physical volume " + unknown + " not found in volume group vg (PV_NOT_FOUND)", "lvcreate", "-n", "x", "-L", "4m", "vg", unknown);
        refused(2, "ferry lvcreate: Invalid segment type 'raid5': use linear, striped or mirror (INVALID_ARGUMENT)",
            "lvcreate", "-n", "x", "--type", "raid5", "-L", "4m", "vg");
        refused(2, "ferry lvcreate: Invalid allocation policy 'sometimes': use contiguous, cling, normal, anywhere or "
            + "inherit (INVALID_ARGUMENT)", "lvcreate", "-n", "x", "--alloc", "sometimes", "-L", "4m", "vg");
        refused(4, "ferry lvcreate: Insufficient suitable allocatable extents: 1 extents needed in each of 2 parallel "
            + "area(s) under policy normal, 13 free extents in total (INSUFFICIENT_SPACE)", "lvcreate", "-n", "x", "-m", "1", "-L", "4m", "vg", a);
        refused(4, "ferry lvextend: Insufficient suitable allocatable extents: 256 extents needed in each of 1 parallel "
            + "area(s) under policy normal, 28 free extents in total (INSUFFICIENT_SPACE)", "lvextend", "-L", "+1g", "vg/lv");
        usage("Reducing vg/lv destroys the data beyond its new end; there is no prompt, so confirm with -f",
            "lvreduce", "-l", "1", "vg/lv");
        usage("Reducing vg/lv destroys the data beyond its new end; there is no prompt, so confirm with -f",
            "lvresize", "-l", "-1", "vg/lv");
        refused(2, "ferry lvreduce: New size given (3 extents) not less than existing size (2 extents) (INVALID_ARGUMENT)",
            "lvreduce", "-f", "-L", "+4m", "vg/lv");
        usage("Logical volume must be given as VG/LV, got 'lv'", "lvextend", "-L", "4m", "lv");
        refused(3, "ferry lvremove: Logical volume vg/nope not found (LV_NOT_FOUND)", "lvremove", "vg/nope");
        refused(3, "ferry lvrename: Logical volume vg/nope not found (LV_NOT_FOUND)", "lvrename", "vg", "nope", "x");
        usage("Logical volume names must have the same volume group (\"vg\" or \"other\").",
            "lvrename", "vg/lv", "other/x");
        refused(2, "ferry lvrename: Names starting \"pvmove\" are reserved. Please choose a different LV name. "
            + "(INVALID_NAME)", "lvrename", "vg", "lv", "pvmove0");
    }

    @Test
    void lvchangeRefusals() throws Exception {
        refused(2, "ferry lvchange: Logical volume vg/lv cannot be activated: this daemon runs without an activation "
            + "layer (INVALID_ARGUMENT)", "lvchange", "-ay", "vg/lv");
        refused(3, "ferry lvchange: Logical volume vg/nope not found (LV_NOT_FOUND)", "lvchange", "-an", "vg/nope");
        usage("--activate must be y or n, got 'x'", "lvchange", "-ax", "vg/lv");
        usage("Give exactly one of -a y|n, --mwc MODE and --maxrecoveryrate RATE.", "lvchange", "vg/lv");
        usage("Give exactly one of -a y|n, --mwc MODE and --maxrecoveryrate RATE.", "lvchange", "-ay", "--mwc", "off", "vg/lv");
    }

    @Test
    void reportRefusals() throws Exception {
        refused(3, "ferry lvs: Volume group \"nosuch\" not found (VG_NOT_FOUND)", "lvs", "nosuch");
        refused(3, "ferry lvs: Failed to find logical volume \"vg/nosuch\" (LV_NOT_FOUND)", "lvs", "vg/nosuch");
        String nope = f.path("nope.img");
        refused(3, "ferry pvs: Failed to find physical volume \"" + nope + "\" (PV_NOT_FOUND)", "pvs", nope);
        refused(2, "ferry lvs: Unrecognised field: nosuchfield (-o help lists the fields) (INVALID_ARGUMENT)", "lvs", "-o", "nosuchfield");
        refused(2, "ferry vgs: Invalid units 'x': use one of r h b s k m g t p e (upper case for powers of 1000) "
            + "(INVALID_ARGUMENT)", "vgs", "--units", "x");
        refused(2, "ferry vgs: --reportformat must be basic or json, got 'yaml'", "vgs", "--reportformat", "yaml");
    }
}
