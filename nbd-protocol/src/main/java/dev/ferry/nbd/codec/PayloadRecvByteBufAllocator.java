package dev.ferry.nbd.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * The socket read-buffer allocator of one server connection: while its {@link RequestDecoder} awaits the
 * rest of a WRITE payload, the socket is read straight into that payload's buffer (a slice of its unfilled
 * part), so payload bytes are copied once, by the kernel; otherwise buffers are sized adaptively as by
 * {@link AdaptiveRecvByteBufAllocator}.
 *
 * <p>Install a fresh instance on each channel before its first read; the decoder attaches itself when it
 * is added to the pipeline and detaches when removed. Used only from the channel's event loop.
 */
public final class PayloadRecvByteBufAllocator implements RecvByteBufAllocator {

    private final AdaptiveRecvByteBufAllocator sizes = new AdaptiveRecvByteBufAllocator();
    private RequestDecoder decoder;

    void attach(RequestDecoder requestDecoder) {
        this.decoder = requestDecoder;
    }

    void detach(RequestDecoder requestDecoder) {
        if (decoder == requestDecoder) {
            decoder = null;
        }
    }

    @Override
    public Handle newHandle() {
        return new TargetingHandle((ExtendedHandle) sizes.newHandle());
    }

    /** Delegates the read accounting; allocates the decoder's payload target when it offers one. */
    private final class TargetingHandle implements ExtendedHandle {

        private final ExtendedHandle delegate;

        TargetingHandle(ExtendedHandle delegate) {
            this.delegate = delegate;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            ByteBuf target = decoder == null ? null : decoder.payloadReadTarget();
            return target != null ? target : delegate.allocate(alloc);
        }

        @Override
        public int guess() {
            return delegate.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            delegate.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            delegate.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            delegate.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return delegate.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            delegate.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return delegate.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return delegate.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return delegate.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            delegate.readComplete();
        }
    }
}
