package dev.ferry.mapper.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link InlineWrites}: which writes run on the calling thread, on a fake clock. */
class InlineWritesTest {

    private static final long MIB = 1 << 20;

    private long now = 5_000_000_000L;
    private final InlineWrites policy = new InlineWrites(() -> now, 4096);

    /** Runs {@code body} on a new thread that first permitted inline writes (this thread stays unpermitted). */
    static <T> T onPermittedThread(Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            InlineWrites.permitCurrentThread();
            try {
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "inline-writes-test");
        t.start();
        return result.get(60, TimeUnit.SECONDS);
    }

    @Test
    void aThreadThatDidNotPermitItNeverWritesInline() {
        assertThat(policy.runsHere(0, MIB, false)).isFalse();
        assertThat(policy.runsHere(4096, 4096, false)).isFalse();
    }

    @Test
    void onAPermittedThreadOnlyNonFuaWritesOfWholePagesRunInline() throws Exception {
        assertThat(onPermittedThread(() -> policy.runsHere(0, MIB, false))).isTrue();
        assertThat(onPermittedThread(() -> policy.runsHere(8192, 4096, false))).isTrue();
        assertThat(onPermittedThread(() -> policy.runsHere(0, MIB, true))).as("FUA").isFalse();
        assertThat(onPermittedThread(() -> policy.runsHere(512, 4096, false))).as("offset").isFalse();
        assertThat(onPermittedThread(() -> policy.runsHere(4096, 4096 + 512, false))).as("length").isFalse();
        assertThat(onPermittedThread(() -> policy.runsHere(4096, 0, false))).as("empty").isFalse();
    }

    @Test
    void withLargerPagesOnlyWritesOfThosePagesRunInline() throws Exception {
        InlineWrites large = new InlineWrites(() -> now, 64 * 1024);
        assertThat(onPermittedThread(() -> large.runsHere(4096, 4096, false))).as("part of a 64 KiB page").isFalse();
        assertThat(onPermittedThread(() -> large.runsHere(64 * 1024, 60 * 1024, false))).as("length").isFalse();
        assertThat(onPermittedThread(() -> large.runsHere(128 * 1024, 64 * 1024, false))).isTrue();
    }

    @Test
    void aPageSizeThatIsNotAPowerOfTwoIsRefused() {
        assertThatThrownBy(() -> new InlineWrites(() -> now, 6000))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("page size must be a power of two: 6000");
    }

    @Test
    void aSlowWriteHandsWritesOffForTheHoldOffThenInlineWritesResume() throws Exception {
        long started = policy.start();
        now += InlineWrites.SLOW_NANOS + MIB + 1;
        policy.finished(started, MIB);
        assertThat(onPermittedThread(() -> policy.runsHere(0, MIB, false))).isFalse();
        now += InlineWrites.HOLD_OFF_NANOS - 1;
        assertThat(onPermittedThread(() -> policy.runsHere(0, MIB, false))).isFalse();
        now += 1;
        assertThat(onPermittedThread(() -> policy.runsHere(0, MIB, false))).isTrue();
        assertThat(onPermittedThread(() -> policy.runsHere(0, MIB, false))).isTrue();
    }

    @Test
    void aWriteWithinItsTimeForItsLengthIsNotSlow() throws Exception {
        long started = policy.start();
        now += InlineWrites.SLOW_NANOS + MIB;   // exactly the allowance of 1 MiB: not over it
        policy.finished(started, MIB);
        assertThat(onPermittedThread(() -> policy.runsHere(0, MIB, false))).isTrue();
        started = policy.start();
        now += InlineWrites.SLOW_NANOS + 20_000_000;   // 30 ms for 32 MiB: about 1.1 GB/s
        policy.finished(started, 32 * MIB);
        assertThat(onPermittedThread(() -> policy.runsHere(0, MIB, false))).isTrue();
    }
}
