package dev.ferry.nbd.client.resilient;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A port for the owner of a {@link ResilientNbdClient} that can restore writes a reconnect may have lost, e.g. a
 * mirror that still has the data on another leg.
 *
 * <p>When a FLUSH is due and writes acknowledged on an earlier connection were never flushed there, and the
 * client's replay journal could not restore them (it was full), the client holds that FLUSH and calls {@link #rewrite} once with those ranges. The handler writes the current data of every
 * range through the same client (plain or FUA writes, WRITE_ZEROES, or TRIM where the data no longer matters) and
 * completes the stage when all of those writes have completed. The client does not take the handler's word for
 * it: it then sends the FLUSH only if every lost range was overwritten by a write acknowledged on the current
 * connection, and otherwise fails it with {@link NbdLostWritesException}. The handler must not wait for a FLUSH
 * itself (the client holds FLUSHes while it runs).
 */
@FunctionalInterface
public interface UnflushedWritesHandler {

    /** Rewrites {@code ranges} through {@code client}; completes when every rewrite has completed. */
    CompletionStage<Void> rewrite(ResilientNbdClient client, List<ByteRange> ranges);
}
