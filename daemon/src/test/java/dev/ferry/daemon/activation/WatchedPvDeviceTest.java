package dev.ferry.daemon.activation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.testing.DelegatingDevice;
import dev.ferry.mapper.testing.FaultyDevice;
import dev.ferry.mapper.time.ManualScheduler;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persistent-failure rule of {@link WatchedPvDevice}, on a real file behind a fault switch (its file spans
 * those of the file), with time by hand.
 */
class WatchedPvDeviceTest {
    private static final Duration JUST_SHORT = WatchedPvDevice.FAILING_FOR.minusMillis(1);

    @TempDir
    Path root;

    private final ExecutorService io = Executors.newSingleThreadExecutor();
    private final ManualScheduler clock = new ManualScheduler();
    private FileBlockDevice file;
    private FaultyDevice faults;
    private WatchedPvDevice pv;

    @BeforeEach
    void setUp() throws Exception {
        file = FileBlockDevice.createSparse(root.resolve("pv"), 1 << 20, false, io);
        faults = new FaultyDevice(file);
        BlockDevice exposed = new DelegatingDevice(faults) {
            @Override
            public Optional<FileSpan> fileSpan(long offset, long length) {
                return file.fileSpan(offset, length);
            }
        };
        pv = new WatchedPvDevice("pv", file, exposed, clock);
    }

    @AfterEach
    void tearDown() {
        file.close();
        io.shutdown();
    }

    /** Waits for the I/O submitted so far (the file's single I/O thread runs it in order). */
    private void settled() throws Exception {
        io.submit(() -> { }).get();
    }

    private CompletableFuture<Void> write() {
        return pv.write(65536, ByteBuffer.allocate(4096), false);
    }

    private CompletableFuture<Void> read() {
        return pv.read(65536, ByteBuffer.allocate(4096));
    }

    @Test
    void aHealthyDeviceIsNeitherProbedNorLost() throws Exception {
        write().get();
        clock.advance(Duration.ofSeconds(10));
        assertThat(pv.persistentFailure()).isEmpty();
        assertThat(faults.reads()).as("no probe").isZero();
    }

    @Test
    void everyRequestFailingForTheSpanWithAFailingProbeIsPersistent() {
        faults.failReads().failWrites();
        assertThat(write()).isCompletedExceptionally();
        clock.advance(JUST_SHORT);
        assertThat(pv.persistentFailure()).as("not failing long enough").isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(pv.persistentFailure()).hasValueSatisfying(why -> assertThat(why)
                .startsWith("PV pv: data I/O failing with no success for 1000 ms (writes, first: injected write error")
                .contains("probe read failed: injected read error"));
    }

    @Test
    void aSuccessEndsTheFailingSpellOfItsDirection() throws Exception {
        faults.failReads().failWrites();
        assertThat(write()).isCompletedExceptionally();
        clock.advance(JUST_SHORT);
        faults.heal();
        write().get();
        faults.failReads().failWrites();
        assertThat(write()).isCompletedExceptionally();
        clock.advance(Duration.ofMillis(1));
        assertThat(pv.persistentFailure()).as("the spell started again").isEmpty();
        clock.advance(WatchedPvDevice.FAILING_FOR);
        assertThat(pv.persistentFailure()).isPresent();
    }

    @Test
    void failingReadsArePersistentHoweverWellWritesGo() throws Exception {
        faults.failReads();
        assertThat(read()).isCompletedExceptionally();
        for (int i = 0; i < 4; i++) {
            clock.advance(WatchedPvDevice.FAILING_FOR.dividedBy(4));
            write().get();
            pv.flush().get();
        }
        assertThat(pv.persistentFailure()).hasValueSatisfying(why -> assertThat(why)
                .startsWith("PV pv: data I/O failing with no success for 1000 ms (reads, first: injected read error")
                .contains("probe read failed: injected read error"));
    }

    @Test
    void failingWritesWithReadsWorkingAreNeverPersistentButProbedWhileTheyFail() throws Exception {
        faults.failWrites();
        assertThat(write()).isCompletedExceptionally();
        clock.advance(WatchedPvDevice.FAILING_FOR);
        assertThat(pv.persistentFailure()).isEmpty();
        clock.advance(WatchedPvDevice.FAILING_FOR);
        assertThat(pv.persistentFailure()).as("reads work").isEmpty();
        assertThat(faults.reads()).as("a probe at each check: the write spell goes on").isEqualTo(2);
        faults.heal();
        write().get();
        clock.advance(WatchedPvDevice.FAILING_FOR);
        assertThat(pv.persistentFailure()).isEmpty();
        assertThat(faults.reads()).as("no spell left, no probe").isEqualTo(2);
    }

    @Test
    void noFileSpansDuringASpellOfEitherDirection() throws Exception {
        faults.failWrites();
        assertThat(write()).isCompletedExceptionally();
        assertThat(pv.fileSpan(0, 4096)).as("write spell").isEmpty();
        faults.heal().failReads();
        write().get();
        assertThat(read()).isCompletedExceptionally();
        assertThat(pv.fileSpan(0, 4096)).as("read spell").isEmpty();
        faults.heal();
        read().get();
        pv.fileSpan(0, 4096).orElseThrow().close();
    }

    @Test
    void aRequestOutsideTheDeviceSaysNothingAboutTheMedium() {
        assertThat(pv.read(2 << 20, ByteBuffer.allocate(4096))).isCompletedExceptionally();
        faults.failReads();
        clock.advance(WatchedPvDevice.FAILING_FOR);
        assertThat(pv.persistentFailure()).isEmpty();
        assertThat(faults.reads()).as("not probed").isEqualTo(1);
    }
}
