package dev.ferry.daemon.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.testing.LegFiles;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.TmpfsMount;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.testing.FaultyDevice;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirrored LV over real PV files under a real {@link VolumeService}, a leg's PV behind a switchable
 * {@link FaultyDevice}: writes that fail on one copy succeed on the other, the failed copies are recorded stale in
 * the metadata before the writes are acknowledged, never read, kept across a restart, and resynchronised onto the
 * healed leg, after which both legs hold the same bytes.
 */
class MirroredLvTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path root;

    private final Map<String, FaultyDevice> faulty = new HashMap<>();
    /** Each PV file's fault device as the tables see it now (a PV closed and opened again gets a new one). */
    private final PvWrapper wrapper = (path, file) -> {
        FaultyDevice device = new FaultyDevice(file);
        faulty.put(path, device);
        return device;
    };
    private VolumeService volumes;

    @BeforeEach
    void setUp() throws Exception {
        open();
        for (String pv : List.of("pv1", "pv2", "pv3")) {
            volumes.pvcreate(root.resolve(pv).toString(), 64 * MIB, false);
        }
        volumes.vgcreate("vg", List.of(pv("pv1"), pv("pv2"), pv("pv3")), MIB);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (volumes != null) {
            volumes.close(Duration.ofSeconds(30));
        }
    }

    private void open() throws IOException {
        faulty.clear();
        volumes = VolumeService.open(root.resolve("data"), new ExportDirectory(), FerryServices::blockDeviceExport,
                Duration.ofSeconds(10), wrapper);
    }

    private String pv(String name) {
        return root.resolve(name).toString();
    }

    private LogicalVolume mirror() {
        return volumes.lvcreate(new LvCreateRequest("vg", "m", SizeSpec.parseSize("16m"), null, 0, 0, 1, MIB, null,
                List.of(pv("pv1"), pv("pv2"), pv("pv3"))));
    }

    private MappedDevice device() {
        return volumes.activator().device("vg", "m").orElseThrow();
    }

    private LogicalVolume lv() {
        return volumes.manager().requireVolumeGroup("vg").requireLv("m");
    }

    private void awaitInSync() {
        Poll.until(Duration.ofSeconds(30), "mirror in sync", () ->
                volumes.activator().copyPercent("vg", "m").orElse(0) >= 100);
    }

    private static byte[] pattern(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void write(long offset, byte[] data) throws Exception {
        device().write(offset, ByteBuffer.wrap(data), false).get();
    }

    private byte[] read(long offset, int length) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(length);
        device().read(offset, b).get();
        return b.array();
    }

    @Test
    void aFailingLegGoesStaleWhileTheMirrorServesAndHealsAfterARestart() throws Exception {
        mirror();
        awaitInSync();
        byte[] before = pattern(1, (int) (16 * MIB));
        write(0, before);
        String leg1 = volumes.manager().requireVolumeGroup("vg").pv(lv().segments().get(0).leg(1).pv())
                .orElseThrow().name();
        faulty.get(leg1).failWrites();

        byte[] changed = pattern(2, (int) (3 * MIB));
        write(5 * MIB, changed);   // LEs 5..7: acknowledged although leg 1 failed them

        assertThat(MirrorLayout.staleExtents(lv(), 1)).as("stale copies recorded before the ack").isEqualTo(3);
        assertThat(MirrorLayout.staleExtents(lv(), 0)).isZero();
        System.arraycopy(changed, 0, before, (int) (5 * MIB), changed.length);
        for (int i = 0; i < 8; i++) {   // balanced reads never pick the stale copy
            assertThat(read(0, (int) (16 * MIB))).isEqualTo(before);
        }
        assertThat(volumes.lvs(new ReportOptions(false, "lv_health_status,lv_stale_extents", null, false,
                List.of("vg/m"))).rows().get(0)).containsExactly("refresh needed", "3");

        faulty.get(leg1).heal();   // else the flush at stop fails on leg 1 and makes all of it stale
        volumes.close(Duration.ofSeconds(30));
        open();   // the leg's disk works again after the restart
        assertThat(device().table()).as("stale marks survive the restart").contains("stale 1 5-7");
        awaitInSync();
        Poll.until(Duration.ofSeconds(30), "stale marks cleared", () -> MirrorLayout.staleExtents(lv(), 1) == 0);
        assertThat(read(0, (int) (16 * MIB))).isEqualTo(before);
        VolumeGroup vg = volumes.manager().requireVolumeGroup("vg");
        volumes.close(Duration.ofSeconds(30));
        volumes = null;
        assertThat(LegFiles.copy(vg, vg.requireLv("m"), 1)).isEqualTo(LegFiles.copy(vg, vg.requireLv("m"), 0))
                .isEqualTo(before);
    }

    @Test
    void aWriteFailingOnEveryCopyFailsAndMarksNothing() throws Exception {
        mirror();
        awaitInSync();
        VolumeGroup vg = volumes.manager().requireVolumeGroup("vg");
        for (int leg = 0; leg < 2; leg++) {
            faulty.get(vg.pv(lv().segments().get(0).leg(leg).pv()).orElseThrow().name()).failWrites();
        }
        assertThat(device().write(0, ByteBuffer.wrap(pattern(3, 4096)), false))
                .failsWithin(Duration.ofSeconds(10));
        assertThat(MirrorLayout.staleCopies(lv())).isZero();
    }

    @Test
    void lvconvertAddsACopyToAnAttachedLinearLvAndRemovesTheOriginalOne() throws Exception {
        volumes.lvcreate(new LvCreateRequest("vg", "m", SizeSpec.parseSize("16m"), null, 0, 0, -1, 0, null,
                List.of(pv("pv1"))));
        byte[] data = pattern(4, (int) (16 * MIB));
        write(0, data);

        LogicalVolume mirrored = volumes.lvconvert("vg", "m", 1, null, null, List.of(pv("pv2"), pv("pv3")));
        VolumeGroup vg = volumes.manager().requireVolumeGroup("vg");
        assertThat(mirrored.copies()).isEqualTo(2);
        assertThat(MirrorLayout.staleExtents(mirrored, 1)).as("the new copy starts stale").isEqualTo(16);
        assertThat(vg.pv(vg.requireLv("m_mlog").segments().get(0).areas().get(0).pv()).orElseThrow().name())
                .as("the log lies where no leg is").isEqualTo(pv("pv3"));
        byte[] more = pattern(5, (int) MIB);
        write(3 * MIB, more);   // written during the resync
        System.arraycopy(more, 0, data, (int) (3 * MIB), more.length);
        awaitInSync();
        Poll.until(Duration.ofSeconds(30), "new copy good", () -> MirrorLayout.staleCopies(lv()) == 0);
        VolumeGroup synced = volumes.manager().requireVolumeGroup("vg");
        assertThat(LegFiles.copy(synced, synced.requireLv("m"), 1))
                .isEqualTo(LegFiles.copy(synced, synced.requireLv("m"), 0)).isEqualTo(data);

        LogicalVolume linear = volumes.lvconvert("vg", "m", 0, null, null, List.of(pv("pv1")));
        assertThat(linear.mirrored()).isFalse();
        VolumeGroup after = volumes.manager().requireVolumeGroup("vg");
        assertThat(after.lv("m_mlog")).isEmpty();
        assertThat(after.pv(linear.segments().get(0).areas().get(0).pv()).orElseThrow().name()).isEqualTo(pv("pv2"));
        assertThat(read(0, (int) (16 * MIB))).isEqualTo(data);
    }

    @Test
    void aLegOnAFullTmpfsGoesStaleWhileEveryWriteSucceeds() throws Exception {
        try (TmpfsMount tmpfs = TmpfsMount.mount(root, "tmpfs", 12 * MIB)) {
            String small = tmpfs.dir().resolve("pv").toString();
            try (RandomAccessFile f = new RandomAccessFile(small, "rw")) {
                f.write(new byte[(int) PvLabel.DEFAULT_PE_START]);   // label and metadata slots allocated up front
            }
            volumes.pvcreate(small, 64 * MIB, true);   // grows the file: pvcreate does so only when forced
            for (String pv : List.of("pv4", "pv5")) {
                volumes.pvcreate(pv(pv), 64 * MIB, false);
            }
            volumes.vgcreate("t", List.of(pv("pv4"), small, pv("pv5")), MIB);   // legs on pv4 and small, log on pv5
            volumes.lvcreate(new LvCreateRequest("t", "m", SizeSpec.parseSize("16m"), null, 0, 0, 1, MIB, null,
                    List.of(), null, true));
            MappedDevice device = volumes.activator().device("t", "m").orElseThrow();
            byte[] data = pattern(6, (int) (16 * MIB));
            device.write(0, ByteBuffer.wrap(data), false).get();   // the tmpfs is full after ~11 MiB: ENOSPC, leg 1

            LogicalVolume m = volumes.manager().requireVolumeGroup("t").requireLv("m");
            long stale = MirrorLayout.staleExtents(m, 1);
            assertThat(stale).as("copies that hit ENOSPC are stale").isBetween(1L, 15L);
            assertThat(MirrorLayout.staleExtents(m, 0)).isZero();
            ByteBuffer back = ByteBuffer.allocate(data.length);
            device.read(0, back).get();
            assertThat(back.array()).isEqualTo(data);
            assertThat(volumes.pvs(new ReportOptions(false, "pv_name,pv_stale_extents", null, false, List.of(small)))
                    .rows().get(0)).containsExactly(small, Long.toString(stale));
            volumes.vgremove("t", true);
        }
    }

    @Test
    void lvchangeMwcDropsAndAddsTheRegionLogLive() throws Exception {
        mirror();
        awaitInSync();
        byte[] data = pattern(7, (int) (16 * MIB));
        write(0, data);

        volumes.lvchangeMwc("vg", "m", MirrorWriteConsistency.OFF);
        assertThat(volumes.manager().requireVolumeGroup("vg").lv("m_mlog")).isEmpty();
        assertThat(volumes.activator().isActive("vg", "m_mlog")).isFalse();
        assertThat(device().table()).contains("mirror core 2 2048 nosync 2 ");

        volumes.lvchangeMwc("vg", "m", MirrorWriteConsistency.ACTIVE);
        VolumeGroup vg = volumes.manager().requireVolumeGroup("vg");
        assertThat(vg.requireLv("m_mlog").segments().get(0).areas().get(0).pv())
                .isNotIn(MirrorLayout.legPvs(vg.requireLv("m")));
        assertThat(device().table()).contains("mirror disk 2 vg-m_mlog 2048 2 ");
        awaitInSync();
        assertThat(read(0, (int) (16 * MIB))).isEqualTo(data);
        assertThatThrownBy(() -> volumes.lvchangeMwc("vg", "m", MirrorWriteConsistency.ACTIVE))
                .isInstanceOf(VolumeException.class).hasMessageContaining("already has mirror write consistency");
    }

    @Test
    void theRecoveryRateLimitsANewCopysResyncAtOnce() throws Exception {
        mirror();
        awaitInSync();
        write(0, pattern(8, (int) (16 * MIB)));
        volumes.pvcreate(pv("pv4"), 64 * MIB, false);
        volumes.vgextend("vg", List.of(pv("pv4")));
        volumes.lvchangeRecoveryRate("vg", "m", MIB);
        assertThat(volumes.activator().copier().rateLimit("vg-m")).isEqualTo(MIB);

        volumes.lvconvert("vg", "m", 2, null, null, List.of(pv("pv4")));   // a third copy: 16 MiB to copy
        long start = System.nanoTime();
        Thread.sleep(1000);
        double pct = volumes.activator().copyPercent("vg", "m").orElse(0);
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        // at 1 MiB/s at most (elapsed + 1) s worth of regions (1 MiB each) can be copied of 16
        assertThat(pct).as("after %d ms", elapsedMillis).isLessThan(100.0 * (elapsedMillis / 1000.0 + 2) / 16);
        volumes.lvchangeRecoveryRate("vg", "m", 0);
        assertThat(volumes.activator().copier().rateLimit("vg-m")).isZero();
        awaitInSync();
        Poll.until(Duration.ofSeconds(30), "the new copy good", () -> MirrorLayout.staleCopies(lv()) == 0);
        assertThat(lv().mirror().recoveryRate()).isZero();
    }
}
