package dev.ferry.nbd.client.resilient;

import dev.ferry.nbd.client.NbdExportInfo;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** One negotiated connection as {@link Session} uses it: an {@link dev.ferry.nbd.client.NbdClient}, or a fake. */
interface Connection {

    /** The export as negotiated on this connection. */
    NbdExportInfo export();

    /** The meta contexts selected on this connection (name to context id). */
    Map<String, Integer> metaContexts();

    /**
     * Sends {@code op} (a write's payload through {@link Op#payloadForSend()}); the future completes with a READ's
     * buffer, a BLOCK_STATUS extent list or null, and fails with the server's error, a validation error, or
     * {@link dev.ferry.nbd.client.NbdConnectionClosedException} when the connection is lost.
     */
    CompletableFuture<Object> send(Op op);

    /** Completes when the connection has closed, for whatever reason. */
    CompletableFuture<Void> closed();

    /** Closes at once; requests on the wire fail with a connection-closed error. */
    void close();

    /** Sends NBD_CMD_DISC once nothing is pending, then closes. */
    CompletableFuture<Void> disconnect();
}
