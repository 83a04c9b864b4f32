package dev.ferry.daemon.activation;

import dev.ferry.daemon.export.BlockDeviceExport;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.mapper.device.MappedDevice;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The NBD exports of devices created with {@code dmsetup create}: each is served under the device's own name
 * (which never contains {@code /}, so it cannot clash with an LV's {@code VG/LV}) through the same export adapter
 * and client counting as an LV. Its size follows the device's live table, so a reload reaches clients that
 * reconnect.
 */
public final class DmExports implements DeviceExports {
    private final ExportDirectory exports;
    private final ExportFactory exportFactory;
    private final Map<String, BlockDeviceExport> published = new ConcurrentHashMap<>();

    /** Exports published into {@code exports}, each made by {@code exportFactory}. */
    public DmExports(ExportDirectory exports, ExportFactory exportFactory) {
        this.exports = exports;
        this.exportFactory = exportFactory;
    }

    @Override
    public synchronized void publish(MappedDevice device) {
        String name = device.name();
        BlockDeviceExport export = exportFactory.create(name, device, idle -> { });
        exports.publish(export);
        published.put(name, export);
    }

    @Override
    public int clients(String name) {
        BlockDeviceExport export = published.get(name);
        return export == null ? 0 : export.attachedClients();
    }

    @Override
    public synchronized void withdraw(String name) {
        BlockDeviceExport export = published.remove(name);
        if (export != null) {
            exports.withdraw(export);
        }
    }

    /** Withdraws every export (at stop, before the devices go). */
    public synchronized void withdrawAll() {
        published.keySet().forEach(this::withdraw);
    }
}
