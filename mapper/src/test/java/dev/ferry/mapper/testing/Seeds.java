package dev.ferry.mapper.testing;

import java.security.SecureRandom;
import java.util.stream.LongStream;

/**
 * The seeds of randomized tests, one convention for the module: a test takes its seed here, which prints it in one
 * line ({@code seed N for Class#method (replay with -Dferry.seed=N)}) and names it in the test's failure (through
 * {@link TestRules}); {@code -Dferry.seed=N} (passed to the test JVM by surefire) replays it.
 */
public final class Seeds {
    /** The system property that replays a seed. */
    public static final String PROPERTY = "ferry.seed";
    private static final ThreadLocal<String> TEST = new ThreadLocal<>();
    private static final ThreadLocal<Long> TAKEN = new ThreadLocal<>();

    private Seeds() {
    }

    /** The replayed seed if {@code -Dferry.seed} is given, else a new random one; printed and remembered. */
    public static long fresh() {
        return take(new SecureRandom().nextLong());
    }

    /** The replayed seed if {@code -Dferry.seed} is given, else {@code seed}; printed and remembered. */
    public static long fixed(long seed) {
        return take(seed);
    }

    /**
     * Seeds for a parameterized test (each shows in its display name): only the replayed one if {@code -Dferry.seed}
     * is given, else {@code from} (inclusive) to {@code to} (exclusive).
     */
    public static LongStream range(long from, long to) {
        Long replay = Long.getLong(PROPERTY);
        return replay != null ? LongStream.of(replay) : LongStream.range(from, to);
    }

    /** Seeds for a parameterized test: only the replayed one if {@code -Dferry.seed} is given, else {@code seeds}. */
    public static LongStream of(long... seeds) {
        Long replay = Long.getLong(PROPERTY);
        return replay != null ? LongStream.of(replay) : LongStream.of(seeds);
    }

    static void begin(String test) {
        TEST.set(test);
        TAKEN.remove();
    }

    /** {@code seed N (replay with -Dferry.seed=N)} for the seed the current test took, or null if it took none. */
    static String replayHint() {
        Long seed = TAKEN.get();
        return seed == null ? null : "seed " + seed + " (replay with -D" + PROPERTY + "=" + seed + ")";
    }

    private static long take(long fallback) {
        long seed = Long.getLong(PROPERTY, fallback);
        TAKEN.set(seed);
        System.out.println("seed " + seed + " for " + TEST.get() + " (replay with -D" + PROPERTY + "=" + seed + ")");
        return seed;
    }
}
