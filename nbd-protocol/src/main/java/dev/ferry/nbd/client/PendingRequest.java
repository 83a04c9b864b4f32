package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One request from submission to its final reply: it owns the request's payload until it is written, then
 * collects the reply chunks for its cookie and completes its future with a {@link RawReply}.
 * Confined to the connection's event loop once submitted.
 */
final class PendingRequest {

    private final int type;
    private final int flags;
    private final long offset;
    private final long length;
    private final CompletableFuture<RawReply> future = new CompletableFuture<>();
    private ByteBuf payload;
    private ExpectedReply expected;
    private ReadAssembly read;
    private Map<Integer, List<BlockStatusExtent>> status;
    private int error;
    private String message = "";
    private long errorOffset = -1;

    /** A request; ownership of {@code payload} (may be null) moves to this object. */
    PendingRequest(int type, int flags, long offset, long length, ByteBuf payload) {
        this.type = type;
        this.flags = flags;
        this.offset = offset;
        this.length = length;
        this.payload = payload;
    }

    /** The future completed by the final reply, or failed when the connection is lost. */
    CompletableFuture<RawReply> future() {
        return future;
    }

    /** NBD_CMD_* of this request. */
    int type() {
        return type;
    }

    /** What the reply decoder checks chunks against. */
    ExpectedReply expected() {
        return expected;
    }

    /** Builds the wire message for {@code cookie}; the payload's ownership moves to the message. */
    NbdRequest toWire(long cookie) {
        expected = new ExpectedReply(type, flags, offset, length);
        if (type == NbdConstants.NBD_CMD_READ) {
            read = new ReadAssembly(offset, Math.toIntExact(length));
        }
        NbdRequest request = new NbdRequest(flags, type, cookie, offset, length, payload);
        payload = null;
        return request;
    }

    /**
     * Takes one reply for this request; returns true when it was the last.
     *
     * @throws NbdProtocolException when the reply is inconsistent with earlier ones
     */
    boolean accept(NbdReply reply, Set<Integer> contextIds, ByteBufAllocator alloc) {
        if (reply instanceof NbdReply.Simple s) {
            if (s.error() != 0) {
                recordError(s.error(), "", -1);
            } else if (s.data() != null) {
                read.addData(offset, s.data(), alloc);
            }
        } else if (reply instanceof NbdReply.OffsetData d) {
            if (error != 0) {
                d.releaseData();
            } else {
                read.addData(d.offset(), d.data(), alloc);
            }
        } else if (reply instanceof NbdReply.OffsetHole h) {
            if (error == 0) {
                read.addHole(h.offset(), h.length(), alloc);
            }
        } else if (reply instanceof NbdReply.BlockStatus b) {
            addStatus(b, contextIds);
        } else if (reply instanceof NbdReply.Error e) {
            recordError(e.error(), e.message(), e.offset());
        }
        return reply.done();
    }

    /** Completes the future from the collected replies (the request's final reply has arrived). */
    void complete(Set<Integer> contextIds) {
        if (error != 0) {
            releaseAssembly();
            future.complete(new RawReply(error, message, errorOffset, null, Map.of()));
            return;
        }
        ByteBuf data = null;
        if (type == NbdConstants.NBD_CMD_READ && read != null) {
            data = read.finish();
        }
        if (type == NbdConstants.NBD_CMD_BLOCK_STATUS
                && (status == null ? !contextIds.isEmpty() : !status.keySet().equals(contextIds))) {
            throw new NbdProtocolException("BLOCK_STATUS at " + offset + " succeeded with chunks for contexts "
                    + (status == null ? Set.of() : status.keySet()) + ", expected one for each of " + contextIds);
        }
        RawReply reply = new RawReply(0, "", -1, data, status == null ? Map.of() : status);
        if (!future.complete(reply)) {
            reply.release();
        }
    }

    /** Fails the future and drops everything this request still owns. */
    void fail(Throwable cause) {
        if (payload != null) {
            payload.release();
            payload = null;
        }
        releaseAssembly();
        future.completeExceptionally(cause);
    }

    private void releaseAssembly() {
        if (read != null) {
            read.release();
        }
    }

    private void recordError(int errno, String msg, long at) {
        if (error == 0) {
            error = errno;
            message = msg;
            errorOffset = at;
            releaseAssembly();
        }
    }

    private void addStatus(NbdReply.BlockStatus b, Set<Integer> contextIds) {
        if (!contextIds.contains(b.contextId())) {
            throw new NbdProtocolException("BLOCK_STATUS chunk for context id " + b.contextId()
                    + ", which was not negotiated " + contextIds);
        }
        if (status == null) {
            status = new HashMap<>();
        }
        if (status.putIfAbsent(b.contextId(), b.extents()) != null) {
            throw new NbdProtocolException("second BLOCK_STATUS chunk for context id " + b.contextId());
        }
    }
}
