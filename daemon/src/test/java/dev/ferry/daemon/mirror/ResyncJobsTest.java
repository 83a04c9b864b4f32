package dev.ferry.daemon.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The job registry while a job is being made (a resync commits and reloads then): listing the jobs does not wait for
 * it, a second job on the same LV is refused at once, and the claims go if making the job fails. The interleaving is
 * fixed with latches; the timeouts only bound a failure.
 */
class ResyncJobsTest {
    private final ResyncJobs jobs = new ResyncJobs(new LvClaims());

    @Test
    void listingDoesNotWaitForAJobBeingMade() throws Exception {
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        CompletableFuture<ResyncProgress> start = CompletableFuture.supplyAsync(() -> jobs.start("vg", List.of("m"),
                "resynclv", (id, release) -> {
                    making.countDown();
                    await(proceed);
                    throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "refused after its commit");
                }));
        assertThat(making.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(CompletableFuture.supplyAsync(jobs::resyncs).get(30, TimeUnit.SECONDS))
                .as("the listing while the job is made").isEmpty();
        assertThatThrownBy(() -> jobs.start("vg", List.of("m"), "resynclv", (id, release) -> {
            throw new AssertionError("not made: the LV is claimed");
        })).isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INRESYNC))
                .hasMessage("resynclv job 1 runs on vg/m");

        proceed.countDown();
        assertThatThrownBy(() -> start.get(30, TimeUnit.SECONDS)).hasRootCauseInstanceOf(VolumeException.class)
                .hasRootCauseMessage("refused after its commit");
        CountDownLatch claimedAgain = new CountDownLatch(1);
        assertThatThrownBy(() -> jobs.start("vg", List.of("m"), "resynclv", (id, release) -> {
            claimedAgain.countDown();
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "second");
        })).hasMessage("second");
        assertThat(claimedAgain.getCount()).as("the failed job's claim was released").isZero();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
