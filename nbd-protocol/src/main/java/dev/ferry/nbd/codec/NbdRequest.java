package dev.ferry.nbd.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;

/**
 * A validated transmission request; for WRITE it holds the payload as a retained slice, which the
 * receiver owns (release this request, or pass the payload on, exactly once).
 *
 * @param header  the request header
 * @param payload the WRITE payload, or an empty buffer for other commands
 */
public record NbdRequest(RequestHeader header, ByteBuf payload) implements TransmissionMessage, ReferenceCounted {

    /** A request without payload. */
    public NbdRequest(RequestHeader header) {
        this(header, Unpooled.EMPTY_BUFFER);
    }

    @Override
    public int refCnt() {
        return payload.refCnt();
    }

    @Override
    public NbdRequest retain() {
        payload.retain();
        return this;
    }

    @Override
    public NbdRequest retain(int increment) {
        payload.retain(increment);
        return this;
    }

    @Override
    public NbdRequest touch() {
        payload.touch();
        return this;
    }

    @Override
    public NbdRequest touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return payload.release();
    }

    @Override
    public boolean release(int decrement) {
        return payload.release(decrement);
    }
}
