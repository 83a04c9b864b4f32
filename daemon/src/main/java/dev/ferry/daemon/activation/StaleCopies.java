package dev.ferry.daemon.activation;

import java.util.concurrent.CompletableFuture;

/**
 * Where the mirrors of active LVs record the state of their copies (a port: the operations layer implements it
 * with metadata commits). Called on I/O completion threads: implementations must not block.
 */
public interface StaleCopies {

    /** Nothing is recorded: every mark fails, so a write that misses a copy fails. */
    StaleCopies NONE = new StaleCopies() {
        @Override
        public CompletableFuture<Void> markStale(String vg, String lv, int leg, long fromLe, long toLe) {
            return CompletableFuture.failedFuture(new IllegalStateException("stale copies are not recorded"));
        }

        @Override
        public void resynced(String vg, String lv) {
        }
    };

    /**
     * Records durably that leg {@code leg}'s copy of LEs {@code [fromLe, toLe)} of mirrored LV {@code vg/lv} is
     * stale; a write that missed the copy is acknowledged once the future completes normally.
     */
    CompletableFuture<Void> markStale(String vg, String lv, int leg, long fromLe, long toLe);

    /** A resync of {@code vg/lv} brought regions in sync: stale marks its live mirror no longer has may go. */
    void resynced(String vg, String lv);
}
