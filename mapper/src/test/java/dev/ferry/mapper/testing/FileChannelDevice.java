package dev.ferry.mapper.testing;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * A minimal test-only FileChannel device for benchmarks and real-file tests (positional I/O on an executor; every range
 * reported as data), standing in until FileBlockDevice is on main.
 */
public final class FileChannelDevice implements BlockDevice {

    /** A blocking step of an operation. */
    @FunctionalInterface
    private interface IoStep {
        void run() throws IOException;
    }

    private final Path path;
    private final FileChannel channel;
    private final ExecutorService executor;
    private final long size;

    public FileChannelDevice(Path path, ExecutorService executor) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.executor = executor;
        this.size = channel.size();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return run(() -> {
            ByteBuffer b = dst.duplicate();
            long pos = offset;
            while (b.hasRemaining()) {
                int n = channel.read(b, pos);
                if (n < 0) {
                    throw new IOException("short read at " + pos);
                }
                pos += n;
            }
        });
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return run(() -> {
            ByteBuffer b = src.duplicate();
            long pos = offset;
            while (b.hasRemaining()) {
                pos += channel.write(b, pos);
            }
            if (fua) {
                channel.force(false);
            }
        });
    }

    @Override
    public CompletableFuture<Void> flush() {
        return run(() -> channel.force(false));
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return writeZeroes(offset, length, true);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return run(() -> {
            ByteBuffer zeroes = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
            for (long pos = offset; pos < offset + length;) {
                zeroes.clear().limit((int) Math.min(zeroes.capacity(), offset + length - pos));
                pos += channel.write(zeroes, pos);
            }
        });
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return CompletableFuture.completedFuture(List.of(Extent.data(offset, length)));
    }

    @Override
    public String describe() {
        return "file:" + path;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private CompletableFuture<Void> run(IoStep step) {
        return CompletableFuture.runAsync(() -> {
            try {
                step.run();
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(
                        new BlockIoException(BlockIoException.Kind.IO_ERROR, describe() + ": " + e.getMessage(), e));
            }
        }, executor);
    }
}
