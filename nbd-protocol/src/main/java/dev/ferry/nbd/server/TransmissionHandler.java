package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;

import dev.ferry.nbd.ConnectionState;
import dev.ferry.nbd.NbdNames;
import dev.ferry.nbd.codec.FramingLost;
import dev.ferry.nbd.codec.NbdRequest;
import dev.ferry.nbd.codec.NegotiatedSession;
import dev.ferry.nbd.codec.RejectedRequest;
import dev.ferry.nbd.codec.ReplyEncoder;
import dev.ferry.nbd.codec.ReplyFormat;
import dev.ferry.nbd.codec.RequestHeader;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.Export;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.OutOfDirectMemoryError;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one connection in the transmission phase: dispatches requests to the export, writes replies
 * from the channel's event loop as export futures complete (possibly out of order), and enforces
 * {@link ConnectionLimits} by reading (AUTO_READ is off) only while under budget and writable; requests
 * decoded from one socket read beyond the budget wait in a backlog (bounded by that read).
 *
 * <p>Its {@link ConnectionState}: DISC, or a rejection that loses sync, starts DRAINING (nothing more is read);
 * CLOSED once in flight reaches 0, or at once when the channel closes, framing is lost or a reply fails.
 * A request counts as in flight from the moment it is read until its reply's last write completes.
 */
final class TransmissionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(TransmissionHandler.class);


    private final Export export;
    private final NegotiatedSession session;
    private final ReplyFormat format;
    private final ConnectionLimits limits;
    private final ServerState server;
    private ChannelHandlerContext ctx;
    private ConnectionState state = ConnectionState.OPEN;
    private boolean attached;
    private boolean inMaybeRead;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private boolean warnedUnexpected;
    private int inFlight;
    private long inFlightBytes;
    private CompletableFuture<Void> drained;
    private NbdTrafficObserver.Connection traffic = NbdTrafficObserver.Connection.NONE;
    /** The NBD error of the reply being written (set by {@link #writeError}, taken by {@link #finish}). */
    private int replyError;

    TransmissionHandler(Export export, NegotiatedSession session, ConnectionLimits limits, ServerState server) {
        this.export = export;
        this.session = session;
        this.format = session.replyFormat();
        this.limits = limits;
        this.server = server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        attached = true;
        export.clientAttached();
        traffic = server.observer().connectionOpened(export.name());
        server.transmissions.add(this);
        maybeRead();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        detach();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        enterClosed();
        detach();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        maybeRead();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing NBD connection {} after {}", ctx.channel().remoteAddress(), cause.toString());
        enterClosed();
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!backlog.isEmpty() || (state == ConnectionState.OPEN && !underLimits())) {
            backlog.add(msg); // decoded from the same socket read; handled once the budget allows
            return;
        }
        process(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        maybeRead();
        ctx.fireChannelReadComplete();
    }

    private void process(Object msg) {
        if (msg instanceof NbdRequest r) {
            onRequest(r);
        } else if (msg instanceof RejectedRequest r) {
            onRejected(r);
        } else if (msg instanceof FramingLost f) {
            LOG.warn("NBD connection {}: {}; closing", ctx.channel().remoteAddress(), f.reason());
            enterClosed();
            ctx.close();
        } else {
            ReferenceCountUtil.release(msg);
            throw new IllegalStateException("unexpected message " + msg);
        }
    }

    /** Starts a graceful shutdown; the future completes once nothing is in flight. */
    CompletableFuture<Void> drain() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            ctx.executor().execute(() -> {
                drained = f;
                completeDrainIfIdle();
            });
        } catch (RejectedExecutionException e) {
            f.complete(null);
        }
        return f;
    }

    private void onRequest(NbdRequest r) {
        RequestHeader h = r.header();
        if (state != ConnectionState.OPEN) {
            r.release();
            return;
        }
        if (h.type() == NBD_CMD_DISC) {
            r.release();
            transition(ConnectionState.DRAINING);
            closeIfDrained();
            return;
        }
        long cost = h.type() == NBD_CMD_READ || h.type() == NBD_CMD_WRITE ? h.length() : 0;
        long started = admit(h, cost);
        if (server.shuttingDown()) {
            r.release();
            finish(h, started, writeError(h, NBD_ESHUTDOWN, "server is shutting down"), cost);
            return;
        }
        CompletableFuture<?> future;
        try {
            future = dispatch(h, r);
        } catch (RuntimeException | OutOfDirectMemoryError e) {   // no room for a read buffer: this request fails
            future = CompletableFuture.failedFuture(e);
        }
        if (future == null) {
            future = CompletableFuture.failedFuture(new NullPointerException("export returned a null future"));
        }
        future.whenComplete((value, error) -> onEventLoop(h, cost, started, value, error));
    }

    private CompletableFuture<?> dispatch(RequestHeader h, NbdRequest r) {
        boolean fua = h.hasFlag(NBD_CMD_FLAG_FUA);
        if (h.length() == 0 && h.type() != NBD_CMD_FLUSH) {
            r.release();
            return CompletableFuture.completedFuture(h.type() == NBD_CMD_READ ? new ReadResult(List.of()) : null);
        }
        if (h.type() != NBD_CMD_WRITE) {
            r.release();
        }
        return switch (h.type()) {
            case NBD_CMD_READ -> export.read(h.offset(), (int) h.length());
            case NBD_CMD_WRITE -> export.write(h.offset(), r.payload(), fua);
            case NBD_CMD_FLUSH -> export.flush();
            case NBD_CMD_TRIM -> export.trim(h.offset(), h.length(), fua);
            case NBD_CMD_WRITE_ZEROES -> export.writeZeroes(h.offset(), h.length(),
                    h.hasFlag(NBD_CMD_FLAG_NO_HOLE), h.hasFlag(NBD_CMD_FLAG_FAST_ZERO), fua);
            case NBD_CMD_CACHE -> export.cache(h.offset(), h.length());
            case NBD_CMD_BLOCK_STATUS -> BlockStatusReplies.gather(export, session, h);
            default -> throw new IllegalStateException("validated request of unknown type " + h.type());
        };
    }

    private void onEventLoop(RequestHeader h, long cost, long started, Object value, Throwable error) {
        if (ctx.executor().inEventLoop()) {
            complete(h, cost, started, value, error);
            return;
        }
        try {
            ctx.executor().execute(() -> complete(h, cost, started, value, error));
        } catch (RejectedExecutionException e) {
            releaseValue(value);
        }
    }

    private void complete(RequestHeader h, long cost, long started, Object value, Throwable error) {
        try {
            finish(h, started, reply(h, value, error), cost);
        } catch (RuntimeException | Error e) {
            LOG.error("NBD connection {}: failed to reply to cookie {}; closing", ctx.channel().remoteAddress(),
                    h.cookie(), e);
            releaseValue(value);
            enterClosed();
            ctx.close();
        }
    }

    private ChannelFuture reply(RequestHeader h, Object value, Throwable error) {
        ChannelFuture last;
        if (error != null) {
            int nbdError = ExportErrors.nbdError(error);
            logFailure(h, nbdError, error);
            last = writeError(h, nbdError, String.valueOf(ExportErrors.unwrap(error).getMessage()));
        } else if (h.type() == NBD_CMD_READ) {
            last = completeRead(h, (ReadResult) value);
        } else if (h.type() == NBD_CMD_BLOCK_STATUS) {
            last = completeBlockStatus(h, castStatus(value));
        } else {
            last = ctx.write(ReplyEncoder.status(ctx.alloc(), format, h, 0, ""));
        }
        return last;
    }

    private ChannelFuture completeRead(RequestHeader h, ReadResult result) {
        if (result == null || !ReadReplyWriter.covers(result, h.offset(), h.length())) {
            if (result != null) {
                result.release();
            }
            logFailure(h, NBD_EIO, new IllegalStateException("export read result does not cover the request"));
            return writeError(h, NBD_EIO, "internal error: bad read result");
        }
        return ReadReplyWriter.write(ctx, format, h, result);
    }

    private ChannelFuture completeBlockStatus(RequestHeader h, Map<Integer, List<BlockStatusExtent>> byContext) {
        Map<Integer, List<BlockStatusExtent>> shaped = BlockStatusReplies.shape(byContext, h);
        if (shaped.isEmpty()) {
            logFailure(h, NBD_EIO, new IllegalStateException("export returned no extents"));
            return writeError(h, NBD_EIO, "internal error: no extents");
        }
        return BlockStatusReplies.write(ctx, format, h, shaped);
    }

    @SuppressWarnings("unchecked")
    private static Map<Integer, List<BlockStatusExtent>> castStatus(Object value) {
        return (Map<Integer, List<BlockStatusExtent>>) value;
    }

    private void onRejected(RejectedRequest r) {
        if (state != ConnectionState.OPEN) {
            return;
        }
        LOG.debug("NBD connection {}: rejecting {} cookie {} with {}: {}", ctx.channel().remoteAddress(),
                NbdNames.command(r.header().type()), r.header().cookie(), NbdNames.error(r.error()), r.reason());
        long started = admit(r.header(), 0);
        if (r.closeAfterReply()) {
            transition(ConnectionState.DRAINING);
        }
        finish(r.header(), started, writeError(r.header(), r.error(), r.reason()), 0);
    }

    /** An error reply: READ errors are structured chunks once structured replies are negotiated. */
    private ChannelFuture writeError(RequestHeader h, int error, String message) {
        ByteBuf reply = h.type() == NBD_CMD_READ && format != ReplyFormat.SIMPLE
                ? ReplyEncoder.error(ctx.alloc(), format, h, error, message)
                : ReplyEncoder.status(ctx.alloc(), format, h, error, message);
        replyError = error;
        return ctx.write(reply);
    }

    /** Counts request {@code h} in flight; returns when it started, for {@link #finish}. */
    private long admit(RequestHeader h, long cost) {
        inFlight++;
        inFlightBytes += cost;
        traffic.requestStarted(h.type());
        return System.nanoTime();
    }

    /** Flushes the reply to {@code h} whose last write is {@code last}; once written, the request leaves flight. */
    private void finish(RequestHeader h, long started, ChannelFuture last, long cost) {
        int error = replyError;
        replyError = 0;
        ctx.flush();
        last.addListener(f -> {
            inFlight--;
            inFlightBytes -= cost;
            traffic.requestCompleted(h.type(), h.length(), error, System.nanoTime() - started);
            closeIfDrained();
            completeDrainIfIdle();
            maybeRead();
        });
    }

    /**
     * Handles backlogged requests while the budget allows, then asks for more input if there is still
     * room. Redundant read requests are harmless; reading while over budget is what must not happen.
     */
    private void maybeRead() {
        if (inMaybeRead) {
            return;
        }
        inMaybeRead = true;
        try {
            while (!backlog.isEmpty() && (state != ConnectionState.OPEN || underLimits())) {
                process(backlog.poll());
            }
            if (backlog.isEmpty() && state == ConnectionState.OPEN && underLimits()) {
                ctx.read();
            }
        } finally {
            inMaybeRead = false;
        }
    }

    private boolean underLimits() {
        return inFlight < limits.maxInFlightRequests() && inFlightBytes < limits.maxInFlightBytes()
                && ctx.channel().isWritable();
    }

    private void closeIfDrained() {
        if (state == ConnectionState.DRAINING && inFlight == 0) {
            enterClosed();
            ctx.close();
        }
    }

    private void completeDrainIfIdle() {
        if (drained != null && inFlight == 0) {
            drained.complete(null);
        }
    }

    private void detach() {
        for (Object msg = backlog.poll(); msg != null; msg = backlog.poll()) {
            ReferenceCountUtil.release(msg);
        }
        server.transmissions.remove(this);
        if (drained != null) {
            drained.complete(null);
        }
        if (attached) {
            attached = false;
            export.clientDetached();
            traffic.closed();
        }
    }

    private void logFailure(RequestHeader h, int nbdError, Throwable error) {
        Throwable cause = ExportErrors.unwrap(error);
        if (cause instanceof dev.ferry.nbd.export.ExportException) {
            LOG.debug("export {} {} failed with {}: {}", export.name(), NbdNames.command(h.type()),
                    NbdNames.error(nbdError), cause.getMessage());
        } else if (!warnedUnexpected) {
            warnedUnexpected = true;
            LOG.warn("export {} {} failed unexpectedly; answering EIO", export.name(), NbdNames.command(h.type()),
                    cause);
        } else {
            LOG.debug("export {} {} failed unexpectedly: {}", export.name(), NbdNames.command(h.type()),
                    cause.toString());
        }
    }

    private static void releaseValue(Object value) {
        if (value instanceof ReadResult r) {
            r.release();
        }
    }

    private void transition(ConnectionState next) {
        state.checkTransition(next);
        state = next;
    }

    /** Moves to CLOSED unless already there (a close may be reported more than once: error, then inactive). */
    private void enterClosed() {
        if (state != ConnectionState.CLOSED) {
            transition(ConnectionState.CLOSED);
        }
    }
}
