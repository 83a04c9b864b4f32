package dev.ferry.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Shared helpers for server tests: polling a condition against a deadline (never a blind sleep). */
final class ServerTestSupport {

    private ServerTestSupport() {
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for: %s", what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
