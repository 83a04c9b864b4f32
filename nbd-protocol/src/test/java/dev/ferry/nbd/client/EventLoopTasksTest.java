package dev.ferry.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link EventLoopTasks}: every hand-off runs exactly one of its task and its fallback, also when the loop shuts down
 * while tasks arrive: an epoll loop (a client's private one) can terminate with a task accepted but never run, which
 * left a request's future pending for good. {@value #ROUNDS} rounds of a thread handing off tasks while the loop
 * shuts down; without the fallback on termination the first round already lost a task.
 */
class EventLoopTasksTest {

    private static final int ROUNDS = 200;

    @Test
    void everyHandOffRunsItsTaskOrItsFallbackExactlyOnceWhileTheLoopShutsDown() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            EventLoop loop = (EventLoop) group.next();
            AtomicInteger submitted = new AtomicInteger();
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger fellBack = new AtomicInteger();
            AtomicInteger twice = new AtomicInteger();
            CountDownLatch submitting = new CountDownLatch(1);
            Thread submitter = new Thread(() -> {
                submitting.countDown();
                boolean gone = false;
                while (!gone) {
                    submitted.incrementAndGet();
                    AtomicInteger calls = new AtomicInteger();
                    boolean[] rejected = new boolean[1];
                    EventLoopTasks.run(loop, () -> {
                        ran.incrementAndGet();
                        if (calls.incrementAndGet() > 1) {
                            twice.incrementAndGet();
                        }
                    }, e -> {
                        fellBack.incrementAndGet();
                        rejected[0] = true;
                        if (calls.incrementAndGet() > 1) {
                            twice.incrementAndGet();
                        }
                    });
                    gone = rejected[0] || loop.isTerminated();
                }
            }, "submitter");
            submitter.start();
            submitting.await();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            assertThat(loop.terminationFuture().await(10, TimeUnit.SECONDS)).isTrue();
            submitter.join(10_000);
            assertThat(submitter.isAlive()).isFalse();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (ran.get() + fellBack.get() < submitted.get() && System.nanoTime() < deadline) {
                Thread.sleep(1);   // fallbacks for tasks left in the queue run when termination is reported
            }
            assertThat(ran.get() + fellBack.get()).as("round %d: every hand-off answered", round)
                    .isEqualTo(submitted.get());
            assertThat(twice.get()).as("round %d: none answered twice", round).isZero();
        }
    }

    @Test
    void onTheLoopItselfTheTaskRunsInline() throws Exception {
        EventLoop loop = new DefaultEventLoop();
        try {
            AtomicInteger ran = new AtomicInteger();
            loop.submit(() -> EventLoopTasks.run(loop, ran::incrementAndGet, e -> { })).get(10, TimeUnit.SECONDS);
            assertThat(ran.get()).isEqualTo(1);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
    }
}
