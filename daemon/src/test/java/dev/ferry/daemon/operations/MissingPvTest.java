package dev.ferry.daemon.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.activation.ActivationMode;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvResizeRequest;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.testing.LegFiles;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.DeviceMapper;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.device.MappedDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PV files deleted under a running {@link VolumeService} (real files, a writer on the mirrored LV the whole time):
 * the loss is noticed, recorded by a quorum of the other PVs, the mirror keeps serving from its good copy with no
 * acknowledged write lost, LVs on the lost PV fail only there, the mirror is repaired onto a new PV, the missing PV
 * is removed, a restart without the PV activates what it can, and losing the quorum takes the VG offline.
 */
class MissingPvTest {
    private static final long MIB = 1 << 20;
    private static final int BLOCK = 64 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** A PV whose I/O all fails is lost by then: 1 s of failures, then a check (every 500 ms) whose probe fails. */
    private static final Duration LOST_WITHIN = Duration.ofMillis(2500);

    @TempDir
    Path root;

    private VolumeService volumes;
    private final Map<String, BlockDevice> files = new ConcurrentHashMap<>();
    private final Map<String, String> faultDevices = new ConcurrentHashMap<>();
    private final AtomicInteger faultDevicesMade = new AtomicInteger();
    private final DeviceMapper faults = DeviceMapper.create(files::get);

    @BeforeEach
    void setUp() throws Exception {
        open();
        for (String pv : List.of("pv1", "pv2", "pv3", "pv4")) {
            volumes.pvcreate(pv(pv), 64 * MIB, false);
        }
        volumes.vgcreate("vg", List.of(pv("pv1"), pv("pv2"), pv("pv3"), pv("pv4")), MIB);
        volumes.lvcreate(new LvCreateRequest("vg", "m", SizeSpec.parseSize("16m"), null, 0, 0, 1, MIB, null,
                List.of(pv("pv1"), pv("pv2"), pv("pv3"))));
        volumes.lvcreate(new LvCreateRequest("vg", "onlost", SizeSpec.parseSize("4m"), null, 0, 0, -1, 0, null,
                List.of(pv("pv2"))));
        volumes.lvcreate(new LvCreateRequest("vg", "safe", SizeSpec.parseSize("4m"), null, 0, 0, -1, 0, null,
                List.of(pv("pv1"))));
        Poll.until(WAIT, "mirror in sync", () -> volumes.activator().copyPercent("vg", "m").orElse(0) >= 100);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (volumes != null) {
            volumes.close(WAIT);
        }
    }

    private void open() throws IOException {
        volumes = VolumeService.open(root.resolve("data"), new ExportDirectory(), FerryServices::blockDeviceExport,
                Duration.ofSeconds(10), this::inFrontOf);
    }

    /** Tables see each PV file through a mapped device of its own, whose table {@link #failPv} swaps. */
    private BlockDevice inFrontOf(String path, BlockDevice file) {
        files.put(path, file);
        String name = "faults" + faultDevicesMade.incrementAndGet();
        faultDevices.put(path, name);
        return faults.registry().create(name, "0 " + file.size() / 512 + " linear " + path + " 0\n");
    }

    /** Swaps the table in front of PV {@code pv} for {@code table} (sectors of the PV file) live. */
    private void failPv(String pv, String table) throws Exception {
        String name = faultDevices.get(pv);
        faults.registry().load(name, table);
        faults.registry().lookup(name).orElseThrow().resume().get(30, TimeUnit.SECONDS);
    }

    private long sectors(String pv) {
        return files.get(pv).size() / 512;
    }

    private String pv(String name) {
        return root.resolve(name).toString();
    }

    private MappedDevice device(String lv) {
        return volumes.activator().device("vg", lv).orElseThrow();
    }

    private VolumeGroup vg() {
        return volumes.manager().requireVolumeGroup("vg");
    }

    private List<String> report(String fields, String... names) {
        return volumes.lvs(new ReportOptions(false, fields, null, false, List.of(names))).rows().get(0);
    }

    private static byte[] block(long seed) {
        byte[] b = new byte[BLOCK];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes blocks round the LV until stopped; records the last acknowledged seed of each block. */
    private static final class Writer implements Runnable {
        final long[] acked = new long[(int) (16 * MIB / BLOCK)];
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Throwable> failures = new ArrayList<>();
        private final MappedDevice device;
        long writes;

        Writer(MappedDevice device) {
            this.device = device;
        }

        @Override
        public void run() {
            for (long seed = 1; !stop.get(); seed++) {
                int b = (int) (seed % acked.length);
                try {
                    device.write((long) b * BLOCK, ByteBuffer.wrap(block(seed)), false).get();
                    acked[b] = seed;
                    writes++;
                } catch (Exception e) {
                    failures.add(e);
                    return;
                }
            }
        }
    }

    private void verify(MappedDevice device, Writer w) throws Exception {
        for (int b = 0; b < w.acked.length; b++) {
            if (w.acked[b] != 0) {
                ByteBuffer got = ByteBuffer.allocate(BLOCK);
                device.read((long) b * BLOCK, got).get();
                assertThat(got.array()).as("block %d", b).isEqualTo(block(w.acked[b]));
            }
        }
    }

    @Test
    void aDeletedPvIsMissingAtOnceTheMirrorServesAndIsRepairedOntoANewPv() throws Exception {
        Writer w = new Writer(device("m"));
        Thread t = new Thread(w, "writer");
        t.start();
        Poll.until(WAIT, "writes before the loss", () -> w.writes > 50);
        Files.delete(Path.of(pv("pv2")));
        Poll.until(WAIT, "pv2 recorded missing", () -> vg().pvByName(pv("pv2")).orElseThrow().missing());
        long atLoss = w.writes;
        Poll.until(WAIT, "writes after the loss", () -> w.writes > atLoss + 100);
        w.stop.set(true);
        t.join();
        assertThat(w.failures).as("no write failed").isEmpty();
        verify(device("m"), w);

        LogicalVolume m = vg().requireLv("m");
        assertThat(MirrorLayout.staleExtents(m, 1)).as("the copy on the lost PV is stale").isEqualTo(16);
        assertThat(report("lv_attr,lv_health_status", "vg/m")).containsExactly("mwi-a-m-p-", "partial");
        assertThat(volumes.vgs(new ReportOptions(false, "vg_attr,vg_missing_pv_count", null, false, List.of("vg")))
                .rows().get(0)).containsExactly("wz-pn-", "1");
        assertThat(volumes.pvs(new ReportOptions(false, "pv_name,pv_attr", null, false, List.of())).rows())
                .contains(List.of("[unknown]", "a-m"));
        ByteBuffer lost = ByteBuffer.allocate(4096);
        assertThat(device("onlost").read(0, lost)).as("extents on the lost PV fail")
                .failsWithin(Duration.ofSeconds(5));
        assertThat(device("safe").read(0, ByteBuffer.allocate(4096))).succeedsWithin(Duration.ofSeconds(5));

        assertThatThrownBy(() -> volumes.vgreduceMissing("vg", false)).isInstanceOf(VolumeException.class)
                .hasMessageContaining("m, onlost").hasMessageContaining("--force");
        volumes.lvrepair("vg", "m", List.of(pv("pv4")));
        Poll.until(WAIT, "repaired copy in sync", () -> MirrorLayout.staleCopies(vg().requireLv("m")) == 0
                && volumes.activator().copyPercent("vg", "m").orElse(0) >= 100);
        verify(device("m"), w);
        VolumeGroup repaired = vg();
        assertThat(repaired.pv(repaired.requireLv("m").segments().get(0).leg(1).pv()).orElseThrow().name())
                .isEqualTo(pv("pv4"));
        assertThat(LegFiles.copy(repaired, repaired.requireLv("m"), 1))
                .isEqualTo(LegFiles.copy(repaired, repaired.requireLv("m"), 0));

        VolumeGroup reduced = volumes.vgreduceMissing("vg", true);
        assertThat(reduced.pvByName(pv("pv2"))).isEmpty();
        assertThat(reduced.lv("onlost")).as("an LV with no copy left goes with --force").isEmpty();
        assertThat(report("lv_attr,lv_health_status", "vg/m")).containsExactly("mwi-a-m---", "");
    }

    @Test
    void aRestartWithoutThePvActivatesTheMirrorDegradedAndLeavesTheLostLinearLvDown() throws Exception {
        byte[] data = new byte[(int) (16 * MIB)];
        new Random(3).nextBytes(data);
        device("m").write(0, ByteBuffer.wrap(data), false).get();
        volumes.close(WAIT);
        Files.delete(Path.of(pv("pv2")));
        open();
        assertThat(vg().pvByName(pv("pv2")).orElseThrow().missing()).isTrue();
        assertThat(volumes.activator().isActive("vg", "m")).isTrue();
        assertThat(volumes.activator().isActive("vg", "onlost")).as("degraded mode leaves it down").isFalse();
        ByteBuffer got = ByteBuffer.allocate(data.length);
        device("m").read(0, got).get();
        assertThat(got.array()).isEqualTo(data);
        device("m").write(0, ByteBuffer.wrap(new byte[4096]), false).get();

        assertThatThrownBy(() -> volumes.activate("vg", "onlost", ActivationMode.DEGRADED))
                .isInstanceOf(VolumeException.class).hasMessageContaining("activation mode partial");
        volumes.activate("vg", "onlost", ActivationMode.PARTIAL);
        assertThat(device("onlost").read(0, ByteBuffer.allocate(4096))).as("no copy: EIO, never stale data")
                .failsWithin(Duration.ofSeconds(5));
    }


    @Test
    void aPvWhoseEveryIoFailsIsLostWithinTwoSecondsAndTheMirrorLosesNoAcknowledgedWrite() throws Exception {
        Writer w = new Writer(device("m"));
        Thread t = new Thread(w, "writer");
        t.start();
        Poll.until(WAIT, "writes before the failure", () -> w.writes > 50);
        long failing = System.nanoTime();
        failPv(pv("pv2"), "0 " + sectors(pv("pv2")) + " error\n");
        Poll.until(WAIT, "pv2 recorded missing", () -> vg().pvByName(pv("pv2")).orElseThrow().missing());
        Duration took = Duration.ofNanos(System.nanoTime() - failing);
        long atLoss = w.writes;
        Poll.until(WAIT, "writes after the loss", () -> w.writes > atLoss + 100);
        w.stop.set(true);
        t.join();
        assertThat(took).as("1 s of failures, a check every 500 ms, a probe").isLessThan(LOST_WITHIN);
        assertThat(w.failures).as("no write failed").isEmpty();
        verify(device("m"), w);
        assertThat(MirrorLayout.staleExtents(vg().requireLv("m"), 1)).isEqualTo(16);
        assertThat(volumes.pvs(new ReportOptions(false, "pv_name,pv_attr", null, false, List.of())).rows())
                .contains(List.of("[unknown]", "a-m"));
        assertThat(report("lv_attr,lv_health_status", "vg/m")).containsExactly("mwi-a-m-p-", "partial");
    }

    @Test
    void aPvFailingInSomeSectorsOnlyIsNotLostItsCopiesThereGoStale() throws Exception {
        VolumeGroup vg = vg();
        Area leg = vg.requireLv("m").segments().get(0).leg(1);
        PhysicalVolume pv2 = vg.pv(leg.pv()).orElseThrow();
        assertThat(pv2.name()).isEqualTo(pv("pv2"));
        long badSector = (pv2.peStart() + (leg.startPe() + 4) * MIB) / 512;
        Writer w = new Writer(device("m"));
        Thread t = new Thread(w, "writer");
        t.start();
        Poll.until(WAIT, "writes before the failure", () -> w.writes > 50);
        long failing = System.nanoTime();
        failPv(pv("pv2"), "0 " + sectors(pv("pv2")) + " flakey " + pv("pv2") + " 0 1 0 6 fault w error " + badSector
                + " 8 0\n");
        Poll.until(WAIT, "the bad copy recorded stale", () -> MirrorLayout.staleExtents(vg().requireLv("m"), 1) > 0);
        long atStale = w.writes;
        Poll.until(WAIT, "two rounds of writes and twice the time a PV whose I/O all fails takes to be lost", () ->
                w.writes > atStale + 2 * w.acked.length && System.nanoTime() - failing > 2 * LOST_WITHIN.toNanos());
        w.stop.set(true);
        t.join();
        assertThat(vg().pvByName(pv("pv2")).orElseThrow().missing()).as("pv2 missing").isFalse();
        assertThat(w.failures).as("no write failed").isEmpty();
        verify(device("m"), w);
        assertThat(MirrorLayout.staleExtents(vg().requireLv("m"), 1)).as("only the extent with bad sectors")
                .isEqualTo(1);
        assertThat(MirrorLayout.staleExtents(vg().requireLv("m"), 0)).isZero();
    }

    @Test
    void aLinearLvOnAFailingPvFailsOnlyItsExtentsThereOnceThePvIsLost() throws Exception {
        volumes.lvcreate(new LvCreateRequest("vg", "span", SizeSpec.parseSize("2m"), null, 0, 0, -1, 0, null,
                List.of(pv("pv4"))));
        volumes.lvextend(new LvResizeRequest("vg", "span", SizeSpec.parseSize("4m"), null, List.of(pv("pv2"))));
        byte[] data = new byte[(int) (4 * MIB)];
        new Random(5).nextBytes(data);
        device("span").write(0, ByteBuffer.wrap(data), false).get();
        failPv(pv("pv2"), "0 " + sectors(pv("pv2")) + " error\n");
        assertThat(device("span").read(3 * MIB, ByteBuffer.allocate(4096))).failsWithin(Duration.ofSeconds(5));
        Poll.until(WAIT, "pv2 recorded missing", () -> vg().pvByName(pv("pv2")).orElseThrow().missing());
        ByteBuffer onPv4 = ByteBuffer.allocate((int) (2 * MIB));
        device("span").read(0, onPv4).get();
        assertThat(onPv4.array()).isEqualTo(Arrays.copyOf(data, (int) (2 * MIB)));
        assertThat(device("span").read(2 * MIB, ByteBuffer.allocate(4096))).as("the extents on pv2: EIO")
                .failsWithin(Duration.ofSeconds(5));
        assertThat(device("onlost").read(0, ByteBuffer.allocate(4096))).failsWithin(Duration.ofSeconds(5));
        assertThat(report("lv_attr,lv_health_status", "vg/span")).element(1).isEqualTo("partial");
    }

    @Test
    void losingTheQuorumOfMetadataCopiesTakesTheVgOffline() throws Exception {
        Files.delete(Path.of(pv("pv2")));
        Poll.until(WAIT, "pv2 recorded missing", () -> vg().pvByName(pv("pv2")).orElseThrow().missing());
        Files.delete(Path.of(pv("pv3")));
        Files.delete(Path.of(pv("pv4")));
        Poll.until(WAIT, "VG offline", () -> {
            try {
                volumes.lvcreate(LvCreateRequest.linear("vg", "x", SizeSpec.parseSize("1m")));
                return false;
            } catch (VolumeException e) {
                return e.code() == ErrorCode.FORCEOFF;
            }
        });
        assertThat(volumes.activator().isActive("vg", "m")).isFalse();
        assertThatThrownBy(() -> volumes.lvconvert("vg", "m", 0, null, null, List.of()))
                .isInstanceOf(VolumeException.class).hasMessageContaining("offline")
                .hasMessageContaining("Quorum lost");
    }
}
