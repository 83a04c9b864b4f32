package dev.ferry.nbd.server;

import dev.ferry.nbd.access.ExportAccess;
import dev.ferry.nbd.codec.HandshakeEncoder;
import dev.ferry.nbd.codec.OptionRequestDecoder;
import dev.ferry.nbd.codec.PayloadBudget;
import dev.ferry.nbd.codec.PayloadRecvByteBufAllocator;
import dev.ferry.nbd.export.ExportCatalog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.time.Duration;

/**
 * What every accepted connection of one {@link NbdServer} starts with: the handshake pipeline, fed with the server's
 * exports, TLS, access rules, limits and timeouts, and the peer's identity as the socket reports it.
 *
 * @param catalog          the exports
 * @param tls              the server's TLS
 * @param access           who may open which export
 * @param limits           per-connection flow-control limits
 * @param server           state shared with the connections
 * @param handshakeTimeout how long a client may take to enter transmission
 * @param stallTimeout     how long a request may stall half-received
 * @param payloadBudget    bytes of WRITE payloads received at once over all connections
 */
record ConnectionSetup(ExportCatalog catalog, TlsSettings tls, ExportAccess access, ConnectionLimits limits,
                       ServerState server, Duration handshakeTimeout, Duration stallTimeout,
                       PayloadBudget payloadBudget) {

    /** Sets up each accepted connection for the handshake. */
    ChannelInitializer<Channel> initializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                server.channels.add(ch);
                ch.config().setRecvByteBufAllocator(new PayloadRecvByteBufAllocator());
                ch.pipeline()
                        .addLast("flush-consolidation", new FlushConsolidationHandler(256, true))
                        .addLast(HandshakeHandler.HANDSHAKE_ENCODER, new HandshakeEncoder())
                        .addLast(HandshakeHandler.OPTION_DECODER, new OptionRequestDecoder())
                        .addLast(HandshakeHandler.HANDSHAKE_HANDLER, new HandshakeHandler(
                                new OptionNegotiator(catalog, tls.mode(), access, PeerIdentity.of(ch)), limits, server,
                                handshakeTimeout, stallTimeout, payloadBudget, tls));
            }
        };
    }
}
