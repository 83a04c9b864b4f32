package dev.ferry.daemon.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a test needs from the machine (a tool, root, /dev/fuse): without it the test is skipped with the reason, but
 * in CI (environment variable {@code CI} set to anything but {@code false}, as CI services do) it fails instead, so
 * that a missing tool never passes there unnoticed.
 */
public final class Prerequisites {
    private static final boolean CI = !System.getenv().getOrDefault("CI", "").isEmpty()
            && !"false".equalsIgnoreCase(System.getenv("CI"));

    private Prerequisites() {
    }

    /** Skips the calling test with {@code reason} unless {@code met}; in CI fails with it instead. */
    public static void require(boolean met, String reason) {
        if (!met && CI) {
            throw new AssertionError("CI runs every test, but this one cannot run here: " + reason);
        }
        assumeTrue(met, reason);
    }
}
