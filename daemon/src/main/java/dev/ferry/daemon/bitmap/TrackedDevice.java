package dev.ferry.daemon.bitmap;

import dev.ferry.daemon.export.MetaContextSource;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.ExportException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * An LV's device as its export sees it: every write, discard and zeroing marks the LV's dirty bitmaps before it is
 * issued (so before it can be acknowledged) and again when it completes (so a clear racing with it loses nothing),
 * and the consistent bitmaps are offered as
 * {@code qemu:dirty-bitmap:NAME} meta contexts. Reads, spans and everything else go to the device unchanged.
 */
final class TrackedDevice implements BlockDevice, MetaContextSource {

    /** Prefix of qemu's dirty bitmap meta contexts. */
    static final String CONTEXT_PREFIX = "qemu:dirty-bitmap:";

    private final BlockDevice device;
    private final LvBitmaps bitmaps;

    TrackedDevice(BlockDevice device, LvBitmaps bitmaps) {
        this.device = device;
        this.bitmaps = bitmaps;
    }

    @Override
    public long size() {
        return device.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return device.read(offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return marked(offset, src.remaining(), () -> device.write(offset, src, fua));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return device.flush();
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return marked(offset, length, () -> device.discard(offset, length));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return marked(offset, length, () -> device.writeZeroes(offset, length, mayUnmap));
    }

    /**
     * Marks the range, runs {@code op}, and marks it again when {@code op} completes (before the returned future
     * does): a bitmap cleared while the operation was in flight still records it.
     */
    private CompletableFuture<Void> marked(long offset, long length, Supplier<CompletableFuture<Void>> op) {
        bitmaps.mark(offset, length);
        return op.get().whenComplete((ignored, failure) -> bitmaps.mark(offset, length));
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return device.allocation(offset, length);
    }

    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        return device.fileSpan(offset, length);
    }

    @Override
    public boolean fastZeroes() {
        return device.fastZeroes();
    }

    @Override
    public String describe() {
        return device.describe();
    }

    @Override
    public void close() {
        device.close();
    }

    @Override
    public List<String> metaContexts() {
        return bitmaps.list().stream().filter(b -> !b.inconsistent()).map(b -> CONTEXT_PREFIX + b.name()).toList();
    }

    @Override
    public CompletableFuture<List<BlockStatusExtent>> metaContextStatus(String context, long offset, long length) {
        Optional<DirtyBitmap> bitmap = context.startsWith(CONTEXT_PREFIX)
                ? bitmaps.find(context.substring(CONTEXT_PREFIX.length())).filter(b -> !b.inconsistent())
                : Optional.empty();
        if (bitmap.isEmpty()) {
            return CompletableFuture.failedFuture(new ExportException(NbdConstants.NBD_EINVAL,
                    "meta context " + context + " is no longer offered"));
        }
        return CompletableFuture.completedFuture(bitmap.get().extents(offset, length, device.size()));
    }
}
