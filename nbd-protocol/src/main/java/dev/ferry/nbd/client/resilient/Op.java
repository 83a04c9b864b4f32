package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_TRIM;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE_ZEROES;

import dev.ferry.nbd.NbdNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.OutOfDirectMemoryError;
import java.util.concurrent.CompletableFuture;

/**
 * One caller request from submission to its outcome, across as many connections as it takes: it keeps its write
 * payload until it completes (each send gets a retained duplicate), its submission order and its deadline.
 * Confined to the client's event loop once submitted.
 */
final class Op {

    final int type;
    final int flags;
    final long offset;
    final long length;
    private final CompletableFuture<Object> future = new CompletableFuture<>();
    private ByteBuf payload;
    private long seq;
    private long deadline;
    private boolean extended;
    /** The connection the request is on the wire of, or null while it waits. */
    Connection attempt;
    /** A FLUSH's snapshot of the writes it covers, while it is on the wire. */
    DirtyRanges flushSnapshot;
    /** A FLUSH already held once for a rewrite of lost writes. */
    boolean rewriteTried;
    /** A FLUSH's {@link ReplayJournal#mark} while it is on the wire. */
    long journalMark;
    /** Whether this is the client's own replay of a write acknowledged on a lost connection (no caller waits). */
    final boolean replay;

    /** A request; ownership of {@code payload} (may be null) moves here. */
    Op(int type, int flags, long offset, long length, ByteBuf payload) {
        this(type, flags, offset, length, payload, false);
    }

    private Op(int type, int flags, long offset, long length, ByteBuf payload, boolean replay) {
        this.replay = replay;
        this.type = type;
        this.flags = flags;
        this.offset = offset;
        this.length = length;
        this.payload = payload;
    }

    /** The client's replay of an acknowledged write ({@link ReplayJournal}); ownership of {@code payload} moves here. */
    static Op replay(int type, int flags, long offset, long length, ByteBuf payload) {
        return new Op(type, flags, offset, length, payload, true);
    }

    /**
     * Numbers the request and starts its deadline; {@code graceNanos} > 0 when it starts during a reconnect. A
     * replay is started again, with a new deadline, each time a loss puts it back.
     */
    void start(long seq, long now, long timeoutNanos, long graceNanos) {
        this.seq = seq;
        this.deadline = now + timeoutNanos;
        this.extended = false;
        if (graceNanos > 0) {
            extend(graceNanos);
        }
    }

    /** Lengthens the deadline by the reconnect window, once in the request's life. */
    void extend(long graceNanos) {
        if (!extended) {
            extended = true;
            deadline += graceNanos;
        }
    }

    long seq() {
        return seq;
    }

    long deadline() {
        return deadline;
    }

    CompletableFuture<Object> future() {
        return future;
    }

    boolean isDone() {
        return future.isDone();
    }

    /** Whether the request changes data (WRITE, WRITE_ZEROES, TRIM): such requests never overlap on the wire. */
    boolean modifies() {
        return (type == NBD_CMD_WRITE || type == NBD_CMD_WRITE_ZEROES || type == NBD_CMD_TRIM) && length > 0;
    }

    /** A retained duplicate of the payload for one send (the send owns it), or null. */
    ByteBuf payloadForSend() {
        return payload == null ? null : payload.retainedDuplicate();
    }

    /**
     * A copy of the payload in a pooled direct buffer, owned by the caller (the request keeps its own); null when
     * direct memory is exhausted.
     */
    ByteBuf copyPayload() {
        int n = payload.readableBytes();
        ByteBuf copy;
        try {
            copy = PooledByteBufAllocator.DEFAULT.directBuffer(n, n);
        } catch (OutOfDirectMemoryError e) {
            return null;
        }
        return copy.writeBytes(payload, payload.readerIndex(), n);
    }

    /** Completes the request; a result arriving for a request already done is released. */
    void complete(Object result) {
        releasePayload();
        if (!future.complete(result)) {
            ReferenceCountUtil.release(result);
        }
    }

    /** Fails the request (nothing happens if it is already done). */
    void fail(Throwable cause) {
        releasePayload();
        future.completeExceptionally(cause);
    }

    /** E.g. {@code NBD_CMD_WRITE [4096, +512)}. */
    String describe() {
        return NbdNames.command(type) + " [" + offset + ", +" + length + ")";
    }

    private void releasePayload() {
        if (payload != null) {
            payload.release();
            payload = null;
        }
    }
}
