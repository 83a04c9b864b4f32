package dev.ferry.mapper.block;

import static dev.ferry.mapper.block.TestIo.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link UseGate}'s transitions and its exactly-once close action. */
class UseGateTest {

    private final AtomicInteger closes = new AtomicInteger();
    private final UseGate gate = new UseGate(closes::incrementAndGet);

    @Test
    void closingAnIdleGateRunsTheActionAtOnce() {
        assertThat(gate.state()).isEqualTo(UseGate.State.OPEN);
        CompletableFuture<Void> closed = gate.close();
        assertThat(closed).isDone();
        assertThat(gate.state()).isEqualTo(UseGate.State.CLOSED);
        assertThat(gate.tryEnter()).isFalse();
        assertThat(gate.close()).isSameAs(closed);
        assertThat(closes).hasValue(1);
    }

    @Test
    void closingWaitsForTheLastUser() {
        assertThat(gate.tryEnter()).isTrue();
        assertThat(gate.tryEnter()).isTrue();
        CompletableFuture<Void> closed = gate.close();
        assertThat(gate.state()).isEqualTo(UseGate.State.CLOSING);
        assertThat(gate.tryEnter()).isFalse();
        gate.exit();
        assertThat(closed).isNotDone();
        assertThat(gate.users()).isEqualTo(1);
        gate.exit();
        await(closed);
        assertThat(gate.state()).isEqualTo(UseGate.State.CLOSED);
        assertThat(closes).hasValue(1);
    }

    @Test
    void exitWithoutEnterIsAnError() {
        assertThatThrownBy(gate::exit).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void racingUsersAndCloseRunTheActionExactlyOnce() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        AtomicInteger entered = new AtomicInteger();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < 100_000 && gate.tryEnter(); i++) {
                    entered.incrementAndGet();
                    gate.exit();
                }
            });
            th.start();
            threads.add(th);
        }
        start.countDown();
        CompletableFuture<Void> closed = gate.close();
        for (Thread th : threads) {
            th.join();
        }
        await(closed);
        assertThat(closes).hasValue(1);
        assertThat(gate.users()).isZero();
    }
}
