package dev.ferry.nbd.client.resilient;

import dev.ferry.nbd.client.NbdClientConfig;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;

/** A {@link ResilientNbdClient} on a {@link VirtualLoop} against a {@link SimServer}, seeded. */
final class SimHarness {

    static final Duration TIMEOUT = Duration.ofSeconds(1);
    static final Duration WINDOW = Duration.ofSeconds(2);
    /** The sweep tick for {@link #TIMEOUT}: a deadline fires at most this late. */
    static final Duration TICK = Duration.ofMillis(100);

    final VirtualLoop loop = new VirtualLoop();
    final Random random;
    final SimServer server;
    final NbdClientConfig config = NbdClientConfig.builder("sim", 10809).requestTimeout(TIMEOUT)
            .heartbeatInterval(Duration.ofMillis(300)).reconnectWindow(WINDOW).maxInFlight(8).maxQueued(256).build();
    final ResilientNbdClient client;

    SimHarness(long seed, int size, int maxRanges, UnaryOperator<ResilientNbdClient.Builder> hooks) {
        random = new Random(seed);
        server = new SimServer(loop, random, size);
        client = await(ResilientNbdClient.open(loop, server::connect, config,
                hooks.apply(ResilientNbdClient.builder(config)), maxRanges, () -> { }));
    }

    /** Runs the loop until {@code f} is done (at most a virtual minute) and returns its value. */
    <T> T await(CompletableFuture<T> f) {
        if (!loop.runUntil(f::isDone, loop.nanoTime() + Duration.ofMinutes(1).toNanos())) {
            throw new AssertionError("not done within a virtual minute");
        }
        return f.join();
    }

    /** Runs the loop until {@code f} is done and returns its failure's cause. */
    Throwable failure(CompletableFuture<?> f) {
        try {
            await(f);
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    /** Runs the loop for {@code d} of virtual time. */
    void advance(Duration d) {
        loop.runUntil(() -> false, loop.nanoTime() + d.toNanos());
    }

    void close() {
        client.close();
        loop.runUntil(client.closeFuture()::isDone, loop.nanoTime() + Duration.ofMinutes(1).toNanos());
    }
}
