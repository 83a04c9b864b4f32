package dev.ferry.nbd.server;

import dev.ferry.nbd.access.SubjectAltName;
import dev.ferry.nbd.codec.ClientFlags;
import dev.ferry.nbd.codec.ClientHandshakeMessage;
import dev.ferry.nbd.codec.HandshakeViolation;
import dev.ferry.nbd.codec.OptionRequest;
import dev.ferry.nbd.codec.OversizedOption;
import dev.ferry.nbd.codec.PayloadBudget;
import dev.ferry.nbd.codec.RequestDecoder;
import dev.ferry.nbd.codec.ServerGreeting;
import dev.ferry.nbd.codec.ServerHandshakeMessage;
import dev.ferry.nbd.tls.TlsFailures;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the handshake of one connection: sends the greeting, feeds decoded client messages to an
 * {@link OptionNegotiator}, writes its replies, and on GO/EXPORT_NAME rebuilds the pipeline for the
 * transmission phase (request decoder, {@link TransmissionHandler}). The whole handshake must finish within
 * the handshake timeout, counted from the connection: a client that sends nothing, or trickles an option
 * byte by byte, is dropped when it expires.
 */
final class HandshakeHandler extends SimpleChannelInboundHandler<ClientHandshakeMessage> {

    static final String HANDSHAKE_ENCODER = "nbd-handshake-encoder";
    static final String OPTION_DECODER = "nbd-option-decoder";
    static final String HANDSHAKE_HANDLER = "nbd-handshake";
    static final String REQUEST_DECODER = "nbd-request-decoder";
    static final String STALL_GUARD = "nbd-stall-guard";
    static final String TRANSMISSION = "nbd-transmission";
    static final String TLS = "nbd-tls";

    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

    private final OptionNegotiator negotiator;
    private final ConnectionLimits limits;
    private final ServerState server;
    private final Duration timeout;
    private final Duration stallTimeout;
    private final PayloadBudget budget;
    private final TlsSettings tls;
    private ScheduledFuture<?> deadline;

    HandshakeHandler(OptionNegotiator negotiator, ConnectionLimits limits, ServerState server, Duration timeout,
            Duration stallTimeout, PayloadBudget budget, TlsSettings tls) {
        this.budget = budget;
        this.tls = tls;
        this.negotiator = negotiator;
        this.limits = limits;
        this.server = server;
        this.timeout = timeout;
        this.stallTimeout = stallTimeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            LOG.info("NBD connection {}: handshake not finished within {}; closing", ctx.channel().remoteAddress(),
                    timeout);
            ctx.close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        ctx.writeAndFlush(new ServerGreeting(OptionNegotiator.HANDSHAKE_FLAGS));
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        readIfNegotiating(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        readIfNegotiating(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    /** Reads more options only while replies drain: a client that never reads cannot grow our buffers. */
    private void readIfNegotiating(ChannelHandlerContext ctx) {
        OptionNegotiator.State state = negotiator.state();
        if ((state == OptionNegotiator.State.AWAIT_CLIENT_FLAGS || state == OptionNegotiator.State.OPTIONS)
                && ctx.channel().isWritable()) {
            ctx.read();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelDeadline();
        ctx.fireChannelInactive();
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("closing NBD connection {} during handshake after {}", ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ClientHandshakeMessage msg) {
        OptionNegotiator.State state = negotiator.state();
        if (state == OptionNegotiator.State.CLOSED || state == OptionNegotiator.State.TRANSMISSION) {
            return; // input after a close decision is ignored
        }
        NegotiationStep step;
        if (msg instanceof HandshakeViolation v) {
            LOG.warn("NBD connection {}: {}; closing", ctx.channel().remoteAddress(), v.reason());
            ctx.close();
            return;
        } else if (msg instanceof ClientFlags f) {
            step = negotiator.onClientFlags(f);
            if (step.outcome() == NegotiationStep.Outcome.CLOSE) {
                LOG.debug("NBD connection {}: unsupported client flags 0x{}; closing", ctx.channel().remoteAddress(),
                        Integer.toHexString(f.flags()));
            }
        } else if (msg instanceof OversizedOption o) {
            step = negotiator.onOversizedOption(o);
        } else {
            step = negotiator.onOption((OptionRequest) msg);
        }
        if (step.outcome() == NegotiationStep.Outcome.STARTTLS) {
            startTls(ctx, step);
            return;
        }
        for (ServerHandshakeMessage reply : step.replies()) {
            ctx.write(reply);
        }
        switch (step.outcome()) {
            case CONTINUE -> ctx.flush();
            case CLOSE -> ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            case TRANSMISSION -> {
                ctx.flush();
                enterTransmission(ctx, step);
            }
            default -> throw new IllegalStateException("unknown outcome " + step.outcome());
        }
    }

    /**
     * Puts TLS under the connection: the acknowledgement is written in plain text first (on the event loop a write
     * reaches the socket's outbound buffer before the call returns), then the TLS handler goes first in the pipeline;
     * once the TLS handshake is done, negotiation goes on over TLS (a failed handshake closes the connection). Reads
     * then land in ordinary buffers: ciphertext must never be read straight into a WRITE's payload buffer.
     */
    private void startTls(ChannelHandlerContext ctx, NegotiationStep step) {
        for (ServerHandshakeMessage reply : step.replies()) {
            ctx.write(reply);
        }
        ctx.flush();
        SslHandler ssl = tls.newHandler(ctx.alloc());
        ctx.pipeline().addFirst(TLS, ssl);
        ctx.channel().config().setRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator());
        ssl.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                Optional<X509Certificate> client = PeerIdentity.clientCertificate(ssl.engine().getSession());
                negotiator.onTlsEstablished(client.map(X509Certificate::getSubjectX500Principal),
                        client.map(SubjectAltName::of).orElse(List.of()));
                LOG.debug("NBD connection {}: TLS {} with {}", ctx.channel().remoteAddress(),
                        ssl.engine().getSession().getProtocol(), ssl.engine().getSession().getCipherSuite());
                ctx.read();
            } else {
                LOG.info("NBD connection {}: TLS handshake failed: {}; closing", ctx.channel().remoteAddress(),
                        TlsFailures.describe(done.cause()));
                ctx.close();
            }
        });
    }

    private void enterTransmission(ChannelHandlerContext ctx, NegotiationStep step) {
        ChannelPipeline p = ctx.pipeline();
        RequestDecoder decoder = new RequestDecoder(step.session(), budget);
        p.addAfter(OPTION_DECODER, REQUEST_DECODER, decoder);
        p.addBefore(REQUEST_DECODER, STALL_GUARD, new StalledRequestGuard(decoder, budget, stallTimeout));
        p.addLast(TRANSMISSION, new TransmissionHandler(step.export(), step.session(), limits, server));
        p.remove(this);
        p.remove(HANDSHAKE_ENCODER);
        // Removing the option decoder forwards bytes already received after the option to the request decoder.
        p.remove(OPTION_DECODER);
    }
}
