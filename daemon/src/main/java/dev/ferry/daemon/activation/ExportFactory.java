package dev.ferry.daemon.activation;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.nbd.export.Export;

/** Makes the NBD export that serves a block device (the daemon uses the block-device export adapter). */
@FunctionalInterface
public interface ExportFactory {
    /** An export called {@code name} over {@code device}. */
    Export create(String name, BlockDevice device);
}
