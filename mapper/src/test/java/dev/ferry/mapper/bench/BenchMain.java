package dev.ferry.mapper.bench;

/**
 * Entry point for the mapper's JMH benchmarks on the test classpath; arguments are JMH's, e.g.
 * {@code LinearTableBenchmark -f 1 -wi 2 -i 3}.
 */
public final class BenchMain {

    private BenchMain() {
    }

    /** Runs {@link org.openjdk.jmh.Main}. */
    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args);
    }
}
