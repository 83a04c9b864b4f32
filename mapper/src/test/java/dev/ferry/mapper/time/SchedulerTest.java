package dev.ferry.mapper.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    @Test
    void systemSchedulerRunsATaskNoEarlierThanItsDelay() throws Exception {
        Scheduler s = Scheduler.system();
        long start = s.nanoTime();
        CompletableFuture<Long> ran = new CompletableFuture<>();
        s.schedule(() -> ran.complete(s.nanoTime()), 5, TimeUnit.MILLISECONDS);
        assertThat(ran.get(10, TimeUnit.SECONDS) - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(5));
    }

    @Test
    void systemSchedulerCancelsATaskThatHasNotRun() throws Exception {
        Scheduler s = Scheduler.system();
        CompletableFuture<Void> cancelledRan = new CompletableFuture<>();
        Scheduler.Cancellable c = s.schedule(() -> cancelledRan.complete(null), 1, TimeUnit.HOURS);
        assertThat(c.cancel()).isTrue();
        CompletableFuture<Void> later = new CompletableFuture<>();
        s.schedule(() -> later.complete(null), 1, TimeUnit.MILLISECONDS);
        later.get(10, TimeUnit.SECONDS);
        assertThat(cancelledRan).isNotDone();
    }

    @Test
    void manualSchedulerRunsDueTasksInTimeThenSchedulingOrder() {
        ManualScheduler s = new ManualScheduler();
        List<String> ran = new ArrayList<>();
        s.schedule(() -> ran.add("b@20"), 20, TimeUnit.MILLISECONDS);
        s.schedule(() -> ran.add("a@10"), 10, TimeUnit.MILLISECONDS);
        s.schedule(() -> ran.add("c@20"), 20, TimeUnit.MILLISECONDS);
        Scheduler.Cancellable gone = s.schedule(() -> ran.add("never"), 15, TimeUnit.MILLISECONDS);
        assertThat(gone.cancel()).isTrue();
        s.advance(Duration.ofMillis(10));
        assertThat(ran).containsExactly("a@10");
        assertThat(s.nanoTime()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(10));
        s.advance(Duration.ofMillis(100));
        assertThat(ran).containsExactly("a@10", "b@20", "c@20");
        assertThat(s.pending()).isZero();
    }
}
