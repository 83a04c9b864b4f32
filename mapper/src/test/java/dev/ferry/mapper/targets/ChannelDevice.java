package dev.ferry.mapper.targets;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A minimal synchronous device on a real file that offers file spans and counts open pins; for tests. */
public final class ChannelDevice implements BlockDevice {

    private final FileChannel channel;
    private final long size;
    private final AtomicInteger pins = new AtomicInteger();
    private final FileSpan.AllocationProbe probe = (position, length) -> List.of(Extent.data(position, length));

    /** Opens (creating) {@code file} with {@code size} bytes. */
    public ChannelDevice(Path file, long size) {
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            this.size = size;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Spans handed out and not yet closed. */
    public int pins() {
        return pins.get();
    }

    /** The allocation probe of this device's spans (all data). */
    public FileSpan.AllocationProbe probe() {
        return probe;
    }

    /** The channel. */
    public FileChannel channel() {
        return channel;
    }

    private CompletableFuture<Void> io(IoAction a) {
        try {
            a.run();
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.IO_ERROR, e.toString(), e));
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return io(() -> {
            ByteBuffer b = dst.duplicate();
            while (b.hasRemaining()) {
                if (channel.read(b, offset + b.position() - dst.position()) < 0) {
                    while (b.hasRemaining()) {
                        b.put((byte) 0);
                    }
                }
            }
        });
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return io(() -> {
            ByteBuffer b = src.duplicate();
            while (b.hasRemaining()) {
                channel.write(b, offset + b.position() - src.position());
            }
        });
    }

    @Override
    public CompletableFuture<Void> flush() {
        return io(() -> channel.force(false));
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return writeZeroes(offset, length, true);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return write(offset, ByteBuffer.allocate((int) length), false);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return CompletableFuture.completedFuture(List.of(Extent.data(offset, length)));
    }

    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        pins.incrementAndGet();
        return Optional.of(new FileSpan(channel, offset, length, pins::decrementAndGet, probe));
    }

    @Override
    public String describe() {
        return "channel";
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
