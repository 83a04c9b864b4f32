package dev.ferry.daemon.wiring;

import dev.ferry.daemon.activation.ExportFactory;
import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.export.BlockDeviceExport;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.process.DaemonCommand;
import dev.ferry.daemon.process.DaemonService;
import dev.ferry.mapper.block.BlockDevice;
import java.util.List;
import java.util.function.Consumer;

/**
 * The daemon's volume and NBD services sharing one {@link ExportDirectory}: the volume layer starts first
 * (activating every LV into the directory), then the NBD server serves it; they stop in reverse, so clients are
 * drained before devices are flushed and removed. Use {@link #factory} with {@code new DaemonCommand(...)}.
 */
public final class FerryServices {
    private final ExportDirectory exports = new ExportDirectory();
    private final VolumeDaemonService volumes;
    private final NbdDaemonService nbd = new NbdDaemonService(exports);

    /** Services serving each LV through a writable {@link BlockDeviceExport}. */
    public FerryServices() {
        this(FerryServices::blockDeviceExport);
    }

    /** Services whose LV exports {@code exportFactory} makes. */
    public FerryServices(ExportFactory exportFactory) {
        this(exportFactory, PvWrapper.NONE);
    }

    /** Services whose LV exports {@code exportFactory} makes, their tables reaching PVs through {@code pvWrapper}. */
    public FerryServices(ExportFactory exportFactory, PvWrapper pvWrapper) {
        this.volumes = new VolumeDaemonService(exports, exportFactory, pvWrapper);
    }

    /** {@code new DaemonCommand(FerryServices.factory())}: a fresh set per daemon, volumes then nbd-server. */
    public static DaemonCommand.ServiceFactory factory() {
        return config -> new FerryServices().services();
    }

    /** A {@link DaemonCommand.ServiceFactory} creating a fresh set per daemon: volumes, then nbd-server. */
    public static DaemonCommand.ServiceFactory factory(ExportFactory exportFactory) {
        return config -> new FerryServices(exportFactory).services();
    }

    /** The services in start order. */
    public List<DaemonService> services() {
        return List.of(volumes, nbd);
    }

    /** The volume layer (its {@code volumes()} is what the control API calls once started). */
    public VolumeDaemonService volumes() {
        return volumes;
    }

    /** The NBD server service. */
    public NbdDaemonService nbd() {
        return nbd;
    }

    /** The live export catalog. */
    public ExportDirectory exports() {
        return exports;
    }

    /** The export of one LV: writable, described as a Ferry logical volume. */
    public static BlockDeviceExport blockDeviceExport(String name, BlockDevice device,
            Consumer<BlockDeviceExport> onIdle) {
        return new BlockDeviceExport(name, "ferry logical volume " + name, device, false, onIdle);
    }
}
