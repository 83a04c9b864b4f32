package dev.ferry.daemon.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.MirrorLogType;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.testing.LegFiles;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.device.MappedDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror whose region log is itself mirrored ({@code --mirrorlog mirrored}) over real PV files under a real
 * {@link VolumeService}: the layout and reports LVM gives it, a clean restart that copies nothing, a lost log copy
 * that leaves the LV serving and is repaired, the refusals, and live switches between log types.
 */
class MirroredLogTest {
    private static final long MIB = 1 << 20;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;

    private VolumeService volumes;

    @BeforeEach
    void setUp() throws Exception {
        open();
        for (String pv : List.of("pv1", "pv2", "pv3", "pv4", "pv5", "pv6")) {
            volumes.pvcreate(pv(pv), 64 * MIB, false);
        }
        volumes.vgcreate("vg", List.of(pv("pv1"), pv("pv2"), pv("pv3"), pv("pv4"), pv("pv5"), pv("pv6")), MIB);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (volumes != null) {
            volumes.close(WAIT);
        }
    }

    private void open() throws IOException {
        volumes = VolumeService.open(root.resolve("data"), new ExportDirectory(), FerryServices::blockDeviceExport,
                Duration.ofSeconds(10));
    }

    private String pv(String name) {
        return root.resolve(name).toString();
    }

    private LogicalVolume create(boolean mirroredLog, AllocationPolicy alloc, String... pvs) {
        return volumes.lvcreate(new LvCreateRequest("vg", "m", SizeSpec.parseSize("16m"), null, 0, 0, 1, MIB, alloc,
                List.of(pvs).stream().map(this::pv).toList(), null, false, mirroredLog));
    }

    private VolumeGroup vg() {
        return volumes.manager().requireVolumeGroup("vg");
    }

    private MappedDevice device(String lv) {
        return volumes.activator().device("vg", lv).orElseThrow();
    }

    private void awaitInSync(String... lvs) {
        for (String lv : lvs) {
            Poll.until(WAIT, lv + " in sync", () -> volumes.activator().copyPercent("vg", lv).orElse(0) >= 100
                    && MirrorLayout.staleCopies(vg().requireLv(lv)) == 0);
        }
    }

    private List<List<String>> lvsAll(String fields) {
        return volumes.lvs(new ReportOptions(true, fields, null, false, List.of())).rows();
    }

    private String pvName(UUID uuid) {
        return vg().pv(uuid).orElseThrow().name();
    }

    private static byte[] data(long seed) {
        byte[] b = new byte[(int) (16 * MIB)];
        new Random(seed).nextBytes(b);
        return b;
    }

    private byte[] read(String lv) throws Exception {
        ByteBuffer b = ByteBuffer.allocate((int) (16 * MIB));
        device(lv).read(0, b).get();
        return b.array();
    }

    @Test
    void theLogIsATwoWayMirrorApartFromTheLegsReportedAsLvmAndACleanRestartCopiesNothing() throws Exception {
        create(true, null, "pv1", "pv2", "pv3", "pv4");
        LogicalVolume m = vg().requireLv("m");
        LogicalVolume log = vg().requireLv("m_mlog");
        assertThat(log.hidden()).isTrue();
        assertThat(log.copies()).isEqualTo(2);
        assertThat(log.mirror().consistency()).as("a core log").isEqualTo(MirrorWriteConsistency.PASSIVE);
        Set<UUID> logPvs = MirrorLayout.legPvs(log);
        assertThat(logPvs).hasSize(2).doesNotContainAnyElementsOf(MirrorLayout.legPvs(m));
        assertThat(MirrorLogType.of(vg(), m)).isEqualTo(MirrorLogType.MIRRORED);
        assertThat(device("m").table()).contains(" mirror disk 2 vg-m_mlog ");
        assertThat(device("m_mlog").table()).contains(" mirror core ")
                .contains("vg-m_mlog_mimage_0 0 vg-m_mlog_mimage_1 0");
        awaitInSync("m", "m_mlog");

        assertThat(lvsAll("lv_name,lv_attr,mirror_log,copy_percent,devices")).containsExactly(
                List.of("m", "mwi-a-m---", "[m_mlog]", "100.00", "m_mimage_0(0),m_mimage_1(0)"),
                List.of("[m_mimage_0]", "iwi-aom---", "", "", pv("pv1") + "(0)"),
                List.of("[m_mimage_1]", "iwi-aom---", "", "", pv("pv2") + "(0)"),
                List.of("[m_mlog]", "mwi-aom---", "", "100.00", "m_mlog_mimage_0(0),m_mlog_mimage_1(0)"),
                List.of("[m_mlog_mimage_0]", "iwi-aom---", "", "", pv("pv3") + "(0)"),
                List.of("[m_mlog_mimage_1]", "iwi-aom---", "", "", pv("pv4") + "(0)"));

        byte[] written = data(1);
        device("m").write(0, ByteBuffer.wrap(written), false).get();
        volumes.close(WAIT);
        open();
        awaitInSync("m", "m_mlog");
        assertThat(volumes.activator().mirrorResyncedBytes("vg", "m")).as("nothing of the LV recopied").isZero();
        assertThat(volumes.activator().mirrorResyncedBytes("vg", "m_mlog")).as("nothing of the log recopied")
                .isZero();
        assertThat(read("m")).isEqualTo(written);
        VolumeGroup g = vg();
        assertThat(LegFiles.copy(g, g.requireLv("m_mlog"), 1)).isEqualTo(LegFiles.copy(g, g.requireLv("m_mlog"), 0));

        volumes.lvremove("vg", "m", true);
        assertThat(vg().lvs()).isEmpty();
        Poll.until(WAIT, "log images gone", () -> volumes.activator().registry()
                .lookup("vg-m_mlog_mimage_0").isEmpty() && volumes.activator().registry().lookup("vg-m_mlog")
                .isEmpty());
    }

    @Test
    void aLostLogCopyLeavesTheLvServingReportedPartialAndRepairReplacesIt() throws Exception {
        create(true, null, "pv1", "pv2", "pv3", "pv4");
        awaitInSync("m", "m_mlog");
        byte[] before = data(2);
        device("m").write(0, ByteBuffer.wrap(before), false).get();

        Files.delete(Path.of(pv("pv4")));
        Poll.until(WAIT, "pv4 recorded missing", () -> vg().pvByName(pv("pv4")).orElseThrow().missing());
        LogicalVolume m = vg().requireLv("m");
        assertThat(m.mirror().logLv()).as("the log is kept: one copy is left").isEqualTo("m_mlog");
        assertThat(MirrorLayout.staleExtents(vg().requireLv("m_mlog"), 1)).isEqualTo(
                vg().requireLv("m_mlog").extentCount());
        Poll.until(WAIT, "the log reloaded to serve from its good copy", () -> device("m_mlog").table()
                .contains(" stale 1 "));
        assertThat(volumes.activator().registry().lookup("vg-m_mlog_mimage_1").orElseThrow().table())
                .contains(" error");
        byte[] after = data(3);
        device("m").write(0, ByteBuffer.wrap(after), false).get();
        assertThat(read("m")).isEqualTo(after);
        assertThat(volumes.lvs(new ReportOptions(true, "lv_name,lv_attr,lv_health_status", null, false,
                List.of("vg/m", "vg/m_mlog"))).rows()).containsExactly(
                List.of("m", "mwi-a-m-p-", "partial"),
                List.of("[m_mimage_0]", "iwi-aom---", ""),
                List.of("[m_mimage_1]", "iwi-aom---", ""),
                List.of("[m_mlog]", "mwi-aom-p-", "partial"),
                List.of("[m_mlog_mimage_0]", "iwi-aom---", ""),
                List.of("[m_mlog_mimage_1]", "iwi-aom-p-", "partial"));

        volumes.lvrepair("vg", "m", List.of(pv("pv5")));
        awaitInSync("m", "m_mlog");
        VolumeGroup g = vg();
        LogicalVolume log = g.requireLv("m_mlog");
        assertThat(pvName(log.segments().get(0).leg(1).pv())).isEqualTo(pv("pv5"));
        assertThat(LegFiles.copy(g, log, 1)).isEqualTo(LegFiles.copy(g, log, 0));
        volumes.vgreduceMissing("vg", false);
        assertThat(volumes.lvs(new ReportOptions(false, "lv_attr,lv_health_status", null, false, List.of("vg/m")))
                .rows()).containsExactly(List.of("mwi-a-m---", ""));
        assertThat(read("m")).isEqualTo(after);
    }

    @Test
    void removingTheMissingPvOfALogCopyLeavesADiskLogThatCanBeMirroredAgain() throws Exception {
        create(true, null, "pv1", "pv2", "pv3", "pv4");
        awaitInSync("m", "m_mlog");
        Files.delete(Path.of(pv("pv3")));
        Poll.until(WAIT, "pv3 recorded missing", () -> vg().pvByName(pv("pv3")).orElseThrow().missing());
        assertThatThrownBy(() -> volumes.vgreduceMissing("vg", false)).isInstanceOf(VolumeException.class)
                .hasMessageContaining("m_mlog");
        volumes.vgreduceMissing("vg", true);
        LogicalVolume log = vg().requireLv("m_mlog");
        assertThat(log.mirrored()).as("one copy left: a disk log").isFalse();
        assertThat(pvName(log.segments().get(0).areas().get(0).pv())).isEqualTo(pv("pv4"));
        assertThat(MirrorLogType.of(vg(), vg().requireLv("m"))).isEqualTo(MirrorLogType.DISK);
        Poll.until(WAIT, "log reloaded linear", () -> !device("m_mlog").table().contains("mirror"));
        assertThat(lvsAll("lv_name,lv_attr,lv_health_status")).contains(List.of("m", "mwi-a-m---", ""),
                List.of("[m_mlog]", "lwi-aom---", ""));
        byte[] written = data(5);
        device("m").write(0, ByteBuffer.wrap(written), false).get();

        volumes.lvconvertMirrorLog("vg", "m", MirrorLogType.MIRRORED, null);
        awaitInSync("m", "m_mlog");
        VolumeGroup g = vg();
        assertThat(LegFiles.copy(g, g.requireLv("m_mlog"), 1)).isEqualTo(LegFiles.copy(g, g.requireLv("m_mlog"), 0));
        assertThat(read("m")).isEqualTo(written);
    }

    @Test
    void aRestartWithALogCopyMissingActivatesTheMirrorAndARenameTakesTheLogAlong() throws Exception {
        create(true, null, "pv1", "pv2", "pv3", "pv4");
        awaitInSync("m", "m_mlog");
        byte[] written = data(6);
        device("m").write(0, ByteBuffer.wrap(written), false).get();
        volumes.close(WAIT);
        Files.delete(Path.of(pv("pv4")));
        open();
        assertThat(volumes.activator().isActive("vg", "m")).isTrue();
        assertThat(volumes.activator().isActive("vg", "m_mlog")).isTrue();
        assertThat(vg().requireLv("m").mirror().logLv()).isEqualTo("m_mlog");
        assertThat(device("m_mlog").table()).contains(" stale 1 ");
        assertThat(read("m")).isEqualTo(written);
        device("m").write(0, ByteBuffer.wrap(data(7)), false).get();

        volumes.lvrename("vg", "m", "n", false);
        assertThat(vg().requireLv("n_mlog").copies()).isEqualTo(2);
        assertThat(volumes.activator().registry().lookup("vg-n_mlog_mimage_1")).isPresent();
        Poll.until(WAIT, "the old log devices gone", () -> volumes.activator().registry().lookup("vg-m_mlog")
                .isEmpty() && volumes.activator().registry().lookup("vg-m_mlog_mimage_0").isEmpty());
        assertThat(volumes.activator().device("vg", "n").orElseThrow().table()).contains("disk 2 vg-n_mlog ");
    }

    @Test
    void refusalsNameThePvsNeededAndAnywhereSharesThem() {
        assertThatThrownBy(() -> create(true, null, "pv1", "pv2", "pv3"))
                .isInstanceOf(VolumeException.class)
                .satisfies(e -> assertThat(((VolumeException) e).code()).isEqualTo(ErrorCode.INSUFFICIENT_SPACE))
                .hasMessageContaining("mirrored log of m")
                .hasMessageContaining("a 2-way mirror with a mirrored log needs 4 physical volumes")
                .hasMessageContaining("--alloc anywhere");
        assertThat(vg().lvs()).as("nothing half-done").isEmpty();
        assertThatThrownBy(() -> volumes.lvcreate(new LvCreateRequest("vg", "p", SizeSpec.parseSize("4m"), null, 0,
                0, 1, MIB, null, List.of(), MirrorWriteConsistency.PASSIVE, false, true)))
                .isInstanceOf(VolumeException.class).hasMessageContaining("contradicts --mwc passive");

        create(true, AllocationPolicy.ANYWHERE, "pv1", "pv2", "pv3");
        assertThat(vg().requireLv("m_mlog").copies()).isEqualTo(2);
        awaitInSync("m", "m_mlog");
        assertThatThrownBy(() -> volumes.lvconvertMirrorLog("vg", "m", MirrorLogType.MIRRORED, null))
                .isInstanceOf(VolumeException.class).hasMessageContaining("already has a mirrored mirror log");
    }

    @Test
    void theLogTypeChangesLiveBetweenDiskMirroredAndCore() throws Exception {
        create(false, null, "pv1", "pv2", "pv3");
        awaitInSync("m");
        byte[] written = data(4);
        device("m").write(0, ByteBuffer.wrap(written), false).get();

        volumes.lvconvertMirrorLog("vg", "m", MirrorLogType.MIRRORED, null);
        LogicalVolume log = vg().requireLv("m_mlog");
        assertThat(log.copies()).isEqualTo(2);
        assertThat(pvName(log.segments().get(0).leg(0).pv())).as("the disk log stays the first copy")
                .isEqualTo(pv("pv3"));
        assertThat(MirrorLayout.legPvs(log)).doesNotContainAnyElementsOf(MirrorLayout.legPvs(vg().requireLv("m")));
        assertThat(device("m_mlog").table()).contains(" mirror core ");
        awaitInSync("m", "m_mlog");
        VolumeGroup g = vg();
        assertThat(LegFiles.copy(g, g.requireLv("m_mlog"), 1)).as("the new log copy resynced from the first")
                .isEqualTo(LegFiles.copy(g, g.requireLv("m_mlog"), 0));
        assertThat(volumes.activator().mirrorResyncedBytes("vg", "m")).as("the LV itself is not recopied")
                .isEqualTo(16 * MIB);   // its initial sync only

        volumes.lvconvertMirrorLog("vg", "m", MirrorLogType.DISK, null);
        assertThat(vg().requireLv("m_mlog").mirrored()).isFalse();
        assertThat(vg().requireLv("m_mlog").segments()).hasSize(1);
        Poll.until(WAIT, "log images gone", () -> volumes.activator().registry().lookup("vg-m_mlog_mimage_1")
                .isEmpty());
        assertThat(lvsAll("lv_name,lv_attr")).contains(List.of("[m_mlog]", "lwi-aom---"));

        volumes.lvconvertMirrorLog("vg", "m", MirrorLogType.CORE, null);
        assertThat(vg().lv("m_mlog")).isEmpty();
        volumes.lvconvertMirrorLog("vg", "m", MirrorLogType.MIRRORED, null);
        assertThat(vg().requireLv("m_mlog").copies()).isEqualTo(2);
        awaitInSync("m", "m_mlog");
        assertThat(read("m")).isEqualTo(written);
        assertThatThrownBy(() -> volumes.lvconvertMirrorLog("vg", "m", MirrorLogType.MIRRORED, null))
                .isInstanceOf(VolumeException.class).hasMessageContaining("already has a mirrored mirror log");
    }
}
