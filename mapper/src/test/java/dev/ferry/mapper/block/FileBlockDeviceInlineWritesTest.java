package dev.ferry.mapper.block;

import static dev.ferry.mapper.block.InlineWritesTest.onPermittedThread;
import static dev.ferry.mapper.block.TestIo.await;
import static dev.ferry.mapper.block.TestIo.failure;
import static dev.ferry.mapper.block.TestIo.random;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileBlockDevice} with {@link InlineWrites} on a real file: which writes run on the calling thread (done when
 * {@code write} returns, nothing handed to the executor) and which are handed off, and that both land.
 */
class FileBlockDeviceInlineWritesTest {

    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;
    private final Queue<Runnable> handedOff = new ArrayDeque<>();
    private FileBlockDevice device;

    @BeforeEach
    void open() throws Exception {
        device = FileBlockDevice.createSparse(dir.resolve("pv.img"), SIZE, false, handedOff::add);
    }

    @AfterEach
    void close() {
        runHandedOff();
        device.close();
    }

    /** The file's bytes, read past the device (whose reads would wait in the queue). */
    private byte[] onFile(long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(device.path())) {
            ByteBuffer b = ByteBuffer.allocate(length);
            ch.read(b, offset);
            return b.array();
        }
    }

    private void runHandedOff() {
        for (Runnable r = handedOff.poll(); r != null; r = handedOff.poll()) {
            r.run();
        }
    }

    @Test
    void aPageAlignedWriteOnAPermittedThreadIsDoneWhenWriteReturnsWithoutTheExecutor() throws Exception {
        byte[] data = random(new Random(11), 3 * 4096);
        CompletableFuture<Void> write = onPermittedThread(() -> device.write(8192, ByteBuffer.wrap(data), false));
        assertThat(write).isCompleted();
        assertThat(handedOff).isEmpty();
        assertThat(onFile(8192, data.length)).containsExactly(data);
    }

    @Test
    void fuaUnalignedAndUnpermittedWritesAreHandedOffAndLand() throws Exception {
        byte[] data = random(new Random(12), 4096);
        CompletableFuture<Void> fua = onPermittedThread(() -> device.write(0, ByteBuffer.wrap(data), true));
        CompletableFuture<Void> unaligned = onPermittedThread(() -> device.write(4096 + 512, ByteBuffer.wrap(data),
                false));
        CompletableFuture<Void> unpermitted = device.write(3 * 4096 + 4096, ByteBuffer.wrap(data), false);
        assertThat(handedOff).hasSize(3);
        assertThat(fua).isNotDone();
        assertThat(unaligned).isNotDone();
        assertThat(unpermitted).isNotDone();
        runHandedOff();
        await(fua);
        await(unaligned);
        await(unpermitted);
        assertThat(onFile(0, 4096)).containsExactly(data);
        assertThat(onFile(4096 + 512, 4096)).containsExactly(data);
        assertThat(onFile(4 * 4096, 4096)).containsExactly(data);
    }

    @Test
    void anInlineWriteIsRefusedAsAHandedOffOneWould() throws Exception {
        try (FileBlockDevice ro = FileBlockDevice.open(device.path(), FileBlockDevice.Access.READ_ONLY,
                handedOff::add)) {
            CompletableFuture<Void> refused = onPermittedThread(() -> ro.write(0, ByteBuffer.allocate(4096), false));
            assertThat(failure(refused).kind()).isEqualTo(BlockIoException.Kind.READ_ONLY);
        }
        CompletableFuture<Void> outside = onPermittedThread(() -> device.write(SIZE, ByteBuffer.allocate(4096), false));
        assertThat(failure(outside).kind()).isEqualTo(BlockIoException.Kind.INVALID);
        await(device.closeAsync());
        CompletableFuture<Void> closed = onPermittedThread(() -> device.write(0, ByteBuffer.allocate(4096), false));
        assertThat(failure(closed).kind()).isEqualTo(BlockIoException.Kind.SHUTDOWN);
        assertThat(handedOff).isEmpty();
    }
}
