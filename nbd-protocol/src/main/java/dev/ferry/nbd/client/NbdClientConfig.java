package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;
import io.netty.channel.IoEventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to reach and negotiate with an NBD server.
 *
 * @param host              server address (a name or literal)
 * @param port              server TCP port
 * @param exportName        export to open ("" is the server's default export)
 * @param structuredReplies request NBD_OPT_STRUCTURED_REPLY (default true)
 * @param extendedHeaders   request NBD_OPT_EXTENDED_HEADERS first, falling back when refused (default false)
 * @param metaContexts      contexts for NBD_OPT_SET_META_CONTEXT (default {@code base:allocation}); needs
 *                          structured replies
 * @param transport         Netty transport (default {@link NbdTransport#AUTO})
 * @param connectTimeout    TCP connect plus handshake deadline
 * @param maxInFlight       requests sent and not yet answered; further requests wait in a queue
 * @param maxQueued         requests waiting for an in-flight slot; beyond this a request fails at once with
 *                          {@link java.util.concurrent.RejectedExecutionException}
 * @param eventLoopGroup    shared event loop group of the same transport, or null for a private one-thread
 *                          group that the client shuts down when its connection closes
 * @param unixSocket        the server's Unix domain socket, or null to connect to {@code host:port} over TCP (with a
 *                          socket, host and port only name the server in messages)
 */
public record NbdClientConfig(String host, int port, String exportName, boolean structuredReplies,
                              boolean extendedHeaders, List<String> metaContexts, NbdTransport transport,
                              Duration connectTimeout, int maxInFlight, int maxQueued,
                              IoEventLoopGroup eventLoopGroup, Path unixSocket) {

    /** Validates the configuration. */
    public NbdClientConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(exportName, "exportName");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        metaContexts = List.copyOf(metaContexts);
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (maxInFlight <= 0 || maxQueued < 0) {
            throw new IllegalArgumentException("maxInFlight must be positive and maxQueued non-negative: "
                    + maxInFlight + ", " + maxQueued);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
        }
    }

    /** A builder with the defaults for {@code host:port}. */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    /** A builder with the defaults for the server listening on the Unix domain socket {@code socket}. */
    public static Builder builder(Path socket) {
        return new Builder("localhost", NbdConstants.NBD_DEFAULT_PORT).unixSocket(socket);
    }

    /** Where the server is, for messages: {@code host:port}, or the Unix socket's path. */
    public String endpoint() {
        return unixSocket != null ? unixSocket.toString() : host + ":" + port;
    }

    /** Builder for {@link NbdClientConfig}. */
    public static final class Builder {
        private final String host;
        private final int port;
        private String exportName = "";
        private boolean structuredReplies = true;
        private boolean extendedHeaders;
        private List<String> metaContexts = List.of(NbdConstants.BASE_ALLOCATION);
        private NbdTransport transport = NbdTransport.AUTO;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int maxInFlight = 128;
        private int maxQueued = 4096;
        private IoEventLoopGroup eventLoopGroup;
        private Path unixSocket;

        private Builder(String host, int port) {
            this.host = host;
            this.port = port;
        }

        /** The export to open. */
        public Builder exportName(String name) {
            this.exportName = name;
            return this;
        }

        /** Whether to request structured replies. */
        public Builder structuredReplies(boolean on) {
            this.structuredReplies = on;
            return this;
        }

        /** Whether to request extended headers. */
        public Builder extendedHeaders(boolean on) {
            this.extendedHeaders = on;
            return this;
        }

        /** The meta contexts to select (empty selects none). */
        public Builder metaContexts(List<String> contexts) {
            this.metaContexts = contexts;
            return this;
        }

        /** The Netty transport. */
        public Builder transport(NbdTransport t) {
            this.transport = t;
            return this;
        }

        /** Deadline for connecting and negotiating. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Most requests on the wire at once. */
        public Builder maxInFlight(int n) {
            this.maxInFlight = n;
            return this;
        }

        /** Most requests waiting for an in-flight slot. */
        public Builder maxQueued(int n) {
            this.maxQueued = n;
            return this;
        }

        /** A shared event loop group (its transport must match {@link #transport}). */
        public Builder eventLoopGroup(IoEventLoopGroup group) {
            this.eventLoopGroup = group;
            return this;
        }

        /** Connect to the Unix domain socket {@code socket} instead of TCP. */
        public Builder unixSocket(Path socket) {
            this.unixSocket = socket;
            return this;
        }

        /** Builds the validated configuration. */
        public NbdClientConfig build() {
            return new NbdClientConfig(host, port, exportName, structuredReplies, extendedHeaders, metaContexts,
                    transport, connectTimeout, maxInFlight, maxQueued, eventLoopGroup, unixSocket);
        }
    }
}
