package dev.ferry.daemon.remote;

import dev.ferry.daemon.model.PvUri;
import dev.ferry.daemon.model.RemoteHealth;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.NbdClient;
import dev.ferry.nbd.client.NbdClientConfig;
import io.netty.channel.IoEventLoopGroup;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One checked connection to a remote PV's export, and its health.
 *
 * <p>{@link #open} connects through {@link NbdClient} asking for structured replies, extended headers (used when
 * the server offers them) and {@code base:allocation}, and refuses a read-only export and one without SEND_FLUSH:
 * a PV's writes must be able to become durable. One connection is used even when the server says CAN_MULTI_CONN.
 *
 * <p>Health: {@link RemoteHealth.State#CONNECTED} until the connection closes without {@link #close} (then
 * {@link RemoteHealth.State#FAILED} with the reason). {@link #reported} is the one entry for state changes: today
 * the close of the connection calls it; an NBD client that reports its own states (reconnecting, failed) calls it
 * the same way.
 */
final class RemoteExport implements AutoCloseable {
    /** Requests that may wait for an in-flight slot before one fails at once (the mapper bounds its own I/O). */
    private static final int MAX_QUEUED = 1 << 16;
    private final PvUri uri;
    private final NbdClient client;
    private volatile RemoteHealth health = new RemoteHealth(RemoteHealth.State.CONNECTED, "");
    private volatile boolean closed;

    private RemoteExport(PvUri uri, NbdClient client) {
        this.uri = uri;
        this.client = client;
        client.closeFuture().whenComplete((v, e) -> {
            if (!closed) {
                reported(RemoteHealth.State.FAILED, "connection to " + uri.endpoint() + " closed"
                        + (e == null ? "" : ": " + e.getMessage()));
            }
        });
    }

    /** Connects to {@code uri} (see the class comment); fails with a message saying why the export is refused. */
    static RemoteExport open(PvUri uri, IoEventLoopGroup group, Duration timeout) throws IOException {
        if (uri.scheme().tls()) {
            throw new IOException("TLS for remote PVs is not available yet (Ferry's NBD client speaks no TLS)");
        }
        NbdClientConfig.Builder server = uri.scheme().unix() ? NbdClientConfig.builder(uri.socket())
                : NbdClientConfig.builder(uri.host(), uri.port());
        NbdClientConfig config = server.exportName(uri.exportName())
                .structuredReplies(true).extendedHeaders(true).metaContexts(List.of(NbdConstants.BASE_ALLOCATION))
                .connectTimeout(timeout).eventLoopGroup(group).maxQueued(MAX_QUEUED).build();
        NbdClient client;
        try {
            client = NbdClient.connect(config).get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("cannot connect to " + uri.endpoint() + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("cannot connect to " + uri.endpoint() + ": no handshake within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + uri.endpoint(), e);
        }
        String refused = refusal(client);
        if (refused != null) {
            client.close();
            throw new IOException("export '" + uri.exportName() + "' at " + uri.endpoint() + " is refused: " + refused);
        }
        return new RemoteExport(uri, client);
    }

    /** Why a negotiated export cannot be a PV, or null. */
    private static String refusal(NbdClient client) {
        if (client.export().hasFlag(NbdConstants.NBD_FLAG_READ_ONLY)) {
            return "it is read-only (a PV must be writable)";
        }
        if (!client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_FLUSH)) {
            return "it offers no FLUSH (NBD_FLAG_SEND_FLUSH unset), so writes to it could never be made durable";
        }
        return null;
    }

    /** The export's URI. */
    PvUri uri() {
        return uri;
    }

    /** The connection. */
    NbdClient client() {
        return client;
    }

    /** The connection's health now. */
    RemoteHealth health() {
        return health;
    }

    /** Whether requests can still succeed: not failed and not closed. */
    boolean usable() {
        return !closed && health.state() != RemoteHealth.State.FAILED;
    }

    /**
     * The connection's state changed to {@code state} for {@code reason}: the plug for an NBD client's state
     * listener (UP = {@link RemoteHealth.State#CONNECTED}, RECONNECTING, FAILED). A FAILED connection stays failed.
     */
    void reported(RemoteHealth.State state, String reason) {
        if (health.state() != RemoteHealth.State.FAILED) {
            health = new RemoteHealth(state, reason);
        }
    }

    /** What the connection negotiated, for logs. */
    String describe() {
        return uri + " (" + client.size() + " bytes, " + client.replyFormat().name().toLowerCase(java.util.Locale.ROOT) + " replies"
                + (client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_FUA) ? ", FUA" : "") + ")";
    }

    /** Disconnects (pending requests finish first); not a failure. */
    @Override
    public void close() {
        closed = true;
        client.disconnect().whenComplete((v, e) -> client.close());
    }
}
