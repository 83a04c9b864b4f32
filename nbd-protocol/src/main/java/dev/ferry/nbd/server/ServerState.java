package dev.ferry.nbd.server;

import io.netty.channel.group.ChannelGroup;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * State one {@link NbdServer} shares with its connections: the open channels, the connections in
 * transmission, whether the server is shutting down (then new requests get ESHUTDOWN), and the observer of
 * their traffic.
 */
final class ServerState {

    final ChannelGroup channels;
    final Set<TransmissionHandler> transmissions = ConcurrentHashMap.newKeySet();
    private final NbdTrafficObserver observer;
    private volatile boolean shuttingDown;

    ServerState(ChannelGroup channels, NbdTrafficObserver observer) {
        this.channels = channels;
        this.observer = observer;
    }

    NbdTrafficObserver observer() {
        return observer;
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    void beginShutdown() {
        shuttingDown = true;
    }
}
