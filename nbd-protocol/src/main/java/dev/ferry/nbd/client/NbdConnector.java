package dev.ferry.nbd.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Opens a TCP (or Unix domain socket) connection and runs the handshake for one {@link NegotiationHandler.Purpose}, under the
 * configured deadline; owns the private event loop group when the configuration brings none.
 */
final class NbdConnector {

    private NbdConnector() {
    }

    /** A negotiated connection: the channel and what was agreed. */
    record Opened(Channel channel, Negotiated negotiated) {
    }

    /** Connects and negotiates; the future fails with the cause and leaves nothing open. */
    static CompletableFuture<Opened> open(NbdClientConfig config, NegotiationHandler.Purpose purpose) {
        NbdTransport transport = resolveTransport(config);
        boolean ownGroup = config.eventLoopGroup() == null;
        IoEventLoopGroup group = ownGroup
                ? new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory()) : config.eventLoopGroup();
        CompletableFuture<Opened> opened = new CompletableFuture<>();
        HandshakeDecoder decoder = new HandshakeDecoder();
        NegotiationHandler negotiator = new NegotiationHandler(config, purpose, decoder);
        boolean unix = config.unixSocket() != null;
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(unix ? transport.domainChannelClass() : transport.channelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        config.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("nbd-handshake-decoder", decoder)
                                .addLast("nbd-option-encoder", new OptionRequestEncoder())
                                .addLast("nbd-negotiator", negotiator);
                    }
                });
        if (!unix) {
            bootstrap.option(ChannelOption.TCP_NODELAY, true);
        }
        ChannelFuture connect = unix ? bootstrap.connect(transport.domainAddress(config.unixSocket()))
                : bootstrap.connect(config.host(), config.port());
        Channel channel = connect.channel();
        if (ownGroup) {
            channel.closeFuture().addListener(f -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        }
        negotiator.result().whenComplete((negotiated, error) -> {
            if (error != null) {
                channel.close();
                opened.completeExceptionally(error);
            } else {
                opened.complete(new Opened(channel, negotiated));
            }
        });
        if (connect.cause() != null) { // registration failed: the channel has no event loop to run on
            negotiator.result().completeExceptionally(connect.cause());
        } else {
            EventLoopTasks.run(channel, () -> watch(config, connect, negotiator),
                    gone -> negotiator.result().completeExceptionally(new NbdConnectionClosedException(
                            "NBD connection to " + config.endpoint()
                                    + " closed before the handshake started", gone)));
        }
        return opened;
    }

    /** On the event loop: arms the handshake deadline and fails the handshake when the connect fails. */
    private static void watch(NbdClientConfig config, ChannelFuture connect, NegotiationHandler negotiator) {
        Channel channel = connect.channel();
        var deadline = channel.eventLoop().schedule(() -> negotiator.fail(new TimeoutException(
                "NBD handshake with " + config.endpoint() + " did not finish within "
                        + config.connectTimeout())), config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        negotiator.result().whenComplete((negotiated, error) -> deadline.cancel(false));
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                negotiator.result().completeExceptionally(f.cause());
                channel.close();
            }
        });
    }

    private static NbdTransport resolveTransport(NbdClientConfig config) {
        IoEventLoopGroup group = config.eventLoopGroup();
        if (group == null || config.transport() != NbdTransport.AUTO) {
            return config.transport().resolve();
        }
        if (group.isIoType(EpollIoHandler.class)) {
            return NbdTransport.EPOLL;
        }
        if (group.isIoType(NioIoHandler.class)) {
            return NbdTransport.NIO;
        }
        throw new IllegalArgumentException("event loop group is neither epoll nor NIO: " + group);
    }
}
