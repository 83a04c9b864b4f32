package dev.ferry.nbd.client.resilient;

import java.util.concurrent.CompletableFuture;

/** Opens a new negotiated {@link Connection} to the export, bounded by the connect timeout. */
@FunctionalInterface
interface Connector {

    /** Connects and negotiates; fails with the reason when it cannot. */
    CompletableFuture<Connection> connect();
}
