package dev.ferry.daemon.pvmove;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.testing.DelegatingDevice;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A real device whose reads wait until a shared gate opens, counting those that wait (a stalled destination). */
final class ReadGatedDevice extends DelegatingDevice {
    private final CompletableFuture<Void> gate;
    private final AtomicInteger held;

    ReadGatedDevice(BlockDevice delegate, CompletableFuture<Void> gate, AtomicInteger held) {
        super(delegate);
        this.gate = gate;
        this.held = held;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        if (!gate.isDone()) {
            held.incrementAndGet();
        }
        return gate.thenCompose(v -> delegate.read(offset, dst));
    }

    @Override
    public String describe() {
        return "read-gated " + delegate.describe();
    }
}
