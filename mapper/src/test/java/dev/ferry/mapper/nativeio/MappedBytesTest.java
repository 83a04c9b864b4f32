package dev.ferry.mapper.nativeio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MappedBytes} over real files: only ranges the page cache holds are mapped, at any offset. */
class MappedBytesTest {

    @TempDir
    Path dir;

    @Test
    void aCachedRangeAtAnUnalignedOffsetIsMappedWithTheFilesBytes() throws Exception {
        Path f = dir.resolve("cached");
        byte[] data = new byte[512 * 1024];
        new java.util.Random(3).nextBytes(data);
        Files.write(f, data);
        try (FileChannel channel = FileChannel.open(f, StandardOpenOption.READ)) {
            Optional<MappedBytes> mapped = MappedBytes.mapResident(channel, 4096 + 100, 200_000);
            assertThat(mapped).isPresent();
            try (MappedBytes m = mapped.get()) {
                ByteBuffer bytes = m.bytes();
                assertThat(m.length()).isEqualTo(200_000);
                assertThat(bytes.remaining()).isEqualTo(200_000);
                byte[] seen = new byte[200_000];
                bytes.get(seen);
                assertThat(seen).isEqualTo(java.util.Arrays.copyOfRange(data, 4196, 4196 + 200_000));
                m.close(); // a second close (try-with-resources) does nothing
            }
        }
    }

    @Test
    void aRangeThePageCacheDroppedIsNotMapped() throws Exception {
        Path f = dir.resolve("dropped");
        Files.write(f, new byte[256 * 1024]);
        NativeIo io = NativeIo.get();
        try (OwnedFd fd = io.open(f, false); FileChannel channel = FileChannel.open(f, StandardOpenOption.READ)) {
            io.fdatasync(fd);
            io.fadvise(fd, 0, 0, Advice.DONTNEED);
            assertThat(MappedBytes.mapResident(channel, 0, 256 * 1024)).isEmpty();
        }
    }

    @Test
    void anEmptyRangeIsRefused() throws Exception {
        Path f = dir.resolve("empty");
        Files.write(f, new byte[4096]);
        try (FileChannel channel = FileChannel.open(f, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> MappedBytes.mapResident(channel, 0, 0))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
