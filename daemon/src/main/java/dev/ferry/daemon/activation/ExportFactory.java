package dev.ferry.daemon.activation;

import dev.ferry.daemon.export.BlockDeviceExport;
import dev.ferry.mapper.block.BlockDevice;
import java.util.function.Consumer;

/** Makes the NBD export that serves a device, counting its attached clients (what makes an LV open). */
@FunctionalInterface
public interface ExportFactory {
    /** An export called {@code name} over {@code device}; {@code onIdle} runs when its last client detaches. */
    BlockDeviceExport create(String name, BlockDevice device, Consumer<BlockDeviceExport> onIdle);
}
