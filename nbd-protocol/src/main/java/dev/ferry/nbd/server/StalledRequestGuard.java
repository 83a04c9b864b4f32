package dev.ferry.nbd.server;

import dev.ferry.nbd.codec.PayloadBudget;
import dev.ferry.nbd.codec.RequestDecoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a transmission-phase connection whose client stopped in the middle of a request: the server asked for
 * more bytes (a read is pending, so the server's own flow control is not what holds it back), the request decoder
 * holds part of a request (a header, or a WRITE payload and its buffer), and nothing arrived for the stall timeout.
 * A connection idle between requests is never closed: NBD clients may sit idle for as long as they like. Checked
 * every quarter of the timeout on the channel's event loop, so a stall is noticed within 1.25 timeouts.
 *
 * <p>It also holds the connection's reads while its decoder has a WRITE payload waiting for room in the server's
 * {@link PayloadBudget} (the bytes stay in the kernel's socket buffers, not in memory here): once a release makes
 * room it admits the payload, passes on the bytes already buffered and reads again. Time spent held is the server's,
 * not the client's, and never counts as a stall.
 */
final class StalledRequestGuard extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StalledRequestGuard.class);

    private final RequestDecoder decoder;
    private final PayloadBudget budget;
    private final Duration timeout;
    /** When the server asked for bytes that have not come yet (System.nanoTime), or 0 when no read waits. */
    private long waitingSince;
    private ScheduledFuture<?> check;
    /** A read held while the payload waits for the budget (one retry registered with it). */
    private boolean held;

    StalledRequestGuard(RequestDecoder decoder, PayloadBudget budget, Duration timeout) {
        this.decoder = decoder;
        this.budget = budget;
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), timeout.toNanos() / 4);
        check = ctx.executor().scheduleWithFixedDelay(() -> check(ctx), period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        check.cancel(false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        check.cancel(false);
        ctx.fireChannelInactive();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (decoder.awaitingBudget()) {
            if (!held) {
                held = true;
                waitingSince = 0;
                budget.whenRoomFor(decoder.awaitedBytes(), () -> ctx.executor().execute(() -> retry(ctx)));
            }
            return;
        }
        if (waitingSince == 0) {
            waitingSince = System.nanoTime();
        }
        ctx.read();
    }

    /** On the event loop after a release: admits the waiting payload if it fits now, else waits on. */
    private void retry(ChannelHandlerContext ctx) {
        held = false;
        if (ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        if (decoder.admitAwaitedPayload(ctx)) {
            ctx.fireChannelRead(Unpooled.EMPTY_BUFFER);   // the decoder goes on with the bytes it holds
            ctx.fireChannelReadComplete();                // and asks for more if the request is still partial
        }
        read(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        waitingSince = 0;
        ctx.fireChannelRead(msg);
    }

    private void check(ChannelHandlerContext ctx) {
        if (waitingSince != 0 && System.nanoTime() - waitingSince >= timeout.toNanos() && decoder.midRequest()) {
            LOG.info("NBD connection {}: the client sent part of a request and then nothing for {}; closing",
                    ctx.channel().remoteAddress(), timeout);
            check.cancel(false);
            ctx.close();
        }
    }
}
