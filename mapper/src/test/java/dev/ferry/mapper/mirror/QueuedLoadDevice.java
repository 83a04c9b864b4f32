package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.testing.DelegatingDevice;
import dev.ferry.mapper.testing.OpQueue;
import dev.ferry.mapper.testing.QueuedDevice;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/** A queued device whose reads complete at once, so a disk log can be opened synchronously in a simulation. */
final class QueuedLoadDevice extends DelegatingDevice {

    private final QueuedDevice queued;

    QueuedLoadDevice(BlockDevice delegate, OpQueue queue) {
        super(delegate);
        this.queued = new QueuedDevice(delegate, queue);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return queued.write(offset, src, fua);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return queued.flush();
    }
}
