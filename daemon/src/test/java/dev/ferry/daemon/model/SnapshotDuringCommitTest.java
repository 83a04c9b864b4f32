package dev.ferry.daemon.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.FileMetadataDevice;
import dev.ferry.daemon.metadata.MetadataDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports while a commit waits for a PV's metadata write (as a commit to a remote PV waits out its request timeout and
 * reconnect window): {@link VolumeManager#snapshot} answers at once with the state just before the commit (every change
 * committed before it included), and with the new state once the commit is done.
 */
class SnapshotDuringCommitTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;

    /** Devices whose writes wait for the latch held in {@code gate} (none: they go through), counting those waiting. */
    private record GatedOpener(AtomicReference<CountDownLatch> gate, CountDownLatch waiting) implements DeviceOpener {
        @Override
        public MetadataDevice open(Path path) throws IOException {
            FileMetadataDevice file = FileMetadataDevice.open(path);
            return new MetadataDevice() {
                @Override
                public long size() throws IOException {
                    return file.size();
                }

                @Override
                public void read(long offset, ByteBuffer dst) throws IOException {
                    file.read(offset, dst);
                }

                @Override
                public void write(long offset, ByteBuffer src) throws IOException {
                    CountDownLatch g = gate.get();
                    if (g != null) {
                        waiting.countDown();
                        try {
                            g.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted while the write was held", e);
                        }
                    }
                    file.write(offset, src);
                }

                @Override
                public void sync() throws IOException {
                    file.sync();
                }

                @Override
                public void close() throws IOException {
                    file.close();
                }
            };
        }
    }

    @Test
    void aReportDuringACommitThatWaitsForAPvAnswersAtOnceWithTheStateJustBeforeIt() throws Exception {
        VolumeFixture fx = new VolumeFixture(tmp);
        AtomicReference<CountDownLatch> gate = new AtomicReference<>();
        CountDownLatch waiting = new CountDownLatch(1);
        try (VolumeManager vm = fx.open(new GatedOpener(gate, waiting))) {
            vm.pvcreate(fx.pv("a"), 33 * MIB, false);
            vm.vgcreate("vg", List.of(fx.pv("a")), MIB);
            VolumeSnapshot early = vm.snapshot();
            vm.lvcreate(LvCreateRequest.linear("vg", "first", SizeSpec.parseExtents("2")));   // no report after it

            CountDownLatch release = new CountDownLatch(1);
            gate.set(release);
            CompletableFuture<LogicalVolume> second = CompletableFuture.supplyAsync(
                    () -> vm.lvcreate(LvCreateRequest.linear("vg", "second", SizeSpec.parseExtents("2"))));
            try {
                assertThat(waiting.await(10, TimeUnit.SECONDS)).as("the commit's write is held").isTrue();
                VolumeSnapshot during = CompletableFuture.supplyAsync(vm::snapshot)
                        .get(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
                VolumeGroup vg = during.vgs().get(0);
                assertThat(vg.lv("first")).as("the change committed before the held commit").isPresent();
                assertThat(vg.lv("second")).as("the held commit's change").isEmpty();
                assertThat(during.pvs()).isEqualTo(early.pvs());
                assertThat(second).isNotDone();
            } finally {
                gate.set(null);
                release.countDown();
            }
            second.get(10, TimeUnit.SECONDS);
            assertThat(vm.snapshot().vgs().get(0).lv("second")).as("the committed state").isPresent();
        }
    }
}
