package dev.ferry.daemon.activation;

import dev.ferry.mapper.device.MappedDevice;

/**
 * Publishes the devices {@code dmsetup create} makes as NBD exports under their own names, and withdraws them
 * again on remove.
 */
public interface DeviceExports {

    /**
     * Publishes {@code device} as the export named like the device.
     *
     * @throws IllegalArgumentException if an export of that name exists
     */
    void publish(MappedDevice device);

    /** NBD clients in transmission on the export of device {@code name} (0 if it has none). */
    int clients(String name);

    /** Withdraws the export of device {@code name}, if it has one; attached clients keep their export object. */
    void withdraw(String name);
}
