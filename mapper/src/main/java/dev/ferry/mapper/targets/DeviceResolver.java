package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockDevice;

/** Resolves a device named in a table line (a file path, a block device, or a mapped device name). */
@FunctionalInterface
public interface DeviceResolver {

    /**
     * The device called {@code name}.
     *
     * @throws IllegalArgumentException if there is no such device
     */
    BlockDevice resolve(String name);
}
