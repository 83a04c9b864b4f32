package dev.ferry.daemon.activation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.testing.FaultyDevice;
import dev.ferry.mapper.time.ManualScheduler;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The persistent-failure rule of {@link WatchedPvDevice}, on a real file behind a fault switch, with time by hand. */
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
        pv = new WatchedPvDevice("pv", file, faults, clock);
    }

    @AfterEach
    void tearDown() {
        file.close();
        io.shutdown();
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
                .startsWith("PV pv: data I/O failing with no success for 1000 ms (first: injected write error")
                .contains("probe read failed: injected read error"));
    }

    @Test
    void aSuccessEndsTheFailingSpell() throws Exception {
        faults.failReads().failWrites();
        assertThat(write()).isCompletedExceptionally();
        clock.advance(JUST_SHORT);
        faults.heal();
        read().get();
        faults.failReads().failWrites();
        assertThat(write()).isCompletedExceptionally();
        clock.advance(Duration.ofMillis(1));
        assertThat(pv.persistentFailure()).as("the spell started again").isEmpty();
        clock.advance(WatchedPvDevice.FAILING_FOR);
        assertThat(pv.persistentFailure()).isPresent();
    }

    @Test
    void failingWritesWithReadsWorkingAreNotPersistentTheProbeEndsTheSpell() {
        faults.failWrites();
        assertThat(write()).isCompletedExceptionally();
        clock.advance(WatchedPvDevice.FAILING_FOR);
        assertThat(pv.persistentFailure()).isEmpty();
        clock.advance(WatchedPvDevice.FAILING_FOR);
        assertThat(pv.persistentFailure()).as("no spell left").isEmpty();
        assertThat(faults.reads()).as("one probe, then healthy").isEqualTo(1);
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
