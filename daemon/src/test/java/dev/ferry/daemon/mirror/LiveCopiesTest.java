package dev.ferry.daemon.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.mirror.MirrorListener;
import dev.ferry.mapper.mirror.MirrorTarget;
import dev.ferry.mapper.mirror.MirrorTargetType;
import dev.ferry.mapper.time.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Waiting for a mirror's recovery follows the LV's live mirror when a reload replaces it. */
class LiveCopiesTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final Copier copier = new Copier(CopierConfig.defaults(), Scheduler.system());
    private final Map<String, BlockDevice> legs = Map.of("a", new MemoryBlockDevice("a", 1 << 20),
            "b", new MemoryBlockDevice("b", 1 << 20));

    /** A mirror over the two memory legs, its recovery not started (as a mirror replaced before it resumed). */
    private MirrorTarget mirror() {
        return (MirrorTarget) new MirrorTargetType(copier, MirrorListener.NONE, 1).create(2048,
                List.of("core", "1", "128", "2", "a", "0", "b", "0"), legs::get);
    }

    @Test
    void aMirrorReplacedWhileItsRecoveryIsAwaitedIsFollowedToTheLiveOne() {
        MirrorTarget replaced = mirror();
        MirrorTarget live = mirror();
        live.resume();
        AtomicInteger looks = new AtomicInteger();
        long start = System.nanoTime();

        // The LV is reloaded right after the wait began: from the second look on, the live mirror is another one.
        MirrorTarget awaited = LiveCopies.awaitRecovery(() -> looks.getAndIncrement() == 0 ? replaced : live,
                DEADLINE);

        assertThat(awaited).isSameAs(live);
        assertThat(live.recoveryFinished()).isCompleted();
        assertThat(replaced.recoveryFinished()).as("never resumed").isNotDone();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not the deadline")
                .isLessThan(DEADLINE.dividedBy(2));
        live.close();
    }
}
