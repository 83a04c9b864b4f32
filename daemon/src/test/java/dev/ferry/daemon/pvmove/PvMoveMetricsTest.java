package dev.ferry.daemon.pvmove;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ferry.daemon.metrics.CommitMetrics;
import dev.ferry.daemon.metrics.PvMoveMetrics;
import dev.ferry.daemon.testing.Exposition;
import dev.ferry.daemon.testing.Poll;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real, rate-limited move bound to {@link PvMoveMetrics}, with {@link CommitMetrics} on the same VG: while it runs,
 * its gauges show the copy growing toward the LV's size under its limit, and the throttle following foreground I/O
 * on another LV; once it ends they are gone, the completion is counted, and every commit of the move is counted and
 * timed.
 */
class PvMoveMetricsTest extends PvMoveFixtureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final long MIB = PvMoveFixture.MIB;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    @Test
    void gaugesFollowARunningMoveAndGoWhenItCompletes() throws Exception {
        f = new PvMoveFixture(root);
        f.linear("a", "16M", f.pv1);
        f.linear("b", "4M", f.pv3);
        byte[] data = new byte[(int) MIB];
        Arrays.fill(data, (byte) 0x5a);
        for (int i = 0; i < 16; i++) {   // data to copy: the copy skips what was never written
            f.device("a").write(i * MIB, ByteBuffer.wrap(data), false).get(10, TimeUnit.SECONDS);
        }
        f.volumes.manager().commitListener(new CommitMetrics(registry));
        PvMoveMetrics.bind(registry, f.moves);
        MoveProgress p = f.moves.start(PvMoveFixture.request(false, MIB, f.pv1, f.pv2));
        String[] move = {"vg", "vg", "lv", p.name()};

        Poll.until(WAIT, "some bytes copied", () -> scrape().value("ferry_pvmove_bytes_copied", move) > 0);
        Exposition m = scrape();
        double copied = m.value("ferry_pvmove_bytes_copied", move);
        // each gauge reads the move when scraped, so the copy may advance a region or two between the two
        assertThat(copied + m.value("ferry_pvmove_bytes_remaining", move)).isCloseTo(16 * MIB, within(2.0 * MIB));
        assertThat(m.value("ferry_pvmove_rate_limit_bytes_per_second", move)).isEqualTo(MIB);
        assertThat(m.value("ferry_pvmove_completed_total", "outcome", "succeeded")).isZero();

        Poll.until(WAIT, "no yielding once the writes that filled the LV are past", () ->
                scrape().value("ferry_pvmove_throttled", move) == 0);
        LvWorkload foreground = new LvWorkload(() -> f.device("b"), 7).start();
        Poll.until(WAIT, "the copy to yield to foreground I/O", () ->
                scrape().value("ferry_pvmove_throttled", move) == 1);
        foreground.stop();
        foreground.verify("after the throttled copy");
        Poll.until(WAIT, "the copy to stop yielding", () -> scrape().value("ferry_pvmove_throttled", move) == 0);
        m = scrape();
        assertThat(m.value("ferry_pvmove_bytes_copied", move)).as("copied never shrinks").isGreaterThanOrEqualTo(copied);
        assertThat(m.value("ferry_pvmove_rate_bytes_per_second", move)).isPositive();
        assertThat(m.value("ferry_pvmove_eta_seconds", move)).isPositive();

        f.moves.setRate(f.pv1, 0);
        assertThat(f.await(p)).isEqualTo(JobState.COMPLETED);
        Poll.until(WAIT, "the move's gauges to go", () -> scrape().samples("ferry_pvmove_bytes_copied").isEmpty());
        m = scrape();
        assertThat(m.value("ferry_pvmove_completed_total", "outcome", "succeeded")).isEqualTo(1);
        assertThat(m.value("ferry_pvmove_completed_total", "outcome", "failed")).isZero();
        double commits = m.value("ferry_metadata_commits_total", "vg", "vg", "outcome", "ok");
        assertThat(commits).as("start, rate change, segment states, completion").isGreaterThanOrEqualTo(4);
        assertThat(m.value("ferry_metadata_commit_seconds_count", "vg", "vg")).isEqualTo(commits);
        assertThat(m.value("ferry_metadata_commit_seconds_bucket", "vg", "vg", "le", "+Inf")).isEqualTo(commits);
    }

    /**
     * Reads a three-segment move's status as fast as a thread can while it runs: what it reports copied never shrinks,
     * not even while a commit switches a segment (the device carries its new table a moment before the job's layout
     * says so; the status read then found no mirror and counted the segment as nothing copied: a scrape during the
     * move saw copied plus remaining at twice the LV's size).
     */
    @Test
    void copiedNeverShrinksWhileSegmentsSwitch() throws Exception {
        f = new PvMoveFixture(root);
        byte[] data = new byte[(int) MIB];
        Arrays.fill(data, (byte) 0x3c);
        for (String lv : java.util.List.of("a", "b", "c")) {
            f.linear(lv, "4M", f.pv1);
            for (int i = 0; i < 4; i++) {
                f.device(lv).write(i * MIB, ByteBuffer.wrap(data), false).get(10, TimeUnit.SECONDS);
            }
        }
        MoveProgress p = f.moves.start(PvMoveFixture.request(false, 8 * MIB, f.pv1, f.pv2));
        assertThat(p.segments()).as("one segment per LV").hasSize(3);
        long reads = 0;
        long last = 0;
        while (true) {
            MoveProgress now = f.moves.moves().stream().filter(m -> m.name().equals(p.name())).findFirst()
                    .orElse(null);
            if (now == null || now.state().terminal()) {
                break;
            }
            reads++;
            assertThat(now.copiedBytes()).as("status read %d (%s)", reads, now.segments())
                    .isGreaterThanOrEqualTo(last);
            assertThat(now.totalBytes()).isEqualTo(12 * MIB);
            last = now.copiedBytes();
        }
        assertThat(f.await(p)).isEqualTo(JobState.COMPLETED);
        assertThat(reads).as("status reads while the move ran").isGreaterThan(100);
    }

    private Exposition scrape() {
        return Exposition.parse(registry.scrape());
    }
}
