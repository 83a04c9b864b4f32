package dev.ferry.daemon.export;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A real device decorated to report that it cannot zero faster than writing (like a plain file on tmpfs-less media). */
final class SlowZeroingDevice implements BlockDevice {

    private final BlockDevice delegate;

    SlowZeroingDevice(BlockDevice delegate) {
        this.delegate = delegate;
    }

    @Override
    public long size() {
        return delegate.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return delegate.read(offset, dst);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return delegate.write(offset, src, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return delegate.flush();
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return delegate.discard(offset, length);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return delegate.writeZeroes(offset, length, mayUnmap);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return delegate.allocation(offset, length);
    }

    @Override
    public boolean fastZeroes() {
        return false;
    }

    @Override
    public String describe() {
        return "slow-zeroing " + delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
