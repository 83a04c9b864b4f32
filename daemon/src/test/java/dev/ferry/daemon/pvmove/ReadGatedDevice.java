package dev.ferry.daemon.pvmove;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.testing.DelegatingDevice;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real device whose reads of at least {@code minLength} bytes wait until a shared gate opens, counting those that
 * wait (a destination that stalls a pvmove's verify, which reads whole regions; smaller reads, such as the latency
 * probe's 4 KiB that a mirror in sync may send to this leg, go through).
 */
final class ReadGatedDevice extends DelegatingDevice {
    private final CompletableFuture<Void> gate;
    private final AtomicInteger held;
    private final int minLength;

    ReadGatedDevice(BlockDevice delegate, CompletableFuture<Void> gate, AtomicInteger held, int minLength) {
        super(delegate);
        this.gate = gate;
        this.held = held;
        this.minLength = minLength;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        if (dst.remaining() < minLength) {
            return delegate.read(offset, dst);
        }
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
