package dev.ferry.mapper.testing;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A test wrapper whose operations take effect only when an {@link OpQueue} runs them.
 */
public final class QueuedDevice extends DelegatingDevice {

    private final OpQueue queue;

    public QueuedDevice(BlockDevice delegate, OpQueue queue) {
        super(delegate);
        this.queue = queue;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return queue.enqueue(() -> delegate.read(offset, dst));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return queue.enqueue(() -> delegate.write(offset, src, fua));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return queue.enqueue(delegate::flush);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return queue.enqueue(() -> delegate.discard(offset, length));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return queue.enqueue(() -> delegate.writeZeroes(offset, length, mayUnmap));
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return queue.enqueue(() -> delegate.allocation(offset, length));
    }
}
