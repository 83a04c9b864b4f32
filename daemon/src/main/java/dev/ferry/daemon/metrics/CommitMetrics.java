package dev.ferry.daemon.metrics;

import dev.ferry.daemon.model.CommitListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Meters of VG metadata commits: {@code ferry_metadata_commits_total{vg,outcome}} (outcome {@code ok} or the
 * lower-case error code) and {@code ferry_metadata_commit_seconds{vg}} (a histogram of every commit's duration,
 * writes and syncs of every copy included).
 */
public final class CommitMetrics implements CommitListener {
    /** Histogram bucket bounds: 1 ms to 10 s. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final MeterRegistry registry;

    /** Meters in {@code registry}; pass this to {@code VolumeManager.commitListener}. */
    public CommitMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void committed(String vg, String outcome, long nanos) {
        Counter.builder("ferry.metadata.commits").tag("vg", vg).tag("outcome", outcome)
                .description("VG metadata commits, by outcome").register(registry).increment();
        Timer.builder("ferry.metadata.commit").tag("vg", vg).serviceLevelObjectives(BUCKETS)
                .description("Time to commit a VG's metadata to its PVs").register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }
}
