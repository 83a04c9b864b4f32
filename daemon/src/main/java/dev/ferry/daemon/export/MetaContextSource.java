package dev.ferry.daemon.export;

import dev.ferry.nbd.export.BlockStatusExtent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Meta contexts a device offers besides {@code base:allocation}: a {@link BlockDeviceExport} over a device that
 * implements this interface offers them over NBD (see {@code Export#metaContexts}).
 */
public interface MetaContextSource {

    /** The full context names offered now. */
    List<String> metaContexts();

    /** Block status of {@code context} from {@code offset}; fails with an ExportException when it is not offered. */
    CompletableFuture<List<BlockStatusExtent>> metaContextStatus(String context, long offset, long length);
}
