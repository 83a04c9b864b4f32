package dev.ferry.daemon.wiring;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.activation.DmExports;
import dev.ferry.daemon.activation.ExportFactory;
import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.api.ApiRoutes;
import dev.ferry.daemon.api.BitmapRoutes;
import dev.ferry.daemon.api.MirrorRoutes;
import dev.ferry.daemon.api.PvMoveRoutes;
import dev.ferry.daemon.bitmap.DirtyBitmaps;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.metrics.CommitMetrics;
import dev.ferry.daemon.metrics.DeviceMetrics;
import dev.ferry.daemon.metrics.PvMoveMetrics;
import dev.ferry.daemon.metrics.RemotePvMetrics;
import dev.ferry.daemon.mirror.MirrorService;
import dev.ferry.daemon.operations.LvNameWatcher;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.daemon.policy.AllowedPaths;
import dev.ferry.daemon.process.DaemonContext;
import dev.ferry.daemon.process.DaemonService;
import dev.ferry.daemon.process.Deadline;
import dev.ferry.daemon.pvmove.PvMoveService;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's volume layer: at start opens the data directory's PVs and VGs, activates every LV into the
 * shared {@link ExportDirectory} and installs the volume and dmsetup API routes ({@link ApiRoutes}) over them (devices
 * dmsetup creates are exported under their own names); at stop withdraws those exports, flushes and deactivates
 * every LV and closes the metadata. Each LV's export marks the LV's dirty bitmaps ({@link DirtyBitmaps}, opened first
 * and saved clean last).
 */
public final class VolumeDaemonService implements DaemonService {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeDaemonService.class);
    /** Bound on one table swap (suspend drain + flush). */
    public static final Duration SUSPEND_TIMEOUT = Duration.ofSeconds(30);
    /** How long a resync or migratepp job waits for copies making no progress before it reports them unsynced. */
    public static final Duration MIRROR_RESYNC_DEADLINE = Duration.ofMinutes(10);
    /** Least time deactivation gets at stop, even past the daemon's deadline. */
    private static final Duration MIN_STOP = Duration.ofSeconds(1);

    private final ExportDirectory exports;
    private final ExportFactory exportFactory;
    private final PvWrapper pvWrapper;
    private volatile VolumeService volumes;
    private volatile DmExports dmExports;
    private volatile PvMoveService moves;
    private volatile MirrorService mirrors;
    private volatile DirtyBitmaps bitmaps;

    /** A service publishing LVs into {@code exports}, each served through {@code exportFactory}. */
    public VolumeDaemonService(ExportDirectory exports, ExportFactory exportFactory) {
        this(exports, exportFactory, PvWrapper.NONE);
    }

    /** As above, with tables reaching PV files through {@code pvWrapper} (fault injection in tests). */
    public VolumeDaemonService(ExportDirectory exports, ExportFactory exportFactory, PvWrapper pvWrapper) {
        this.exports = exports;
        this.exportFactory = exportFactory;
        this.pvWrapper = pvWrapper;
    }

    @Override
    public String name() {
        return "volumes";
    }

    @Override
    public void start(DaemonContext context) throws Exception {
        DirtyBitmaps b = DirtyBitmaps.open(context.dataDir().resolve("bitmaps"));
        bitmaps = b;
        ExportFactory tracking = (name, device, onIdle) -> exportFactory.create(name, b.track(name, device), onIdle);
        volumes = VolumeService.open(context.dataDir(), exports, tracking, SUSPEND_TIMEOUT, pvWrapper);
        dmExports = new DmExports(exports, exportFactory);
        AllowedPaths paths = AllowedPaths.of(context.dataDir(), context.config().policy().allowPaths());
        volumes.activator().restrictHandLoadedPaths(name -> paths.check(name, "table device"));
        ApiRoutes.install(context.router(), volumes, volumes.activator().registry(), dmExports, SUSPEND_TIMEOUT, paths);
        LOG.info("PV and table paths may lie under: {}", paths.describe());
        MirrorMetrics.bind(context.meterRegistry(), volumes);
        DeviceMetrics.bind(context.meterRegistry(), volumes.activator().registry());
        volumes.manager().commitListener(new CommitMetrics(context.meterRegistry()));
        RemotePvMetrics.bind(context.meterRegistry(), volumes.manager());
        moves = new PvMoveService(volumes, System::nanoTime);
        PvMoveMetrics.bind(context.meterRegistry(), moves);
        PvMoveRoutes.install(context.router(), moves);
        mirrors = new MirrorService(volumes, MIRROR_RESYNC_DEADLINE, System::nanoTime);
        MirrorRoutes.install(context.router(), mirrors);
        BitmapRoutes.install(context.router(), volumes, b);
        volumes.watchNames(new LvNameWatcher() {
            @Override
            public void renamed(String vg, String from, String to) {
                b.rename(Activator.exportName(vg, from), Activator.exportName(vg, to));
            }

            @Override
            public void removed(String vg, String lv) {
                b.drop(Activator.exportName(vg, lv));
            }
        });
        moves.resumeAll().forEach(m -> LOG.info("pvmove {} of {} resumed", m.name(), m.source()));
        mirrors.resumeAll().forEach(r -> LOG.info("{} {} of {} resumed", r.request().verb(), r.id(),
                r.request().target()));
        List<String> recovered = volumes.manager().recoveryLog();
        recovered.forEach(line -> LOG.info("metadata recovery: {}", line));
        LOG.info("volumes: {} VGs, {} exports active", volumes.manager().volumeGroups().size(), exports.list().size());
    }

    /**
     * The volume operations, for the control API.
     *
     * @throws IllegalStateException before {@link #start}
     */
    public VolumeService volumes() {
        VolumeService v = volumes;
        if (v == null) {
            throw new IllegalStateException("volume service is not started");
        }
        return v;
    }

    /**
     * The exports of devices created with dmsetup.
     *
     * @throws IllegalStateException before {@link #start}
     */
    public DmExports dmExports() {
        DmExports d = dmExports;
        if (d == null) {
            throw new IllegalStateException("volume service is not started");
        }
        return d;
    }

    @Override
    public void stop(Deadline deadline) throws Exception {
        PvMoveService m = moves;
        if (m != null) {
            m.close();
        }
        MirrorService r = mirrors;
        if (r != null) {
            r.close();
        }
        DmExports d = dmExports;
        if (d != null) {
            d.withdrawAll();
        }
        VolumeService v = volumes;
        if (v != null) {
            Duration left = deadline.remaining();
            v.close(left.compareTo(MIN_STOP) < 0 ? MIN_STOP : left);
        }
        DirtyBitmaps b = bitmaps;
        if (b != null) {
            b.close(); // every LV is deactivated: no write can mark a bitmap any more
        }
    }
}
