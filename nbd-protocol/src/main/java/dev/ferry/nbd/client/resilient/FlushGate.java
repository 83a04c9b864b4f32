package dev.ferry.nbd.client.resilient;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Holds the FLUSHes due while the {@link FlushLedger} has lost writes: with an {@link UnflushedWritesHandler}, the
 * first one starts a rewrite of the lost ranges and every FLUSH held meanwhile goes back to the queue when it ends
 * (the queue sends it if nothing is lost any more, else refuses it); without a handler, or on the second time
 * round, a FLUSH is refused at once with {@link NbdLostWritesException}. Runs on the client's loop.
 */
final class FlushGate {

    private final Loop loop;
    private final FlushLedger ledger;
    private final Session.Hooks hooks;
    private final LongSupplier reconnects;
    private final Consumer<List<Op>> release;
    private final List<Op> held = new ArrayList<>();
    private boolean rewriting;
    private Throwable rewriteFailure;

    FlushGate(Loop loop, FlushLedger ledger, Session.Hooks hooks, LongSupplier reconnects,
              Consumer<List<Op>> release) {
        this.loop = loop;
        this.ledger = ledger;
        this.hooks = hooks;
        this.reconnects = reconnects;
        this.release = release;
    }

    /** The FLUSHes held for a rewrite (the session may time them out or fail them). */
    List<Op> held() {
        return held;
    }

    /** Takes a FLUSH that is due while writes may have been lost. */
    void hold(Op flush) {
        if (hooks.rewriter() == null || flush.rewriteTried) {
            flush.fail(new NbdLostWritesException(ledger.lost(), reconnects.getAsLong(), rewriteFailure));
            return;
        }
        held.add(flush);
        if (rewriting) {
            return;
        }
        rewriting = true;
        rewriteFailure = null;
        CompletionStage<Void> done;
        try {
            done = hooks.rewriter().rewrite(hooks.owner(), ledger.lost());
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        done.whenComplete((v, e) -> loop.run(() -> rewritten(e)));
    }

    private void rewritten(Throwable error) {
        rewriting = false;
        rewriteFailure = error;
        List<Op> flushes = new ArrayList<>(held);
        held.clear();
        flushes.forEach(f -> f.rewriteTried = true);
        release.accept(flushes);
    }
}
