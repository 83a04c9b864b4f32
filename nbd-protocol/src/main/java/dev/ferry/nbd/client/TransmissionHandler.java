package dev.ferry.nbd.client;

import dev.ferry.nbd.ConnectionState;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.codec.NbdRequest;
import dev.ferry.nbd.codec.RequestHeader;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmission phase of one connection: assigns cookies, keeps at most {@code maxInFlight} requests on the
 * wire (queueing up to {@code maxQueued} more, rejecting beyond), matches replies by cookie, and fails every
 * pending request when the connection is lost. All methods run on the channel's event loop.
 *
 * <p>Its {@link ConnectionState}: {@link #disconnect} starts DRAINING (no new requests; DISC once nothing is
 * pending, then the channel closes); CLOSED when the channel goes inactive, from either.
 */
final class TransmissionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(TransmissionHandler.class);


    private final int maxInFlight;
    private final int maxQueued;
    private final Set<Integer> contextIds;
    private final boolean extendedHeaders;
    private final Map<Long, PendingRequest> inFlight = new HashMap<>();
    private final ArrayDeque<PendingRequest> queue = new ArrayDeque<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private ChannelHandlerContext ctx;
    private ConnectionState state = ConnectionState.OPEN;
    private long nextCookie = 1;
    private Throwable failure;
    private boolean discSent;

    TransmissionHandler(int maxInFlight, int maxQueued, Set<Integer> contextIds, boolean extendedHeaders) {
        this.maxInFlight = maxInFlight;
        this.extendedHeaders = extendedHeaders;
        this.maxQueued = maxQueued;
        this.contextIds = Set.copyOf(contextIds);
    }

    /** What the reply decoder needs to know about the request with this cookie, or null. */
    ExpectedReply expected(long cookie) {
        PendingRequest p = inFlight.get(cookie);
        return p == null ? null : p.expected();
    }

    /** Completes once the channel has closed, for whatever reason. */
    CompletableFuture<Void> closedFuture() {
        return closed;
    }

    /** Requests on the wire without a final reply. */
    int inFlightCount() {
        return inFlight.size();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        if (!context.channel().isActive()) { // no channelInactive will follow
            transition(ConnectionState.CLOSED);
            closed.complete(null);
        }
    }

    /** Sends the request now, queues it, or fails it (closed, draining, or queue full). */
    void submit(PendingRequest request) {
        if (state != ConnectionState.OPEN) {
            request.fail(state == ConnectionState.DRAINING
                    ? new IllegalStateException("connection is disconnecting; no new requests")
                    : closedException());
        } else if (inFlight.size() < maxInFlight) {
            send(request);
        } else if (queue.size() < maxQueued) {
            queue.add(request);
        } else {
            request.fail(new RejectedExecutionException("NBD client queue full: " + inFlight.size()
                    + " in flight, " + queue.size() + " queued"));
        }
    }

    /** Stops accepting requests; DISC and close follow once every pending request has its reply. */
    void disconnect() {
        if (state == ConnectionState.OPEN) {
            transition(ConnectionState.DRAINING);
            maybeSendDisc();
        }
    }

    /** Closes the connection at once, failing whatever is pending. */
    void abort(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        ctx.close();
    }

    private void send(PendingRequest request) {
        long cookie = nextCookie++;
        inFlight.put(cookie, request);
        ctx.writeAndFlush(request.toWire(cookie, extendedHeaders)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                abort(f.cause());
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (!(msg instanceof NbdReply reply)) {
            context.fireChannelRead(msg);
            return;
        }
        PendingRequest request = inFlight.get(reply.cookie());
        if (request == null) { // the decoder checks cookies; only a bug could get here
            reply.releaseData();
            abort(new NbdProtocolException("reply for unknown cookie 0x" + Long.toHexString(reply.cookie())));
            return;
        }
        try {
            if (!request.accept(reply, contextIds, context.alloc())) {
                return;
            }
            inFlight.remove(reply.cookie());
            request.complete(contextIds);
        } catch (NbdProtocolException e) {
            inFlight.remove(reply.cookie());
            request.fail(e);
            abort(e);
            return;
        }
        while (state != ConnectionState.CLOSED && inFlight.size() < maxInFlight && !queue.isEmpty()) {
            send(queue.poll());
        }
        maybeSendDisc();
    }

    private void maybeSendDisc() {
        if (state == ConnectionState.DRAINING && !discSent && inFlight.isEmpty() && queue.isEmpty()) {
            discSent = true;
            NbdRequest disc = new NbdRequest(new RequestHeader(0, NbdConstants.NBD_CMD_DISC, nextCookie++, 0, 0,
                    extendedHeaders));
            ctx.writeAndFlush(disc).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        LOG.warn("NBD connection to {} failed: {}", context.channel().remoteAddress(), cause.toString());
        abort(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        if (state != ConnectionState.CLOSED) {
            transition(ConnectionState.CLOSED);
        }
        NbdConnectionClosedException cause = closedException();
        List<PendingRequest> all = new ArrayList<>(inFlight.values());
        all.addAll(queue);
        inFlight.clear();
        queue.clear();
        for (PendingRequest p : all) {
            p.fail(cause);
        }
        closed.complete(null);
        context.fireChannelInactive();
    }

    private NbdConnectionClosedException closedException() {
        return new NbdConnectionClosedException(failure == null ? "NBD connection closed"
                : "NBD connection closed: " + failure.getMessage(), failure);
    }

    private void transition(ConnectionState next) {
        state.checkTransition(next);
        state = next;
    }
}
