package dev.ferry.daemon.activation;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An export that only names its device (for activation tests that do I/O through the mapped device and
 * simulate clients with clientAttached/clientDetached); any request fails the test.
 */
record InertExport(String name, BlockDevice device) implements Export {
    @Override
    public long size() {
        return device.size();
    }

    @Override
    public ExportCapabilities capabilities() {
        return ExportCapabilities.FULL;
    }

    @Override
    public CompletableFuture<ReadResult> read(long offset, int length) {
        throw new AssertionError("no NBD I/O in this test");
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuf payload, boolean fua) {
        throw new AssertionError("no NBD I/O in this test");
    }

    @Override
    public CompletableFuture<Void> flush() {
        throw new AssertionError("no NBD I/O in this test");
    }

    @Override
    public CompletableFuture<Void> trim(long offset, long length, boolean fua) {
        throw new AssertionError("no NBD I/O in this test");
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean noHole, boolean fastZero,
            boolean fua) {
        throw new AssertionError("no NBD I/O in this test");
    }

    @Override
    public CompletableFuture<List<BlockStatusExtent>> blockStatus(long offset, long length) {
        throw new AssertionError("no NBD I/O in this test");
    }
}
