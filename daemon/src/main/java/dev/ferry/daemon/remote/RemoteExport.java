package dev.ferry.daemon.remote;

import dev.ferry.daemon.model.LinkSettings;
import dev.ferry.daemon.model.PvUri;
import dev.ferry.daemon.model.RemoteHealth;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.NbdBlockClient;
import dev.ferry.nbd.client.NbdClientConfig;
import dev.ferry.nbd.client.NbdClientTls;
import dev.ferry.nbd.client.NbdLiveness;
import dev.ferry.nbd.client.resilient.LinkHealth;
import dev.ferry.nbd.client.resilient.ResilientNbdClient;
import io.netty.channel.IoEventLoopGroup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One remote PV's link to its export, and its health.
 *
 * <p>{@link #open} connects through a {@link ResilientNbdClient} configured from the URI's {@link LinkSettings}
 * (the socket's TCP_USER_TIMEOUT twice the request timeout, so that the request deadline, not the kernel, acts
 * first on a silent network) and TLS for {@code nbds://}, asking for structured replies, extended headers (used when the server offers them)
 * and {@code base:allocation}, and refuses a read-only export and one without SEND_FLUSH: a PV's writes must be able
 * to become durable. One connection is used even when the server says CAN_MULTI_CONN. The client reconnects by
 * itself within the reconnect window; a new connection must reach the same export (size, flags, meta contexts) and
 * carry the same PV label ({@link LabelIdentity}).
 *
 * <p>Health follows the client's link states: UP is {@link RemoteHealth.State#CONNECTED} (with the reconnect count
 * once there was one), RECONNECTING and FAILED map to theirs with the reason of the loss. A FLUSH refused because
 * writes acknowledged before a reconnect may have been lost fails the link too ({@link #flushRefused}): the client
 * is closed and the PV is lost, as a disk that lost written data would be. A FAILED link stays failed.
 */
final class RemoteExport implements AutoCloseable {
    /** Requests that may wait for an in-flight slot before one fails at once (the mapper bounds its own I/O). */
    private static final int MAX_QUEUED = 1 << 16;
    /** What a metadata request may take beyond the client's own bound (request timeout plus reconnect window). */
    private static final Duration METADATA_SLACK = Duration.ofSeconds(1);

    private final PvUri uri;
    private final LabelIdentity identity;
    private volatile ResilientNbdClient client;
    private volatile RemoteHealth health = new RemoteHealth(RemoteHealth.State.CONNECTED, "");
    private volatile boolean closed;

    private RemoteExport(PvUri uri) {
        this.uri = uri;
        this.identity = new LabelIdentity(uri.toString());
    }

    /** Connects to {@code uri} (see the class comment); fails with a message saying why the export is refused. */
    static RemoteExport open(PvUri uri, IoEventLoopGroup group) throws IOException {
        LinkSettings link = uri.link();
        NbdClientConfig.Builder server = uri.scheme().unix() ? NbdClientConfig.builder(uri.socket())
                : NbdClientConfig.builder(uri.host(), uri.port());
        if (uri.scheme().tls()) {
            server.tls(NbdClientTls.fromCertificates(uri.tlsCertificates(), true, true));
        }
        NbdClientConfig config = server.exportName(uri.exportName())
                .structuredReplies(true).extendedHeaders(true).metaContexts(List.of(NbdConstants.BASE_ALLOCATION))
                .connectTimeout(link.connectTimeout()).eventLoopGroup(group).maxQueued(MAX_QUEUED)
                .liveness(new NbdLiveness(link.requestTimeout(), link.heartbeatInterval(), link.reconnectWindow(),
                        link.requestTimeout().multipliedBy(2)))
                .build();
        RemoteExport export = new RemoteExport(uri);
        ResilientNbdClient client;
        try {
            client = ResilientNbdClient.builder(config).reconnectCheck(export.identity).listener(export::linkChanged)
                    .connect().get(link.connectTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("cannot connect to " + uri.endpoint() + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("cannot connect to " + uri.endpoint() + ": no handshake within "
                    + LinkSettings.format(link.connectTimeout()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + uri.endpoint(), e);
        }
        String refused = refusal(client);
        if (refused != null) {
            client.close();
            throw new IOException("export '" + uri.exportName() + "' at " + uri.endpoint() + " is refused: " + refused);
        }
        export.client = client;
        return export;
    }

    /** Why a negotiated export cannot be a PV, or null. */
    private static String refusal(NbdBlockClient client) {
        if (client.export().hasFlag(NbdConstants.NBD_FLAG_READ_ONLY)) {
            return "it is read-only (a PV must be writable)";
        }
        if (!client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_FLUSH)) {
            return "it offers no FLUSH (NBD_FLAG_SEND_FLUSH unset), so writes to it could never be made durable";
        }
        return null;
    }

    /** The client's link changed state: the health follows (see the class comment). */
    private void linkChanged(LinkHealth before, LinkHealth after) {
        switch (after.state()) {
            case UP -> reported(RemoteHealth.State.CONNECTED, after.reconnects() == 0 ? ""
                    : "reconnected " + after.reconnects() + " time(s), last loss: " + after.lastFailure());
            case RECONNECTING -> reported(RemoteHealth.State.RECONNECTING, after.lastFailure());
            case FAILED -> reported(RemoteHealth.State.FAILED, after.lastFailure());
            case CLOSED -> {
                if (!closed) {
                    reported(RemoteHealth.State.FAILED, "the NBD client closed");
                }
            }
        }
    }

    /** The export's URI. */
    PvUri uri() {
        return uri;
    }

    /** The link's client. */
    NbdBlockClient client() {
        return client;
    }

    /** How long one request may take at most: the request timeout and the reconnect window, plus a second. */
    Duration requestBound() {
        return uri.link().requestTimeout().plus(uri.link().reconnectWindow()).plus(METADATA_SLACK);
    }

    /** The connection's health now. */
    RemoteHealth health() {
        return health;
    }

    /** Whether requests can still succeed: not failed and not closed. */
    boolean usable() {
        return !closed && health.state() != RemoteHealth.State.FAILED;
    }

    /** The label at the start of the export was read or written as {@code bytes} (at least a label's size). */
    void labelSeen(ByteBuffer bytes) {
        identity.observe(bytes);
    }

    /**
     * A FLUSH was refused because writes acknowledged before a reconnect may be lost ({@code reason}): the link
     * fails and closes, so the PV is lost rather than serving data it may not hold.
     */
    void flushRefused(String reason) {
        reported(RemoteHealth.State.FAILED, reason);
        client.close();
    }

    /**
     * The connection's state changed to {@code state} for {@code reason}: the client's state listener calls it
     * (UP = {@link RemoteHealth.State#CONNECTED}, RECONNECTING, FAILED). A FAILED connection stays failed.
     */
    void reported(RemoteHealth.State state, String reason) {
        if (health.state() != RemoteHealth.State.FAILED) {
            health = new RemoteHealth(state, reason);
        }
    }

    /** What the connection negotiated and its settings, for logs. */
    String describe() {
        return uri + " (" + client.size() + " bytes, meta contexts " + client.metaContexts().keySet()
                + (client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_FUA) ? ", FUA" : "") + ", " + uri.link() + ")";
    }

    /** Disconnects (pending requests finish first); not a failure. */
    @Override
    public void close() {
        closed = true;
        client.disconnect().whenComplete((v, e) -> client.close());
    }
}
