package dev.ferry.daemon.activation;

import dev.ferry.mapper.block.BlockDevice;

/**
 * What tables see of a PV file: by default the file itself; fault-injection setups put a mapped device (error,
 * flakey, delay) in front of chosen PVs.
 */
@FunctionalInterface
public interface PvWrapper {
    /** Tables use the files as they are. */
    PvWrapper NONE = (path, file) -> file;

    /** The device tables naming {@code path} use instead of {@code file}. */
    BlockDevice wrap(String path, BlockDevice file);
}
