package dev.ferry.daemon.activation;

import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.copy.CopyScheduler;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.mirror.MirrorListener;
import dev.ferry.mapper.mirror.MirrorTargetType;
import dev.ferry.mapper.target.TargetTypes;
import dev.ferry.mapper.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The mapper parts activation runs on, built in this one place: the shared file I/O pool, the PV files, the
 * copier that resynchronises mirrors, the target types (standard plus mirror) and the device registry.
 */
final class MapperStack implements AutoCloseable {
    /** Regions a mirror recovers at a time. */
    private static final int RECOVERY_REGIONS = 4;

    private final ThreadPoolExecutor io;
    private final ScheduledExecutorService copyTimer;
    private final PvDevices pvs;
    private final DeviceRegistry registry;

    MapperStack(Duration suspendTimeout) {
        this.io = IoExecutors.newDefaultPool();
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ferry-copy-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.copyTimer = timer;
        this.pvs = new PvDevices(io);
        Copier copier = new Copier(CopierConfig.defaults(), CopyScheduler.system(copyTimer));
        TargetTypes types = TargetTypes.standard().with(new MirrorTargetType(copier, MirrorListener.NONE,
                RECOVERY_REGIONS));
        this.registry = new DeviceRegistry(types, Scheduler.system(), pvs, suspendTimeout);
    }

    PvDevices pvs() {
        return pvs;
    }

    DeviceRegistry registry() {
        return registry;
    }

    /** Closes the files still open and stops the pools (queued I/O still runs); call once no device is left. */
    @Override
    public void close() {
        pvs.closeAll();
        copyTimer.shutdown();
        io.shutdown();
    }
}
