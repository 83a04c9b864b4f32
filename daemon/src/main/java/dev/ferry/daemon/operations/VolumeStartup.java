package dev.ferry.daemon.operations;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.activation.ExportFactory;
import dev.ferry.daemon.activation.LvTables;
import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.VolumeManager;
import dev.ferry.daemon.remote.RemotePvs;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@link VolumeService#open} brings a data directory's volumes up: the manager opens over a new activator, resumed
 * moves get their copy rates, missing PVs are reconciled, passive mirrors that crashed are noted, every LV is
 * activated and the PV files are watched from then on.
 */
final class VolumeStartup {
    /** The logger of {@link VolumeService}, which this opens. */
    private static final Logger LOG = LoggerFactory.getLogger(VolumeService.class);

    private VolumeStartup() {
    }

    /** {@link VolumeService#open(Path, ExportDirectory, ExportFactory, Duration, PvWrapper, DeviceOpener)}. */
    static VolumeService open(Path dataDir, ExportDirectory exports, ExportFactory exportFactory,
            Duration suspendTimeout, PvWrapper wrapper, DeviceOpener opener) throws IOException {
        RemotePvs remote = new RemotePvs(opener);
        Activator activator = new Activator(exports, exportFactory, suspendTimeout, wrapper, remote);
        VolumeManager manager;
        try {
            manager = VolumeManager.open(dataDir, remote, activator);
        } catch (IOException | RuntimeException e) {
            closeQuietly(activator);
            remote.close();
            throw e;
        }
        manager.healthFrom(remote);
        activator.readLatestFrom(manager::requireVolumeGroup);
        VolumeService service = new VolumeService(manager, activator, remote);
        for (VolumeGroup vg : manager.volumeGroups()) {   // resumed moves copy at their rate from the start
            for (LogicalVolume lv : vg.lvs()) {
                if (lv.move() != null) {
                    activator.copier().setRateLimit(LvTables.throttleGroup(vg, lv), lv.move().rateLimit());
                }
            }
        }
        MissingPvs.reconcile(manager);
        PassiveMirrors.noteCrashedWithoutConsistency(manager);
        service.activateAll();
        service.watchPvs();
        return service;
    }

    private static void closeQuietly(Activator activator) {
        try {
            activator.close(Duration.ofSeconds(5));
        } catch (TimeoutException e) {
            LOG.warn("closing the activator after a failed open: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
