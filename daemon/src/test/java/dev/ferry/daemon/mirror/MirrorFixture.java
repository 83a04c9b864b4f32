package dev.ferry.daemon.mirror;

import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.testing.DelegatingDevice;
import dev.ferry.mapper.testing.FaultyDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Five 64 MiB PV files (1 MiB extents) in VG {@code vg} under a real {@link VolumeService} and {@link MirrorService};
 * every PV is seen through a {@link FaultyDevice} that can fail writes and a counter of its data writes, and paths
 * can be made unopenable.
 */
final class MirrorFixture implements AutoCloseable {
    static final long MIB = 1 << 20;

    private final Path root;
    final Map<String, FaultyDevice> faulty = new ConcurrentHashMap<>();
    /** Data writes (not flushes) each PV path received, across reopenings. */
    final Map<String, AtomicLong> dataWrites = new ConcurrentHashMap<>();
    final Set<String> failingWrites = ConcurrentHashMap.newKeySet();
    final Set<String> unopenable = ConcurrentHashMap.newKeySet();
    final VolumeService volumes;
    final MirrorService mirrors;

    MirrorFixture(Path root) throws IOException {
        this.root = root;
        PvWrapper wrapper = (path, file) -> {
            if (unopenable.contains(path)) {
                throw new IllegalStateException("cannot open " + path + " (injected)");
            }
            FaultyDevice d = new FaultyDevice(file);
            if (failingWrites.contains(path)) {
                d.failWrites();
            }
            faulty.put(path, d);
            AtomicLong count = dataWrites.computeIfAbsent(path, p -> new AtomicLong());
            return new DelegatingDevice(d) {
                @Override
                public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
                    count.incrementAndGet();
                    return delegate.write(offset, src, fua);
                }

                @Override
                public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
                    count.incrementAndGet();
                    return delegate.writeZeroes(offset, length, mayUnmap);
                }
            };
        };
        volumes = VolumeService.open(root.resolve("data"), new ExportDirectory(), FerryServices::blockDeviceExport,
                Duration.ofSeconds(10), wrapper);
        mirrors = new MirrorService(volumes, Duration.ofSeconds(20), System::nanoTime);
        List<String> pvs = List.of(pv(1), pv(2), pv(3), pv(4), pv(5));
        for (String pv : pvs) {
            volumes.pvcreate(pv, 64 * MIB, false);
        }
        volumes.vgcreate("vg", pvs, MIB);
    }

    String pv(int n) {
        return root.resolve("pv" + n).toString();
    }

    /** Mirrored LV {@code m} of {@code extents} LEs with {@code copies} copies on PVs 1.., the log on the next PV. */
    LogicalVolume mirror(int extents, int copies) {
        LogicalVolume lv = volumes.lvcreate(new LvCreateRequest("vg", "m", SizeSpec.parseSize(extents + "m"), null,
                0, 0, copies - 1, MIB, null, List.of(pv(1), pv(2), pv(3), pv(4)), MirrorWriteConsistency.ACTIVE,
                false));
        awaitInSync();
        return lv;
    }

    void awaitInSync() {
        Poll.until(Duration.ofSeconds(30), "mirror in sync", () ->
                volumes.activator().copyPercent("vg", "m").orElse(0) >= 100);
    }

    VolumeGroup vg() {
        return volumes.manager().requireVolumeGroup("vg");
    }

    LogicalVolume lv() {
        return vg().requireLv("m");
    }

    List<Area> copies(long le) {
        return LeCopies.of(lv(), le);
    }

    PhysicalVolume pvOf(Area a) {
        return vg().pv(a.pv()).orElseThrow();
    }

    String name(Area a) {
        return pvOf(a).name();
    }

    /** Commits {@code change} to LV m without reloading it (the live mirror does not see it). */
    void commitOnly(UnaryOperator<LogicalVolume> change) {
        volumes.change("vg", vg -> vg.withLvChanged("m", change), vg -> { });
    }

    /** Commits {@code change} to LV m and reloads it. */
    void commit(UnaryOperator<LogicalVolume> change) {
        volumes.change("vg", vg -> vg.withLvChanged("m", change),
                vg -> volumes.activator().reload(vg, vg.requireLv("m")));
    }

    MappedDevice device() {
        return volumes.activator().device("vg", "m").orElseThrow();
    }

    void write(long offset, byte[] data) throws Exception {
        device().write(offset, ByteBuffer.wrap(data), false).get();
    }

    byte[] read(long offset, int length) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(length);
        device().read(offset, b).get();
        return b.array();
    }

    static byte[] pattern(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The bytes of the copy {@code a} of one LE, read from its PV file. */
    byte[] copyBytes(Area a) throws IOException {
        PhysicalVolume pv = pvOf(a);
        byte[] out = new byte[(int) MIB];
        try (FileChannel ch = FileChannel.open(Path.of(pv.name()), StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(out), pv.peStart() + a.startPe() * MIB);
        }
        return out;
    }

    /**
     * The end of the mirror job {@code started} (at most 60 s away); a job that ended FAILED throws its error as a
     * {@link VolumeException}, as the verb's refusals do.
     */
    ResyncProgress end(ResyncProgress started) {
        ResyncProgress end;
        try {
            end = mirrors.resyncEnd(started.id()).orElseThrow().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("job " + started.id() + " did not end", e);
        }
        if (end.state() == ResyncState.FAILED) {
            throw new VolumeException(end.error().code(), end.error().message());
        }
        return end;
    }

    @Override
    public void close() throws Exception {
        failingWrites.clear();
        faulty.values().forEach(FaultyDevice::heal);
        mirrors.close();
        volumes.close(Duration.ofSeconds(30));
    }
}
