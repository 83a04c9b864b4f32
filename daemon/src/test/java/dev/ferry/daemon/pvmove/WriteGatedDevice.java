package dev.ferry.daemon.pvmove;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.testing.DelegatingDevice;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** A real device whose writes and write-zeroes wait until a shared gate opens (holds a move's copy provably open). */
final class WriteGatedDevice extends DelegatingDevice {
    private final CompletableFuture<Void> gate;

    WriteGatedDevice(BlockDevice delegate, CompletableFuture<Void> gate) {
        super(delegate);
        this.gate = gate;
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return gate.thenCompose(v -> delegate.write(offset, src, fua));
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
    public String describe() {
        return "write-gated " + delegate.describe();
    }
}
