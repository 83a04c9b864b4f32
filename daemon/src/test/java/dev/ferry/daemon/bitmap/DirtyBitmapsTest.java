package dev.ferry.daemon.bitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.nbd.export.BlockStatusExtent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bitmaps on real files: marking through the tracked device, status extents, clean and unclean reopening. */
class DirtyBitmapsTest {

    private static final long K64 = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void writesTrimsAndZeroesMarkTheirGranulesAndACleanCloseKeepsTheBits() throws IOException {
        DirtyBitmaps bitmaps = DirtyBitmaps.open(dir);
        BlockDevice device = bitmaps.track("vg/lv", new MemoryBlockDevice("m", 4 << 20));
        bitmaps.add("vg/lv", "b0", DirtyBitmap.DEFAULT_GRANULARITY);
        device.write(K64 - 1, ByteBuffer.allocate(2), false).join();
        device.discard(10 * K64, 1).join();
        device.writeZeroes(20 * K64, 3 * K64, true).join();

        assertThat(((TrackedDevice) device).metaContexts()).containsExactly("qemu:dirty-bitmap:b0");
        assertThat(((TrackedDevice) device).metaContextStatus("qemu:dirty-bitmap:b0", 0, 24 * K64).join())
                .containsExactly(dirty(2 * K64), clean(8 * K64), dirty(K64), clean(9 * K64), dirty(3 * K64), clean(K64));
        bitmaps.close();

        DirtyBitmaps again = DirtyBitmaps.open(dir);
        assertThat(again.list("vg/lv")).singleElement().satisfies(b -> {
            assertThat(b.inconsistent()).isFalse();
            assertThat(b.dirtyBytes()).isEqualTo(6 * K64);
        });
        assertThat(BitmapFile.read(dir.resolve("vg/lv/b0.bitmap")).inUse()).as("in use again once loaded").isTrue();
    }

    @Test
    void aBitmapLeftInUseLoadsInconsistentAndCanOnlyBeRemoved() throws IOException {
        DirtyBitmaps bitmaps = DirtyBitmaps.open(dir);
        bitmaps.add("vg/lv", "b0", 1 << 20);
        // no close: as if the daemon had been killed

        DirtyBitmaps after = DirtyBitmaps.open(dir);
        BlockDevice device = after.track("vg/lv", new MemoryBlockDevice("m", 1 << 20));
        assertThat(after.list("vg/lv")).singleElement().extracting(DirtyBitmap::inconsistent).isEqualTo(true);
        assertThat(((TrackedDevice) device).metaContexts()).isEmpty();
        assertThatThrownBy(() -> after.clear("vg/lv", "b0")).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.BITMAP_INCONSISTENT));
        after.remove("vg/lv", "b0");
        assertThat(Files.exists(dir.resolve("vg/lv/b0.bitmap"))).isFalse();
        assertThat(after.list("vg/lv")).isEmpty();
    }

    @Test
    void renamedBitmapsFollowTheLvAndKeepRecordingOldDevicesWritesWhileRemovedOnesAreGone() throws IOException {
        DirtyBitmaps bitmaps = DirtyBitmaps.open(dir);
        BlockDevice old = bitmaps.track("vg/a", new MemoryBlockDevice("m", 1 << 20));
        bitmaps.add("vg/a", "b0", 4096);
        BlockDevice renamed = bitmaps.track("vg/b", new MemoryBlockDevice("m", 1 << 20));
        bitmaps.rename("vg/a", "vg/b");
        old.write(0, ByteBuffer.allocate(1), false).join();
        renamed.write(8192, ByteBuffer.allocate(1), false).join();

        assertThat(bitmaps.list("vg/a")).isEmpty();
        assertThat(bitmaps.list("vg/b")).singleElement().extracting(DirtyBitmap::dirtyBytes).isEqualTo(8192L);
        assertThat(Files.exists(dir.resolve("vg/b/b0.bitmap"))).isTrue();

        bitmaps.drop("vg/b");
        assertThat(bitmaps.list("vg/b")).isEmpty();
        assertThat(Files.exists(dir.resolve("vg/b"))).isFalse();
        bitmaps.close();
        assertThat(DirtyBitmaps.open(dir).list("vg/b")).as("nothing comes back").isEmpty();
    }

    @Test
    void namesGranularitiesAndDuplicatesAreChecked() throws IOException {
        DirtyBitmaps bitmaps = DirtyBitmaps.open(dir);
        bitmaps.add("vg/lv", "b0", 4096);
        assertThatThrownBy(() -> bitmaps.add("vg/lv", "b0", 4096)).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.BITMAP_EXISTS));
        assertThatThrownBy(() -> bitmaps.add("vg/lv", "../x", 4096)).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_NAME));
        assertThatThrownBy(() -> bitmaps.add("vg/lv", "b1", 3000)).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> bitmaps.remove("vg/lv", "nope")).isInstanceOfSatisfying(VolumeException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.BITMAP_NOT_FOUND));
    }

    @Test
    void aCorruptFileIsRefused() throws IOException {
        DirtyBitmaps bitmaps = DirtyBitmaps.open(dir);
        bitmaps.add("vg/lv", "b0", 4096);
        Path file = dir.resolve("vg/lv/b0.bitmap");
        byte[] bytes = Files.readAllBytes(file);
        bytes[20] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(() -> DirtyBitmaps.open(dir)).isInstanceOf(IOException.class).hasMessageContaining("checksum");
    }

    private static BlockStatusExtent dirty(long length) {
        return new BlockStatusExtent(length, DirtyBitmap.DIRTY);
    }

    private static BlockStatusExtent clean(long length) {
        return new BlockStatusExtent(length, 0);
    }
}
