package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.PvSelection;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.device.MappedDevice;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Three 64 MiB file PVs in VG {@code vg} (1 MiB extents) under a real VolumeService and a PvMoveService. */
final class PvMoveFixture implements AutoCloseable {
    static final long MIB = 1 << 20;
    final Path root;
    final String pv1;
    final String pv2;
    final String pv3;
    final ExportDirectory exports = new ExportDirectory();
    VolumeService volumes;
    PvMoveService moves;
    PvWrapper wrapper = PvWrapper.NONE;
    /** How PV metadata is opened (at each {@link #open}). */
    DeviceOpener opener;

    PvMoveFixture(Path root) throws Exception {
        this(root, PvWrapper.NONE);
    }

    PvMoveFixture(Path root, PvWrapper wrapper) throws Exception {
        this(root, wrapper, DeviceOpener.files());
    }

    /** As above, with PV metadata opened by {@code opener} (fault injection in metadata writes). */
    PvMoveFixture(Path root, PvWrapper wrapper, DeviceOpener opener) throws Exception {
        this.root = root;
        this.wrapper = wrapper;
        this.opener = opener;
        pv1 = root.resolve("pv1").toString();
        pv2 = root.resolve("pv2").toString();
        pv3 = root.resolve("pv3").toString();
        open();
        for (String p : List.of(pv1, pv2, pv3)) {
            volumes.pvcreate(p, 64 * MIB, false);
        }
        volumes.vgcreate("vg", List.of(pv1, pv2, pv3), MIB);
    }

    /** Opens the stack over the data directory and resumes moves found in the metadata. */
    void open() throws Exception {
        volumes = VolumeService.open(root.resolve("data"), exports, FerryServices::blockDeviceExport,
                Duration.ofSeconds(10), wrapper, opener);
        moves = new PvMoveService(volumes, System::nanoTime);
        moves.resumeAll();
    }

    /** Stops moves and closes everything, as a daemon stop (the metadata keeps the moves). */
    @Override
    public void close() throws Exception {
        if (moves != null) {
            moves.close();
            moves = null;
        }
        if (volumes != null) {
            volumes.close(Duration.ofSeconds(30));
            volumes = null;
        }
    }

    LogicalVolume linear(String name, String size, String... pvs) {
        return volumes.lvcreate(new LvCreateRequest("vg", name, SizeSpec.parseSize(size), null, 0, 0, -1, 0, null,
                List.of(pvs)));
    }

    LogicalVolume striped(String name, String size, String... pvs) {
        return volumes.lvcreate(new LvCreateRequest("vg", name, SizeSpec.parseSize(size), null, pvs.length, 0, -1, 0,
                null, List.of(pvs)));
    }

    LogicalVolume mirror(String name, String size, String... pvs) {
        return volumes.lvcreate(new LvCreateRequest("vg", name, SizeSpec.parseSize(size), null, 0, 0, 1,
                512 * 1024, null, List.of(pvs), MirrorWriteConsistency.PASSIVE, false));
    }

    MappedDevice device(String lv) {
        return volumes.activator().device("vg", lv).orElseThrow(() -> new AssertionError(lv + " not active"));
    }

    VolumeGroup vg() {
        return volumes.manager().volumeGroup("vg").orElseThrow();
    }

    LogicalVolume lv(String name) {
        return vg().lv(name).orElseThrow();
    }

    static PvMoveRequest request(String source, String... destinations) {
        return request(false, 0, source, destinations);
    }

    static PvMoveRequest request(boolean atomic, long rate, String source, String... destinations) {
        List<PvSelection> d = new ArrayList<>();
        for (String s : destinations) {
            d.add(PvSelection.parse(s));
        }
        return new PvMoveRequest(PvSelection.parse(source), d, null, atomic, null, rate, false);
    }

    /** Waits for the move to end and returns its final state. */
    JobState await(MoveProgress p) throws Exception {
        return moves.job(p.name()).done().get(60, TimeUnit.SECONDS);
    }

    /** PV paths an LV's areas lie on (LV areas as their LV name). */
    Set<String> placement(String lv) {
        VolumeGroup vg = vg();
        return vg.lv(lv).orElseThrow().segments().stream().flatMap(s -> s.areas().stream())
                .map(a -> place(vg, a)).collect(Collectors.toSet());
    }

    private static String place(VolumeGroup vg, Area a) {
        return a.isLv() ? a.lv() : vg.pv(a.pv()).orElseThrow().name();
    }

    /** True if no pvmove LV is left and no LV is locked. */
    boolean noMoveLeft() {
        return vg().lvs().stream().noneMatch(l -> l.hidden() || l.has(LvFlag.LOCKED) || l.has(LvFlag.PVMOVE))
                && volumes.activator().registry().list().stream().noneMatch(d -> d.name().contains("pvmove"));
    }
}
