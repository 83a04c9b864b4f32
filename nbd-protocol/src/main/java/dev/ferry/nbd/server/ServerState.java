package dev.ferry.nbd.server;

import io.netty.channel.group.ChannelGroup;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * State one {@link NbdServer} shares with its connections: the open channels, the connections in
 * transmission, and whether the server is shutting down (then new requests get ESHUTDOWN).
 */
final class ServerState {

    final ChannelGroup channels;
    final Set<TransmissionHandler> transmissions = ConcurrentHashMap.newKeySet();
    private volatile boolean shuttingDown;

    ServerState(ChannelGroup channels) {
        this.channels = channels;
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    void beginShutdown() {
        shuttingDown = true;
    }
}
