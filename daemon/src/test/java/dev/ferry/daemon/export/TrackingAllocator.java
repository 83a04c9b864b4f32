package dev.ferry.daemon.export;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/** A pooled allocator that remembers every buffer it handed out, so tests can prove each was released. */
final class TrackingAllocator extends AbstractByteBufAllocator {

    private final List<ByteBuf> allocated = new ArrayList<>();

    TrackingAllocator() {
        super(true);
    }

    @Override
    protected synchronized ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return track(PooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
    }

    @Override
    protected synchronized ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return track(PooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity));
    }

    private ByteBuf track(ByteBuf buffer) {
        allocated.add(buffer);
        return buffer;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    /** How many buffers were handed out. */
    synchronized int allocatedCount() {
        return allocated.size();
    }

    /** How many handed-out buffers are still referenced. */
    synchronized long live() {
        return allocated.stream().filter(b -> b.refCnt() > 0).count();
    }
}
