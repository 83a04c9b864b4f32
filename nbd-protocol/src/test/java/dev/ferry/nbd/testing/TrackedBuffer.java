package dev.ferry.nbd.testing;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.concurrent.atomic.AtomicLong;

/** A heap buffer that reports its capacity to a counter until it is deallocated (tests buffer ownership). */
final class TrackedBuffer extends UnpooledHeapByteBuf {

    private final AtomicLong outstanding;

    TrackedBuffer(int capacity, AtomicLong outstanding, AtomicLong maxOutstanding) {
        super(UnpooledByteBufAllocator.DEFAULT, capacity, capacity);
        this.outstanding = outstanding;
        maxOutstanding.accumulateAndGet(outstanding.addAndGet(capacity), Math::max);
    }

    @Override
    protected void deallocate() {
        outstanding.addAndGet(-capacity());
        super.deallocate();
    }
}
