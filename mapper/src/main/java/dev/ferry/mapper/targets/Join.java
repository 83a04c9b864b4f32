package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockIoException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Completes one future when every piece of a split request has completed, failing with the first
 * piece's error: {@link #add} each piece, then {@link #seal()}. Pieces may complete before sealing.
 */
public final class Join implements BiConsumer<Object, Throwable> {

    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private final AtomicInteger pending = new AtomicInteger(1);
    private volatile Throwable error;

    /** Adds a piece. */
    public void add(CompletableFuture<?> piece) {
        pending.incrementAndGet();
        piece.whenComplete(this);
    }

    /** No more pieces; returns the joined future. */
    public CompletableFuture<Void> seal() {
        accept(null, null);
        return result;
    }

    @Override
    public void accept(Object ignored, Throwable failure) {
        if (failure != null && error == null) {
            synchronized (this) {
                if (error == null) {
                    error = unwrap(failure);
                }
            }
        }
        if (pending.decrementAndGet() == 0) {
            Throwable e = error;
            if (e == null) {
                result.complete(null);
            } else {
                result.completeExceptionally(e);
            }
        }
    }

    /** Strips {@link CompletionException} wrappers so callers see the {@link BlockIoException}. */
    public static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
