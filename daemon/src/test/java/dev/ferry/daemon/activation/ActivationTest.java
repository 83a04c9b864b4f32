package dev.ferry.daemon.activation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvResizeRequest;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.report.Report;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.nbd.export.Export;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The volume layer on real sparse PV files: LVs become mapped devices and exports that follow every change. */
class ActivationTest {
    private static final long MIB = 1 << 20;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;
    private final ExportDirectory exports = new ExportDirectory();
    private VolumeService volumes;
    private String pv1;
    private String pv2;

    @BeforeEach
    void setUp() throws IOException {
        pv1 = root.resolve("pv1").toString();
        pv2 = root.resolve("pv2").toString();
        volumes = open();
        volumes.pvcreate(pv1, 64 * MIB, false);
        volumes.pvcreate(pv2, 64 * MIB, false);
        volumes.vgcreate("vg", List.of(pv1, pv2), null);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (volumes != null) {
            volumes.close(WAIT);
        }
    }

    private VolumeService open() throws IOException {
        return VolumeService.open(root.resolve("data"), exports, FerryServices::blockDeviceExport, Duration.ofSeconds(10));
    }

    @Test
    void createdLvIsADeviceAndExportWhoseWritesLandAtTheExtentOnThePv() throws Exception {
        LogicalVolume lv = volumes.lvcreate(LvCreateRequest.linear("vg", "data", SizeSpec.parseSize("8M")));
        MappedDevice device = device("data");
        assertEquals("vg-data", device.name());
        assertEquals(8 * MIB, device.size());
        Export export = exports.find("vg/data").orElseThrow();
        assertEquals(8 * MIB, export.size());
        assertTrue(volumes.activator().isActive("vg", "data"));
        assertFalse(volumes.activator().isOpen("vg", "data"));

        byte[] data = random(1, (int) MIB);
        write(device, 5 * MIB, data);
        device.flush().get(10, TimeUnit.SECONDS);
        assertArrayEquals(data, readPv(lv, 5 * MIB, data.length));
    }

    @Test
    void lvextendSwapsTheTableLiveWhileWritesRunAndKeepsData() throws Exception {
        LogicalVolume lv = volumes.lvcreate(LvCreateRequest.linear("vg", "live", SizeSpec.parseSize("8M")));
        MappedDevice device = device("live");
        byte[] base = random(2, (int) (8 * MIB));
        write(device, 0, base);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong writes = new AtomicLong();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            Random r = new Random(3);
            while (!stop.get()) {
                int off = r.nextInt(2048) * 4096;
                byte[] block = new byte[4096];
                r.nextBytes(block);
                System.arraycopy(block, 0, base, off, block.length);
                write(device, off, block);
                writes.incrementAndGet();
            }
        });
        Poll.until(WAIT, "writes before the resize", () -> writes.get() > 20);
        long before = writes.get();
        LogicalVolume grown = volumes.lvextend(LvResizeRequest.of("vg", "live", SizeSpec.parseSize("+8M")));
        Poll.until(WAIT, "writes after the resize", () -> writes.get() > before + 20 || writer.isDone());
        stop.set(true);
        writer.get(30, TimeUnit.SECONDS);

        assertEquals(16 * MIB, device.size());
        assertEquals(16 * MIB, exports.find("vg/live").orElseThrow().size());
        assertEquals(4, grown.extentCount());
        assertArrayEquals(base, read(device, 0, base.length));
        byte[] tail = random(4, (int) MIB);
        write(device, 15 * MIB, tail);
        device.flush().get(10, TimeUnit.SECONDS);
        assertArrayEquals(tail, readPv(grown, 15 * MIB, tail.length));
        assertEquals(lv.segments().get(0).areas().get(0), grown.segments().get(0).areas().get(0),
                "existing extents stay where they were");
    }

    @Test
    void openLvRefusesRemoveReduceRenameUntilForcedOrDetached() throws Exception {
        volumes.lvcreate(LvCreateRequest.linear("vg", "busy", SizeSpec.parseSize("8M")));
        Export export = exports.find("vg/busy").orElseThrow();
        export.clientAttached();
        assertTrue(volumes.activator().isOpen("vg", "busy"));
        long seqno = volumes.manager().volumeGroup("vg").orElseThrow().seqno();

        assertEquals(ErrorCode.LV_OPEN, assertThrows(VolumeException.class,
                () -> volumes.lvremove("vg", "busy", false)).code());
        assertEquals(ErrorCode.LV_OPEN, assertThrows(VolumeException.class,
                () -> volumes.lvreduce(LvResizeRequest.of("vg", "busy", SizeSpec.parseSize("4M")), false)).code());
        assertEquals(ErrorCode.LV_OPEN, assertThrows(VolumeException.class,
                () -> volumes.lvresize(LvResizeRequest.of("vg", "busy", SizeSpec.parseSize("-4M")), false)).code());
        assertEquals(ErrorCode.LV_OPEN, assertThrows(VolumeException.class,
                () -> volumes.lvrename("vg", "busy", "other", false)).code());
        assertEquals(ErrorCode.LV_OPEN, assertThrows(VolumeException.class,
                () -> volumes.activator().deactivate("vg", "busy", false)).code());
        assertEquals(ErrorCode.LV_OPEN, assertThrows(VolumeException.class,
                () -> volumes.vgremove("vg", true)).code());
        assertEquals(seqno, volumes.manager().volumeGroup("vg").orElseThrow().seqno(), "refusals commit nothing");
        assertTrue(exports.find("vg/busy").isPresent());

        volumes.lvresize(LvResizeRequest.of("vg", "busy", SizeSpec.parseSize("12M")), false);
        assertEquals(12 * MIB, device("busy").size(), "growing an open LV is allowed");

        export.clientDetached();
        assertFalse(volumes.activator().isOpen("vg", "busy"));
        volumes.lvremove("vg", "busy", false);
        assertTrue(exports.find("vg/busy").isEmpty());
        assertTrue(volumes.activator().registry().lookup("vg-busy").isEmpty());
        assertTrue(volumes.manager().volumeGroup("vg").orElseThrow().lv("busy").isEmpty());
    }

    @Test
    void deactivationIsRefusedWhileAttachedAndReactivationServesTheSameData() throws Exception {
        volumes.lvcreate(LvCreateRequest.linear("vg", "toggle", SizeSpec.parseSize("4M")));
        byte[] data = random(9, 128 * 1024);
        write(device("toggle"), 0, data);
        Export export = exports.find("vg/toggle").orElseThrow();
        export.clientAttached();
        assertEquals(ErrorCode.LV_OPEN, assertThrows(VolumeException.class,
                () -> volumes.deactivate("vg", "toggle", false)).code());
        export.clientDetached();
        volumes.deactivate("vg", "toggle", false);
        assertFalse(volumes.activator().isActive("vg", "toggle"));
        assertTrue(exports.find("vg/toggle").isEmpty());
        assertTrue(volumes.activator().registry().list().isEmpty());
        volumes.activate("vg", "toggle", ActivationMode.DEGRADED);
        assertArrayEquals(data, read(device("toggle"), 0, data.length));
        assertEquals(ErrorCode.LV_NOT_FOUND, assertThrows(VolumeException.class,
                () -> volumes.activate("vg", "nope", ActivationMode.DEGRADED)).code());
    }

    @Test
    void pvFilesAreSharedByTablesAndClosedWithTheirLastUser() throws Exception {
        volumes.lvcreate(new LvCreateRequest("vg", "one", SizeSpec.parseSize("4M"), null, 0, 0, -1, 0, null,
                List.of(pv1)));
        volumes.lvcreate(new LvCreateRequest("vg", "two", SizeSpec.parseSize("4M"), null, 0, 0, -1, 0, null,
                List.of(pv1)));
        assertEquals(List.of(dev.ferry.daemon.model.KnownPvs.canonical(pv1)), volumes.activator().openPvs());
        volumes.lvextend(new LvResizeRequest("vg", "two", SizeSpec.parseSize("+4M"), null, List.of(pv2)));
        assertEquals(2, volumes.activator().openPvs().size());
        volumes.lvremove("vg", "one", false);
        byte[] data = random(10, 8192);
        write(device("two"), 6 * MIB, data);
        assertArrayEquals(data, read(device("two"), 6 * MIB, data.length), "the shared file stays open");
        volumes.lvremove("vg", "two", false);
        assertTrue(volumes.activator().openPvs().isEmpty());
    }

    @Test
    void tablesLoadedByHandResolveFilesAndSeeLvData() throws Exception {
        LogicalVolume lv = volumes.lvcreate(LvCreateRequest.linear("vg", "seen", SizeSpec.parseSize("4M")));
        byte[] data = random(11, 4096);
        write(device("seen"), 0, data);
        VolumeGroup vg = volumes.manager().volumeGroup("vg").orElseThrow();
        Area area = lv.segments().get(0).areas().get(0);
        PhysicalVolume pv = vg.pv(area.pv()).orElseThrow();
        long sector = (pv.peStart() + area.startPe() * vg.extentSize()) / 512;
        MappedDevice byHand = volumes.activator().registry().create("by-hand", "0 8 linear " + pv.name() + " "
                + sector + "\n");
        assertArrayEquals(data, read(byHand, 0, data.length));
        MappedDevice stacked = volumes.activator().registry().create("stacked", "0 8 linear vg-seen 0\n");
        assertArrayEquals(data, read(stacked, 0, data.length));
        assertTrue(volumes.activator().isOpen("vg", "seen"), "a device stacked on the LV opens it");
        String other = root.resolve("loose").toString();
        java.nio.file.Files.write(Paths.get(other), data);
        MappedDevice loose = volumes.activator().registry().create("loose", "0 8 linear " + other + " 0\n");
        assertArrayEquals(data, read(loose, 0, data.length));
    }

    @Test
    void lvsReportShowsActiveOpenAndMirrorCopyPercentFromTheActivationLayer() throws Exception {
        volumes.lvcreate(LvCreateRequest.linear("vg", "lin", SizeSpec.parseSize("4M")));
        volumes.lvcreate(new LvCreateRequest("vg", "mir", SizeSpec.parseSize("4M"), SegmentType.MIRROR, 0, 0, 1, 0,
                null, List.of(), MirrorWriteConsistency.PASSIVE, false));
        exports.find("vg/lin").orElseThrow().clientAttached();
        Poll.until(WAIT, "mirror in sync", () -> volumes.activator().copyPercent("vg", "mir").orElse(0) >= 100.0);
        ReportOptions options = new ReportOptions(false, "lv_name,lv_attr,copy_percent", null, false, List.of());
        Report report = volumes.lvs(options);
        assertEquals(List.of("lin", "mir"), report.column("lv_name"));
        assertEquals(List.of("-wi-ao----", "mwi-a-m---"), report.column("lv_attr"));
        assertEquals(List.of("", "100.00"), report.column("copy_percent"));
        exports.find("vg/lin").orElseThrow().clientDetached();
        volumes.deactivate("vg", "lin", false);
        assertEquals("-wi-------", volumes.lvs(options).column("lv_attr").get(0));
    }

    @Test
    void forcedRemoveOfAnOpenLvTakesDeviceAndExportAway() throws Exception {
        volumes.lvcreate(LvCreateRequest.linear("vg", "gone", SizeSpec.parseSize("4M")));
        exports.find("vg/gone").orElseThrow().clientAttached();
        MappedDevice device = device("gone");
        volumes.lvremove("vg", "gone", true);
        assertTrue(exports.find("vg/gone").isEmpty());
        assertThrows(Exception.class, () -> device.read(0, ByteBuffer.allocate(512)).get(10, TimeUnit.SECONDS));
    }

    @Test
    void renameMovesDeviceAndExportAndForcedRenameKeepsAttachedClientsWorking() throws Exception {
        volumes.lvcreate(LvCreateRequest.linear("vg", "a", SizeSpec.parseSize("4M")));
        volumes.lvrename("vg", "a", "b", false);
        assertTrue(exports.find("vg/a").isEmpty());
        assertTrue(volumes.activator().registry().lookup("vg-a").isEmpty());
        MappedDevice b = device("b");

        Export attached = exports.find("vg/b").orElseThrow();
        attached.clientAttached();
        MappedDevice oldDevice = b;
        volumes.lvrename("vg", "b", "c", true);
        MappedDevice c = device("c");
        assertTrue(exports.find("vg/b").isEmpty());
        byte[] data = random(5, 64 * 1024);
        write(oldDevice, MIB, data);
        assertArrayEquals(data, read(c, MIB, data.length), "the old device now maps onto the new one");
        assertTrue(volumes.activator().isOpen("vg", "c"), "stacked under the old name, the LV is open");

        attached.clientDetached();
        assertTrue(volumes.activator().registry().lookup("vg-b").isEmpty(), "last client gone, old device removed");
        Poll.until(WAIT, "the stacked opener to go", () -> !volumes.activator().isOpen("vg", "c"));
    }

    @Test
    void restartReactivatesEveryLvWithItsData() throws Exception {
        volumes.lvcreate(LvCreateRequest.linear("vg", "keep", SizeSpec.parseSize("8M")));
        volumes.lvcreate(new LvCreateRequest("vg", "wide", SizeSpec.parseSize("8M"), SegmentType.STRIPED, 2, 0, -1,
                0, null, List.of()));
        volumes.lvcreate(new LvCreateRequest("vg", "mir", SizeSpec.parseSize("4M"), SegmentType.MIRROR, 0, 0, 1,
                0, null, List.of(), MirrorWriteConsistency.PASSIVE, false));
        byte[] one = random(6, (int) (3 * MIB));
        byte[] two = random(7, (int) (8 * MIB));
        byte[] three = random(12, (int) (4 * MIB));
        write(device("keep"), 2 * MIB, one);
        write(device("wide"), 0, two);
        write(device("mir"), 0, three);
        volumes.close(WAIT);
        assertTrue(exports.list().isEmpty(), "a stopped volume layer publishes nothing");

        volumes = open();
        assertEquals(List.of("vg/keep", "vg/mir", "vg/wide"), exports.list().stream().map(Export::name).toList());
        assertArrayEquals(one, read(device("keep"), 2 * MIB, one.length));
        assertArrayEquals(two, read(device("wide"), 0, two.length));
        assertArrayEquals(three, read(device("mir"), 0, three.length), "read during the full resync");
        Poll.until(WAIT, "mirror resync after restart",
                () -> volumes.activator().copyPercent("vg", "mir").orElse(0) >= 100.0);
        assertArrayEquals(three, read(device("mir"), 0, three.length));
        assertTrue(device("wide").table().contains(" striped 2 128 "), device("wide").table());
    }

    @Test
    void mirrorResynchronisesAndWritesReachEveryLeg() throws Exception {
        LogicalVolume lv = volumes.lvcreate(new LvCreateRequest("vg", "m", SizeSpec.parseSize("8M"),
                SegmentType.MIRROR, 0, 0, 1, 512 * 1024, null, List.of(), MirrorWriteConsistency.PASSIVE, false));
        assertTrue(device("m").table().contains(" mirror core 1 1024 2 "), device("m").table());
        Poll.until(WAIT, "mirror in sync", () -> volumes.activator().copyPercent("vg", "m").orElse(0) >= 100.0);
        byte[] data = random(8, (int) MIB);
        write(device("m"), 3 * MIB, data);
        device("m").flush().get(10, TimeUnit.SECONDS);
        VolumeGroup vg = volumes.manager().volumeGroup("vg").orElseThrow();
        for (Area leg : lv.segments().get(0).areas()) {
            assertArrayEquals(data, readPv(vg, leg, 3 * MIB, data.length));
        }
        assertTrue(volumes.activator().copyPercent("vg", "nothing").isEmpty());
    }

    @Test
    void lvWhosePvFileIsGoneStaysInactiveAndTheRestStarts() throws Exception {
        volumes.lvcreate(LvCreateRequest.linear("vg", "x", SizeSpec.parseSize("4M")));
        volumes.close(WAIT);
        volumes = null;
        Activator activator = new Activator(exports, FerryServices::blockDeviceExport, Duration.ofSeconds(5));
        VolumeGroup vg = VolumeGroup.create("other", 4 * MIB, List.of(new PhysicalVolume(new java.util.UUID(1, 1),
                root.resolve("missing").toString(), 64 * MIB, MIB, 15)));
        LogicalVolume lv = LogicalVolume.create("y", dev.ferry.daemon.model.AllocationPolicy.NORMAL,
                List.of(dev.ferry.daemon.model.Segment.linear(0, 1, new Area(new java.util.UUID(1, 1), 0))));
        List<String> failures = activator.activateAll(List.of(vg.withLvs(List.of(lv))));
        assertEquals(1, failures.size());
        assertTrue(failures.get(0).contains("other/y"), failures.get(0));
        assertFalse(activator.isActive("other", "y"));
        assertTrue(activator.registry().list().isEmpty());
        activator.close(WAIT);
        volumes = open();
    }

    // ---------------------------------------------------------------- helpers

    private MappedDevice device(String lv) {
        return volumes.activator().device("vg", lv).orElseThrow(() -> new AssertionError(lv + " not active"));
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void write(MappedDevice d, long offset, byte[] data) {
        try {
            d.write(offset, ByteBuffer.wrap(data), false).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("write at " + offset + " failed", e);
        }
    }

    private static byte[] read(MappedDevice d, long offset, int length) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(length);
        d.read(offset, b).get(30, TimeUnit.SECONDS);
        return b.array();
    }

    /** Reads LV bytes straight from the PV file of a linear LV's segment holding {@code lvOffset}. */
    private byte[] readPv(LogicalVolume lv, long lvOffset, int length) throws IOException {
        VolumeGroup vg = volumes.manager().volumeGroup("vg").orElseThrow();
        long le = lvOffset / vg.extentSize();
        var seg = lv.segments().stream().filter(s -> s.startLe() <= le && le < s.endLe()).findFirst().orElseThrow();
        Area a = seg.areas().get(0);
        long within = lvOffset - seg.startLe() * vg.extentSize();
        return readPv(vg, a, within, length);
    }

    private static byte[] readPv(VolumeGroup vg, Area area, long withinArea, int length) throws IOException {
        PhysicalVolume pv = vg.pv(area.pv()).orElseThrow();
        ByteBuffer b = ByteBuffer.allocate(length);
        try (FileChannel ch = FileChannel.open(Paths.get(pv.name()), StandardOpenOption.READ)) {
            long pos = pv.peStart() + area.startPe() * vg.extentSize() + withinArea;
            while (b.hasRemaining()) {
                if (ch.read(b, pos + b.position()) < 0) {
                    break;
                }
            }
        }
        return b.array();
    }
}
