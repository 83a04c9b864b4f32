package dev.ferry.nbd.client.resilient;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Tries to open a new connection after a loss, within the reconnect window: attempts follow each other with a
 * backoff from 50 ms doubling to 1 s (each attempt bounded by the connect timeout), until one connects or the window
 * ends. Runs on the client's loop; a newer {@link #start} or {@link #cancel} makes older attempts' outcomes stale
 * (a connection they still open is closed).
 */
final class Reconnector {

    private static final long FIRST_BACKOFF = Duration.ofMillis(50).toNanos();
    private static final long MAX_BACKOFF = Duration.ofSeconds(1).toNanos();

    private final Loop loop;
    private final Connector connector;
    private final Duration window;
    private final Consumer<Connection> connected;
    private final Consumer<String> gaveUp;
    private long generation;
    private long windowEnd;
    private String lastError = "no attempt finished";
    private Runnable windowTimer = () -> { };

    Reconnector(Loop loop, Connector connector, Duration window, Consumer<Connection> connected,
                Consumer<String> gaveUp) {
        this.loop = loop;
        this.connector = connector;
        this.window = window;
        this.connected = connected;
        this.gaveUp = gaveUp;
    }

    /** Starts trying; the window runs from now. */
    void start() {
        cancel();
        long gen = generation;
        lastError = "no attempt finished";
        if (window.isZero()) {
            stop(gen, "reconnect window is zero");
            return;
        }
        windowEnd = loop.nanoTime() + window.toNanos();
        windowTimer = loop.schedule(() -> stop(gen, "no connection within the reconnect window of " + window
                + ": " + lastError), window.toNanos());
        attempt(gen, FIRST_BACKOFF);
    }

    /** Stops trying; outcomes of attempts under way are discarded. */
    void cancel() {
        generation++;
        windowTimer.run();
    }

    private void attempt(long gen, long backoff) {
        connector.connect().whenComplete((c, e) -> loop.run(() -> {
            if (gen != generation) {
                if (c != null) {
                    c.close();
                }
                return;
            }
            if (e == null) {
                cancel();
                connected.accept(c);
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            lastError = cause.toString();
            if (loop.nanoTime() + backoff - windowEnd >= 0) {
                stop(gen, "no connection within the reconnect window of " + window + ": " + lastError);
                return;
            }
            loop.schedule(() -> {
                if (gen == generation) {
                    attempt(gen, Math.min(backoff * 2, MAX_BACKOFF));
                }
            }, backoff);
        }));
    }

    private void stop(long gen, String reason) {
        if (gen == generation) {
            cancel();
            gaveUp.accept(reason);
        }
    }
}
