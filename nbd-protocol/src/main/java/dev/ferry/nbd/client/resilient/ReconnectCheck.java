package dev.ferry.nbd.client.resilient;

import dev.ferry.nbd.client.NbdExportInfo;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A port that checks a new connection's identity before the link goes UP again (e.g. that the PV label and UUID
 * are still the ones on the export); the client itself already refuses another size or lost transmission flags.
 * A stage that fails moves the link to FAILED with the failure's message as the reason.
 */
@FunctionalInterface
public interface ReconnectCheck {

    /** No check beyond size and flags. */
    ReconnectCheck NONE = (export, reader) -> CompletableFuture.completedFuture(null);

    /** Checks the new connection; {@code reader} reads from it (the caller releases the buffers). */
    CompletionStage<Void> verify(NbdExportInfo export, Reader reader);

    /** Reads from the connection being checked. */
    @FunctionalInterface
    interface Reader {
        /** Reads {@code length} bytes at {@code offset}. */
        CompletableFuture<ByteBuf> read(long offset, int length);
    }
}
