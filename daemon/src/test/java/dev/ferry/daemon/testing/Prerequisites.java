package dev.ferry.daemon.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.mapper.testing.TestRules;

/**
 * What a test needs from the machine (a tool, root, /dev/fuse, a loop device, Docker, QEMU): without it the test is
 * skipped with the reason, but when every test must run ({@link TestRules#requireAll()}: env
 * {@code FERRY_REQUIRE_ALL=1}, as {@code .ci/run} sets, or env {@code CI}) it fails instead, so that nothing missing
 * passes there unnoticed.
 */
public final class Prerequisites {

    private Prerequisites() {
    }

    /** Skips the calling test with {@code reason} unless {@code met}; fails with it instead when all must run. */
    public static void require(boolean met, String reason) {
        if (!met && TestRules.requireAll()) {
            throw new AssertionError("FERRY_REQUIRE_ALL (or CI) runs every test, but this one cannot run here: "
                    + reason);
        }
        assumeTrue(met, reason);
    }
}
