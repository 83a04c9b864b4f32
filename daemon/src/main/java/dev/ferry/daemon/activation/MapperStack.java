package dev.ferry.daemon.activation;

import dev.ferry.daemon.remote.RemoteOpener;
import dev.ferry.mapper.DeviceMapper;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The mapper parts activation runs on, built in this one place: the shared file I/O pool, the PV files, and the
 * {@link DeviceMapper} (copier for mirror resync, every target type, the device registry) resolving files through
 * them, with mirror events going to {@link MirrorEvents}.
 */
final class MapperStack implements AutoCloseable {
    private final ThreadPoolExecutor io;
    private final PvDevices pvs;
    private final DeviceMapper mapper;
    private final MirrorEvents mirrorEvents = new MirrorEvents();

    MapperStack(Duration suspendTimeout, PvWrapper wrapper, RemoteOpener remote) {
        this.io = IoExecutors.newDefaultPool();
        this.pvs = new PvDevices(io, wrapper, Scheduler.system(), remote);
        this.mapper = new DeviceMapper(Scheduler.system(), CopierConfig.defaults(), pvs, suspendTimeout,
                mirrorEvents);
    }

    /** Where mirrors' events go, in LV terms. */
    MirrorEvents mirrorEvents() {
        return mirrorEvents;
    }

    PvDevices pvs() {
        return pvs;
    }

    Copier copier() {
        return mapper.copier();
    }

    DeviceRegistry registry() {
        return mapper.registry();
    }

    /** Closes the files still open and stops the I/O pool (queued I/O still runs); call once no device is left. */
    @Override
    public void close() {
        pvs.closeAll();
        io.shutdown();
    }
}
