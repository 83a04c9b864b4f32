package dev.ferry.daemon.pvmove;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A real device whose writes and write-zeroes wait until a shared gate opens (holds a move's copy provably open). */
final class WriteGatedDevice implements BlockDevice {
    private final BlockDevice delegate;
    private final CompletableFuture<Void> gate;

    WriteGatedDevice(BlockDevice delegate, CompletableFuture<Void> gate) {
        this.delegate = delegate;
        this.gate = gate;
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
        return gate.thenCompose(v -> delegate.write(offset, src, fua));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return delegate.flush();
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return gate.thenCompose(v -> delegate.discard(offset, length));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return gate.thenCompose(v -> delegate.writeZeroes(offset, length, mayUnmap));
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return delegate.allocation(offset, length);
    }

    @Override
    public String describe() {
        return "write-gated " + delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
